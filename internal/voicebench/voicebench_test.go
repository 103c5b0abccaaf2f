package voicebench

import (
	"context"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media/mediatest"
)

// TestRun runs a small bench end to end: every figure must be there. The
// figures themselves are machine-dependent and not checked.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real-time calls")
	}
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	shop := kbtest.DemoShop(t)
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{Shop: shop, Brain: e, Levels: []int{2}, Lang: "en", MaxQuestions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.RTF) == 0 || len(r.TTS) != 4 || len(r.Levels) != 1 {
		t.Fatalf("report incomplete: %+v", r)
	}
	for _, x := range r.RTF {
		if x.RTF <= 0 || x.N != 2 {
			t.Errorf("rtf %+v", x)
		}
	}
	lv := r.Levels[0]
	if lv.Calls != 2 || lv.Turns != 4 || lv.P50MS <= 0 || lv.CPUPct <= 0 {
		t.Errorf("level %+v", lv)
	}
	t.Logf("%+v", r)
}
