package sip_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

// handoffAnswerer is a voice loop whose brain hands the call to a person
// after a moment: it reports the handoff turn (as voice.Session does once
// the handoff sentence was spoken) and then keeps listening. Its Controls
// record what the door asks it to say.
type handoffAnswerer struct {
	after time.Duration
	reply dialog.Reply

	mu   sync.Mutex
	said []string
	saw  chan string
}

func newHandoffAnswerer(after time.Duration) *handoffAnswerer {
	return &handoffAnswerer{after: after, saw: make(chan string, 4), reply: dialog.Reply{
		Text: "Sure, I'm putting you through to an agent now.", Handoff: true, HandoffReason: "request", Lang: "en"}}
}

func (h *handoffAnswerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, _ *media.EventQueue, out media.Writer) (telephony.Result, error) {
	res := telephony.Result{Session: "sess-42", Handoff: &h.reply}
	if c.OnStart != nil {
		c.OnStart(h)
	}
	start, handed := time.Now(), false
	bot := mediatest.SpeechLike(8000, 3000, media.FrameDuration, 99)
	for {
		if _, err := in.ReadFrame(ctx); err != nil {
			return res, err
		}
		if !handed && time.Since(start) >= h.after {
			handed = true
			c.OnEvent(voice.Event{Kind: voice.EventTurn, Session: res.Session, Turn: &voice.Turn{Reply: h.reply}})
		}
		// The bot keeps talking: the door must drop this while the call is
		// on hold or bridged.
		if handed {
			if err := out.WriteFrame(ctx, media.Frame{Samples: bot, Rate: 8000}); err != nil {
				return res, err
			}
		}
	}
}

func (h *handoffAnswerer) Submit(dialog.Input) error { return nil }

func (h *handoffAnswerer) Say(_ context.Context, text string) error {
	h.mu.Lock()
	h.said = append(h.said, text)
	h.mu.Unlock()
	h.saw <- text
	return nil
}

var _ telephony.Controls = (*handoffAnswerer)(nil)

func newCallee(t *testing.T, plan siptest.CalleePlan) *siptest.Callee {
	t.Helper()
	c, err := siptest.NewCallee(testLogger(t), plan)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("callee close: %v", err)
		}
	})
	return c
}

func transferConfig(mode, target string) sip.Config {
	cfg := testConfig()
	cfg.Transfer.Mode = mode
	cfg.Transfer.Target = target
	cfg.Transfer.RingTimeout = 3 * time.Second
	cfg.Transfer.ConsoleURL = "https://shop.example.com/console/agent"
	return cfg
}

// TestBridgeTransfer: on the handoff the bot calls a sipgo agent (with the
// handoff header), plays hold audio while it rings, then audio flows both
// ways between caller and agent while the voice loop's audio is dropped;
// the agent's hang-up ends the caller's leg.
func TestBridgeTransfer(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agentVoice := mediatest.SpeechLike(8000, 4000, 1500*time.Millisecond, 11)
	agent := newCallee(t, siptest.CalleePlan{Ring: 800 * time.Millisecond, Speak: agentVoice, SpeakDelay: 200 * time.Millisecond})
	hook := newResultHook()
	ans := newHandoffAnswerer(200 * time.Millisecond)
	s := startServer(t, transferConfig(sip.TransferBridge, agent.URI("agent")), ans, sip.WithOnCallEnd(hook.hook))
	caller := newCaller(t)
	call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err != nil {
		t.Fatal(err)
	}
	defer call.Close()

	// Ringing: hold audio reaches the caller.
	for agent.Answered().IsZero() && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	_, arrivals := call.Received()
	if n := len(arrivals); n < 20 {
		t.Errorf("caller got %d packets while the agent's phone rang, want hold audio (~30)", n)
	}
	callerVoice := mediatest.SpeechLike(8000, 4000, time.Second, 7)
	if err := call.Send(ctx, callerVoice); err != nil {
		t.Fatal(err)
	}
	time.Sleep(800 * time.Millisecond) // the agent's voice is still playing
	if err := agent.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("the caller was not hung up after the agent hung up")
	}
	rep := hook.wait(t, ctx)

	inv := agent.Invites()
	if len(inv) != 1 {
		t.Fatalf("agent got %d INVITEs, want 1", len(inv))
	}
	h := inv[0].GetHeader(sip.DefaultHandoffHeader)
	want := "<https://shop.example.com/console/agent?session=sess-42>;session=sess-42;reason=request"
	if h == nil || h.Value() != want {
		t.Errorf("handoff header %v, want %q", h, want)
	}
	// Both ways: every 20 ms frame intact after the relay (a few may be
	// late on a loaded machine).
	if n := framesFound(agent.Received(), pcmu(callerVoice)); n < 45 {
		t.Errorf("agent heard %d of 50 caller frames", n)
	}
	back, _ := call.Received()
	if n := framesFound(back, pcmu(agentVoice)); n < 68 {
		t.Errorf("caller heard %d of 75 agent frames", n)
	}
	bot := pcmu(mediatest.SpeechLike(8000, 3000, media.FrameDuration, 99))
	if indexOf(back, bot) >= 0 {
		t.Error("the voice loop's audio reached the caller during the transfer")
	}
	if rep.info.Reason != sip.ReasonTransferred || rep.info.TransferResult != sip.OutcomeBridged ||
		rep.info.TransferTarget != agent.URI("agent") || rep.err != nil {
		t.Errorf("call end %+v err %v", rep.info, rep.err)
	}
}

// pcmu is what audio sounds like after a trip through G.711 μ-law.
func pcmu(s []int16) []int16 { return codec.PCMU.Decode(nil, codec.PCMU.Encode(nil, s)) }

// TestBridgeTransferFails: a busy agent, or one who never answers, leaves
// the caller with the bot, which says so; the call goes on.
func TestBridgeTransferFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		plan siptest.CalleePlan
		want string
	}{
		{"busy", siptest.CalleePlan{Ring: 100 * time.Millisecond, Status: 486}, sip.OutcomeBusy},
		{"declined", siptest.CalleePlan{Ring: 100 * time.Millisecond, Status: 603}, sip.OutcomeRejected},
		{"no answer", siptest.CalleePlan{Status: -1}, sip.OutcomeNoAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			agent := newCallee(t, tc.plan)
			hook := newResultHook()
			ans := newHandoffAnswerer(100 * time.Millisecond)
			cfg := transferConfig(sip.TransferBridge, agent.URI("agent"))
			cfg.Transfer.RingTimeout = time.Second
			s := startServer(t, cfg, ans, sip.WithOnCallEnd(hook.hook))
			call, err := newCaller(t).Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
			if err != nil {
				t.Fatal(err)
			}
			defer call.Close()
			select {
			case text := <-ans.saw:
				if !strings.Contains(text, "call you back") {
					t.Errorf("said %q, want the callback sentence", text)
				}
			case <-ctx.Done():
				t.Fatal("the bot never told the caller")
			}
			// The voice loop has the call back: its audio reaches the caller.
			time.Sleep(300 * time.Millisecond)
			if err := call.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			rep := hook.wait(t, ctx)
			back, _ := call.Received()
			if indexOf(back, pcmu(mediatest.SpeechLike(8000, 3000, media.FrameDuration, 99))) < 0 {
				t.Error("the voice loop's audio did not come back after the failed transfer")
			}
			if rep.info.TransferResult != tc.want || rep.info.Reason != sip.ReasonCallerHangup {
				t.Errorf("transfer %q reason %q, want %q and %q", rep.info.TransferResult, rep.info.Reason, tc.want, sip.ReasonCallerHangup)
			}
		})
	}
}

// TestSippReferTransfer: sipp is the caller's phone; on the handoff the
// bot sends REFER with Refer-To and the handoff header (checked by the
// scenario), follows sipp's NOTIFYs and hangs up after the transfer
// succeeded; when the target is busy the bot keeps the call and says so.
func TestSippReferTransfer(t *testing.T) {
	siptest.RequireSipp(t)
	for _, tc := range []struct {
		scenario, reason, outcome string
		said                      bool
	}{
		{"uac_refer.xml", sip.ReasonTransferred, sip.OutcomeTransferred, false},
		{"uac_refer_busy.xml", sip.ReasonCallerHangup, sip.OutcomeBusy, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			hook := newResultHook()
			ans := newHandoffAnswerer(300 * time.Millisecond)
			s := startServer(t, transferConfig(sip.TransferRefer, "sip:agent@pbx.example.com"), ans, sip.WithOnCallEnd(hook.hook))
			out, err := sippRun(t, ctx, s, tc.scenario, nil)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			rep := hook.wait(t, ctx)
			if rep.info.Reason != tc.reason || rep.info.TransferResult != tc.outcome ||
				rep.info.TransferTarget != "sip:agent@pbx.example.com" || rep.err != nil {
				t.Errorf("call end %+v err %v", rep.info, rep.err)
			}
			ans.mu.Lock()
			said := len(ans.said) > 0
			ans.mu.Unlock()
			if said != tc.said {
				t.Errorf("bot told the caller the transfer failed: %v, want %v", said, tc.said)
			}
		})
	}
}
