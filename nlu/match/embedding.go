package match

import (
	"fmt"
	"math"

	"github.com/callbee/callbee/nlu/embed"
)

// Embedding signal (optional, WithEmbeddings): each FAQ also has a centroid
// of sentence vectors (nlu/embed) of its question and phrasings. A query's
// cosine to that centroid is blended into the lexical score of the FAQs the
// lexical index already found, and the cosines of the top FAQ and of the
// best FAQ overall feed both calibration models.

// Defaults of the embedding fusion; see fusion. Chosen by leave-one-out on
// the demo and starter shops and checked on the dev set (sweep in
// embedding_test.go): 0.1 and 0.2 gain alike, 0.3 loses on the starter
// shop; pooling languages, answers and a best-phrasing share gave nothing.
const (
	// embedLambda is the share of a candidate's score given to the
	// embedding cosine.
	embedLambda = 0.1
	// embedAnswerWeight scales the answer's sentence vector in a FAQ's
	// embedding centroid.
	embedAnswerWeight = 0.0
)

// fusion says whether and how the embedding signal is used; nil: not at all.
type fusion struct {
	sp      *embed.Space
	lambda  float64
	answerW float64
	pooled  bool    // centroids pool both languages' texts
	unitW   float64 // share of the best single text's cosine in a FAQ's cosine
}

// WithEmbeddings adds sentence-embedding similarity (nlu/embed) to lexical
// matching. A nil space leaves matching lexical only.
func WithEmbeddings(sp *embed.Space) Option {
	return func(o *options) error {
		if sp == nil {
			o.fusion = nil
			return nil
		}
		f := fusion{sp: sp, lambda: embedLambda, answerW: embedAnswerWeight}
		if o.fusion != nil {
			f.lambda, f.answerW, f.pooled, f.unitW = o.fusion.lambda, o.fusion.answerW, o.fusion.pooled, o.fusion.unitW
		}
		o.fusion = &f
		return nil
	}
}

// withFusion tunes the fusion (for experiments); it applies only together
// with WithEmbeddings, given after it.
func withFusion(lambda, answerW float64, pooled bool, unitW float64) Option {
	return func(o *options) error {
		if lambda < 0 || lambda > 1 {
			return fmt.Errorf("%w: lambda %v", ErrBadOption, lambda)
		}
		if o.fusion != nil {
			f := *o.fusion
			f.lambda, f.answerW, f.pooled, f.unitW = lambda, answerW, pooled, unitW
			o.fusion = &f
		}
		return nil
	}
}

// embLang holds one language's embedding centroids.
type embLang struct {
	sum   [][]float32 // per FAQ: weighted sum of its texts' unit vectors
	norm2 []float64   // squared norm of sum
	units [][]float32 // per langIndex unit: its vector (nil if zero)
}

// buildEmb builds lang's embedding centroids; li.units must be built.
func buildEmb(c *corpus, fz *fusion, li *langIndex, lang string, skip int) *embLang {
	dims := fz.sp.Dims()
	el := &embLang{sum: make([][]float32, len(c.faqs)), norm2: make([]float64, len(c.faqs)),
		units: make([][]float32, len(li.units))}
	vecOf := make(map[int][]float32, len(li.units))
	for i, d := range c.docs {
		if i == skip || (d.lang != lang && !fz.pooled) {
			continue
		}
		w := float32(1)
		if d.kind == docAnswer {
			if fz.answerW == 0 {
				continue
			}
			w = float32(fz.answerW)
		}
		v := fz.sp.Sentence(d.text, d.lang)
		if !nonZero(v) {
			continue
		}
		if d.lang == lang {
			vecOf[i] = v
		}
		s := el.sum[d.faq]
		if s == nil {
			s = make([]float32, dims)
			el.sum[d.faq] = s
		}
		for k, x := range v {
			s[k] += w * x
		}
	}
	for f, s := range el.sum {
		el.norm2[f] = dot32(s, s)
	}
	for i, u := range li.units {
		el.units[i] = vecOf[int(u.doc)]
	}
	return el
}

// cosines returns the cosine of q to every FAQ's centroid, leaving unit
// exclude (-1 for none) out of its FAQ's centroid.
func (el *embLang) cosines(q []float32, exclude int32, faqOf func(int32) int32, unitW float64) []float64 {
	out := make([]float64, len(el.sum))
	exFAQ, ev := int32(-1), []float32(nil)
	if exclude >= 0 && el.units[exclude] != nil {
		exFAQ, ev = faqOf(exclude), el.units[exclude]
	}
	for f, s := range el.sum {
		if s == nil {
			continue
		}
		d, n2 := dot32(q, s), el.norm2[f]
		if int32(f) == exFAQ {
			d -= dot32(q, ev)
			n2 += -2*dot32(s, ev) + dot32(ev, ev)
		}
		if n2 > 1e-9 {
			out[f] = d / math.Sqrt(n2)
		}
	}
	if unitW > 0 {
		best := make([]float64, len(el.sum))
		for i, v := range el.units {
			if v == nil || int32(i) == exclude {
				continue
			}
			f := faqOf(int32(i))
			best[f] = max(best[f], dot32(q, v))
		}
		for f := range out {
			out[f] = (1-unitW)*out[f] + unitW*best[f]
		}
	}
	return out
}

func dot32(a, b []float32) float64 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

func nonZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}
