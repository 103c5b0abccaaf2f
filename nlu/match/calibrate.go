package match

import (
	"math"
	"slices"
)

// Calibration: a logistic model over a few score features, fitted when the
// index is built. Positives are the index's own phrasings scored with
// themselves held out (label: was the top FAQ right); negatives add the
// built-in sample of everyday utterances no shop FAQ answers (oosSample).

// nCalib is the number of calibration features.
const nCalib = 9

// maxFalseReject is the share of held-out in-scope phrasings the learned
// out-of-scope threshold may reject.
const maxFalseReject = 0.01

// Bounds of the learned threshold. Held-out shop phrasings are easier than
// real callers (they share the shop's wording), so the threshold they give
// is capped: on caller-style questions a higher one rejected far more than
// 3% of in-scope questions.
const (
	minThreshold = 0.005
	maxThreshold = 0.03
)

// calibration holds two logistic models over the same features: right
// (is the top candidate the asked FAQ) gives Result.Confidence; scope (is
// this a question the shop answers at all) decides OutOfScope.
type calibration struct {
	right     logistic
	scope     logistic
	threshold float64 // on scope
}

type logistic struct {
	mean, std [nCalib]float64
	w         [nCalib]float64
	b         float64
}

func (l *logistic) prob(f [nCalib]float64) float64 {
	z := l.b
	for i := range f {
		if l.std[i] > 0 {
			z += l.w[i] * (f[i] - l.mean[i]) / l.std[i]
		}
	}
	return 1 / (1 + math.Exp(-z))
}

// inScope returns the probability that the query is one the shop answers.
func (c *calibration) inScope(sc scored) float64 {
	if len(sc.top) == 0 {
		return 0
	}
	return c.scope.prob(calibFeatures(sc))
}

func calibFeatures(sc scored) [nCalib]float64 {
	var s1, s2 float64
	if len(sc.top) > 0 {
		s1 = sc.top[0].score
	}
	if len(sc.top) > 1 {
		s2 = sc.top[1].score
	}
	return [nCalib]float64{s1, s1 - s2, sc.coverage, math.Log1p(float64(sc.nfeat)),
		math.Log1p(float64(sc.concepts)), s1 * sc.qnorm, math.Log1p(float64(sc.offTopic)),
		sc.topCover, math.Log1p(float64(sc.topConcepts))}
}

// prob returns the calibrated probability that the top candidate is right.
func (c *calibration) prob(sc scored) float64 {
	if len(sc.top) == 0 {
		return 0
	}
	return c.right.prob(calibFeatures(sc))
}

type sample struct {
	f     [nCalib]float64
	y     float64
	inScp bool
}

// fitCalibration fits the confidence model and threshold for lang.
func fitCalibration(ix *index, lang string) calibration {
	li := ix.langs[lang]
	var ss []sample
	for i, u := range li.units {
		if ix.c.docs[u.doc].kind == docQuestion && countUnits(li, u.faq) == 1 {
			continue // nothing left to match once held out
		}
		sc := ix.score(lang, ix.c.docs[u.doc].text, int32(i), nil)
		y := 0.0
		if len(sc.top) > 0 && sc.top[0].faq == int(u.faq) {
			y = 1
		}
		ss = append(ss, sample{calibFeatures(sc), y, true})
	}
	for _, t := range oosSample()[lang] {
		sc := ix.score(lang, t, -1, nil)
		ss = append(ss, sample{calibFeatures(sc), 0, false})
	}
	c := calibration{threshold: minThreshold}
	if len(ss) == 0 {
		return c
	}
	c.right = fitLogistic(ss, func(s sample) float64 { return s.y })
	c.scope = fitLogistic(ss, func(s sample) float64 {
		if s.inScp {
			return 1
		}
		return 0
	})
	// Threshold: reject at most maxFalseReject of held-out in-scope phrasings.
	var in []float64
	for _, s := range ss {
		if s.inScp {
			in = append(in, c.scope.prob(s.f))
		}
	}
	slices.Sort(in)
	if len(in) > 0 {
		k := int(math.Floor(maxFalseReject * float64(len(in))))
		c.threshold = min(max(in[k]-1e-9, minThreshold), maxThreshold)
	}
	return c
}

// fitLogistic fits a logistic model to samples labelled by label.
func fitLogistic(ss []sample, label func(sample) float64) logistic {
	var c logistic
	for i := range nCalib {
		m, v := 0.0, 0.0
		for _, s := range ss {
			m += s.f[i]
		}
		m /= float64(len(ss))
		for _, s := range ss {
			v += (s.f[i] - m) * (s.f[i] - m)
		}
		c.mean[i], c.std[i] = m, math.Sqrt(v/float64(len(ss)))
	}
	x := make([][nCalib]float64, len(ss))
	y := make([]float64, len(ss))
	for j, s := range ss {
		y[j] = label(s)
		for i := range nCalib {
			if c.std[i] > 0 {
				x[j][i] = (s.f[i] - c.mean[i]) / c.std[i]
			}
		}
	}
	// Batch gradient descent with a little L2 regularisation.
	const (
		iters = 300
		lr    = 0.5
		l2    = 1e-3
	)
	for range iters {
		var gw [nCalib]float64
		gb := 0.0
		for j := range x {
			z := c.b
			for i := range nCalib {
				z += c.w[i] * x[j][i]
			}
			d := 1/(1+math.Exp(-z)) - y[j]
			gb += d
			for i := range nCalib {
				gw[i] += d * x[j][i]
			}
		}
		n := float64(len(x))
		c.b -= lr * gb / n
		for i := range nCalib {
			c.w[i] -= lr * (gw[i]/n + l2*c.w[i])
		}
	}
	return c
}

func countUnits(li *langIndex, faq int32) int {
	n := 0
	for _, u := range li.units {
		if u.faq == faq {
			n++
		}
	}
	return n
}
