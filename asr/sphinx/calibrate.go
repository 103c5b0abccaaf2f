package sphinx

import (
	"math"
	"strings"
	"unicode"

	"github.com/callbee/callbee/asr"
)

// Grammar confidence calibration. A pocketsphinx grammar search reports a
// posterior of 1 whatever it heard (it has no competing paths), so a
// grammar result's confidence is derived from the n-gram search run on the
// same audio: the mean of (a) how much of the grammar hypothesis the LM
// hypothesis agrees with (longest common subsequence of words, or of
// characters for Chinese) and (b) a logistic of the acoustic gap (LM minus
// grammar log-likelihood per frame): a grammar forced onto words that were
// not said scores well below the freer search. The midpoint and scale were
// read off espeak-ng speech of the demo shop's questions and of paraphrases
// outside the grammar (TestPickParaphrases prints the numbers): correct
// grammar results mostly had gaps below ~10, forced ones above ~15.
const (
	gapMid   = 12.0
	gapScale = 5.0
	// partialWeight scales the agreement of a grammar search's partial
	// path (no full sentence was reached), so it is never trusted alone.
	partialWeight = 0.4
	// lmWeight scales the n-gram result's mean word posterior onto the
	// grammar's confidence scale. Measured on espeak-ng speech of the demo
	// shop (TestRecognizeShop, PICKDATA lines): 1.0 picked the LM too often
	// in domain (8 kHz English 10% -> 27% WER), 0 never helped paraphrases
	// (16 kHz English 75% -> 60% at 0.6); 0.6 is the compromise.
	lmWeight = 0.6
)

// Calibrate returns results with every grammar result's confidence replaced
// by the calibrated one, when an asr.SearchLM result of this engine is among
// them. Other results are unchanged.
func Calibrate(results []asr.Result) []asr.Result {
	lm := -1
	for i, r := range results {
		if r.Engine == Engine && r.Search == asr.SearchLM {
			lm = i
		}
	}
	out := append([]asr.Result(nil), results...)
	if lm < 0 {
		return out
	}
	for i := range out {
		r := &out[i]
		if i == lm || r.Engine != Engine || r.Text == "" {
			continue
		}
		r.Confidence = confidence(*r, results[lm])
	}
	out[lm].Confidence = lmWeight * meanWordPosterior(results[lm])
	return out
}

// meanWordPosterior is the n-gram result's confidence on the grammar's
// scale: the sentence posterior shrinks with every word, the mean word
// posterior does not.
func meanWordPosterior(r asr.Result) float64 {
	if len(r.Words) == 0 {
		return r.Confidence
	}
	var sum float64
	for _, w := range r.Words {
		sum += w.Confidence
	}
	return sum / float64(len(r.Words))
}

// Pick is asr.Pick over calibrated results: use it with asr.StartAll.
func Pick(trust float64) asr.PickFunc {
	return func(rs []asr.Result) asr.Result { return asr.Pick(Calibrate(rs), trust) }
}

func confidence(g, lm asr.Result) float64 {
	agree := agreement(tokens(g.Text, g.Lang), tokens(lm.Text, lm.Lang))
	switch {
	case g.Acoustic == 0:
		return partialWeight * agree // a partial path: not a sentence of the grammar
	case lm.Acoustic == 0 || lm.Text == "":
		return agree / 2
	}
	gap := lm.Acoustic - g.Acoustic
	return (agree + 1/(1+math.Exp((gap-gapMid)/gapScale))) / 2
}

func tokens(s, lang string) []string {
	if lang == asr.LangZH {
		var out []string
		for _, r := range s {
			if !unicode.IsSpace(r) {
				out = append(out, string(r))
			}
		}
		return out
	}
	return strings.Fields(strings.ToLower(s))
}

// agreement is LCS(a, b) / len(a).
func agreement(a, b []string) float64 {
	if len(a) == 0 {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(b)]) / float64(len(a))
}
