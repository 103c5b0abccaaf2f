package sip_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

func dialConfig() sip.Config {
	cfg := testConfig()
	cfg.Shop, cfg.Lang = "demo", "en"
	cfg.Dial.RingTimeout = time.Second
	cfg.Dial.NoSpeech = time.Second
	cfg.Dial.Monologue = 2 * time.Second
	cfg.Dial.CallerID = "4005550100"
	return cfg
}

// TestDialAnswered: a sipgo callee answers and says hello; the bot runs
// the voice loop with the opening, audio flows both ways, and the call is
// recorded as outbound.
func TestDialAnswered(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "calls.db"), store.WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hello := mediatest.SpeechLike(8000, 4000, time.Second, 5)
	callee := newCallee(t, siptest.CalleePlan{Ring: 200 * time.Millisecond, Speak: hello, SpeakDelay: 100 * time.Millisecond})
	echo := &siptest.Echo{Echo: true, HangupAfter: 2500 * time.Millisecond}
	s := startServer(t, dialConfig(), echo, sip.WithCallRecords(st))
	id := sip.NewCallID()
	res, err := s.Dial(ctx, sip.DialRequest{To: callee.URI("15550100"), Opening: "Hello, this is the Demo Shop calling back.", CallID: id})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != sip.OutcomeAnswered || res.Status != 200 || res.Info.Reason != sip.ReasonBotHangup || res.CallID != id {
		t.Errorf("result %+v", res)
	}
	calls := echo.Calls()
	if len(calls) != 1 || calls[0].Opening != "Hello, this is the Demo Shop calling back." ||
		calls[0].Caller != "15550100" || calls[0].Shop != "demo" || calls[0].Lang != "en" {
		t.Errorf("answerer saw %+v", calls)
	}
	if n := framesFound(echo.Samples(), pcmu(hello)); n < 45 {
		t.Errorf("bot heard %d of 50 callee frames", n)
	}
	if n := framesFound(callee.Received(), pcmu(hello)); n < 45 {
		t.Errorf("callee heard %d of 50 frames echoed back", n)
	}
	inv := callee.Invites()
	if len(inv) != 1 || inv[0].From().Address.User != "4005550100" || inv[0].CallID().Value() != res.CallID {
		t.Errorf("INVITE %v", inv)
	}
	select {
	case <-callee.Ended():
	case <-ctx.Done():
		t.Fatal("callee not hung up")
	}
	recs, err := st.Calls(ctx, store.CallFilter{Direction: store.CallOut})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].CallID != res.CallID || recs[0].To != "15550100" || recs[0].Answered == nil ||
		recs[0].Reason != sip.ReasonBotHangup || recs[0].Packets < 45 {
		t.Errorf("records %+v", recs)
	}
}

// TestDialOutcomes: busy, declined, never answered, and two kinds of
// answering machine.
func TestDialOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		plan    siptest.CalleePlan
		outcome string
		status  int
		reason  string
		minTime time.Duration // after the answer
	}{
		{"busy", siptest.CalleePlan{Ring: 100 * time.Millisecond, Status: 486}, sip.OutcomeBusy, 486, sip.ReasonBusy, 0},
		{"busy everywhere", siptest.CalleePlan{Status: 600}, sip.OutcomeBusy, 600, sip.ReasonBusy, 0},
		{"declined", siptest.CalleePlan{Status: 603}, sip.OutcomeRejected, 603, sip.ReasonRejected, 0},
		{"no answer", siptest.CalleePlan{Status: -1}, sip.OutcomeNoAnswer, 0, sip.ReasonNoAnswer, 0},
		{"silence", siptest.CalleePlan{}, sip.OutcomeVoicemail, 200, sip.ReasonVoicemail, time.Second},
		{"greeting", siptest.CalleePlan{Speak: mediatest.SpeechLike(8000, 4000, 6*time.Second, 9)},
			sip.OutcomeVoicemail, 200, sip.ReasonVoicemail, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			callee := newCallee(t, tc.plan)
			hook := newResultHook()
			echo := &siptest.Echo{}
			s := startServer(t, dialConfig(), echo, sip.WithOnCallEnd(hook.hook))
			res, err := s.Dial(ctx, sip.DialRequest{To: callee.URI("15550100"), Opening: "Hello"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.outcome || res.Status != tc.status || res.Info.Reason != tc.reason {
				t.Errorf("outcome %q status %d reason %q, want %q %d %q", res.Outcome, res.Status, res.Info.Reason,
					tc.outcome, tc.status, tc.reason)
			}
			rep := hook.wait(t, ctx)
			if !rep.info.Outbound || rep.info.ID != res.CallID {
				t.Errorf("call end %+v", rep.info)
			}
			if tc.minTime > 0 {
				if d := rep.info.End.Sub(rep.info.Answer); d < tc.minTime || d > tc.minTime+2*time.Second {
					t.Errorf("machine detected after %v, want just past %v", d, tc.minTime)
				}
				select {
				case <-callee.Ended():
				case <-ctx.Done():
					t.Fatal("callee not hung up")
				}
			} else if len(echo.Calls()) != 0 {
				t.Error("the voice loop ran for a call nobody answered")
			}
			// The callee before the bot: sipgo answers a late request
			// after its Close through a socket nobody closes.
			if err := callee.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDialBadRequest(t *testing.T) {
	mediatest.CheckLeaks(t)
	s := startServer(t, dialConfig(), &siptest.Echo{})
	for _, r := range []sip.DialRequest{{}, {To: "15550100"}, {To: "sip:a@127.0.0.1", Lang: "fr"},
		{To: "sip:a@127.0.0.1", Opening: strings.Repeat("x", 3000)}, {To: "sip:a@127.0.0.1", CallID: "a b"}} {
		if _, err := s.Dial(context.Background(), r); !errors.Is(err, sip.ErrBadOption) {
			t.Errorf("Dial(%+v) = %v, want ErrBadOption", r, err)
		}
	}
}

// TestDialNumberViaRegistrar: a bare number goes to the registrar's host.
func TestDialNumberViaRegistrar(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	trunk := newCallee(t, siptest.CalleePlan{Status: 486})
	cfg := dialConfig()
	cfg.Register = sip.RegisterConfig{Registrar: strings.Replace(trunk.URI(""), "sip:@", "sip:", 1), User: "shop", Expires: time.Hour}
	s := startServer(t, cfg, &siptest.Echo{}) // its REGISTERs are refused: no matter here
	res, err := s.Dial(ctx, sip.DialRequest{To: "15550100"})
	if err != nil {
		t.Fatal(err)
	}
	inv := trunk.Invites()
	if res.Outcome != sip.OutcomeBusy || len(inv) != 1 || inv[0].Recipient.User != "15550100" {
		t.Errorf("outcome %q, INVITEs %v", res.Outcome, inv)
	}
}
