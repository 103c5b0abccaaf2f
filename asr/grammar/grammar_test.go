package grammar

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/kb/kbtest"
)

// Dictionaries used by the tests: Debian's CMU dictionary and the Mandarin
// one in ../shared/models.
const enDictPath = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

var (
	dictOnce sync.Once
	dicts    map[string]*Dict
)

func testDict(t testing.TB, lang string) *Dict {
	t.Helper()
	dictOnce.Do(func() {
		dicts = map[string]*Dict{}
		if d, err := LoadDict(enDictPath); err == nil {
			dicts["en"] = d
		}
		if p, ok := findUp(filepath.Join("shared", "models", "sphinx", "zh-cn-8k", "mandarin_notone.dic")); ok {
			if d, err := LoadDict(p); err == nil {
				dicts["zh"] = d
			}
		}
	})
	d := dicts[lang]
	if d == nil {
		t.Skipf("no %s pronunciation dictionary (install pocketsphinx-en-us; ../shared/models)", lang)
	}
	return d
}

func findUp(rel string) (string, bool) {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", false
		}
		dir = up
	}
}

func TestCompileDemoShop(t *testing.T) {
	shop := kbtest.DemoShop(t)
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			d := testDict(t, lang)
			set, err := Compile(shop, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d sentences, vocab %d, dropped %d tokens, missing %v, LM %d lines",
				lang, set.Stats.Sentences, set.Stats.Vocab, set.Stats.Dropped, set.Stats.Missing, set.Stats.LMNgrams)
			for _, s := range []string{asr.SearchDomain, asr.SearchDigits, asr.SearchYesNo} {
				if !strings.HasPrefix(set.Grammars[s], "#JSGF V1.0;") {
					t.Errorf("grammar %s missing", s)
				}
			}
			if !strings.HasPrefix(set.LM, "\\data\\") || !strings.HasSuffix(set.LM, "\\end\\\n") {
				t.Errorf("LM is not ARPA")
			}
			if set.Stats.Sentences < len(shop.FAQs) {
				t.Errorf("%d sentences for %d FAQs", set.Stats.Sentences, len(shop.FAQs))
			}
			// Every word in the grammar has a pronunciation in the small dict.
			small, err := ReadDict(strings.NewReader(set.Dict))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range set.Sentences {
				for _, w := range s {
					if !small.Has(w) {
						t.Errorf("word %q not in the written dictionary", w)
					}
				}
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		lang, in string
		want     []string
	}{
		{"en", "When will my order ship?", []string{"when", "will", "my", "order", "ship"}},
		{"en", "I'm 165 cm, 55 kg", []string{"i'm", "one", "hundred", "sixty", "five", "centimeters", "fifty", "five", "kilograms"}},
		{"en", "Is SF Express fast", []string{"is", "s", "f", "express", "fast"}},
		{"en", "order 2024112500001", []string{"order", "two", "zero", "two", "four", "one", "one", "two", "five", "zero", "zero", "zero", "zero", "one"}},
		{"en", "98% cotton", []string{"ninety", "eight", "percent", "cotton"}},
		{"zh", "什么时候发货？", nil}, // checked by splitting below
		{"zh", "我身高165", nil},
		{"zh", "XL码", nil},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.in, func(t *testing.T) {
			d := testDict(t, tt.lang)
			got, missing := d.Words(tt.in, tt.lang)
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.lang == "zh" {
				// Longest match must cover every Han character.
				joined := strings.Join(got, "")
				if len(missing) > 0 || joined == "" {
					t.Errorf("Words(%q) = %q missing %q", tt.in, got, missing)
				}
			}
			t.Logf("%q -> %q", tt.in, got)
		})
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		in     string
		en, zh string
	}{
		{"0", "zero", "零"},
		{"7", "seven", "七"},
		{"10", "ten", "十"},
		{"15", "fifteen", "十五"},
		{"48", "forty eight", "四十八"},
		{"105", "one hundred five", "一百零五"},
		{"199", "one hundred ninety nine", "一百九十九"},
		{"2026", "two thousand twenty six", "二千零二十六"},
		{"007", "zero zero seven", "零零七"},
	}
	for _, tt := range tests {
		if got := strings.Join(enNumber(tt.in), " "); got != tt.en {
			t.Errorf("enNumber(%s) = %q, want %q", tt.in, got, tt.en)
		}
		if got := zhNumber(tt.in); got != tt.zh {
			t.Errorf("zhNumber(%s) = %q, want %q", tt.in, got, tt.zh)
		}
	}
}

func TestDigitString(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"two", "oh", "two", "four"}, "2024"},
		{[]string{"my", "order", "is", "one", "nine"}, "19"},
		{[]string{"幺", "三", "零"}, "130"},
		{[]string{"二零", "二四"}, "2024"},
	}
	for _, tt := range tests {
		if got := DigitString(tt.in); got != tt.want {
			t.Errorf("DigitString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestARPASumsToOne(t *testing.T) {
	lm := newNgramLM()
	for _, s := range []string{"a b c", "a b d", "b c a", "c c"} {
		lm.Add(strings.Fields(s), 1)
	}
	var buf strings.Builder
	if err := lm.WriteARPA(&buf); err != nil {
		t.Fatal(err)
	}
	m := parseARPA(t, buf.String())
	vocab := []string{"a", "b", "c", "d", "</s>"}
	for _, h := range [][]string{{"<s>"}, {"a"}, {"d"}, {"a", "b"}, {"<s>", "a"}, {"c", "c"}} {
		var sum float64
		for _, w := range vocab {
			sum += m.prob(h, w)
		}
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("P(.|%v) sums to %.4f", h, sum)
		}
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"When will my order ship?", "我身高165，XL码", "98% cotton", "２０２４年", "I'm 5'4\"", "ＡＢＣ"} {
		f.Add(s)
	}
	en, _ := ReadDict(strings.NewReader("when W EH N\nmy M AY\nx EH K S\n"))
	zh, _ := ReadDict(strings.NewReader("我\tw o\n身高\tsh en g ao\nX.\tes ei k es\n一百\ty i b ai\n"))
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range append(en.enWordsChecked(t, s), zhWordsChecked(t, zh, s)...) {
			if w == "" {
				t.Fatalf("empty word from %q", s)
			}
		}
	})
}

func (d *Dict) enWordsChecked(t *testing.T, s string) []string {
	ws, _ := d.Words(s, "en")
	for _, w := range ws {
		if !d.Has(w) {
			t.Fatalf("en word %q from %q not in dictionary", w, s)
		}
	}
	return ws
}

func zhWordsChecked(t *testing.T, d *Dict, s string) []string {
	ws, _ := d.Words(s, "zh")
	for _, w := range ws {
		if !d.Has(w) {
			t.Fatalf("zh word %q from %q not in dictionary", w, s)
		}
	}
	return ws
}
