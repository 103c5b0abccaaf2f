package entity

import "testing"

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"一百二十", 120, true},
		{"两百", 200, true},
		{"一百二", 120, true},
		{"三千零五", 3005, true},
		{"十五", 15, true},
		{"二十一", 21, true},
		{"二十", 20, true},
		{"十", 10, true},
		{"零点五", 0.5, true},
		{"三点五", 3.5, true},
		{"一百零五", 105, true},
		{"一千二百五", 1250, true},
		{"三千五", 3500, true},
		{"一万二", 12000, true},
		{"两万五千", 25000, true},
		{"二十五万", 250000, true},
		{"一亿两千万", 120000000, true},
		{"一千零一十", 1010, true},
		{"一六五", 165, true},
		{"二零二四", 2024, true},
		{"１２０", 120, true},
		{"120", 120, true},
		{"1,200", 1200, true},
		{"3.5", 3.5, true},
		{"3千", 3000, true},
		{"one hundred and twenty", 120, true},
		{"twenty-one", 21, true},
		{"twenty one", 21, true},
		{"a hundred", 100, true},
		{"a hundred and seventy", 170, true},
		{"one thousand two hundred", 1200, true},
		{"two thousand and five", 2005, true},
		{"seventeen", 17, true},
		{"forty", 40, true},
		{"five", 5, true},
		{"zero", 0, true},
		{"three point five", 3.5, true},
		{"two oh two four", 2024, true},
		{"twenty twenty four", 2024, true},
		{"double five", 55, true},
		{"a dozen", 12, true},
		{"One Hundred", 100, true},
		{"", 0, false},
		{"hello", 0, false},
		{"一米六", 0, false},
		{"百", 100, true},
		{"one and", 0, false},
		{"point", 0, false},
		{"三四十", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseNumber(tt.in)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"二零二四一一二五零零零零一", "2024112500001"},
		{"幺三八", "138"},
		{"妖妖零", "110"},
		{"两洞拐", "207"},
		{"〇一二", "012"},
		{"two oh two four one one two five oh oh oh oh one", "2024112500001"},
		{"double oh seven", "007"},
		{"double zero", "00"},
		{"one double oh double oh five", "100005"},
		{"triple five", "555"},
		{"2024一一25 00001", "2024112500001"},
		{"二零二四 嗯 一一二五 零零零零一", "2024112500001"},
		{"one two, three four", "1234"},
		{"二十", "20"},
		{"一三八十二", "1382"},
		{"ｏｎｅ two", "12"},
		{"no digits here", ""},
		{"我的订单号是二零二四 一一二五 零零零零一", "2024112500001"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Digits(tt.in); got != tt.want {
				t.Errorf("Digits(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
