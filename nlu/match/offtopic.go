package match

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/normalize"
)

// Off-topic vocabulary (lexicon/offtopic_zh.txt, lexicon/offtopic_en.txt):
// everyday words from domains an online shop never handles (weather,
// transport, health, money and bills, government services, food,
// entertainment, school, pets, repairs). A query that uses them is more
// likely out of scope; the out-of-scope model learns how much that counts.
// General knowledge, no shop or FAQ named.

type offTopicVocab struct {
	zhByFirst map[rune][]string // zh words by first rune
	en        map[string]bool
	enMembers map[string]bool // multi-word English concept members, normalized
}

var offTopic = sync.OnceValue(func() offTopicVocab {
	v := offTopicVocab{zhByFirst: map[rune][]string{}, en: map[string]bool{}}
	for _, w := range readWords("offtopic_zh") {
		for _, r := range w {
			v.zhByFirst[r] = append(v.zhByFirst[r], w)
			break
		}
	}
	for _, w := range readWords("offtopic_en") {
		v.en[w] = true
	}
	v.enMembers = map[string]bool{}
	for _, ms := range readLexicon("en") {
		for _, m := range ms {
			if n := normalize.Normalize(m, "en"); strings.Contains(n, " ") {
				v.enMembers[n] = true
			}
		}
	}
	return v
})

// readWords returns the whitespace-separated words of an embedded lexicon
// file, without comment lines.
func readWords(name string) []string {
	data, err := lexiconFS.ReadFile("lexicon/" + name + ".txt")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
			continue
		}
		out = append(out, strings.Fields(strings.ToLower(line))...)
	}
	return out
}

// eachOffTopic calls fn for each off-topic word of normalized text that is
// not part of a longer shop concept member ("银行" counts, "银行卡" does not;
// "bank" counts, "bank transfer" does not).
func eachOffTopic(text, lang string, fn func(w string)) {
	v := offTopic()
	if lang == "en" {
		words := strings.Fields(text)
		for i, w := range words {
			if v.en[w] && !inMemberEN(words, i, v.enMembers) {
				fn(w)
			}
		}
		return
	}
	zh, _ := conceptIndexes()
	for i, r := range text {
		for _, w := range v.zhByFirst[r] {
			if strings.HasPrefix(text[i:], w) {
				if !inMemberZH(text, i, i+len(w), zh) {
					fn(w)
				}
				break
			}
		}
	}
}

// inMemberZH reports whether a concept member longer than text[start:end]
// covers it.
func inMemberZH(text string, start, end int, ci *conceptIndex) bool {
	for j := max(0, start-9); j <= start; j++ {
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		for _, m := range ci.byFirst[r] {
			if j+len(m.text) >= end && len(m.text) > end-start && strings.HasPrefix(text[j:], m.text) {
				return true
			}
		}
	}
	return false
}

// inMemberEN reports whether words[i] is inside a multi-word concept member
// (as written, normalized) of up to three words.
func inMemberEN(words []string, i int, members map[string]bool) bool {
	for n := 2; n <= 3; n++ {
		for s := max(0, i-n+1); s <= i && s+n <= len(words); s++ {
			if members[strings.Join(words[s:s+n], " ")] {
				return true
			}
		}
	}
	return false
}

// offTopicHits counts off-topic words in normalized text, except those in
// shopWords (off-topic words the shop's own texts use: a grocery shop talks
// about rice).
func offTopicHits(text, lang string, shopWords map[string]bool) int {
	n := 0
	eachOffTopic(text, lang, func(w string) {
		if !shopWords[w] {
			n++
		}
	})
	return n
}

// offTopicInShop returns the off-topic words that the corpus's texts in
// lang use on their own (not inside a concept member).
func offTopicInShop(c *corpus, lang string) map[string]bool {
	out := map[string]bool{}
	add := func(w string) { out[w] = true }
	for _, d := range c.docs {
		if d.lang == lang {
			eachOffTopic(d.text, lang, add)
		}
	}
	for _, p := range c.products[lang] {
		eachOffTopic(p, lang, add)
	}
	return out
}
