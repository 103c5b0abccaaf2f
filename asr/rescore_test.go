package asr_test

import (
	"strings"
	"testing"

	"github.com/callbee/callbee/asr"
)

// readWords is a toy listener: a text containing "voucher" asks for
// coupon, "parcel" for where_is_order (confidence 0.9 each), anything else
// is out of scope.
func readWords(text string) asr.Reading {
	switch {
	case strings.Contains(text, "voucher"):
		return asr.Reading{Key: "coupon", Confidence: 0.9}
	case strings.Contains(text, "parcel"):
		return asr.Reading{Key: "where_is_order", Confidence: 0.9}
	}
	return asr.Reading{}
}

func TestRescore(t *testing.T) {
	lm := func(text string, nbest ...string) asr.Result {
		return asr.Result{Search: asr.SearchLM, Text: text, NBest: nbest, Confidence: 0.3,
			Words: []asr.Word{{Text: text}}}
	}
	dom := func(text string, conf float64) asr.Result {
		return asr.Result{Search: asr.SearchDomain, Text: text, Confidence: conf}
	}
	with := func(r asr.Result, alts ...asr.Result) asr.Result { r.Alternatives = alts; return r }
	tests := []struct {
		name       string
		in         asr.Result
		wantText   string
		wantSearch string
		wantWords  bool
	}{
		{"n-best agree against the 1-best",
			with(dom("what are your opening hours", 0.3), lm("i got a where do i put it", "i got a voucher where do i put it", "i've got a voucher where")),
			"i got a voucher where do i put it", asr.SearchLM, false},
		{"1-best understood",
			lm("where is my parcel", "where is my car", "where is my part"),
			"where is my parcel", asr.SearchLM, true},
		{"out of scope wins when most say so",
			lm("what is the weather", "what is the whether", "what is a parcel"),
			"what is the weather", asr.SearchLM, true},
		{"a trusted grammar votes",
			with(dom("where is my parcel", 0.9), lm("i want a voucher", "where is my parcel now")),
			"where is my parcel", asr.SearchDomain, false},
		{"a confident grammar the n-gram search does not agree with",
			with(dom("where is my parcel", 0.9), lm("i want a voucher", "where is the voucher")),
			"i want a voucher", asr.SearchLM, true},
		{"an untrusted grammar does not vote",
			with(dom("where is my parcel", 0.2), lm("i have a voucher", "where is my car")),
			"i have a voucher", asr.SearchLM, true},
		{"no n-gram search: unchanged",
			asr.Result{Search: asr.SearchDigits, Text: "one two three"},
			"one two three", asr.SearchDigits, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := asr.Rescore(tt.in, readWords, asr.DefaultRescore("en"))
			if got.Text != tt.wantText || got.Search != tt.wantSearch {
				t.Errorf("Rescore = %q (%s), want %q (%s)", got.Text, got.Search, tt.wantText, tt.wantSearch)
			}
			if tt.wantSearch == asr.SearchLM && (len(got.Words) > 0) != tt.wantWords {
				t.Errorf("words %v, want words: %v", got.Words, tt.wantWords)
			}
			if n := len(tt.in.Alternatives); len(got.Alternatives) != n {
				t.Errorf("%d alternatives, want %d", len(got.Alternatives), n)
			}
		})
	}
	if got := asr.Rescore(lm("x", "y"), nil, asr.DefaultRescore("en")); got.Text != "x" {
		t.Errorf("nil reader changed the result: %q", got.Text)
	}
}
