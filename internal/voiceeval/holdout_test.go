package voiceeval

import (
	"context"
	"os"
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

// TestSpokenHoldout speaks the held-out set's singles for the demo shop
// (CALLBEE_VOICEEVAL_HOLDOUT=1; long) and logs only the totals per
// language and rate: never the utterances, so nobody tunes to them.
func TestSpokenHoldout(t *testing.T) {
	if os.Getenv("CALLBEE_VOICEEVAL_HOLDOUT") != "1" {
		t.Skip("set CALLBEE_VOICEEVAL_HOLDOUT=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	shop := kbtest.DemoShop(t)
	set, err := devset.HoldoutFor(shop.ID())
	if err != nil {
		t.Skip(err)
	}
	rec, err := sphinx.New(shop)
	if err != nil {
		t.Skipf("no speech models: %v", err)
	}
	defer rec.Close()
	for _, run := range []struct {
		lang string
		rate int
	}{{"en", media.Rate16k}, {"en", media.Rate8k}, {"zh", media.Rate8k}} {
		one := &devset.Set{Shop: set.Shop}
		for _, q := range set.Singles {
			if q.Lang == run.lang {
				one.Singles = append(one.Singles, q)
			}
		}
		syn, err := espeak.New(espeak.WithOutputRate(run.rate))
		if err != nil {
			t.Fatal(err)
		}
		e, err := dialog.New(shop, dialogtest.NewMemStore(false))
		if err != nil {
			t.Fatal(err)
		}
		sp := &Spoken{Brain: e, Rec: rec, Pick: sphinx.Pick(asr.DefaultTrust), Read: voice.Reader(e, run.lang), Syn: syn,
			Rate: run.rate, Telephone: run.rate == media.Rate8k, Caller: tts.Voice{Rate: 1, Volume: 1, Pitch: 1}}
		r, err := devset.Evaluate(ctx, sp, one)
		_ = syn.Close()
		if err != nil {
			t.Fatal(err)
		}
		lr := r.All
		t.Logf("held-out %s %d Hz: answered right %.1f%% of %d (top-1 %.1f%% of %d, OOS rejected %.1f%% of %d), error rate %.1f%%",
			run.lang, run.rate, 100*float64(lr.Top1Correct+lr.OOSRejected)/float64(max(1, lr.InScope+lr.OOS)), lr.InScope+lr.OOS,
			lr.Top1Pct, lr.InScope, lr.OOSRejectedPct, lr.OOS, ErrorRate(sp.Heard(), run.lang))
	}
}
