package sip_test

import (
	"context"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
	"github.com/callbee/callbee/telephony/switchboard"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

// TestCallerAsksAQuestion: a SIP phone (siptest.Caller, a sipgo UA) calls
// the door in front of the real switchboard, asks a question over RTP,
// records the bot's audio and hangs up when the answer has been spoken.
// The turn's FAQ is the right one, and the answer's latency is measured
// on the wire: from the caller's last voiced packet to the bot's first
// voiced packet after it.
func TestCallerAsksAQuestion(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tests := []struct {
		name, lang, voice, text, faq string
	}{
		{"en", "en", "en-us", "when do you ship", "logistics.when_ship"},
		{"zh", "zh", "cmn-latn-pinyin", "什么时候发货", "logistics.when_ship"},
	}
	sb := switchboardtest.Demo(t, switchboard.WithLogger(testLogger(t)))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := switchboardtest.Speak(t, tc.voice, tc.text, 8000, 0, 0)
			cfg := testConfig()
			cfg.Lang = tc.lang
			hook := newResultHook()
			replied := make(chan time.Time, 8)
			tee := &teeAnswerer{inner: sb}
			defer func() {
				if t.Failed() { // was it the door or the recogniser?
					heard, want := tee.heard(), codec.PCMU.Decode(nil, codec.PCMU.Encode(nil, q))
					t.Logf("the answerer read %.1f s of caller audio; %d of the question's %d frames are intact in it",
						float64(len(heard))/8000, framesFound(heard, want), len(want)/160)
				}
			}()
			s := startServer(t, cfg, tee, sip.WithOnCallEnd(hook.hook), sip.WithOnEvent(func(_ *sip.Call, ev voice.Event) {
				if ev.Kind == voice.EventReply {
					select {
					case replied <- time.Now():
					default:
					}
				}
			}))
			caller := newCaller(t)
			call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
			if err != nil {
				t.Fatal(err)
			}
			defer call.Close()
			// Listen to a second of the welcome, then ask (barging in).
			welcome := time.Now().Add(15 * time.Second)
			for voicedAfter(call, time.Time{}).IsZero() && time.Now().Before(welcome) {
				if err := call.Send(ctx, make([]int16, 800)); err != nil {
					t.Fatal(err)
				}
			}
			if err := call.Send(ctx, make([]int16, 8000)); err != nil {
				t.Fatal(err)
			}
			if err := call.Send(ctx, q); err != nil {
				t.Fatal(err)
			}
			lastVoiced := time.Now()
			if err := call.Send(ctx, make([]int16, 8000)); err != nil { // trailing silence while the bot thinks
				t.Fatal(err)
			}
			// Wait for the brain's reply, then for its audio to be spoken.
			var replyAt time.Time
			for replyAt.IsZero() {
				select {
				case replyAt = <-replied:
				case <-ctx.Done():
					t.Fatal("no reply")
				default:
					if err := call.Send(ctx, make([]int16, 800)); err != nil { // a phone keeps sending
						t.Fatal(err)
					}
				}
			}
			var first time.Time
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
				first = voicedAfter(call, replyAt)
				_, arrivals := call.Received()
				if !first.IsZero() && len(arrivals) > 0 && time.Since(arrivals[len(arrivals)-1].At) > 300*time.Millisecond {
					break // the answer has been spoken
				}
				if err := call.Send(ctx, make([]int16, 800)); err != nil {
					t.Fatal(err)
				}
			}
			if first.IsZero() {
				t.Fatal("no answer audio after the reply")
			}
			if err := call.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			r := hook.wait(t, ctx)
			if r.err != nil {
				t.Errorf("answerer: %v", r.err)
			}
			if len(r.res.Turns) == 0 {
				t.Fatalf("no turns; stats %+v", r.info.Stats)
			}
			tr := r.res.Turns[0]
			if tr.Reply.FAQ == nil || *tr.Reply.FAQ != tc.faq {
				t.Errorf("transcript %q: faq %v, want %s", tr.Transcript, deref(tr.Reply.FAQ), tc.faq)
			}
			t.Logf("transcript %q; wire latency %v (last voiced packet sent -> first voiced packet back); trace %v; stats %+v",
				tr.Transcript, first.Sub(lastVoiced), tr.Trace.Offsets(), r.info.Stats)
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// voicedAfter is the arrival of the first voiced packet from the bot after t.
func voicedAfter(call *siptest.Call, t time.Time) time.Time {
	_, arrivals := call.Received()
	for _, a := range arrivals {
		if a.At.After(t) && a.RMS > 300 {
			return a.At
		}
	}
	return time.Time{}
}
