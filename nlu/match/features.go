package match

import (
	"strings"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/normalize"
)

// Feature kinds. A feature key is a 64-bit FNV-1a hash of the kind byte and
// the feature's text, so extraction allocates no strings for lookups.
const (
	kindChar     = 'c' // Han character
	kindBigram   = 'b' // two adjacent Han characters
	kindTrigram  = 't' // three adjacent Han characters
	kindPinyin   = 'p' // fuzzy toneless syllable of a Han character
	kindPinyin2  = 'q' // two adjacent syllables
	kindWord     = 'w' // English stem or ASCII word inside Chinese
	kindWord2    = 'x' // two adjacent English stems
	kindWordGram = 'g' // character trigram inside an English word
)

// kindWeight is the base weight of each feature kind, before IDF.
var kindWeight = [256]float64{
	kindChar:     0.45,
	kindBigram:   1.0,
	kindTrigram:  0.6,
	kindPinyin:   0.25,
	kindPinyin2:  0.6,
	kindWord:     1.0,
	kindWord2:    0.6,
	kindWordGram: 0.12,
	kindConcept:  2.0,
}

// feature is one extracted feature with its local multiplier (stop words,
// product mentions).
type feature struct {
	key  uint64
	kind byte
	mul  float64
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStart(kind byte) uint64 { return (fnvOffset ^ uint64(kind)) * fnvPrime }

func hashAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashSep(h uint64) uint64 { return (h ^ 0xff) * fnvPrime }

// extractor turns normalized text into features. It holds the shop's
// product-name spans and a pinyin cache; it is immutable after build.
type extractor struct {
	products   map[string][]string // lang -> normalized product names/aliases, longest first
	pinyin     *pinyinTable
	concepts   *conceptIndex // zh concepts
	conceptsEN *conceptIndex // en concepts
}

// productMul is the weight multiplier of features inside a product mention:
// a product names the item, not the question.
const productMul = 0.3

// stopMul is the weight multiplier of English function words.
const stopMul = 0.25

// extract returns the features of normalized text in lang, appending to dst.
func (x *extractor) extract(dst []feature, text, lang string) []feature {
	if lang == "en" {
		return x.extractEN(dst, text)
	}
	return x.extractZH(dst, text)
}

// productSpans marks byte ranges of text that name a product.
func (x *extractor) productSpans(text, lang string) []span {
	var spans []span
	for _, p := range x.products[lang] {
		for off := 0; off < len(text); {
			i := strings.Index(text[off:], p)
			if i < 0 {
				break
			}
			s := span{off + i, off + i + len(p)}
			off = s.end
			if lang == "en" && !wordBounded(text, s) {
				continue
			}
			if !overlaps(spans, s) {
				spans = append(spans, s)
			}
		}
	}
	return spans
}

type span struct{ start, end int }

func overlaps(spans []span, s span) bool {
	for _, o := range spans {
		if s.start < o.end && o.start < s.end {
			return true
		}
	}
	return false
}

func inSpans(spans []span, start, end int) bool {
	for _, o := range spans {
		if start >= o.start && end <= o.end {
			return true
		}
	}
	return false
}

func wordBounded(text string, s span) bool {
	return (s.start == 0 || text[s.start-1] == ' ') && (s.end == len(text) || text[s.end] == ' ')
}

// zhUnit is one Han character or ASCII word of Chinese text.
type zhUnit struct {
	text       string
	start, end int
	han        bool
}

func (x *extractor) extractZH(dst []feature, text string) []feature {
	// Concepts are found in the caller's own wording, n-grams in the
	// canonical wording.
	if x.concepts != nil {
		dst = x.concepts.find(dst, text, x.productSpans(text, "zh"))
	}
	text = canonZH(text)
	spans := x.productSpans(text, "zh")
	var buf [64]zhUnit
	units := buf[:0]
	start := -1
	flush := func(i int) {
		if start >= 0 {
			units = append(units, zhUnit{text: text[start:i], start: start, end: i})
			start = -1
		}
	}
	for i, r := range text {
		switch {
		case r == ' ':
			flush(i)
			units = append(units, zhUnit{start: i, end: i}) // break marker
		case normalize.IsHan(r):
			flush(i)
			n := utf8.RuneLen(r)
			units = append(units, zhUnit{text: text[i : i+n], start: i, end: i + n, han: true})
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(text))

	mul := func(s, e int) float64 {
		if inSpans(spans, s, e) {
			return productMul
		}
		return 1
	}
	for i, u := range units {
		if u.text == "" {
			continue
		}
		if !u.han {
			w := stemEN(u.text)
			if isDigits(w) {
				w = "#"
			}
			dst = append(dst, feature{hashAdd(hashStart(kindWord), w), kindWord, mul(u.start, u.end)})
			continue
		}
		py := x.pinyin.get(u.text)
		dst = append(dst, feature{hashAdd(hashStart(kindChar), u.text), kindChar, mul(u.start, u.end)})
		if py != "" {
			dst = append(dst, feature{hashAdd(hashStart(kindPinyin), py), kindPinyin, mul(u.start, u.end)})
		}
		if i+1 < len(units) && units[i+1].han {
			v := units[i+1]
			m := mul(u.start, v.end)
			h := hashAdd(hashAdd(hashStart(kindBigram), u.text), v.text)
			dst = append(dst, feature{h, kindBigram, m})
			if py2 := x.pinyin.get(v.text); py != "" && py2 != "" {
				h := hashAdd(hashSep(hashAdd(hashStart(kindPinyin2), py)), py2)
				dst = append(dst, feature{h, kindPinyin2, m})
			}
			if i+2 < len(units) && units[i+2].han {
				w := units[i+2]
				h := hashAdd(hashAdd(hashAdd(hashStart(kindTrigram), u.text), v.text), w.text)
				dst = append(dst, feature{h, kindTrigram, mul(u.start, w.end)})
			}
		}
	}
	return dst
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return s == ""
		}
	}
	return true
}

func (x *extractor) extractEN(dst []feature, text string) []feature {
	text = canonEN(text)
	spans := x.productSpans(text, "en")
	var buf [48]string
	var mulBuf [48]float64
	stems := buf[:0]
	muls := mulBuf[:0]
	off := 0
	for _, w := range strings.Fields(text) {
		i := strings.Index(text[off:], w) + off
		off = i + len(w)
		m := 1.0
		if inSpans(spans, i, off) {
			m = productMul
		}
		if isHanWord(w) {
			continue
		}
		s := stemEN(w)
		if isDigits(s) {
			s = "#"
		}
		stems = append(stems, s)
		muls = append(muls, m)
	}
	if x.conceptsEN != nil {
		var pbuf [48]bool
		inProduct := pbuf[:0]
		for _, m := range muls {
			inProduct = append(inProduct, m < 1)
		}
		dst = x.conceptsEN.findWords(dst, stems, inProduct)
	}
	for i, s := range stems {
		m := muls[i]
		stop := stopwords[s]
		if stop {
			m *= stopMul
		}
		dst = append(dst, feature{hashAdd(hashStart(kindWord), s), kindWord, m})
		if i+1 < len(stems) {
			n := stems[i+1]
			if !(stop && stopwords[n]) {
				m2 := min(m, muls[i+1])
				if stop || stopwords[n] {
					m2 *= 0.5
				}
				h := hashAdd(hashSep(hashAdd(hashStart(kindWord2), s)), n)
				dst = append(dst, feature{h, kindWord2, m2})
			}
		}
		if !stop && len(s) >= 5 {
			for j := 0; j+3 <= len(s); j++ {
				dst = append(dst, feature{hashAdd(hashStart(kindWordGram), s[j:j+3]), kindWordGram, m})
			}
		}
	}
	return dst
}

func isHanWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return normalize.IsHan(r)
}
