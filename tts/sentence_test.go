package tts

import (
	"reflect"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name, lang, text string
		want             []string
	}{
		{"empty", LangEn, "  ", nil},
		{"en one", LangEn, "Hello there", []string{"Hello there"}},
		{"en three", LangEn, "Hi. We ship in 2 days! Anything else?", []string{"Hi.", "We ship in 2 days!", "Anything else?"}},
		{"en decimal and domain", LangEn, "It costs 3.5 dollars on callbee.com. Thanks.", []string{"It costs 3.5 dollars on callbee.com.", "Thanks."}},
		{"en closing quote", LangEn, `He said "Stop." Then he left.`, []string{`He said "Stop."`, "Then he left."}},
		{"en short comma kept", LangEn, "Yes, we do.", []string{"Yes, we do."}},
		{"en long clause", LangEn, strings.Repeat("word ", 17) + "end, and then the rest.", []string{strings.Repeat("word ", 17) + "end,", "and then the rest."}},
		{"zh three", LangZh, "您好！我们两天内发货。还有别的问题吗？", []string{"您好！", "我们两天内发货。", "还有别的问题吗？"}},
		{"zh short comma kept", LangZh, "好的，马上处理。", []string{"好的，马上处理。"}},
		{"zh long clause", LangZh, "您的订单已经从杭州仓库发出了快递，预计后天到达。", []string{"您的订单已经从杭州仓库发出了快递，", "预计后天到达。"}},
		{"zh closing bracket", LangZh, "请说“退货。”然后按井号。", []string{"请说“退货。”", "然后按井号。"}},
		{"zh semicolon", LangZh, "尺码偏小；建议选大一号", []string{"尺码偏小；", "建议选大一号"}},
		{"zh ascii punctuation", LangZh, "好的!马上.", []string{"好的!", "马上."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sentences(tt.text, tt.lang)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sentences(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSentencesMaxLength(t *testing.T) {
	for _, lang := range []string{LangEn, LangZh} {
		text := strings.Repeat("abc ", 300)
		if lang == LangZh {
			text = strings.Repeat("我们", 300)
		}
		got := Sentences(text, lang)
		sep := " "
		if lang == LangZh {
			sep = ""
		}
		if j := strings.Join(got, sep); j != strings.TrimSpace(text) {
			t.Errorf("%s: joined pieces differ from text", lang)
		}
		for _, s := range got {
			if n := len([]rune(s)); n > MaxSentence {
				t.Errorf("%s: piece of %d runes > MaxSentence", lang, n)
			}
		}
	}
}

func FuzzSentences(f *testing.F) {
	f.Add("您好！我们两天内发货。", LangZh)
	f.Add(`He said "Stop." Then 3.5`, LangEn)
	f.Fuzz(func(t *testing.T, text, lang string) {
		for _, s := range Sentences(text, lang) {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("bad piece %q", s)
			}
		}
	})
}
