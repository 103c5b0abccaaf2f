package grammar

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// LM orders and the floor on absolute discounts.
const (
	lmOrder     = 3
	minDiscount = 0.3
	maxDiscount = 0.9
)

// ngramLM counts n-grams of word sentences and writes a back-off language
// model in ARPA text format with absolute discounting (Ney et al. 1994;
// discount D = n1/(n1+2·n2) per order) and Katz-style back-off weights.
type ngramLM struct {
	counts [lmOrder + 1]map[string]float64 // order -> "w1 w2 w3" -> count
}

func newNgramLM() *ngramLM {
	lm := &ngramLM{}
	for i := range lm.counts {
		lm.counts[i] = map[string]float64{}
	}
	return lm
}

// Add counts one sentence weight times.
func (lm *ngramLM) Add(words []string, weight float64) {
	if len(words) == 0 {
		return
	}
	s := make([]string, 0, len(words)+2)
	s = append(s, "<s>")
	s = append(s, words...)
	s = append(s, "</s>")
	for n := 1; n <= lmOrder; n++ {
		for i := 0; i+n <= len(s); i++ {
			if n == 1 && i == 0 {
				continue // <s> is never predicted
			}
			lm.counts[n][strings.Join(s[i:i+n], " ")] += weight
		}
	}
}

// WriteARPA writes the model.
func (lm *ngramLM) WriteARPA(w io.Writer) error {
	// Discounts per order.
	var disc [lmOrder + 1]float64
	for n := 2; n <= lmOrder; n++ {
		var n1, n2 float64
		for _, c := range lm.counts[n] {
			switch {
			case c <= 1:
				n1++
			case c <= 2:
				n2++
			}
		}
		d := 0.5
		if n1+2*n2 > 0 {
			d = n1 / (n1 + 2*n2)
		}
		disc[n] = math.Max(minDiscount, math.Min(maxDiscount, d))
	}
	// Unigrams: add-half smoothing over the vocabulary.
	prob := [lmOrder + 1]map[string]float64{}
	for i := range prob {
		prob[i] = map[string]float64{}
	}
	var total float64
	for _, c := range lm.counts[1] {
		total += c
	}
	v := float64(len(lm.counts[1]))
	for g, c := range lm.counts[1] {
		prob[1][g] = (c + 0.5) / (total + 0.5*v)
	}
	// Context totals and seen continuations.
	ctxTotal := make([]map[string]float64, lmOrder+1)
	follows := make([]map[string][]string, lmOrder+1)
	for n := 2; n <= lmOrder; n++ {
		ctxTotal[n] = map[string]float64{}
		follows[n] = map[string][]string{}
		for g, c := range lm.counts[n] {
			i := strings.LastIndexByte(g, ' ')
			h, wd := g[:i], g[i+1:]
			ctxTotal[n][h] += c
			follows[n][h] = append(follows[n][h], wd)
		}
	}
	bow := make([]map[string]float64, lmOrder+1)
	for n := range bow {
		bow[n] = map[string]float64{}
	}
	// lower returns the back-off probability of word after history h (len n-1 words).
	var lower func(h []string, wd string) float64
	lower = func(h []string, wd string) float64 {
		if len(h) == 0 {
			return prob[1][wd]
		}
		g := strings.Join(append(append([]string(nil), h...), wd), " ")
		if p, ok := prob[len(h)+1][g]; ok {
			return p
		}
		b, ok := bow[len(h)][strings.Join(h, " ")]
		if !ok {
			b = 1
		}
		return b * lower(h[1:], wd)
	}
	for n := 2; n <= lmOrder; n++ {
		for g, c := range lm.counts[n] {
			i := strings.LastIndexByte(g, ' ')
			prob[n][g] = (c - disc[n]*math.Min(c, 1)) / ctxTotal[n][g[:i]]
		}
		for h, ws := range follows[n] {
			hs := strings.Fields(h)
			var seen, seenLower float64
			for _, wd := range ws {
				seen += prob[n][h+" "+wd]
				seenLower += lower(hs[1:], wd)
			}
			left, leftLower := 1-seen, 1-seenLower
			if left <= 0 || leftLower <= 1e-9 {
				bow[n-1][h] = 1e-9
				continue
			}
			bow[n-1][h] = left / leftLower
		}
	}

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "\\data\\\n")
	fmt.Fprintf(bw, "ngram 1=%d\n", len(prob[1])+1)
	for n := 2; n <= lmOrder; n++ {
		fmt.Fprintf(bw, "ngram %d=%d\n", n, len(prob[n]))
	}
	for n := 1; n <= lmOrder; n++ {
		fmt.Fprintf(bw, "\n\\%d-grams:\n", n)
		if n == 1 {
			fmt.Fprintf(bw, "-99.0000 <s> %.4f\n", log10(bowOr(bow[1], "<s>")))
		}
		keys := make([]string, 0, len(prob[n]))
		for g := range prob[n] {
			keys = append(keys, g)
		}
		sort.Strings(keys)
		for _, g := range keys {
			if b, ok := bow[n][g]; ok && n < lmOrder {
				fmt.Fprintf(bw, "%.4f %s %.4f\n", log10(prob[n][g]), g, log10(b))
			} else {
				fmt.Fprintf(bw, "%.4f %s\n", log10(prob[n][g]), g)
			}
		}
	}
	fmt.Fprintf(bw, "\n\\end\\\n")
	return bw.Flush()
}

func bowOr(m map[string]float64, k string) float64 {
	if b, ok := m[k]; ok {
		return b
	}
	return 1
}

func log10(p float64) float64 {
	if p <= 0 {
		return -99
	}
	return math.Log10(p)
}
