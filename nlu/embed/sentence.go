package embed

import (
	"encoding/binary"
	"math"
	"unicode"
	"unicode/utf8"
)

// maxWordBytes is the longest English word looked up; longer runs of
// letters are skipped.
const maxWordBytes = 48

// WithoutCommonRemoval keeps the common component in sentence vectors
// (by default Sentence removes it, as SIF does).
func WithoutCommonRemoval() Option {
	return func(s *Space) error {
		s.keepCommon = true
		return nil
	}
}

// Sentence returns the unit vector of text: the SIF-weighted average of its
// words' vectors (weight a/(a+p(w)), so frequent words count little), minus
// the projection on lang's common component. Chinese runs are segmented into
// the most probable words of the Chinese vocabulary; other letters form
// English words, lower-cased, with a light fallback for plurals, -ing and
// -ed. lang (LangZH or LangEN) only picks the common component. Text without
// known words gives the zero vector.
func (s *Space) Sentence(text, lang string) Vec {
	v := make(Vec, s.l.dims)
	n := 0
	s.walk(text, func(i int) {
		s.add(v, i, s.weight(i))
		n++
	})
	if n == 0 {
		return v
	}
	if !s.keepCommon {
		c := s.common(lang)
		var dot float32
		for k := range v {
			dot += v[k] * math.Float32frombits(binary.LittleEndian.Uint32(c[4*k:]))
		}
		for k := range v {
			v[k] -= dot * math.Float32frombits(binary.LittleEndian.Uint32(c[4*k:]))
		}
	}
	var ss float32
	for _, x := range v {
		ss += x * x
	}
	if ss > 0 {
		inv := float32(1 / math.Sqrt(float64(ss)))
		for k := range v {
			v[k] *= inv
		}
	}
	return v
}

// Segment returns the vocabulary words Sentence would average for text, in
// order (for tests and debugging).
func (s *Space) Segment(text string) []string {
	var out []string
	s.walk(text, func(i int) { out = append(out, string(s.word(i))) })
	return out
}

// walk calls visit with the index of each known word of text.
func (s *Space) walk(text string, visit func(i int)) {
	var buf [maxWordBytes]byte
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.Is(unicode.Han, r):
			j := i + size
			for j < len(text) {
				r2, sz := utf8.DecodeRuneInString(text[j:])
				if !unicode.Is(unicode.Han, r2) {
					break
				}
				j += sz
			}
			s.chineseRun(text[i:j], visit)
			i = j
		case unicode.IsLetter(r):
			j := i + size
			for j < len(text) {
				r2, sz := utf8.DecodeRuneInString(text[j:])
				if unicode.IsLetter(r2) && !unicode.Is(unicode.Han, r2) {
					j += sz
					continue
				}
				// An apostrophe inside a word (don't, it's, shop's).
				if (r2 == '\'' || r2 == '’') && j+sz < len(text) {
					if r3, _ := utf8.DecodeRuneInString(text[j+sz:]); unicode.IsLetter(r3) && !unicode.Is(unicode.Han, r3) {
						j += sz
						continue
					}
				}
				break
			}
			s.english(text[i:j], buf[:0], visit)
			i = j
		default:
			i += size
		}
	}
}

// maxRun is the longest run of Han runes segmented as a whole; longer runs
// are cut into pieces of this length.
const maxRun = 64

// unknownLogProb is the log probability of a rune no word covers.
const unknownLogProb = -20

// chineseRun segments run (Han runes only) into the most probable sequence
// of Chinese vocabulary words under a unigram model, max Σ log p(w), by
// dynamic programming over the run (as jieba does), and visits them in
// order. Runes no word covers are skipped. Greedy longest match errs where
// a long word straddles a boundary (把门牌号 → 把门 牌号); the most
// probable path takes 把 门牌号.
func (s *Space) chineseRun(run string, visit func(int)) {
	for len(run) > 0 {
		var bounds [maxRun + 1]int
		m := 0
		for m < maxRun && bounds[m] < len(run) {
			_, sz := utf8.DecodeRuneInString(run[bounds[m]:])
			bounds[m+1] = bounds[m] + sz
			m++
		}
		s.segment(run[:bounds[m]], bounds[:m+1], visit)
		run = run[bounds[m]:]
	}
}

// segment does chineseRun's work on at most maxRun runes with the given
// rune boundaries.
func (s *Space) segment(run string, bounds []int, visit func(int)) {
	m := len(bounds) - 1
	maxL := max(s.l.maxZH, 1)
	// best[i]: log probability of the best segmentation of runes i..m;
	// word[i], size[i]: its first word (-1: unknown rune) and length.
	var best [maxRun + 1]float32
	var word [maxRun]int32
	var size [maxRun]int8
	for i := m - 1; i >= 0; i-- {
		best[i] = unknownLogProb + best[i+1]
		word[i], size[i] = -1, 1
		for L := 1; L <= min(maxL, m-i); L++ {
			w := s.lookup(run[bounds[i]:bounds[i+L]])
			if w < s.l.nEN {
				continue
			}
			if lp := float32(math.Log(float64(s.prob(w)))) + best[i+L]; lp > best[i] {
				best[i], word[i], size[i] = lp, int32(w), int8(L)
			}
		}
	}
	for i := 0; i < m; i += int(size[i]) {
		if word[i] >= 0 {
			visit(int(word[i]))
		}
	}
}

// english visits the vocabulary word for w (letters, maybe one apostrophe),
// using buf as scratch space.
func (s *Space) english(w string, buf []byte, visit func(int)) {
	apos := -1
	for _, r := range w {
		if r == '’' {
			r = '\''
		}
		if r == '\'' && apos < 0 {
			apos = len(buf)
		}
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			if len(buf) == cap(buf) {
				return
			}
			buf = append(buf, byte(r))
			continue
		}
		r = unicode.ToLower(r)
		if len(buf)+utf8.RuneLen(r) > cap(buf) {
			return
		}
		buf = utf8.AppendRune(buf, r)
	}
	if i := s.enLookup(buf); i >= 0 {
		visit(i)
		return
	}
	if apos < 0 {
		if i := s.stem(buf); i >= 0 {
			visit(i)
		}
		return
	}
	// Contractions: GloVe splits "don't" into "do" + "n't" and "it's"
	// into "it" + "'s"; the clitic is frequent and weighs little, so only
	// the base and a negation count.
	base, suffix := buf[:apos], buf[apos+1:]
	if string(suffix) == "t" && len(base) > 1 && base[len(base)-1] == 'n' {
		switch string(base) {
		case "can":
		case "won":
			base = append(base[:0], "will"...)
		default:
			base = base[:len(base)-1]
		}
		if i := s.enLookup(base); i >= 0 {
			visit(i)
		}
		if i := s.enLookup([]byte("not")); i >= 0 {
			visit(i)
		}
		return
	}
	if i := s.enLookup(base); i >= 0 {
		visit(i)
	} else if i := s.stem(base); i >= 0 {
		visit(i)
	}
}

// enLookup returns the index of English word w, or -1.
func (s *Space) enLookup(w []byte) int {
	if i := s.lookupBytes(w); i >= 0 && i < s.l.nEN {
		return i
	}
	return -1
}

// stem tries the base forms of a plural, -ing or -ed word. It may
// overwrite w past its length.
func (s *Space) stem(w []byte) int {
	n := len(w)
	has := func(suf string) bool { return n > len(suf)+1 && string(w[n-len(suf):]) == suf }
	switch {
	case has("ies"), has("ied"): // parties, carried
		if n-2 < cap(w) {
			b := append(w[:n-3], 'y')
			return s.enLookup(b)
		}
	case has("ing"): // shipping, arriving, packing
		return s.baseOf(w[:n-3])
	case has("ed"): // shipped, arrived, packed
		if i := s.enLookup(w[:n-1]); i >= 0 {
			return i
		}
		return s.baseOf(w[:n-2])
	case has("es"): // boxes, shoes
		if i := s.enLookup(w[:n-2]); i >= 0 {
			return i
		}
		return s.enLookup(w[:n-1])
	case has("s") && w[n-2] != 's' && w[n-2] != '\'':
		return s.enLookup(w[:n-1])
	}
	return -1
}

// baseOf looks up b, b with a doubled final consonant undone and b+"e".
func (s *Space) baseOf(b []byte) int {
	if i := s.enLookup(b); i >= 0 {
		return i
	}
	if k := len(b); k > 2 && b[k-1] == b[k-2] && !isVowel(b[k-1]) {
		if i := s.enLookup(b[:k-1]); i >= 0 {
			return i
		}
	}
	if len(b) < cap(b) {
		return s.enLookup(append(b, 'e'))
	}
	return -1
}

func isVowel(b byte) bool {
	switch b {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}
