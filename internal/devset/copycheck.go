package devset

import (
	"strings"
	"unicode"

	"github.com/callbee/callbee/kb"
)

// CopyThreshold is the character-bigram Jaccard similarity at or above which a
// dev utterance counts as a light edit of a shop question or phrasing.
const CopyThreshold = 0.8

// Copy is a dev utterance that repeats, or nearly repeats, shop training text.
type Copy struct {
	Lang       string  `json:"lang"`
	Text       string  `json:"text"`
	FAQ        string  `json:"faq"`        // FAQ whose question or phrasing it resembles
	ShopText   string  `json:"shop_text"`  // that question or phrasing
	Similarity float64 `json:"similarity"` // 1 for equal normalized forms
}

// Copies lists every utterance of s (singles and dialogue turns) whose
// normalized form equals a question or phrasing of shop in the same language,
// or whose character-bigram Jaccard similarity with one is at least threshold.
// A dev set must be written independently of the text the bot trains on, or it
// measures memory instead of understanding.
func Copies(shop *kb.Shop, s *Set, threshold float64) []Copy {
	type ref struct {
		faq, text, norm string
		grams           map[string]bool
	}
	refs := map[string][]ref{}
	for _, q := range shop.FAQs {
		for lang, t := range q.Question {
			n := Normalize(t)
			refs[lang] = append(refs[lang], ref{q.ID, t, n, bigrams(n)})
		}
		for lang, ts := range q.Phrasings {
			for _, t := range ts {
				n := Normalize(t)
				refs[lang] = append(refs[lang], ref{q.ID, t, n, bigrams(n)})
			}
		}
	}
	var out []Copy
	check := func(lang, text string) {
		n := Normalize(text)
		grams := bigrams(n)
		best := Copy{}
		for _, r := range refs[lang] {
			sim := 0.0
			if n == r.norm {
				sim = 1
			} else {
				sim = jaccard(n, r.norm, grams, r.grams)
			}
			if sim >= threshold && sim > best.Similarity {
				best = Copy{Lang: lang, Text: text, FAQ: r.faq, ShopText: r.text, Similarity: sim}
			}
		}
		if best.Similarity > 0 {
			out = append(out, best)
		}
	}
	for _, q := range s.Singles {
		check(q.Lang, q.Text)
	}
	for _, d := range s.Dialogues {
		for _, t := range d.Turns {
			if t.Text != "" {
				check(d.Lang, t.Text)
			}
		}
	}
	return out
}

// fillers are dropped by Normalize so that padding a shop phrasing with them
// does not hide a copy.
var fillers = map[string]bool{
	"uh": true, "um": true, "er": true, "erm": true, "oh": true, "well": true, "so": true,
	"please": true, "dear": true, "love": true,
}

var zhFillers = []string{"嗯", "啊", "呃", "那个", "就是", "哎", "呀", "吧", "呢", "啦", "嘛", "哦", "喂"}

// Normalize folds case and width, drops punctuation and common fillers, and
// joins the remaining words with single spaces.
func Normalize(s string) string {
	s = strings.ToLower(toHalfWidth(s))
	for _, f := range zhFillers {
		s = strings.ReplaceAll(s, f, " ")
	}
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := words[:0]
	for _, w := range words {
		w = strings.Trim(w, "'")
		if w == "" || fillers[w] {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// Similarity is the Jaccard similarity of the character-bigram sets of two
// normalized strings, spaces ignored. Strings too short for a bigram are
// similar only when equal.
func Similarity(a, b string) float64 { return jaccard(a, b, bigrams(a), bigrams(b)) }

func jaccard(a, b string, ba, bb map[string]bool) float64 {
	if len(ba) == 0 || len(bb) == 0 {
		if strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "") {
			return 1
		}
		return 0
	}
	inter := 0
	for g := range ba {
		if bb[g] {
			inter++
		}
	}
	return float64(inter) / float64(len(ba)+len(bb)-inter)
}

func bigrams(s string) map[string]bool {
	r := []rune(strings.ReplaceAll(s, " ", ""))
	m := make(map[string]bool, len(r))
	for i := 0; i+1 < len(r); i++ {
		m[string(r[i:i+2])] = true
	}
	return m
}

func toHalfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0x3000:
			return ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		}
		return r
	}, s)
}
