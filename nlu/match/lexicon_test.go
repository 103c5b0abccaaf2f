package match

import (
	"testing"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/normalize"
)

// TestLexiconFiles checks the embedded lexicons: every concept is broad
// (at least minMembers ways to say it) and no Chinese member collapses under
// normalization into a shorter, more general one ("东西呢" → "东西").
func TestLexiconFiles(t *testing.T) {
	const minMembers = 10
	for _, lang := range []string{"zh", "en"} {
		lex := readLexicon(lang)
		if len(lex) < 40 {
			t.Errorf("%s: %d concepts, want at least 40", lang, len(lex))
		}
		for name, ms := range lex {
			if name != blockConcept && len(ms) < minMembers {
				t.Errorf("%s concept %s: %d members, want at least %d", lang, name, len(ms), minMembers)
			}
			if lang != "zh" {
				continue
			}
			for _, m := range ms {
				n := normalize.Normalize(m, lang)
				if utf8.RuneCountInString(n) < 2 && utf8.RuneCountInString(m) > 1 {
					t.Errorf("zh concept %s: member %q normalizes to %q", name, m, n)
				}
			}
		}
	}
	for _, name := range []string{"oos_zh", "oos_en"} {
		if n := len(oosSample()[name[4:]]); n < 150 {
			t.Errorf("%s: %d sentences, want at least 150", name, n)
		}
	}
	if len(readWords("offtopic_zh")) < 100 || len(readWords("offtopic_en")) < 100 {
		t.Error("off-topic vocabularies too small")
	}
}

func TestParseLexicon(t *testing.T) {
	got := parseLexicon("# comment\n\nship: 发货 | 发出 |  \nbad line\n-: 不发\n")
	if len(got["ship"]) != 2 || got["ship"][1] != "发出" || len(got["-"]) != 1 || len(got) != 2 {
		t.Errorf("parseLexicon = %v", got)
	}
}
