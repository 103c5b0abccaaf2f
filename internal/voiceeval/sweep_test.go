package voiceeval

import (
	"context"
	"github.com/callbee/callbee/asr/asrtest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/sphinx"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/espeak"
)

// TestSweep tries pocketsphinx argument sets (CALLBEE_SWEEP, ";"-separated,
// e.g. "-lw 6.5;-lw 9") on the first CALLBEE_SWEEP_N (40) tuning singles of
// the one run in CALLBEE_VOICEEVAL_RUNS (e.g. "zh8"), and logs the LM's
// error rate and how often the matcher reads the right answer from the LM
// 1-best, the rescored hypotheses and the picked one.
func TestSweep(t *testing.T) {
	sw := os.Getenv("CALLBEE_SWEEP")
	if sw == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("CALLBEE_SWEEP_N"))
	if n == 0 {
		n = 40
	}
	run := os.Getenv("CALLBEE_VOICEEVAL_RUNS")
	lang, rate := run[:2], media.Rate16k
	if strings.HasSuffix(run, "8") {
		rate = media.Rate8k
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	shop := kbtest.DemoShop(t)
	set, _ := devset.Default()
	var qs []devset.Single
	k := 0
	for _, q := range set.Singles {
		if q.Lang == lang {
			if k%2 == 0 && len(qs) < n {
				qs = append(qs, q)
			}
			k++
		}
	}
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	read := voice.Reader(e, lang)
	syn, err := espeak.New(espeak.WithOutputRate(rate))
	if err != nil {
		t.Fatal(err)
	}
	defer syn.Close()
	var cs tts.Synthesizer = syn
	if dir := os.Getenv("CALLBEE_VOICEEVAL_CACHE"); dir != "" {
		cs = &cachedSyn{Synthesizer: syn, dir: dir, rate: rate}
	}
	for _, args := range strings.Split(sw, ";") {
		rec, err := sphinx.New(shop, sphinx.WithLanguages(lang), sphinx.WithDecoderArgs(strings.Fields(args)...))
		if err != nil {
			t.Fatal(err)
		}
		var errs, nUnits, okLM, okRes, okCur int
		t0 := time.Now()
		var cpu time.Duration
		for _, q := range qs {
			rs, err := recogniseAll(ctx, cs, rec, lang, rate, q.Text)
			if err != nil {
				t.Fatal(err)
			}
			var l asr.Result
			for _, r := range rs {
				if r.Search == asr.SearchLM {
					l = r
				}
				cpu += r.CPU
			}
			ed, u := asrtest.Errors(lang, q.Text, l.Text)
			errs += ed
			nUnits += u
			want := q.FAQ
			hit := func(text string) bool {
				rd := read(text)
				if q.OOS {
					return rd.Key == ""
				}
				return rd.Key == want
			}
			if hit(l.Text) {
				okLM++
			}
			if hit(asr.Rescore(asr.Pick(sphinx.Calibrate(rs), 2), read, asr.DefaultRescore(lang)).Text) {
				okRes++
			}
			if hit(sphinx.Pick(asr.DefaultTrust)(rs).Text) {
				okCur++
			}
		}
		t.Logf("%s [%s]: LM err %.1f%%, matcher right: lm %d, rescored %d, cur %d of %d; %v wall, %v cpu",
			run, args, 100*float64(errs)/float64(nUnits), okLM, okRes, okCur, len(qs), time.Since(t0).Round(time.Second), cpu.Round(time.Millisecond))
		rec.Close()
	}
}
