package match

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/normalize"
)

// Hard negatives: the out-of-scope questions a matcher accepts are mostly
// near misses that reuse the shop's words for something else ("the number
// of the bank", "my neighbour's parcel", "do you repair phones"). The
// general sample (oosSample) rarely uses a shop's words, so the scope model
// never sees such questions. hardNegativeGroups builds them at index time
// from the shop itself: the key words its FAQ questions and phrasings use
// most widely (shopKeyWords) go into general off-topic frames
// (lexicon/frames_*.txt). They join the scope model's negatives, and two
// features come from them: frame words the top FAQ does not use
// (frameVocab) and the cosine to the nearest negative (negatives.go).

// Limits on the generated negatives.
const (
	hardNegWords    = 40 // shop words used as fillers, most widespread first
	hardNegPerFrame = 3  // fillings of each frame with a slot
)

// frameSlot is the placeholder of a frame.
const frameSlot = "{x}"

// hardNegativeGroups returns the hard negatives of lang grouped by frame.
func hardNegativeGroups(c *corpus, lang string) [][]string {
	words := shopKeyWords(c, lang)
	var out [][]string
	k := 0
	for _, f := range readLines("frames_" + lang) {
		if !strings.Contains(f, frameSlot) {
			if s := normalize.Normalize(f, lang); s != "" {
				out = append(out, []string{s})
			}
			continue
		}
		var g []string
		for range min(hardNegPerFrame, len(words)) {
			w := words[k%len(words)]
			k++
			if lang == "en" {
				w = " " + w + " "
			}
			if s := normalize.Normalize(strings.ReplaceAll(f, frameSlot, w), lang); s != "" {
				g = append(g, s)
			}
		}
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// shopKeyWords returns the shop's key words in lang, ordered by how many
// FAQs' questions and phrasings use them, at most hardNegWords. English:
// the words that follow a determiner ("the parcel", "my order"), which are
// mostly nouns. Chinese: concept members of two to four characters the
// texts use, without grammatical particles and question words.
func shopKeyWords(c *corpus, lang string) []string {
	faqs := map[string]map[int]bool{}
	add := func(w string, faq int) {
		if faqs[w] == nil {
			faqs[w] = map[int]bool{}
		}
		faqs[w][faq] = true
	}
	for _, d := range c.docs {
		if d.lang != lang || d.kind == docAnswer {
			continue
		}
		if lang == "en" {
			ws := strings.Fields(d.text)
			for i := 1; i < len(ws); i++ {
				if determiners[ws[i-1]] && !stopwords[ws[i]] && len(ws[i]) > 2 {
					add(ws[i], d.faq)
				}
			}
			continue
		}
		for _, m := range zhKeyMembers() {
			if strings.Contains(d.text, m) {
				add(m, d.faq)
			}
		}
	}
	type cand struct {
		text string
		faqs int
	}
	var cands []cand
	for w, fs := range faqs {
		cands = append(cands, cand{w, len(fs)})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.faqs != b.faqs {
			return b.faqs - a.faqs
		}
		return strings.Compare(a.text, b.text)
	})
	var out []string
	for _, c := range cands[:min(len(cands), hardNegWords)] {
		out = append(out, c.text)
	}
	return out
}

// determiners precede the nouns shopKeyWords takes from English texts.
var determiners = map[string]bool{"the": true, "my": true, "your": true, "a": true, "an": true, "our": true, "this": true, "that": true}

// zhFunction are characters that mark a Chinese concept member as wording
// rather than a thing (particles, negation, question words).
const zhFunction = "了吗呢吧啊么不没什怎几多哪太还能会要给到"

// zhKeyMembers are the Chinese concept members, normalized, that may be key
// words (keyWordShape).
var zhKeyMembers = sync.OnceValue(func() []string {
	var out []string
	seen := map[string]bool{}
	for _, members := range readLexicon("zh") {
		for _, m := range members {
			if n := normalize.Normalize(m, "zh"); keyWordShape(n) && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
})

func keyWordShape(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 2 && n <= 4 && !strings.ContainsAny(s, zhFunction)
}

// readLines returns the non-comment lines of an embedded lexicon file.
func readLines(name string) []string {
	data, err := lexiconFS.ReadFile("lexicon/" + name + ".txt")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && line[0] != '#' {
			out = append(out, line)
		}
	}
	return out
}

// frameShare is the largest share of FAQs whose texts may use a frame unit
// for it to count: units most FAQs use ("你们", "order") say nothing.
const frameShare = 0.2

// frameVocab is the vocabulary of the off-topic frames (lexicon/frames_*.txt)
// in one language: English word stems, Chinese character bigrams. A query
// that uses frame units its top FAQ's texts do not ("neighbour", "son",
// "上门修" against the hotline FAQ) talks like an off-topic frame; the scope
// model learns how much that counts.
type frameVocab struct {
	units map[string]bool
	// docs[f][u] is the number of FAQ f's texts that use unit u.
	docs []map[string]int
}

func newFrameVocab(c *corpus, lang string) frameVocab {
	v := frameVocab{units: map[string]bool{}, docs: make([]map[string]int, len(c.faqs))}
	for _, f := range readLines("frames_" + lang) {
		for _, part := range strings.Split(f, frameSlot) {
			eachFrameUnit(normalize.Normalize(part, lang), lang, func(u string) { v.units[u] = true })
		}
	}
	for _, d := range c.docs {
		if d.lang != lang {
			continue
		}
		seen := map[string]bool{}
		eachFrameUnit(d.text, lang, func(u string) {
			if v.units[u] && !seen[u] {
				seen[u] = true
				if v.docs[d.faq] == nil {
					v.docs[d.faq] = map[string]int{}
				}
				v.docs[d.faq][u]++
			}
		})
	}
	faqs := map[string]int{}
	for _, m := range v.docs {
		for u := range m {
			faqs[u]++
		}
	}
	for u, n := range faqs {
		if float64(n) > frameShare*float64(len(c.faqs)) {
			delete(v.units, u)
		}
	}
	return v
}

// hits counts the distinct frame units of normalized text that FAQ faq's
// texts do not use, not counting doc exclude (-1 for none).
func (v *frameVocab) hits(text, lang string, faq int, exclude int, excludeText string) int {
	if len(v.units) == 0 {
		return 0
	}
	var own map[string]bool
	if exclude >= 0 {
		own = map[string]bool{}
		eachFrameUnit(excludeText, lang, func(u string) { own[u] = true })
	}
	seen := map[string]bool{}
	eachFrameUnit(text, lang, func(u string) {
		if !v.units[u] || seen[u] {
			return
		}
		n := 0
		if faq >= 0 && faq < len(v.docs) {
			n = v.docs[faq][u]
		}
		if own[u] {
			n--
		}
		if n <= 0 {
			seen[u] = true
		}
	})
	return len(seen)
}

// eachFrameUnit calls fn for each unit of normalized text: non-stopword
// stems (en) or bigrams of Han characters (zh).
func eachFrameUnit(text, lang string, fn func(u string)) {
	if lang == "en" {
		for _, w := range strings.Fields(text) {
			if !stopwords[w] {
				fn(stemEN(w))
			}
		}
		return
	}
	prev := rune(0)
	for _, r := range text {
		if !normalize.IsHan(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			fn(string([]rune{prev, r}))
		}
		prev = r
	}
}
