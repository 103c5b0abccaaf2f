package entity

import "testing"

func TestExpandRepeats(t *testing.T) {
	tests := []struct{ in, want string }{
		{"二零二四幺幺二五 四个零 然后是个九", "二零二四幺幺二五零零零零 然后是个九"},
		{"尾号是两个八一个三", "尾号是八八一个三"},
		{"我买了两个", "我买了两个"},
		{"two zero two four one one two five four zeros and a four", "two zero two four one one two five zero zero zero zero and a four"},
		{"three noughts", "zero zero zero"},
		{"i have two sons", "i have two sons"},
		{"号码是 二 零 二 四 幺 幺 二 五 零 零 零 零 幺 你记一下", "号码是 二零二四幺幺二五零零零零幺 你记一下"},
	}
	for _, tc := range tests {
		if got := expandRepeats(tc.in); got != tc.want {
			t.Errorf("expandRepeats(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
