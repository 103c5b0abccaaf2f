package voiceeval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/sphinx"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/espeak"
)

// collected is one utterance's recognition candidates and the brain's
// answer to each (TestCollect).
type collected struct {
	Run, Split string
	Said, Want string // want: FAQ id or "oos"
	Text       answer // the brain on the said text
	Results    []collectedResult
}

type collectedResult struct {
	Search     string
	Text       string
	Confidence float64 // calibrated
	Acoustic   float64
	WordConf   []float64
	NBest      []answer
	Answer     answer
}

type answer struct {
	Text       string
	FAQ        string
	Confidence float64
	Rejected   bool
}

// TestCollect writes, for offline study of pick and rescoring rules, every
// single's domain and LM results (with the LM's n-best) and the brain's
// answer to each as JSON lines to $CALLBEE_VOICEEVAL_COLLECT/<run>.jsonl.
// Runs and cache as TestSpokenSplit; all singles.
func TestCollect(t *testing.T) {
	dir := os.Getenv("CALLBEE_VOICEEVAL_COLLECT")
	if dir == "" {
		t.Skip("set CALLBEE_VOICEEVAL_COLLECT=dir")
	}
	runs := os.Getenv("CALLBEE_VOICEEVAL_RUNS")
	if runs == "" {
		runs = "en16,en8,zh8"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	shop := kbtest.DemoShop(t)
	var sopts []sphinx.Option
	if a := os.Getenv("CALLBEE_SPHINX_ARGS"); a != "" {
		sopts = append(sopts, sphinx.WithDecoderArgs(strings.Fields(a)...))
	}
	if n, err := strconv.Atoi(os.Getenv("CALLBEE_NBEST")); err == nil {
		sopts = append(sopts, sphinx.WithNBest(n))
	}
	rec, err := sphinx.New(shop, sopts...)
	if err != nil {
		t.Skipf("no speech models: %v", err)
	}
	defer rec.Close()
	set, err := devset.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ask := func(lang, text string) answer {
		n++
		sid := fmt.Sprintf("collect-%d", n)
		if _, err := e.Start(ctx, dialog.StartOptions{SessionID: sid, Lang: lang, Channel: devset.Channel}); err != nil {
			t.Fatal(err)
		}
		in := text
		if in == "" {
			in = map[string]string{"en": "um", "zh": "嗯"}[lang]
		}
		r, err := e.Handle(ctx, sid, dialog.Input{Text: in})
		if err != nil {
			t.Fatal(err)
		}
		a := answer{Text: text, Confidence: r.Confidence, Rejected: devset.Rejected(r)}
		if r.FAQ != nil {
			a.FAQ = *r.FAQ
		}
		return a
	}
	if os.Getenv("CALLBEE_COLLECT_SET") == "canonical" {
		set = &devset.Set{Shop: shop.ID()}
		for _, lang := range []string{"en", "zh"} {
			for _, f := range shop.ActiveFAQs() {
				if q := f.Question[lang]; q != "" {
					set.Singles = append(set.Singles, devset.Single{Lang: lang, Text: q, FAQ: f.ID})
				}
			}
		}
	}
	for _, run := range strings.Split(runs, ",") {
		lang, rate := run[:2], media.Rate16k
		if strings.HasSuffix(run, "8") {
			rate = media.Rate8k
		}
		syn, err := espeak.New(espeak.WithOutputRate(rate))
		if err != nil {
			t.Fatal(err)
		}
		var s tts.Synthesizer = syn
		if cd := os.Getenv("CALLBEE_VOICEEVAL_CACHE"); cd != "" {
			s = &cachedSyn{Synthesizer: syn, dir: cd, rate: rate}
		}
		f, err := os.Create(filepath.Join(dir, run+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(f)
		k := 0
		for _, q := range set.Singles {
			if q.Lang != lang {
				continue
			}
			split := "tune"
			if k%2 == 1 {
				split = "check"
			}
			k++
			if only := os.Getenv("CALLBEE_VOICEEVAL_SPLIT"); only != "" && only != "all" && only != split {
				continue
			}
			want := q.FAQ
			if q.OOS {
				want = "oos"
			}
			c := collected{Run: run, Split: split, Said: q.Text, Want: want, Text: ask(lang, q.Text)}
			rs, err := recogniseAll(ctx, s, rec, lang, rate, q.Text)
			if err != nil {
				t.Fatal(err)
			}
			rs = sphinx.Calibrate(rs)
			for _, r := range rs {
				cr := collectedResult{Search: r.Search, Text: r.Text, Confidence: r.Confidence, Acoustic: r.Acoustic, Answer: ask(lang, r.Text)}
				for _, w := range r.Words {
					cr.WordConf = append(cr.WordConf, w.Confidence)
				}
				for _, nb := range r.NBest {
					cr.NBest = append(cr.NBest, ask(lang, nb))
				}
				c.Results = append(c.Results, cr)
			}
			if err := enc.Encode(c); err != nil {
				t.Fatal(err)
			}
		}
		_ = syn.Close()
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// recogniseAll speaks text and returns the domain and LM results, uncalibrated.
func recogniseAll(ctx context.Context, syn tts.Synthesizer, rec asr.Recognizer, lang string, rate int, text string) ([]asr.Result, error) {
	st, err := syn.Synthesize(ctx, text, tts.Voice{Lang: lang, Rate: 1, Volume: 1, Pitch: 1})
	if err != nil {
		return nil, err
	}
	var buf media.Buffer
	_, err = media.Copy(ctx, &buf, st)
	if err = errors.Join(err, st.Close()); err != nil {
		return nil, err
	}
	pcm := buf.Samples
	if rate == media.Rate8k {
		pcm = TelephoneBand(pcm, rate)
	}
	sil := make([]int16, rate/5)
	pcm = append(append(append([]int16(nil), sil...), pcm...), sil...)
	var got []asr.Result
	keep := func(rs []asr.Result) asr.Result { got = rs; return asr.Result{} }
	o := asr.Options{Lang: lang, Rate: rate}
	dom, lm := o, o
	dom.Search, lm.Search = asr.SearchDomain, asr.SearchLM
	stream, err := asr.StartAll(ctx, rec, keep, dom, lm)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	r, err := media.NewSliceReader(rate, pcm)
	if err != nil {
		return nil, err
	}
	if _, err := media.Copy(ctx, stream, r); err != nil {
		return nil, err
	}
	if _, err := stream.Final(ctx); err != nil {
		return nil, err
	}
	return got, nil
}
