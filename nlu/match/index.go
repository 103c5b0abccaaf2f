package match

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu/normalize"
)

// docKind says where a training text came from.
type docKind uint8

const (
	docQuestion docKind = iota // the FAQ's canonical question
	docPhrasing                // a phrasing from the shop file or scene training
	docAnswer                  // the answer text (vocabulary only, lower weight)
)

// doc is one training text of the corpus.
type doc struct {
	faq  int
	lang string
	kind docKind
	text string // normalized
}

// corpus is everything the index learns from, independent of pack state.
type corpus struct {
	faqs     []string       // FAQ ids in file order
	faqPos   map[string]int // id -> position
	packsOf  [][]string     // faq -> ids of packs holding it (none: always active)
	docs     []doc
	products map[string][]string // lang -> normalized product names, longest first
}

// answerWeight scales the answer text in a FAQ's centroid.
const answerWeight = 0.5

// newCorpus collects the shop's FAQ texts and product names.
func newCorpus(shop *kb.Shop) *corpus {
	c := &corpus{faqPos: make(map[string]int, len(shop.FAQs)), products: map[string][]string{}}
	for i, q := range shop.FAQs {
		c.faqs = append(c.faqs, q.ID)
		c.faqPos[q.ID] = i
	}
	c.packsOf = make([][]string, len(c.faqs))
	for _, p := range shop.IndustryPacks {
		for _, id := range p.FAQs {
			if i, ok := c.faqPos[id]; ok {
				c.packsOf[i] = append(c.packsOf[i], p.ID)
			}
		}
	}
	for i, q := range shop.FAQs {
		for _, lang := range []string{kb.LangZH, kb.LangEN} {
			if s := normalize.Normalize(q.Question[lang], lang); s != "" {
				c.docs = append(c.docs, doc{i, lang, docQuestion, s})
			}
			for _, p := range q.Phrasings[lang] {
				if s := normalize.Normalize(p, lang); s != "" {
					c.docs = append(c.docs, doc{i, lang, docPhrasing, s})
				}
			}
			if s := normalize.Normalize(stripPlaceholders(q.Answer[lang]), lang); s != "" {
				c.docs = append(c.docs, doc{i, lang, docAnswer, s})
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range shop.Products {
		for _, lang := range []string{kb.LangZH, kb.LangEN} {
			names := append([]string{p.Title[lang]}, p.Aliases[lang]...)
			for _, n := range names {
				s := normalize.Normalize(n, lang)
				if len([]rune(s)) < 2 || seen[lang+"\x00"+s] {
					continue
				}
				seen[lang+"\x00"+s] = true
				c.products[lang] = append(c.products[lang], s)
			}
		}
	}
	for _, l := range c.products {
		sort.SliceStable(l, func(i, j int) bool { return len(l[i]) > len(l[j]) })
	}
	return c
}

// stripPlaceholders removes {placeholders} from an answer template.
func stripPlaceholders(s string) string {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		s = s[:i] + " " + s[i+j+1:]
	}
}

// posting is one entry of an inverted list: a unit or FAQ and its weight.
type posting struct {
	id int32
	w  float32
}

// term is what the index knows about one feature in one language.
type term struct {
	idf   float64
	units []posting // unit vectors (L2-normalized)
	cents []posting // raw centroid sums per FAQ
}

// unit is one question or phrasing, the smallest thing a query is scored against.
type unit struct {
	faq   int32
	doc   int32   // position in corpus.docs
	selfC float64 // dot product of the unit with its FAQ's raw centroid
}

// langIndex is the inverted index of one language.
type langIndex struct {
	terms  map[uint64]*term
	units  []unit
	cnorm2 []float64 // squared norm of each FAQ's raw centroid
	maxIDF float64
	avgIDF float64 // mean IDF of the vocabulary: the weight of an unseen unigram
	calib  calibration
	emb    *embLang // embedding centroids, nil without WithEmbeddings
	// shopOffTopic are off-topic words the shop's own texts use; they do
	// not count as off-topic.
	shopOffTopic map[string]bool
	// frames are the units of the off-topic frames the shop never uses
	// (hardneg.go).
	frames frameVocab
	negs   *negIndex // out-of-scope sample and hard negatives (negatives.go), built with calib
}

// index is an immutable snapshot the matcher answers from.
type index struct {
	c     *corpus
	x     *extractor
	fz    *fusion // nil: lexical only
	langs map[string]*langIndex
	// exact maps "lang\x00normalized text" of every question and phrasing to
	// its FAQ (-1 when two FAQs share the wording): the shop's own wording,
	// said as it is written, always gets its own FAQ.
	exact map[string]int
}

// exactIndex maps each question's and phrasing's normalized text to its FAQ,
// leaving out doc skip (leave-one-out).
func exactIndex(c *corpus, skip int) map[string]int {
	m := make(map[string]int, len(c.docs))
	for i, d := range c.docs {
		if i == skip || d.kind == docAnswer {
			continue
		}
		k := d.lang + "\x00" + d.text
		if f, ok := m[k]; ok && f != d.faq {
			m[k] = -1
			continue
		}
		m[k] = d.faq
	}
	return m
}

// weighted is a feature with its aggregated weight before IDF.
type weighted struct {
	key  uint64
	kind byte
	w    float64
}

// aggregate merges duplicate features, damping repeats.
func aggregate(fs []feature, dst []weighted) []weighted {
	slices.SortFunc(fs, func(a, b feature) int { return cmp.Compare(a.key, b.key) })
	for i := 0; i < len(fs); {
		j := i
		sum := 0.0
		for j < len(fs) && fs[j].key == fs[i].key {
			sum += fs[j].mul
			j++
		}
		// A repeated feature counts a little more, not n times more.
		w := kindWeight[fs[i].kind] * (1 + math.Log(max(sum, 1e-9)+1) - math.Ln2)
		if sum < 1 {
			w = kindWeight[fs[i].kind] * sum
		}
		dst = append(dst, weighted{fs[i].key, fs[i].kind, w})
		i = j
	}
	return dst
}

// buildIndex builds the index of a corpus, skipping doc skip (-1 for none).
// calibrate fits confidence on held-out phrasings and the built-in
// out-of-scope sample.
func buildIndex(c *corpus, fz *fusion, skip int, calibrate bool, langs ...string) *index {
	if len(langs) == 0 {
		langs = []string{kb.LangZH, kb.LangEN}
	}
	zh, en := conceptIndexes()
	x := &extractor{products: c.products, pinyin: newPinyinTable(), concepts: zh, conceptsEN: en}
	for _, d := range c.docs {
		if d.lang == kb.LangZH && slices.Contains(langs, kb.LangZH) {
			x.pinyin.add(d.text)
		}
	}
	ix := &index{c: c, x: x, fz: fz, langs: map[string]*langIndex{}, exact: exactIndex(c, skip)}
	for _, lang := range langs {
		li := buildLang(c, x, lang, skip)
		if fz != nil {
			li.emb = buildEmb(c, fz, li, lang, skip)
		}
		ix.langs[lang] = li
	}
	if calibrate {
		for lang, li := range ix.langs {
			negs, groups := ix.unanswered(lang)
			li.negs = buildNegs(li, x, lang, negs, groups)
			li.calib = fitCalibration(ix, lang, negs, groups)
		}
	}
	return ix
}

func buildLang(c *corpus, x *extractor, lang string, skip int) *langIndex {
	li := &langIndex{terms: map[uint64]*term{}, cnorm2: make([]float64, len(c.faqs)), shopOffTopic: offTopicInShop(c, lang),
		frames: newFrameVocab(c, lang)}
	type vec struct {
		faq  int
		doc  int
		kind docKind
		ws   []weighted
	}
	var vecs []vec
	df := map[uint64]float64{}
	var fbuf []feature
	for i, d := range c.docs {
		if d.lang != lang || i == skip {
			continue
		}
		fbuf = x.extract(fbuf[:0], d.text, lang)
		ws := aggregate(fbuf, nil)
		vecs = append(vecs, vec{d.faq, i, d.kind, ws})
	}
	// Document frequency over FAQs: a FAQ counts once per feature; a feature
	// seen only in its answer counts half.
	perFAQ := make([]map[uint64]float64, len(c.faqs))
	for _, v := range vecs {
		m := perFAQ[v.faq]
		if m == nil {
			m = map[uint64]float64{}
			perFAQ[v.faq] = m
		}
		val := 1.0
		if v.kind == docAnswer {
			val = 0.5
		}
		for _, w := range v.ws {
			if m[w.key] < val {
				m[w.key] = val
			}
		}
	}
	nFAQ := 0
	for _, m := range perFAQ {
		if m == nil {
			continue
		}
		nFAQ++
		for k, v := range m {
			df[k] += v
		}
	}
	for k, d := range df {
		idf := math.Log(1 + float64(nFAQ)/d)
		li.terms[k] = &term{idf: idf}
		li.maxIDF = max(li.maxIDF, idf)
		li.avgIDF += idf
	}
	if len(df) > 0 {
		li.avgIDF /= float64(len(df))
	}
	// Unit vectors and raw centroids.
	cent := make([]map[uint64]float64, len(c.faqs))
	for _, v := range vecs {
		norm := 0.0
		for i := range v.ws {
			v.ws[i].w *= li.terms[v.ws[i].key].idf
			norm += v.ws[i].w * v.ws[i].w
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			continue
		}
		scale := 1 / norm
		if v.kind == docAnswer {
			scale *= answerWeight
		}
		if cent[v.faq] == nil {
			cent[v.faq] = map[uint64]float64{}
		}
		for _, w := range v.ws {
			cent[v.faq][w.key] += w.w * scale
		}
		if v.kind == docAnswer {
			continue
		}
		id := int32(len(li.units))
		li.units = append(li.units, unit{faq: int32(v.faq), doc: int32(v.doc)})
		for _, w := range v.ws {
			t := li.terms[w.key]
			t.units = append(t.units, posting{id, float32(w.w * scale)})
		}
	}
	for f, m := range cent {
		for k, w := range m {
			t := li.terms[k]
			t.cents = append(t.cents, posting{int32(f), float32(w)})
			li.cnorm2[f] += w * w
		}
	}
	// Each unit's dot product with its own centroid, for held-out scoring.
	for _, t := range li.terms {
		for _, p := range t.units {
			f := li.units[p.id].faq
			for _, cp := range t.cents {
				if cp.id == f {
					li.units[p.id].selfC += float64(p.w) * float64(cp.w)
					break
				}
			}
		}
	}
	return li
}
