package entity

import (
	"math"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"一百二十", "一百二", "三千零五", "零点五", "two oh two four", "a hundred and seventy", "1,200", "3.5",
	"二零二四一一二五零零零零一", "2024一一25 00001", "double oh seven", "一米六五", "5'3", "9 stone 4",
	"嗯我一米六五 一百二十来斤 穿那条牛仔裤要多大的", "i'm uh five foot four and about a hundred and twenty pounds",
	"尾号1234", "那件还有XL的吗", "两个X", "point point", "一点点", "亿万", "and and", "double",
	"１２０斤", "five foot", "1.2.3", "9999999999999999999999", "千万亿十百",
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseNumber(s)
		if ok && (math.IsNaN(v) || v < 0) {
			t.Errorf("ParseNumber(%q) = %v", s, v)
		}
		if !ok && v != 0 {
			t.Errorf("ParseNumber(%q) = %v with !ok", s, v)
		}
	})
}

func FuzzDigits(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Digits(s)
		if !asciiDigits(d) {
			t.Errorf("Digits(%q) = %q", s, d)
		}
	})
}

func FuzzExtract(f *testing.F) {
	shop := demoShop(f)
	x := NewExtractor(shop)
	for _, s := range fuzzSeeds {
		f.Add(s, "zh")
		f.Add(s, "en")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		got := x.Extract(s, lang)
		if !asciiDigits(got.Digits) || !asciiDigits(got.OrderNumber) || !asciiDigits(got.Phone4) {
			t.Errorf("Extract(%q): digits not ASCII: %+v", s, got)
		}
		if got.Phone4 != "" && len(got.Phone4) != 4 {
			t.Errorf("Extract(%q): Phone4 %q", s, got.Phone4)
		}
		if h := got.HeightCM; h != 0 && (h < minHeightCM || h > maxHeightCM) {
			t.Errorf("Extract(%q): height %v", s, h)
		}
		if w := got.WeightKG; w != 0 && (w < minWeightKG || w > maxWeightKG) {
			t.Errorf("Extract(%q): weight %v", s, w)
		}
		if got.ProductID != "" && shop.Product(got.ProductID) == nil {
			t.Errorf("Extract(%q): unknown product %q", s, got.ProductID)
		}
		if got.ProductID != "" && got.ProductRef {
			t.Errorf("Extract(%q): product and ref both set", s)
		}
		for _, v := range got.Numbers {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("Extract(%q): number %v", s, v)
			}
		}
		if !utf8.ValidString(got.Color) || !utf8.ValidString(got.Size) {
			t.Errorf("Extract(%q): invalid utf8 %+v", s, got)
		}
	})
}

func asciiDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func BenchmarkExtract(b *testing.B) {
	x := NewExtractor(demoShop(b))
	for _, bc := range []struct{ name, text, lang string }{
		{"zh", "嗯我一米六五 一百二十来斤 穿那条牛仔裤要多大的", "zh"},
		{"zh_order", "我的订单号是二零二四 一一二五 零零零零一 手机尾号一二三四", "zh"},
		{"en", "i'm uh five foot four and about a hundred and twenty pounds which size of the jeans", "en"},
		{"en_order", "order number two zero two four one one two five zero zero zero zero three", "en"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x.Extract(bc.text, bc.lang)
			}
		})
	}
}

func BenchmarkParseNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseNumber("一百二十三")
		ParseNumber("one hundred and twenty")
	}
}
