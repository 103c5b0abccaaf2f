package match

import (
	"strings"

	gopinyin "github.com/mozillazg/go-pinyin"
)

// pinyinTable maps Han characters to a fuzzy toneless syllable, so that ASR
// homophones (发获/发货, 退宽/退款) and common accent merges (zh/z, ch/c,
// sh/s, n/l, -ng/-n) share features. Characters of the shop are cached at
// build time; others are looked up in go-pinyin's table on demand.
type pinyinTable struct {
	cache map[string]string // Han character -> fuzzy syllable ("" if unknown)
}

func newPinyinTable() *pinyinTable { return &pinyinTable{cache: make(map[string]string, 1024)} }

// add caches the syllables of every Han character in s. Not safe for
// concurrent use; call only while building.
func (t *pinyinTable) add(s string) {
	for _, r := range s {
		c := string(r)
		if _, ok := t.cache[c]; !ok {
			t.cache[c] = fuzzySyllable(r)
		}
	}
}

// get returns the fuzzy syllable of one Han character given as a string.
func (t *pinyinTable) get(c string) string {
	if s, ok := t.cache[c]; ok {
		return s
	}
	for _, r := range c {
		return fuzzySyllable(r)
	}
	return ""
}

var toneless = strings.NewReplacer(
	"ā", "a", "á", "a", "ǎ", "a", "à", "a",
	"ē", "e", "é", "e", "ě", "e", "è", "e", "ê", "e", "ế", "e", "ề", "e",
	"ī", "i", "í", "i", "ǐ", "i", "ì", "i",
	"ō", "o", "ó", "o", "ǒ", "o", "ò", "o",
	"ū", "u", "ú", "u", "ǔ", "u", "ù", "u",
	"ǖ", "v", "ǘ", "v", "ǚ", "v", "ǜ", "v", "ü", "v",
	"ń", "n", "ň", "n", "ǹ", "n", "ḿ", "m", "m̀", "m",
)

// fuzzySyllable returns the first reading of r without tone, with accent
// merges applied, or "" when r has no reading.
func fuzzySyllable(r rune) string {
	s, ok := gopinyin.PinyinDict[int(r)]
	if !ok {
		return ""
	}
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	s = toneless.Replace(s)
	switch {
	case strings.HasPrefix(s, "zh"), strings.HasPrefix(s, "ch"), strings.HasPrefix(s, "sh"):
		s = s[:1] + s[2:]
	case strings.HasPrefix(s, "l"):
		s = "n" + s[1:]
	}
	if strings.HasSuffix(s, "ng") && len(s) > 2 {
		s = s[:len(s)-1]
	}
	return s
}
