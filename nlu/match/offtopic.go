package match

import (
	"strings"
	"sync"
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

// offTopicHits counts off-topic words in normalized text, except those in
// shopWords (off-topic words the shop's own texts use: a grocery shop talks
// about rice).
func offTopicHits(text, lang string, shopWords map[string]bool) int {
	v := offTopic()
	n := 0
	if lang == "en" {
		for _, w := range strings.Fields(text) {
			if v.en[w] && !shopWords[w] {
				n++
			}
		}
		return n
	}
	for i, r := range text {
		for _, w := range v.zhByFirst[r] {
			if strings.HasPrefix(text[i:], w) && !shopWords[w] {
				n++
				break
			}
		}
	}
	return n
}

// offTopicInShop returns the off-topic words that the corpus's texts in
// lang use.
func offTopicInShop(c *corpus, lang string) map[string]bool {
	v := offTopic()
	out := map[string]bool{}
	add := func(text string) {
		if lang == "en" {
			for _, w := range strings.Fields(text) {
				if v.en[w] {
					out[w] = true
				}
			}
			return
		}
		for i, r := range text {
			for _, w := range v.zhByFirst[r] {
				if strings.HasPrefix(text[i:], w) {
					out[w] = true
				}
			}
		}
	}
	for _, d := range c.docs {
		if d.lang == lang {
			add(d.text)
		}
	}
	for _, p := range c.products[lang] {
		add(p)
	}
	return out
}
