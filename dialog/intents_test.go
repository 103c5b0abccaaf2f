package dialog

import "testing"

func TestWantsHuman(t *testing.T) {
	tests := []struct {
		lang, text string
		want       bool
	}{
		{"zh", "转人工", true},
		{"zh", "人工", true},
		{"zh", "给我找个真人来", true},
		{"zh", "我要人工客服", true},
		{"zh", "你是真人吗", false},
		{"zh", "不用转人工了", false},
		{"zh", "你们有人工客服吗", false},
		{"en", "agent", true},
		{"en", "actually just get me a person", true},
		{"en", "can i speak to a real person please", true},
		{"en", "put me through to someone", true},
		{"en", "are you a real person", false},
		{"en", "no need for an agent thanks", false},
		{"en", "is this a human", false},
		{"en", "when do you ship", false},
	}
	for _, tc := range tests {
		if got := wantsHuman(tc.text, tc.lang); got != tc.want {
			t.Errorf("wantsHuman(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestStripSalutation(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"en", "hiya just wondering where my pajamas have got to", "just wondering where my pajamas have got to"},
		{"en", "yeah hi hello where is my order", "where is my order"},
		{"en", "hello", ""},
		{"en", "history of the shop", "history of the shop"},
		{"zh", "喂 你好 请问什么时候发货", "什么时候发货"},
		{"zh", "你好", ""},
	}
	for _, tc := range tests {
		if got := stripSalutation(tc.in, tc.lang); got != tc.want {
			t.Errorf("stripSalutation(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
