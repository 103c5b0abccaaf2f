// Package match finds which of a shop's FAQs a caller's question asks,
// learned from the shop file alone: questions, phrasings, answers and
// product names. Chinese is matched on character unigrams, bigrams and
// trigrams plus fuzzy toneless pinyin (so ASR homophones still match);
// English on light stems, stem bigrams and in-word character trigrams, after
// a small general lexicon of everyday shopping synonyms (lexicon.go). Both
// languages also get concept features from general lexicons of
// customer-service wording (lexicon/zh.txt, lexicon/en.txt, read by
// concepts.go), so paraphrases meet the shop's wording; a concept said by
// a short member weighs less than one said by a phrase. Term weights are
// IDF over FAQs; a FAQ scores mostly by its centroid (phrasings plus a
// share of the answer) and a little by its best phrasing. Product names
// weigh little, since they say which item, not which question.
//
// Two logistic models are fitted at build time on the shop's phrasings
// (each scored with itself held out) and a built-in sample of everyday
// non-shop utterances (lexicon/oos_*.txt) plus hard negatives that put the
// shop's own key words into general off-topic frames (lexicon/frames_*.txt,
// hardneg.go): one gives Result.Confidence, the probability that the top
// candidate is right; the other decides OutOfScope from the top score,
// margin, how much of the query the top FAQ's own vocabulary and concepts
// cover, how many of its character or word bigrams the shop knows, an
// off-topic vocabulary (lexicon/offtopic_*.txt), frame words the top FAQ
// never uses, and the cosine to the nearest negative against the cosine to
// the nearest shop phrasing on the same scale (negatives.go: the negatives
// compete as a nearest-neighbour class). Negatives a shop's own phrasing
// says are dropped for that shop, and the negatives carry a fixed share of
// the scope model's weight (scopeNegShare).
// The lexicon files are plain text so trainers can extend them; they hold
// general language knowledge, never a shop's.
//
// With WithEmbeddings, each FAQ also gets a centroid of sentence vectors
// (nlu/embed) of its question and phrasings; the query's cosine to it is
// blended into the lexical score (embedLambda) and three cosine features
// (top FAQ, best FAQ, margin) join both logistic models (embedding.go).
package match

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu/normalize"
)

// MaxCandidates is the most candidates a Result carries.
const MaxCandidates = 5

// unitShare is the weight of the best phrasing in a FAQ's score; the rest is
// the FAQ centroid. With the broader concept lexicons the centroid carries
// paraphrases better than any one phrasing: 0.05 beat 0.15 on leave-one-out
// of the starter shop (demo shop unchanged); 0.25 and more lost on both.
const unitShare = 0.05

// Candidate is one FAQ a question may be asking.
type Candidate struct {
	FAQ        string
	Score      float64 // similarity, 0..1
	Confidence float64 // probability this candidate is the right one
}

// Result is the matcher's answer for one question.
type Result struct {
	Candidates []Candidate // best first, at most MaxCandidates, only active FAQs
	Confidence float64     // calibrated probability that Candidates[0] is right
	OutOfScope bool        // the question is not one the shop's FAQ answers
}

// Option configures a Matcher.
type Option func(*options) error

type options struct {
	threshold *float64 // fixed out-of-scope threshold, nil: learned
	fusion    *fusion  // embedding signal, nil: lexical only
}

// WithThreshold fixes the out-of-scope threshold on Result.Confidence
// (0..1) instead of the one learned from the shop.
func WithThreshold(t float64) Option {
	return func(o *options) error {
		if t < 0 || t > 1 || math.IsNaN(t) {
			return fmt.Errorf("%w: threshold %v not in 0..1", ErrBadOption, t)
		}
		o.threshold = &t
		return nil
	}
}

// Matcher matches questions to a shop's FAQs. It is safe for concurrent use;
// AddPhrasing swaps in a rebuilt index atomically.
type Matcher struct {
	shop *kb.Shop
	opts options

	mu  sync.Mutex // guards rebuilding and the corpus it extends
	cor *corpus

	idx atomic.Pointer[index]
}

// New builds a matcher for shop.
func New(shop *kb.Shop, opts ...Option) (*Matcher, error) {
	if shop == nil {
		return nil, ErrNilShop
	}
	m := &Matcher{shop: shop}
	for _, o := range opts {
		if err := o(&m.opts); err != nil {
			return nil, err
		}
	}
	m.cor = newCorpus(shop)
	m.idx.Store(buildIndex(m.cor, m.opts.fusion, -1, true))
	return m, nil
}

// AddPhrasing teaches the matcher that text (in lang) asks FAQ faqID. It
// takes effect for the next Match.
func (m *Matcher) AddPhrasing(faqID, lang, text string) error {
	if lang != kb.LangZH && lang != kb.LangEN {
		return fmt.Errorf("%w: %q", ErrLang, lang)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	pos, ok := m.cor.faqPos[faqID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownFAQ, faqID)
	}
	s := normalize.Normalize(text, lang)
	if s == "" {
		return fmt.Errorf("%w: phrasing for %q", ErrEmptyText, faqID)
	}
	c := *m.cor
	c.docs = append(slices.Clip(c.docs), doc{pos, lang, docPhrasing, s})
	m.cor = &c
	// Rebuild the index but keep the confidence models and the negatives
	// they learned from: refitting them is most of the build time and one
	// phrasing hardly moves them.
	old := m.idx.Load()
	ix := buildIndex(m.cor, m.opts.fusion, -1, false)
	for l, li := range ix.langs {
		if o := old.langs[l]; o != nil {
			li.calib, li.negs = o.calib, o.negs
		}
	}
	m.idx.Store(ix)
	return nil
}

// Match returns the FAQs text most likely asks, among those active in the
// shop right now. lang is "zh" or "en"; anything else is guessed from the text.
func (m *Matcher) Match(text, lang string) Result {
	ix := m.idx.Load()
	lang = pickLang(text, lang)
	n := normalize.Normalize(text, lang)
	active := m.active(ix.c)
	sc := ix.score(lang, n, -1, active)
	sc.negNear = ix.langs[lang].nearestOf(sc.feats, -1)
	res := Result{OutOfScope: true}
	if len(sc.top) == 0 {
		return res
	}
	li := ix.langs[lang]
	conf := li.calib.prob(sc)
	res.Confidence = conf
	if m.opts.threshold != nil {
		res.OutOfScope = conf < *m.opts.threshold
	} else {
		p := li.calib.inScope(sc)
		res.OutOfScope = p < li.calib.threshold || sc.offTopic > 0 && p < offTopicThreshold
	}
	res.Candidates = candidates(ix.c, sc, conf)
	if f, ok := ix.exact[lang+"\x00"+n]; ok && f >= 0 && active[f] {
		res = exactFirst(res, ix.c.faqs[f])
	}
	return res
}

// exactConfidence is the confidence of a question said exactly as one of the
// shop's own questions or phrasings.
const exactConfidence = 0.99

// exactFirst puts faq first with exactConfidence and in scope.
func exactFirst(res Result, faq string) Result {
	out := []Candidate{{FAQ: faq, Score: 1, Confidence: exactConfidence}}
	for _, c := range res.Candidates {
		if c.FAQ != faq && len(out) < MaxCandidates {
			c.Confidence *= (1 - exactConfidence)
			out = append(out, c)
		}
	}
	res.Candidates = out
	res.Confidence = exactConfidence
	res.OutOfScope = false
	return res
}

// candidates turns scored FAQs into Candidates, sharing the probability not
// given to the first among the rest by a softmax of their scores.
func candidates(c *corpus, sc scored, conf float64) []Candidate {
	out := make([]Candidate, len(sc.top))
	rest := 0.0
	for i, s := range sc.top {
		if i > 0 {
			rest += math.Exp(softmaxScale * (s.score - sc.top[0].score))
		}
	}
	for i, s := range sc.top {
		out[i] = Candidate{FAQ: c.faqs[s.faq], Score: s.score}
		if i == 0 {
			out[i].Confidence = conf
		} else if rest > 0 {
			out[i].Confidence = (1 - conf) * math.Exp(softmaxScale*(s.score-sc.top[0].score)) / rest
		}
	}
	return out
}

// offTopicThreshold is the in-scope probability below which a question that
// uses off-topic vocabulary (offtopic.go) is out of scope.
const offTopicThreshold = 0.8

// softmaxScale sharpens score differences when sharing probability.
const softmaxScale = 12

// active reports which FAQs the shop may answer with right now.
func (m *Matcher) active(c *corpus) []bool {
	out := make([]bool, len(c.faqs))
	var subscribed map[string]bool
	for i, packs := range c.packsOf {
		if len(packs) == 0 {
			out[i] = true
			continue
		}
		if subscribed == nil {
			subscribed = map[string]bool{}
			for _, p := range m.shop.SubscribedPacks() {
				subscribed[p] = true
			}
		}
		for _, p := range packs {
			if subscribed[p] {
				out[i] = true
				break
			}
		}
	}
	return out
}

func pickLang(text, lang string) string {
	if lang == kb.LangZH || lang == kb.LangEN {
		return lang
	}
	for _, r := range text {
		if normalize.IsHan(r) {
			return kb.LangZH
		}
	}
	return kb.LangEN
}

// faqScore is one FAQ's score for a query.
type faqScore struct {
	faq   int
	score float64
}

// scored is the outcome of scoring one query.
type scored struct {
	top      []faqScore // best first, at most MaxCandidates
	coverage float64    // share of the query's weight the shop's vocabulary knows
	nfeat    int        // known features in the query
	concepts int        // known concept features in the query
	qnorm    float64    // norm of the query's known features
	offTopic int        // off-topic words in the query
	frames   int        // off-topic frame units in the query (hardneg.go)
	negNear  float64    // cosine to the nearest out-of-scope negative (negatives.go)
	feats    []weighted // the query's aggregated features
	bestUnit float64    // cosine to the nearest shop phrasing of an active FAQ
	// posNear is bestUnit over the query's full norm (features the shop
	// never uses weighted like an unseen unigram), comparable to negNear:
	// the nearest shop phrasing and the nearest negative compete.
	posNear float64
	// pairCover is the share of the query's pair weight (zh character
	// bigrams, en stem bigrams) the shop's vocabulary knows: unknown
	// unigrams are rare in Chinese, unknown bigrams are not.
	pairCover float64
	// Evidence about the top FAQ: the share of the query's unigram weight
	// (known and unknown) that the top FAQ's own vocabulary holds, and the
	// number of the query's concepts it uses.
	topCover    float64
	topConcepts int
	// Embedding evidence (zero without WithEmbeddings): cosine of the
	// query to the top FAQ's embedding centroid, the best cosine to any
	// active FAQ, and the top FAQ's cosine minus the best other one.
	embTop, embMax, embMargin float64
}

// qterm is one known feature of a query.
type qterm struct {
	t    *term
	q    float64
	kind byte
}

// score scores normalized text against every active FAQ. exclude is a unit
// to hold out (-1 for none), used to calibrate on the index's own phrasings.
func (ix *index) score(lang, text string, exclude int32, active []bool) scored {
	li := ix.langs[lang]
	var out scored
	if li == nil || text == "" {
		return out
	}
	var fbuf [96]feature
	var wbuf [96]weighted
	ws := aggregate(ix.x.extract(fbuf[:0], text, lang), wbuf[:0])
	out.feats = ws
	unitDot := make([]float64, len(li.units))
	centDot := make([]float64, len(li.cnorm2))
	var qbuf [96]qterm
	qts := qbuf[:0]
	qn2, known, unknown, un2 := 0.0, 0.0, 0.0, 0.0
	pairKnown, pairUnknown := 0.0, 0.0
	for _, w := range ws {
		t := li.terms[w.key]
		unigram := w.kind == kindChar || w.kind == kindWord
		pair := w.kind == kindBigram || w.kind == kindWord2
		if t == nil {
			if unigram {
				unknown += w.w * li.avgIDF
			}
			if pair {
				pairUnknown += w.w * li.avgIDF
			}
			un2 += (w.w * li.avgIDF) * (w.w * li.avgIDF)
			continue
		}
		if pair {
			pairKnown += w.w * t.idf
		}
		q := w.w * t.idf
		qn2 += q * q
		qts = append(qts, qterm{t, q, w.kind})
		if unigram {
			known += q
		}
		out.nfeat++
		if w.kind == kindConcept {
			out.concepts++
		}
		for _, p := range t.units {
			unitDot[p.id] += q * float64(p.w)
		}
		for _, p := range t.cents {
			centDot[p.id] += q * float64(p.w)
		}
	}
	if known+unknown > 0 {
		out.coverage = known / (known + unknown)
	}
	if pairKnown+pairUnknown > 0 {
		out.pairCover = pairKnown / (pairKnown + pairUnknown)
	}
	out.offTopic = offTopicHits(text, lang, li.shopOffTopic)
	if qn2 == 0 {
		return out
	}
	qn := math.Sqrt(qn2)
	out.qnorm = qn
	best := make([]float64, len(li.cnorm2))
	for i, u := range li.units {
		if int32(i) == exclude {
			continue
		}
		if d := unitDot[i] / qn; d > best[u.faq] {
			best[u.faq] = d
		}
	}
	exFAQ := int32(-1)
	if exclude >= 0 {
		exFAQ = li.units[exclude].faq
	}
	var ecos []float64
	lambda := 0.0
	if li.emb != nil {
		if q := ix.fz.sp.Sentence(text, lang); nonZero(q) {
			ecos = li.emb.cosines(q, exclude, func(u int32) int32 { return li.units[u].faq }, ix.fz.unitW)
			lambda = ix.fz.lambda
		}
	}
	var top [MaxCandidates]faqScore
	n := 0
	for f, cn2 := range li.cnorm2 {
		if cn2 == 0 || (active != nil && !active[f]) {
			continue
		}
		dot := centDot[f]
		if int32(f) == exFAQ {
			dot -= unitDot[exclude]
			cn2 = cn2 - 2*li.units[exclude].selfC + 1
		}
		cent := 0.0
		if cn2 > 1e-12 {
			cent = dot / (math.Sqrt(cn2) * qn)
		}
		out.bestUnit = max(out.bestUnit, best[f])
		s := unitShare*best[f] + (1-unitShare)*cent
		if s <= 0 {
			continue
		}
		if ecos != nil {
			s = (1-lambda)*s + lambda*max(ecos[f], 0)
		}
		// Insert into the small sorted top list.
		if n < MaxCandidates {
			n++
		} else if s <= top[n-1].score {
			continue
		}
		j := n - 1
		for j > 0 && top[j-1].score < s {
			top[j] = top[j-1]
			j--
		}
		top[j] = faqScore{f, s}
	}
	out.top = append([]faqScore(nil), top[:n]...)
	out.posNear = out.bestUnit * qn / math.Sqrt(qn2+un2)
	if ecos != nil && n > 0 {
		t := top[0].faq
		out.embTop = ecos[t]
		other := -1.0
		for f, c := range ecos {
			if active != nil && !active[f] || li.cnorm2[f] == 0 {
				continue
			}
			out.embMax = max(out.embMax, c)
			if f != t {
				other = max(other, c)
			}
		}
		out.embMargin = out.embTop - max(other, 0)
	}
	if n > 0 && known+unknown > 0 {
		f := int32(top[0].faq)
		covered := 0.0
		for _, qt := range qts {
			unigram := qt.kind == kindChar || qt.kind == kindWord
			if !(unigram || qt.kind == kindConcept) || !inFAQ(qt.t, f, exclude) {
				continue
			}
			if unigram {
				covered += qt.q
			} else {
				out.topConcepts++
			}
		}
		out.topCover = covered / (known + unknown)
	}
	if n > 0 {
		exDoc, exText := -1, ""
		if exclude >= 0 && int(li.units[exclude].faq) == top[0].faq {
			exDoc = int(li.units[exclude].doc)
			exText = ix.c.docs[exDoc].text
		}
		out.frames = li.frames.hits(text, lang, top[0].faq, exDoc, exText)
	}
	return out
}

// inFAQ reports whether FAQ f's centroid holds term t, not counting unit
// exclude (-1 for none).
func inFAQ(t *term, f, exclude int32) bool {
	for _, p := range t.cents {
		if p.id != f {
			continue
		}
		w := float64(p.w)
		if exclude >= 0 {
			for _, u := range t.units {
				if u.id == exclude {
					w -= float64(u.w)
					break
				}
			}
		}
		return w > 1e-6
	}
	return false
}
