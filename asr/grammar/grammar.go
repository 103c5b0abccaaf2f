// Package grammar compiles what a recogniser listens for from a shop: a
// strict JSGF grammar of the shop's FAQ questions and phrasings, product
// titles and aliases and yes/no (asr.SearchDomain); a broader
// trigram language model in ARPA text format over the same wording plus the
// FAQ answers and a general caller corpus of several hundred sentences per
// language (corpus/*.txt, asr.SearchLM); and the dialog-state
// grammars for digits (asr.SearchDigits) and yes/no (asr.SearchYesNo). It
// also writes the small pronunciation dictionary of every word used, so a
// decoder does not load the full one.
//
// Sentences become dictionary words by the rules of Dict.Words: Chinese is
// split by longest match against the dictionary; words the dictionary lacks
// are dropped and counted in Stats.
package grammar

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/kb"
)

// Weights of the LM training text (relative counts).
const (
	weightQuestion = 3 // FAQ questions, phrasings, product names
	weightAnswer   = 1 // FAQ answers (the shop's own wording)
	weightGeneral  = 1 // the general caller corpus
)

// Set is everything one language needs for the shop.
type Set struct {
	Lang string
	// Grammars holds JSGF text per search (asr.SearchDomain,
	// asr.SearchDigits, asr.SearchYesNo).
	Grammars map[string]string
	// LM is the ARPA text of the broad domain model (asr.SearchLM).
	LM string
	// Dict is the pronunciation dictionary of every word used.
	Dict string
	// Sentences are the domain sentences as dictionary words (for tests
	// and scoring).
	Sentences [][]string
	Stats     Stats
}

// Stats counts what compiling did.
type Stats struct {
	Sentences int      // domain grammar alternatives
	Vocab     int      // distinct words in the dictionary written
	Dropped   int      // word tokens dropped for lack of a pronunciation
	Missing   []string // distinct dropped words, sorted
	LMNgrams  int      // lines in the LM
}

// Compile builds the Set for lang ("zh" or "en") from the shop's active
// FAQs, products and orders, with pronunciations from dict.
func Compile(shop *kb.Shop, lang string, dict *Dict) (*Set, error) {
	if lang != asr.LangZH && lang != asr.LangEN {
		return nil, fmt.Errorf("grammar: %q: %w", lang, ErrLang)
	}
	if dict == nil || dict.Len() == 0 {
		return nil, fmt.Errorf("grammar: %w", ErrNoDict)
	}
	c := &compiler{lang: lang, dict: dict, vocab: map[string]bool{}, missing: map[string]bool{}, seen: map[string]bool{}}
	lm := newNgramLM()

	for _, q := range shop.ActiveFAQs() {
		for _, s := range append([]string{q.Question[lang]}, q.Phrasings[lang]...) {
			if ws := c.words(s); len(ws) > 0 {
				c.addSentence(ws)
				lm.Add(ws, weightQuestion)
			}
		}
		for _, s := range splitSentences(shop.Fill(q.Answer[lang], lang)) {
			lm.Add(c.words(s), weightAnswer)
		}
	}
	for _, p := range shop.Products {
		for _, s := range append([]string{p.Title[lang]}, p.Aliases[lang]...) {
			if ws := c.words(s); len(ws) > 0 {
				c.addSentence(ws)
				lm.Add(ws, weightQuestion)
			}
		}
		for _, s := range p.Colors[lang] {
			lm.Add(c.words(s), weightAnswer)
		}
	}
	for _, s := range generalCorpus(lang) {
		lm.Add(c.words(s), weightGeneral)
	}
	if len(c.sentences) == 0 {
		return nil, fmt.Errorf("grammar: %s: %w", lang, ErrEmpty)
	}

	digits, yes := digitWords(lang), yesNoPhrases(lang)
	var yesWords [][]string
	for _, s := range yes {
		if ws := c.words(s); len(ws) > 0 {
			yesWords = append(yesWords, ws)
			lm.Add(ws, weightQuestion)
		}
	}
	var dw []string
	for _, d := range digits {
		if dict.Has(d) {
			dw = append(dw, d)
			c.vocab[d] = true
		}
	}
	for _, o := range shop.Orders {
		lm.Add(c.words(orderSentence(o.ID, lang)), weightAnswer)
	}

	set := &Set{Lang: lang, Sentences: c.sentences, Grammars: map[string]string{}}
	set.Grammars[asr.SearchDigits] = jsgf("digits", "<digit>+", map[string]string{"digit": alt(dw)})
	set.Grammars[asr.SearchYesNo] = jsgf("yesno", "<yesno>", map[string]string{"yesno": alts(yesWords)})
	// Digits are not in the domain grammar: a free digit loop is where
	// out-of-grammar speech ends up ("do you sell gloves" -> "two oh two").
	// A dialog state that expects digits uses asr.SearchDigits.
	set.Grammars[asr.SearchDomain] = jsgf("domain", "<faq> | <yesno>", map[string]string{
		"faq": alts(c.sentences), "yesno": alts(yesWords),
	})
	var buf bytes.Buffer
	if err := lm.WriteARPA(&buf); err != nil {
		return nil, fmt.Errorf("grammar: lm: %w", err)
	}
	set.LM = buf.String()
	for _, ws := range []map[string]float64{lm.counts[1]} {
		for w := range ws {
			if w != "</s>" {
				c.vocab[w] = true
			}
		}
	}
	words := make([]string, 0, len(c.vocab))
	for w := range c.vocab {
		words = append(words, w)
	}
	buf.Reset()
	if err := dict.Write(&buf, words); err != nil {
		return nil, fmt.Errorf("grammar: dict: %w", err)
	}
	set.Dict = buf.String()
	set.Stats = Stats{Sentences: len(c.sentences), Vocab: len(words), Dropped: c.dropped, LMNgrams: strings.Count(set.LM, "\n")}
	for w := range c.missing {
		set.Stats.Missing = append(set.Stats.Missing, w)
	}
	sort.Strings(set.Stats.Missing)
	return set, nil
}

type compiler struct {
	lang      string
	dict      *Dict
	vocab     map[string]bool
	missing   map[string]bool
	seen      map[string]bool // sentences already in the grammar
	sentences [][]string
	dropped   int
}

func (c *compiler) words(s string) []string {
	ws, miss := c.dict.Words(s, c.lang)
	c.dropped += len(miss)
	for _, m := range miss {
		c.missing[m] = true
	}
	for _, w := range ws {
		c.vocab[w] = true
	}
	return ws
}

func (c *compiler) addSentence(ws []string) {
	k := strings.Join(ws, " ")
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.sentences = append(c.sentences, ws)
}

// splitSentences cuts an answer at sentence punctuation.
func splitSentences(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(".?!;。？！；\n", r) })
}

func orderSentence(id, lang string) string {
	var b strings.Builder
	for _, r := range id {
		if r >= '0' && r <= '9' {
			if lang == asr.LangZH {
				b.WriteString(zhDigits[r-'0'])
			} else {
				b.WriteString(enDigits[r-'0'] + " ")
			}
		}
	}
	if lang == asr.LangZH {
		return "我的订单号是" + b.String()
	}
	return "my order number is " + b.String()
}

// DigitString maps recognised digit words ("oh", "幺", "two") back to
// digits; other words are skipped.
func DigitString(words []string) string {
	var b strings.Builder
	for _, w := range words {
		if d, ok := digitValue[w]; ok {
			b.WriteByte(d)
		} else if len([]rune(w)) > 1 {
			for _, r := range w {
				if d, ok := digitValue[string(r)]; ok {
					b.WriteByte(d)
				}
			}
		}
	}
	return b.String()
}

var digitValue = map[string]byte{
	"zero": '0', "oh": '0', "one": '1', "two": '2', "three": '3', "four": '4', "five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9',
	"零": '0', "〇": '0', "一": '1', "幺": '1', "二": '2', "两": '2', "三": '3', "四": '4', "五": '5', "六": '6', "七": '7', "八": '8', "九": '9',
}

func digitWords(lang string) []string {
	if lang == asr.LangZH {
		return []string{"零", "一", "幺", "二", "两", "三", "四", "五", "六", "七", "八", "九"}
	}
	return []string{"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
}

// jsgf renders a grammar whose public rule is body, with private rules.
func jsgf(name, body string, rules map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#JSGF V1.0;\ngrammar %s;\npublic <utterance> = %s;\n", name, body)
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "<%s> = %s;\n", k, rules[k])
	}
	return b.String()
}

func alt(words []string) string { return strings.Join(words, " | ") }

func alts(sentences [][]string) string {
	parts := make([]string, len(sentences))
	for i, s := range sentences {
		parts[i] = "( " + strings.Join(s, " ") + " )"
	}
	return strings.Join(parts, " | ")
}
