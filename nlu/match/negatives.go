package match

import "math"

// Negative neighbours: the out-of-scope sample (oosSample) and the hard
// negatives built from the shop (hardNegatives) are also kept as vectors in
// the index's feature space. How close a query comes to the nearest of them
// (cosine, IDF-weighted like FAQ scoring) is a feature of the scope model:
// "what time is it" lies nearer an off-topic frame than any service-hours
// phrasing does.

// negIndex is the inverted index of one language's negatives.
type negIndex struct {
	post  map[uint64][]negPosting
	group []int32 // negative -> group (negatives from one frame share one)
}

type negPosting struct {
	id int32
	w  float32 // weight in the negative's unit vector
}

// negVector returns the IDF-weighted features of normalized text, with
// features the shop never uses weighted like an unseen unigram.
func (li *langIndex) negVector(x *extractor, text, lang string, fn func(key uint64, w float64)) float64 {
	var fbuf [96]feature
	var wbuf [96]weighted
	return li.negVectorOf(aggregate(x.extract(fbuf[:0], text, lang), wbuf[:0]), fn)
}

// negVectorOf is negVector over features already extracted and aggregated.
func (li *langIndex) negVectorOf(ws []weighted, fn func(key uint64, w float64)) float64 {
	n2 := 0.0
	for _, w := range ws {
		idf := li.avgIDF
		if t := li.terms[w.key]; t != nil {
			idf = t.idf
		}
		q := w.w * idf
		n2 += q * q
		fn(w.key, q)
	}
	return math.Sqrt(n2)
}

// buildNegs indexes the negatives of lang; groups[i] is negs[i]'s group.
func buildNegs(li *langIndex, x *extractor, lang string, negs []string, groups []int32) *negIndex {
	ni := &negIndex{post: map[uint64][]negPosting{}, group: groups}
	type kw struct {
		k uint64
		w float64
	}
	for i, t := range negs {
		var v []kw
		n := li.negVector(x, t, lang, func(k uint64, w float64) { v = append(v, kw{k, w}) })
		if n == 0 {
			continue
		}
		for _, e := range v {
			ni.post[e.k] = append(ni.post[e.k], negPosting{int32(i), float32(e.w / n)})
		}
	}
	return ni
}

// nearest returns the highest cosine of normalized text to a negative
// outside group skip (-1 for none).
func (li *langIndex) nearest(x *extractor, text, lang string, skip int32) float64 {
	var fbuf [96]feature
	var wbuf [96]weighted
	return li.nearestOf(aggregate(x.extract(fbuf[:0], text, lang), wbuf[:0]), skip)
}

// nearestOf is nearest over features already extracted and aggregated
// (scored.feats).
func (li *langIndex) nearestOf(ws []weighted, skip int32) float64 {
	ni := li.negs
	if ni == nil || len(ws) == 0 {
		return 0
	}
	dot := make([]float64, len(ni.group))
	n := li.negVectorOf(ws, func(k uint64, w float64) {
		for _, p := range ni.post[k] {
			dot[p.id] += w * float64(p.w)
		}
	})
	if n == 0 {
		return 0
	}
	best := 0.0
	for id, d := range dot {
		if d <= 0 || skip >= 0 && ni.group[id] == skip {
			continue
		}
		best = max(best, d/n)
	}
	return best
}

// negatives returns the out-of-scope sample and the hard negatives of lang
// with their groups: each sample sentence is its own group, the fillings
// of one frame share one.
func negatives(c *corpus, lang string) ([]string, []int32) {
	var out []string
	var groups []int32
	g := int32(0)
	for _, t := range oosSample()[lang] {
		out = append(out, t)
		groups = append(groups, g)
		g++
	}
	for _, h := range hardNegativeGroups(c, lang) {
		for _, t := range h {
			out = append(out, t)
			groups = append(groups, g)
		}
		g++
	}
	return out, groups
}

// answeredCosine is the cosine to a shop phrasing (over the query's full
// norm, scored.posNear) at which a general negative is taken to be a
// question the shop answers after all ("do you have a shop I can visit" in
// a shop whose FAQ says where its shop is): such negatives are dropped.
const answeredCosine = 0.9

// unanswered returns the negatives of lang (negatives) without those the
// shop's own phrasings say almost word for word.
func (ix *index) unanswered(lang string) ([]string, []int32) {
	negs, groups := negatives(ix.c, lang)
	var out []string
	var og []int32
	for i, t := range negs {
		if ix.score(lang, t, -1, nil).posNear >= answeredCosine {
			continue
		}
		out = append(out, t)
		og = append(og, groups[i])
	}
	return out, og
}
