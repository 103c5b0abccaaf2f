package match

import (
	"math"
	"slices"
	"strings"

	"github.com/callbee/callbee/nlu/normalize"
)

// Calibration: a logistic model over a few score features, fitted when the
// index is built. Positives are the index's own phrasings scored with
// themselves held out (label: was the top FAQ right); negatives add the
// built-in sample of everyday utterances no shop FAQ answers (oosSample)
// and hard negatives built from the shop's own words (hardneg.go).

// nCalib is the number of calibration features.
const nCalib = 16

// maxFalseReject is the share of held-out in-scope phrasings (made harder,
// see fitCalibration) the learned out-of-scope threshold may reject.
const maxFalseReject = 0.03

// Bounds of the learned threshold on the in-scope probability. Even the
// harder held-out phrasings are easier than real callers, so the quantile
// they give is capped: maxThreshold was chosen per language on the dev
// set's caller questions (about 3% of them fall below it; English callers
// stray further from a shop's wording than Chinese ones, and with the
// broader everyday sample a cap of 0.3 rejected 4.4% of English ones).
const minThreshold = 0.005

var maxThreshold = map[string]float64{"zh": 0.3, "en": 0.25}

// scopeNegShare is the share of the scope model's training weight the
// out-of-scope examples carry, whatever the sizes of the everyday sample
// and of the shop's phrasings: the model's prior, and with it where the
// threshold falls, no longer moves when a shop writes fewer phrasings or
// the sample grows (it was 0.28 to 0.45 by count on the demo and starter
// shops).
const scopeNegShare = 0.3

// L2 penalties of the two models (features are standardized). The scope
// model is regularized hard: it is fitted on held-out shop phrasings, which
// are easier than callers' paraphrases, and an unregularized fit separates
// them from the everyday sample so sharply that real callers fall below any
// threshold learned on them. The two features from the hard negatives (the
// last two: off-topic frame words, nearest negative) are regularized
// lightly: under scopeL2 their weights stay near zero, and they carry the
// near misses the other features cannot tell from shop questions.
const (
	rightL2 = 1e-3
	scopeL2 = 0.1
	frameL2 = 1e-3
)

// frameFeature is the position of the off-topic frame feature; the
// nearest-negative feature follows it.
const frameFeature = nCalib - 2

// penalties returns per-feature L2 penalties: l2 for all but the two hard
// negative features, which get frame.
func penalties(l2, frame float64) [nCalib]float64 {
	var p [nCalib]float64
	for i := range p {
		p[i] = l2
	}
	p[frameFeature] = frame
	p[frameFeature+1] = frame
	return p
}

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
		sc.topCover, math.Log1p(float64(sc.topConcepts)),
		sc.embTop, sc.embMax, sc.embMargin, sc.posNear, sc.pairCover, math.Log1p(float64(sc.frames)), sc.negNear}
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
	aug   bool // a held-out phrasing made harder (scope model only)
}

// fitCalibration fits the confidence model and threshold for lang; negs
// (with their groups) are the out-of-scope examples.
func fitCalibration(ix *index, lang string, negs []string, groups []int32) calibration {
	li := ix.langs[lang]
	var ss []sample
	for i, u := range li.units {
		if ix.c.docs[u.doc].kind == docQuestion && countUnits(li, u.faq) == 1 {
			continue // nothing left to match once held out
		}
		sc := ix.score(lang, ix.c.docs[u.doc].text, int32(i), nil)
		sc.negNear = li.nearestOf(sc.feats, -1)
		y := 0.0
		if len(sc.top) > 0 && sc.top[0].faq == int(u.faq) {
			y = 1
		}
		ss = append(ss, sample{calibFeatures(sc), y, true, false})
		// Callers are harder than the shop's own phrasings: they wrap the
		// question in everyday talk and use other words for part of it.
		// The scope model and its threshold also learn from held-out
		// phrasings made harder in those two ways.
		text := ix.c.docs[u.doc].text
		chat := chatter[lang]
		for _, v := range []string{chat[i%len(chat)] + " " + text, dropWords(text, lang, i)} {
			sc := ix.score(lang, v, int32(i), nil)
			sc.negNear = li.nearestOf(sc.feats, -1)
			ss = append(ss, sample{calibFeatures(sc), 0, true, true})
		}
	}
	for j, t := range negs {
		sc := ix.score(lang, t, -1, nil)
		sc.negNear = li.nearestOf(sc.feats, groups[j])
		ss = append(ss, sample{calibFeatures(sc), 0, false, false})
	}
	c := calibration{threshold: minThreshold}
	if len(ss) == 0 {
		return c
	}
	var orig []sample
	for _, s := range ss {
		if !s.aug {
			orig = append(orig, s)
		}
	}
	c.right = fitLogistic(orig, func(s sample) float64 { return s.y }, penalties(rightL2, rightL2))
	nIn, nOut := 0, 0
	for _, s := range ss {
		if s.inScp {
			nIn++
		} else {
			nOut++
		}
	}
	negW := 1.0
	if nIn > 0 && nOut > 0 {
		negW = scopeNegShare / (1 - scopeNegShare) * float64(nIn) / float64(nOut)
	}
	c.scope = fitLogisticW(ss, func(s sample) float64 {
		if s.inScp {
			return 1
		}
		return 0
	}, func(s sample) float64 {
		if s.inScp {
			return 1
		}
		return negW
	}, penalties(scopeL2, frameL2))
	// Threshold: reject at most maxFalseReject of the harder held-out
	// in-scope phrasings.
	var in []float64
	for _, s := range ss {
		if s.aug {
			in = append(in, c.scope.prob(s.f))
		}
	}
	slices.Sort(in)
	if len(in) > 0 {
		k := int(math.Floor(maxFalseReject * float64(len(in))))
		c.threshold = min(max(in[k]-1e-9, minThreshold), maxThreshold[lang])
	}
	return c
}

// fitLogistic fits a logistic model to samples labelled by label.
func fitLogistic(ss []sample, label func(sample) float64, l2 [nCalib]float64) logistic {
	return fitLogisticW(ss, label, nil, l2)
}

// fitLogisticW is fitLogistic with sample weights (nil: all 1).
func fitLogisticW(ss []sample, label, weight func(sample) float64, l2 [nCalib]float64) logistic {
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
	wt := make([]float64, len(ss))
	n := 0.0
	for j, s := range ss {
		y[j] = label(s)
		wt[j] = 1
		if weight != nil {
			wt[j] = weight(s)
		}
		n += wt[j]
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
	)
	for range iters {
		var gw [nCalib]float64
		gb := 0.0
		for j := range x {
			z := c.b
			for i := range nCalib {
				z += c.w[i] * x[j][i]
			}
			d := (1/(1+math.Exp(-z)) - y[j]) * wt[j]
			gb += d
			for i := range nCalib {
				gw[i] += d * x[j][i]
			}
		}
		c.b -= lr * gb / n
		for i := range nCalib {
			c.w[i] -= lr * (gw[i]/n + l2[i]*c.w[i])
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

// chatter is everyday talk callers wrap a question in; general, no shop.
var chatter = map[string][]string{
	"zh": normalizeAll("zh", "我跟你说", "我岁数大了不太懂", "我孙子平时帮我弄的", "前几天我在你们这买了东西",
		"我问一下", "我老伴让我打电话问问", "我家闺女给我买的", "不好意思打扰了", "我是第一次打这个电话",
		"我在外地呢", "我这人记性不好", "我想了好几天了",
		"哎呀我这耳朵不好使", "我眼睛花了看不清手机", "我今年七十多了", "我儿子在外地上班",
		"我是听邻居说的你们家", "我刚从菜市场回来", "你别嫌我啰嗦啊", "我们这边是农村",
		"我腿脚不好不方便出门", "我也不太会说", "我就想问问清楚", "上回打电话没说明白"),
	"en": normalizeAll("en", "sorry to bother you", "I'm not very good at this", "my grandson usually does this for me",
		"I bought something from you the other day", "quick question", "my wife asked me to ring",
		"my daughter got me this", "I've never called before", "I'm calling from work", "bear with me",
		"I've been meaning to ask", "I hope you can help",
		"I'm getting on a bit now", "my eyes aren't what they were", "my hearing isn't great love",
		"my family are all far away", "my neighbour told me about you", "I've just got back from the shops",
		"sorry I'm a bit slow with these things", "we live out in the country", "I can't get out much these days",
		"I'm not sure how to put this", "I just want to get it straight", "I rang last week but got cut off"),
}

func normalizeAll(lang string, ss ...string) []string {
	for i, s := range ss {
		ss[i] = normalize.Normalize(s, lang)
	}
	return ss
}

// dropWords removes about a third of text's words (en) or characters (zh),
// chosen by seed, standing in for the words a caller says differently.
func dropWords(text, lang string, seed int) string {
	var parts []string
	if lang == "en" {
		parts = strings.Fields(text)
	} else {
		for _, r := range text {
			parts = append(parts, string(r))
		}
	}
	if len(parts) < 3 {
		return text
	}
	sep := ""
	if lang == "en" {
		sep = " "
	}
	var b strings.Builder
	for i, p := range parts {
		if (i+seed)%3 == 2 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}
