package asr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    asr.Options
		want error
	}{
		{"en 16k", asr.Options{Lang: "en", Rate: 16000}, nil},
		{"zh 8k", asr.Options{Lang: "zh", Rate: 8000, Search: asr.SearchDigits}, nil},
		{"no lang", asr.Options{Rate: 8000}, asr.ErrUnsupported},
		{"fr", asr.Options{Lang: "fr", Rate: 8000}, asr.ErrUnsupported},
		{"bad rate", asr.Options{Lang: "en", Rate: 44099}, media.ErrBadRate},
		{"zero rate", asr.Options{Lang: "en"}, media.ErrBadRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
		})
	}
	if got := (asr.Options{}).SearchOrDefault(); got != asr.SearchDomain {
		t.Errorf("default search %q", got)
	}
}

func TestPick(t *testing.T) {
	g := func(text string, c float64) asr.Result {
		return asr.Result{Text: text, Confidence: c, Search: asr.SearchDomain}
	}
	l := func(text string, c float64) asr.Result {
		return asr.Result{Text: text, Confidence: c, Search: asr.SearchLM}
	}
	tests := []struct {
		name       string
		in         []asr.Result
		want       string
		wantSearch string
		alts       int
	}{
		{"trusted strict wins", []asr.Result{g("where is my order", 0.6), l("where is order", 0.9)}, "where is my order", asr.SearchDomain, 1},
		{"untrusted strict loses to more confident", []asr.Result{g("what are points good for", 0.3), l("my daughter wants one", 0.45)}, "my daughter wants one", asr.SearchLM, 1},
		{"untrusted strict beats less confident", []asr.Result{g("the quality is terrible", 0.4), l("what is there", 0.1)}, "the quality is terrible", asr.SearchDomain, 1},
		{"empty strict", []asr.Result{g("", 1), l("do you sell gloves", 0.2)}, "do you sell gloves", asr.SearchLM, 1},
		{"all empty", []asr.Result{g("", 0), l("", 0)}, "", asr.SearchDomain, 1},
		{"one", []asr.Result{l("hello", 0.1)}, "hello", asr.SearchLM, 0},
		{"none", nil, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := asr.Pick(tt.in, asr.DefaultTrust)
			if got.Text != tt.want || got.Search != tt.wantSearch || len(got.Alternatives) != tt.alts {
				t.Errorf("Pick = %q (%s, %d alternatives), want %q (%s, %d)", got.Text, got.Search, len(got.Alternatives), tt.want, tt.wantSearch, tt.alts)
			}
		})
	}
}

func TestRTF(t *testing.T) {
	r := asr.Result{Audio: 2 * time.Second, CPU: 100 * time.Millisecond}
	if got := r.RTF(); got != 0.05 {
		t.Errorf("RTF = %v", got)
	}
	if got := (asr.Result{}).RTF(); got != 0 {
		t.Errorf("zero RTF = %v", got)
	}
}

func TestStartAll(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := &asrtest.Fake{Results: []asr.Result{{Text: "wrong sentence", Confidence: 0.2}, {Text: "right words", Confidence: 0.4}}}
	st, err := asr.StartAll(ctx, fake, nil,
		asr.Options{Lang: "en", Rate: 8000, Search: asr.SearchDomain},
		asr.Options{Lang: "en", Rate: 8000, Search: asr.SearchLM})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := asrtest.Feed(ctx, st, 8000, make([]int16, 8000))
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "right words" || res.Search != asr.SearchLM || len(res.Alternatives) != 1 {
		t.Errorf("StartAll picked %+v", res)
	}
	if res.Audio != time.Second {
		t.Errorf("audio %v, want 1s written to every stream", res.Audio)
	}
	if len(fake.Started) != 2 {
		t.Errorf("%d streams started", len(fake.Started))
	}
	if err := st.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := asr.StartAll(ctx, fake, nil); !errors.Is(err, asr.ErrNoStreams) {
		t.Errorf("no options: %v", err)
	}
	if _, err := asr.StartAll(ctx, fake, nil, asr.Options{Lang: "en", Rate: 8000}, asr.Options{Lang: "xx", Rate: 8000}); !errors.Is(err, asr.ErrUnsupported) {
		t.Errorf("bad second options: %v", err)
	}
}

func TestErrorRates(t *testing.T) {
	tests := []struct {
		lang, ref, hyp string
		edits, n       int
	}{
		{"en", "Where is my order?", "where is my order", 0, 4},
		{"en", "where is my order", "where is order", 1, 4},
		{"en", "when will you ship", "two two", 4, 4},
		{"en", "hello", "oh hello there", 2, 1},
		{"zh", "什么时候发货？", "什么时候发货", 0, 6},
		{"zh", "我的订单到哪了", "我的订单", 3, 7},
		{"zh", "XL码", "xl码", 0, 3},
	}
	for _, tt := range tests {
		if e, n := asrtest.Errors(tt.lang, tt.ref, tt.hyp); e != tt.edits || n != tt.n {
			t.Errorf("Errors(%s, %q, %q) = %d/%d, want %d/%d", tt.lang, tt.ref, tt.hyp, e, n, tt.edits, tt.n)
		}
	}
}
