package sip_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// replies tells callers when the brain replied on their call.
type replies struct {
	mu sync.Mutex
	ch map[string]chan time.Time // by Call-ID
}

func (r *replies) of(id string) chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		r.ch = map[string]chan time.Time{}
	}
	c, ok := r.ch[id]
	if !ok {
		c = make(chan time.Time, 8)
		r.ch[id] = c
	}
	return c
}

func (r *replies) onEvent(c *sip.Call, ev voice.Event) {
	if ev.Kind != voice.EventReply {
		return
	}
	select {
	case r.of(c.Info().ID) <- time.Now():
	default:
	}
}

// ask plays the caller's part: listen to a second of the welcome, ask q
// (barging in), keep sending silence until the brain has replied and its
// answer has been spoken. It returns the latency on the wire: from the
// caller's last voiced packet to the bot's first voiced packet of the
// answer.
func ask(ctx context.Context, call *siptest.Call, q []int16, replied <-chan time.Time) (time.Duration, error) {
	silence := func(n int) error { return call.Send(ctx, make([]int16, n)) }
	welcome := time.Now().Add(20 * time.Second)
	for voicedAfter(call, time.Time{}).IsZero() {
		if time.Now().After(welcome) {
			return 0, errors.New("no welcome")
		}
		if err := silence(800); err != nil {
			return 0, err
		}
	}
	if err := silence(8000); err != nil {
		return 0, err
	}
	sent := time.Now()
	if err := call.Send(ctx, q); err != nil {
		return 0, err
	}
	// Send paces a packet every 20 ms from sent: the last voiced packet of
	// the question went out at sent + its index * 20 ms.
	lastVoiced := sent
	for i := 0; i+160 <= len(q); i += 160 {
		if mediatest.RMS(q[i:i+160]) > 300 {
			lastVoiced = sent.Add(time.Duration(i/160) * 20 * time.Millisecond)
		}
	}
	var replyAt time.Time
	for replyAt.IsZero() {
		select {
		case replyAt = <-replied:
		case <-ctx.Done():
			return 0, fmt.Errorf("no reply: %w", ctx.Err())
		default:
			if err := silence(800); err != nil { // a phone keeps sending
				return 0, err
			}
		}
	}
	var first time.Time
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		first = voicedAfter(call, replyAt)
		_, arrivals := call.Received()
		if !first.IsZero() && len(arrivals) > 0 && time.Since(arrivals[len(arrivals)-1].At) > 300*time.Millisecond {
			return first.Sub(lastVoiced), nil // the answer has been spoken
		}
		if err := silence(800); err != nil {
			return 0, err
		}
	}
	if first.IsZero() {
		return 0, errors.New("no answer audio after the reply")
	}
	return first.Sub(lastVoiced), nil
}

// TestCallerAsksAQuestion: a SIP phone (siptest.Caller, a sipgo UA) calls
// the door in front of the real switchboard, asks a question over RTP,
// records the bot's audio and hangs up when the answer has been spoken.
// The turn's FAQ is the right one; the latency on the wire is logged.
func TestCallerAsksAQuestion(t *testing.T) {
	longTest(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
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
			var rep replies
			tee := &teeAnswerer{inner: sb}
			defer func() {
				if t.Failed() { // was it the door or the recogniser?
					heard, want := tee.heard(), codec.PCMU.Decode(nil, codec.PCMU.Encode(nil, q))
					t.Logf("the answerer read %.1f s of caller audio; %d of the question's %d frames are intact in it",
						float64(len(heard))/8000, framesFound(heard, want), len(want)/160)
				}
			}()
			s := startServer(t, cfg, tee, sip.WithOnCallEnd(hook.hook), sip.WithOnEvent(rep.onEvent))
			caller := newCaller(t)
			call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
			if err != nil {
				t.Fatal(err)
			}
			defer call.Close()
			latency, err := ask(ctx, call, q, rep.of(call.ID()))
			if err != nil {
				t.Fatal(err)
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
			t.Logf("transcript %q; latency on the wire %v; trace %v; stats %+v",
				tr.Transcript, latency.Round(time.Millisecond), tr.Trace.Offsets(), r.info.Stats)
		})
	}
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

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// longTest skips a real-time end-to-end test (sipp, the full voice loop)
// under -short: the race run covers the door's concurrency with the
// short tests.
func longTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
}
