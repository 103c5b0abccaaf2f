package voiceeval

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
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

func TestEditDistance(t *testing.T) {
	tests := []struct {
		lang, ref, hyp string
		e, n           int
	}{
		{"en", "when will my order ship", "when will my order ship", 0, 5},
		{"en", "when will my order ship", "when my order shipped", 2, 5},
		{"en", "Where's my parcel?", "", 3, 3},
		{"zh", "什么时候发货", "什么时候发获", 1, 6},
		{"zh", "嗯 什么时候 发货", "什么时候发货啊", 2, 7},
	}
	for _, tt := range tests {
		e, n := asrtest.Errors(tt.lang, tt.ref, tt.hyp)
		if e != tt.e || n != tt.n {
			t.Errorf("%q vs %q: %d/%d, want %d/%d", tt.ref, tt.hyp, e, n, tt.e, tt.n)
		}
	}
}

func TestTelephoneBand(t *testing.T) {
	const rate = media.Rate8k
	level := func(hz float64) float64 {
		tone := make([]int16, rate)
		for i := range tone {
			tone[i] = int16(10000 * sinAt(hz, i, rate))
		}
		out := TelephoneBand(tone, rate)
		var e float64
		for _, s := range out[rate/2:] {
			e += float64(s) * float64(s)
		}
		return e
	}
	if lo, mid := level(60), level(1000); lo > mid/50 {
		t.Errorf("60 Hz passes: %g vs 1 kHz %g", lo, mid)
	}
}

// TestSpokenDevSet speaks part of the dev set and checks that recognition
// plus the brain still find answers. The floors sit below what it measured
// (2026-11-25, before: en 16k 33%, zh 8k 11% top-1; after the broad caller
// corpus and n-best rescoring the halves of the dev set measure en 16k
// ~43%, zh 8k ~10% — far from the 90% target; the paraphrases fall outside
// what the recogniser hears well), to catch breakage (a wrong model, a
// grammar that no longer compiles the shop, rescoring gone) rather than to
// pin a score. CALLBEE_VOICEEVAL_VERBOSE=1 logs every utterance.
func TestSpokenDevSet(t *testing.T) {
	if testing.Short() {
		t.Skip("speaks and recognises ~60 utterances")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	shop := kbtest.DemoShop(t)
	rec, err := sphinx.New(shop)
	if err != nil {
		t.Skipf("no speech models: %v", err)
	}
	defer rec.Close()
	set, err := devset.Default()
	if err != nil {
		t.Fatal(err)
	}
	// Every fourth single, both languages; no dialogues (they are long).
	sub := &devset.Set{Shop: set.Shop}
	for i, q := range set.Singles {
		if i%4 == 0 {
			sub.Singles = append(sub.Singles, q)
		}
	}
	for _, tc := range []struct {
		lang  string
		rate  int
		floor float64
	}{{"en", media.Rate16k, 30}, {"zh", media.Rate8k, 5}} {
		t.Run(tc.lang, func(t *testing.T) {
			syn, err := espeak.New(espeak.WithOutputRate(tc.rate))
			if err != nil {
				t.Fatal(err)
			}
			defer syn.Close()
			e, err := dialog.New(shop, dialogtest.NewMemStore(false))
			if err != nil {
				t.Fatal(err)
			}
			one := &devset.Set{Shop: sub.Shop}
			for _, q := range sub.Singles {
				if q.Lang == tc.lang {
					one.Singles = append(one.Singles, q)
				}
			}
			sp := &Spoken{Brain: e, Rec: rec, Pick: sphinx.Pick(asr.DefaultTrust), Read: voice.Reader(e, tc.lang), Syn: syn, Rate: tc.rate,
				Telephone: tc.rate == media.Rate8k, Caller: tts.Voice{Rate: 1, Volume: 1, Pitch: 1}}
			r, err := devset.Evaluate(ctx, sp, one)
			if err != nil {
				t.Fatal(err)
			}
			lr := r.All
			t.Logf("%s at %d Hz: top-1 %.1f%% of %d, OOS rejected %.1f%% of %d, error rate %.1f%%",
				tc.lang, tc.rate, lr.Top1Pct, lr.InScope, lr.OOSRejectedPct, lr.OOS, ErrorRate(sp.Heard(), tc.lang))
			if os.Getenv("CALLBEE_VOICEEVAL_VERBOSE") == "1" {
				for _, h := range sp.Heard() {
					t.Logf("said %q heard %q (%d/%d)", h.Said, h.Heard, h.Errors, h.Units)
				}
			}
			if lr.Top1Pct < tc.floor {
				t.Errorf("top-1 %.1f%% below the floor %.0f%%", lr.Top1Pct, tc.floor)
			}
		})
	}
}

func sinAt(hz float64, i, rate int) float64 {
	return math.Sin(2 * math.Pi * hz * float64(i) / float64(rate))
}
