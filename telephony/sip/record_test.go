package sip_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

// TestCallRecords: an answered call and a refused one (no common codec)
// each leave one row in a real SQLite file.
func TestCallRecords(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "calls.db"), store.WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ends := newEnded()
	echo := &siptest.Echo{Echo: true}
	cfg := testConfig()
	cfg.Shop = "demo"
	s := startServer(t, cfg, echo, sip.WithCallRecords(st), sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)

	call, err := caller.Dial(ctx, s.UDPAddr().String(), "2000", siptest.Offer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := call.Send(ctx, mediatest.SpeechLike(8000, 4000, 500*time.Millisecond, 3)); err != nil {
		t.Fatal(err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	ends.wait(t, ctx)
	if _, err := caller.Dial(ctx, s.UDPAddr().String(), "2000", siptest.Offer{Codecs: []string{"18 G729/8000"}}); err == nil {
		t.Fatal("G.729-only offer answered")
	}
	ends.wait(t, ctx) // records are written before the hook runs

	recs, err := st.Calls(ctx, store.CallFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %+v", len(recs), recs)
	}
	refused, answered := recs[0], recs[1]
	if answered.CallID != call.ID() || answered.Door != "sip" || answered.Direction != store.CallIn ||
		answered.Shop != "demo" || answered.To != "2000" || answered.From != "siptest" ||
		answered.Reason != sip.ReasonCallerHangup || answered.Codec != "PCMU" || answered.Answered == nil ||
		answered.Packets < 20 || answered.Ended.Before(*answered.Answered) {
		t.Errorf("answered call record %+v", answered)
	}
	if refused.Answered != nil || refused.Reason != sip.ReasonNoCommonCodec || refused.Status != 488 {
		t.Errorf("refused call record %+v", refused)
	}
}
