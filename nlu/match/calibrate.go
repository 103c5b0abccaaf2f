package match

import (
	"math"
	"slices"

	"github.com/callbee/callbee/nlu/normalize"
)

// Calibration: a logistic model over a few score features, fitted when the
// index is built. Positives are the index's own phrasings scored with
// themselves held out (label: was the top FAQ right); negatives add the
// built-in sample of everyday utterances no shop FAQ answers (oosSample).

// nCalib is the number of calibration features.
const nCalib = 4

// maxFalseReject is the share of held-out in-scope phrasings the learned
// out-of-scope threshold may reject.
const maxFalseReject = 0.02

// Bounds of the learned threshold.
const (
	minThreshold = 0.05
	maxThreshold = 0.5
)

type calibration struct {
	mean, std [nCalib]float64
	w         [nCalib]float64
	b         float64
	threshold float64
}

func calibFeatures(sc scored) [nCalib]float64 {
	var s1, s2 float64
	if len(sc.top) > 0 {
		s1 = sc.top[0].score
	}
	if len(sc.top) > 1 {
		s2 = sc.top[1].score
	}
	return [nCalib]float64{s1, s1 - s2, sc.coverage, math.Log1p(float64(sc.nfeat))}
}

// prob returns the calibrated probability that the top candidate is right.
func (c *calibration) prob(sc scored) float64 {
	if len(sc.top) == 0 {
		return 0
	}
	f := calibFeatures(sc)
	z := c.b
	for i := range f {
		if c.std[i] > 0 {
			z += c.w[i] * (f[i] - c.mean[i]) / c.std[i]
		}
	}
	return 1 / (1 + math.Exp(-z))
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
	for _, t := range oosSample[lang] {
		sc := ix.score(lang, normalize.Normalize(t, lang), -1, nil)
		ss = append(ss, sample{calibFeatures(sc), 0, false})
	}
	c := calibration{threshold: minThreshold}
	if len(ss) == 0 {
		c.b = 0
		return c
	}
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
	for j, s := range ss {
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
		for j, s := range ss {
			z := c.b
			for i := range nCalib {
				z += c.w[i] * x[j][i]
			}
			p := 1 / (1 + math.Exp(-z))
			d := p - s.y
			gb += d
			for i := range nCalib {
				gw[i] += d * x[j][i]
			}
		}
		n := float64(len(ss))
		c.b -= lr * gb / n
		for i := range nCalib {
			c.w[i] -= lr * (gw[i]/n + l2*c.w[i])
		}
	}
	// Threshold: reject at most maxFalseReject of held-out in-scope phrasings.
	var in []float64
	for _, s := range ss {
		if s.inScp {
			in = append(in, c.probFeatures(s.f))
		}
	}
	slices.Sort(in)
	if len(in) > 0 {
		k := int(math.Floor(maxFalseReject * float64(len(in))))
		c.threshold = min(max(in[k]-1e-9, minThreshold), maxThreshold)
	}
	return c
}

func (c *calibration) probFeatures(f [nCalib]float64) float64 {
	z := c.b
	for i := range f {
		if c.std[i] > 0 {
			z += c.w[i] * (f[i] - c.mean[i]) / c.std[i]
		}
	}
	return 1 / (1 + math.Exp(-z))
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
