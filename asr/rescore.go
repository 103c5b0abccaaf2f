package asr

import (
	"strings"
	"unicode"
)

// Reading is how a listener (the brain's FAQ matcher) understands one
// hypothesis text.
type Reading struct {
	// Key is what the text asks for (e.g. an FAQ id); "" when the listener
	// finds it out of scope or does not understand it.
	Key string
	// Confidence is the listener's 0..1 certainty about Key.
	Confidence float64
}

// ReadFunc reads one hypothesis text. It must be safe to call several times
// per turn and cheap (it runs between end of turn and the answer).
type ReadFunc func(text string) Reading

// Rescoring weights, read off espeak-ng speech of the demo shop's dev set
// (internal/voiceeval: tuning half of the paraphrases, and the shop's own
// questions): the votes of further n-best hypotheses fall off by
// RescoreDecay per rank and the n-gram search's votes share a total weight
// of 1; a hypothesis read as out of scope votes RescoreOOSVote for "out of
// scope"; a stricter search's result (the domain grammar) votes with
// RescoreGrammarWeight times its confidence when RescoreParams allow.
const (
	RescoreDecay         = 0.9
	RescoreOOSVote       = 0.5
	RescoreGrammarWeight = 2.0
)

// RescoreParams say when a stricter search's result (the domain grammar)
// votes beside the n-gram hypotheses: its confidence is at least Trust and
// some n-gram hypothesis has at least Agree of its words (characters for
// Chinese) in order. A grammar forced onto a paraphrase is often confident
// enough, but the freer search heard something else.
type RescoreParams struct {
	Trust, Agree float64
}

// DefaultRescore is the tuned RescoreParams for lang. English n-gram
// hypotheses are good (WER ~5% on the shop's own questions, ~50% on
// paraphrases), so the grammar must agree with one of them; the Mandarin
// n-gram search is weak (CER ~60% even on the shop's own questions), so the
// grammar votes on its confidence alone.
func DefaultRescore(lang string) RescoreParams {
	if lang == LangZH {
		return RescoreParams{Trust: 0.4, Agree: 0}
	}
	return RescoreParams{Trust: 0.7, Agree: 0.8}
}

// Rescore lets the listener choose among the hypotheses of a turn: r is a
// Pick result (its Alternatives the other searches, the n-gram one with its
// NBest). Every hypothesis votes for the key read finds in it, with the
// listener's confidence and the weights above; the key with most votes
// wins, and its best-placed hypothesis is returned (Text replaced; Words
// dropped when the text came from an n-best list). Without an n-gram
// result, or when read is nil, r is returned as it is. Recognition errors
// thus land on the answer most hypotheses agree on instead of on whatever
// the 1-best happened to say.
func Rescore(r Result, read ReadFunc, p RescoreParams) Result {
	if read == nil {
		return r
	}
	all := append([]Result{r}, r.Alternatives...)
	lm := -1
	for i, res := range all {
		if res.Search == SearchLM {
			lm = i
			break
		}
	}
	if lm < 0 {
		return r
	}
	type hyp struct {
		src    int // index into all
		text   string
		weight float64
		nbest  bool
	}
	var hyps []hyp
	var lmTexts []string
	w, total := 1.0, 0.0
	for i, t := range append([]string{all[lm].Text}, all[lm].NBest...) {
		if t != "" {
			hyps = append(hyps, hyp{src: lm, text: t, weight: w, nbest: i > 0})
			lmTexts = append(lmTexts, t)
			total += w
		}
		w *= RescoreDecay
	}
	for i := range hyps {
		hyps[i].weight /= total
	}
	var strict []hyp
	for i, res := range all {
		if i == lm || res.Text == "" || res.Confidence < p.Trust {
			continue
		}
		if agreement(res.Text, lmTexts, res.Lang) >= p.Agree {
			strict = append(strict, hyp{src: i, text: res.Text, weight: RescoreGrammarWeight * res.Confidence})
		}
	}
	hyps = append(strict, hyps...)
	if len(hyps) == 0 {
		return r
	}
	votes := map[string]float64{}
	best := map[string]int{} // key -> first (best-placed) hypothesis
	var order []string
	for i, h := range hyps {
		rd := read(h.text)
		v := RescoreOOSVote
		if rd.Key != "" {
			v = rd.Confidence
		}
		if _, ok := best[rd.Key]; !ok {
			best[rd.Key] = i
			order = append(order, rd.Key)
		}
		votes[rd.Key] += h.weight * v
	}
	win := order[0]
	for _, k := range order[1:] {
		if votes[k] > votes[win] {
			win = k
		}
	}
	h := hyps[best[win]]
	out := all[h.src]
	out.Text = h.text
	if h.nbest {
		out.Words = nil
	}
	out.Alternatives = nil
	for i, res := range all {
		if i != h.src {
			res.Alternatives = nil
			out.Alternatives = append(out.Alternatives, res)
		}
	}
	return out
}

// agreement is the largest share of text's words (characters for
// Chinese) that one of others has in order (longest common subsequence).
func agreement(text string, others []string, lang string) float64 {
	a := units(text, lang)
	if len(a) == 0 {
		return 0
	}
	best := 0
	for _, o := range others {
		best = max(best, lcs(a, units(o, lang)))
	}
	return float64(best) / float64(len(a))
}

func units(s, lang string) []string {
	if lang != LangZH {
		return strings.Fields(strings.ToLower(s))
	}
	var out []string
	for _, r := range s {
		if !unicode.IsSpace(r) {
			out = append(out, string(r))
		}
	}
	return out
}

func lcs(a, b []string) int {
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
	return prev[len(b)]
}
