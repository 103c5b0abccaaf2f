package match

import (
	"bufio"
	"embed"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/normalize"
)

// The concept lexicons (lexicon/zh.txt, lexicon/en.txt) group everyday
// customer-service wording of online shopping into concepts: a text that
// uses any member gets the concept as a feature as well as its own n-grams,
// so a caller's paraphrase meets the shop's wording half-way ("打折" and
// "满减" both say discount). They are general language knowledge: they name
// no shop, product or FAQ, and the weight of each concept is learned from
// the shop file like any other feature. The files are plain text so
// trainers can extend them; the format is described at the top of each.
//
//go:embed lexicon/*.txt
var lexiconFS embed.FS

// kindConcept marks a concept feature.
const kindConcept = 'k'

// blockConcept is the concept name whose members match but add nothing.
const blockConcept = "-"

// conceptIndex finds concept members in text.
type conceptIndex struct {
	byFirst map[rune][]conceptMember   // zh: first rune -> members starting with it, longest first
	byWord  map[string][]conceptMember // en: first stem -> members (stems joined by " "), longest first
}

type conceptMember struct {
	text  string
	words int      // en: number of stems
	keys  []uint64 // concepts the member says (none: blocking member)
}

// parseLexicon reads "name: member | member" lines.
func parseLexicon(data string) map[string][]string {
	out := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, members, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		for _, m := range strings.Split(members, "|") {
			if m = strings.TrimSpace(m); m != "" {
				out[name] = append(out[name], m)
			}
		}
	}
	return out
}

func readLexicon(lang string) map[string][]string {
	data, err := lexiconFS.ReadFile("lexicon/" + lang + ".txt")
	if err != nil {
		return nil // embedded at build time; cannot happen
	}
	return parseLexicon(string(data))
}

// conceptIndexes are built once: the lexicons are immutable.
var conceptIndexes = sync.OnceValues(func() (*conceptIndex, *conceptIndex) {
	return newConceptIndexZH(readLexicon("zh")), newConceptIndexEN(readLexicon("en"))
})

// addMember records that member text says concept key (0: blocks).
func addMember(all map[string]*conceptMember, text string, words int, key uint64) {
	m := all[text]
	if m == nil {
		m = &conceptMember{text: text, words: words}
		all[text] = m
	}
	if key != 0 {
		for _, k := range m.keys {
			if k == key {
				return
			}
		}
		m.keys = append(m.keys, key)
	}
}

func conceptKey(name string) uint64 {
	if name == blockConcept {
		return 0
	}
	return hashAdd(hashStart(kindConcept), name)
}

// zhMemberTail is said after a member to normalize it as it reads inside a
// sentence: normalization makes a sentence-final "没"/"不" a "吗" ("发了没"
// becomes "发了吗"), which callers' "发了没有" and "发了没 急着穿" never hold.
const zhMemberTail = "好"

// zhMemberForms returns a Chinese member normalized on its own and, when
// that differs, as it reads inside a sentence; without spaces.
func zhMemberForms(m string) []string {
	var out []string
	if n := strings.ReplaceAll(normalize.Normalize(m, "zh"), " ", ""); n != "" {
		out = append(out, n)
	}
	in := strings.ReplaceAll(normalize.Normalize(m+zhMemberTail, "zh"), " ", "")
	if in, ok := strings.CutSuffix(in, zhMemberTail); ok && in != "" && (len(out) == 0 || in != out[0]) {
		out = append(out, in)
	}
	return out
}

// newConceptIndexZH builds the Chinese member lookup; members are normalized
// like caller text.
func newConceptIndexZH(concepts map[string][]string) *conceptIndex {
	all := map[string]*conceptMember{}
	for name, members := range concepts {
		key := conceptKey(name)
		for _, m := range members {
			for _, n := range zhMemberForms(m) {
				addMember(all, n, 0, key)
			}
		}
	}
	ci := &conceptIndex{byFirst: map[rune][]conceptMember{}}
	for _, m := range all {
		r, _ := utf8.DecodeRuneInString(m.text)
		ci.byFirst[r] = append(ci.byFirst[r], *m)
	}
	for _, l := range ci.byFirst {
		sort.Slice(l, func(i, j int) bool {
			if len(l[i].text) != len(l[j].text) {
				return len(l[i].text) > len(l[j].text)
			}
			return l[i].text < l[j].text
		})
	}
	return ci
}

// newConceptIndexEN builds the English member lookup over canonical stems.
// A member that the synonym map turns into another concept's member as
// written ("turn up" of louder becomes "arrive") is left out: it would give
// its concept to every text that says the other one.
func newConceptIndexEN(concepts map[string][]string) *conceptIndex {
	stems := func(s string) []string {
		words := strings.Fields(s)
		for i, w := range words {
			words[i] = stemEN(w)
		}
		return words
	}
	asWritten := map[string]map[string]bool{} // stems without synonyms -> concepts
	for name, members := range concepts {
		for _, m := range members {
			k := strings.Join(stems(normalize.Normalize(m, "en")), " ")
			if asWritten[k] == nil {
				asWritten[k] = map[string]bool{}
			}
			asWritten[k][name] = true
		}
	}
	all := map[string]*conceptMember{}
	for name, members := range concepts {
		key := conceptKey(name)
		for _, m := range members {
			n := normalize.Normalize(m, "en")
			words := stems(canonEN(n))
			if len(words) == 0 {
				continue
			}
			text := strings.Join(words, " ")
			if text != strings.Join(stems(n), " ") && collides(asWritten[text], name) {
				continue
			}
			addMember(all, text, len(words), key)
		}
	}
	ci := &conceptIndex{byWord: map[string][]conceptMember{}}
	for _, m := range all {
		first, _, _ := strings.Cut(m.text, " ")
		ci.byWord[first] = append(ci.byWord[first], *m)
	}
	for _, l := range ci.byWord {
		sort.Slice(l, func(i, j int) bool {
			if l[i].words != l[j].words {
				return l[i].words > l[j].words
			}
			return l[i].text < l[j].text
		})
	}
	return ci
}

// collides reports whether concepts holds a concept other than name.
func collides(concepts map[string]bool, name string) bool {
	for c := range concepts {
		if c != name {
			return true
		}
	}
	return false
}

// shortMemberWeight is the weight of a concept said by a short member: one
// English word or one or two Chinese characters ("pick", "official",
// "hours", "送人") says its concept less surely than a phrase ("which size
// should I", "送人的话"). Chosen on leave-one-out of the demo and starter
// shops (0.8 raised all four; 0.6 and below lost on the starter shop).
const shortMemberWeight = 0.8

// specificity is the weight of the concept a member says.
func (m *conceptMember) specificity() float64 {
	if m.words == 1 || m.words == 0 && utf8.RuneCountInString(m.text) <= 2 {
		return shortMemberWeight
	}
	return 1
}

// conceptHit is one member found in a text, as a half-open span in bytes
// (zh) or words (en).
type conceptHit struct {
	start, end int
	m          *conceptMember
}

// emitHits appends the concepts of hits not strictly inside a longer hit,
// each concept once.
func emitHits(dst []feature, hits []conceptHit) []feature {
	var seen [24]uint64
	n := 0
	for i, h := range hits {
		inside := false
		for j, o := range hits {
			if j != i && o.start <= h.start && h.end <= o.end && o.end-o.start > h.end-h.start {
				inside = true
				break
			}
		}
		if inside {
			continue
		}
	keys:
		for _, k := range h.m.keys {
			for _, s := range seen[:n] {
				if s == k {
					continue keys
				}
			}
			if n < len(seen) {
				seen[n] = k
				n++
			}
			dst = append(dst, feature{k, kindConcept, h.m.specificity()})
		}
	}
	return dst
}

// find appends the concept features of normalized Chinese text; spans mark
// product mentions, which start no concept.
func (ci *conceptIndex) find(dst []feature, text string, spans []span) []feature {
	var buf [32]conceptHit
	hits := buf[:0]
	for i, r := range text {
		for k := range ci.byFirst[r] {
			m := &ci.byFirst[r][k]
			if !strings.HasPrefix(text[i:], m.text) || inSpans(spans, i, i+len(m.text)) {
				continue
			}
			hits = append(hits, conceptHit{i, i + len(m.text), m})
			break // longest member at this position
		}
	}
	return emitHits(dst, hits)
}

// findWords appends the concept features of a stem sequence.
// Stems inside a product mention (inProduct[i]) start no concept.
func (ci *conceptIndex) findWords(dst []feature, stems []string, inProduct []bool) []feature {
	var buf [32]conceptHit
	hits := buf[:0]
	for i, w := range stems {
		if inProduct[i] {
			continue
		}
		l := ci.byWord[w]
		for k := range l {
			if hasWords(stems[i:], l[k].text) {
				hits = append(hits, conceptHit{i, i + l[k].words, &l[k]})
				break
			}
		}
	}
	return emitHits(dst, hits)
}

// hasWords reports whether stems starts with the space-separated words of p.
func hasWords(stems []string, p string) bool {
	for i := 0; ; i++ {
		w, rest, more := strings.Cut(p, " ")
		if i >= len(stems) || stems[i] != w {
			return false
		}
		if !more {
			return true
		}
		p = rest
	}
}
