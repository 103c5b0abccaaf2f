package sip_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

// copyScenario puts a testdata scenario in dir (sipp streams files from
// its working directory).
func copyScenario(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// resultHook collects OnCallEnd reports with the Answerer's result.
type resultHook struct {
	ch chan endReport
}

type endReport struct {
	info sip.CallInfo
	res  telephony.Result
	err  error
}

func newResultHook() *resultHook { return &resultHook{ch: make(chan endReport, 16)} }

func (h *resultHook) hook(info sip.CallInfo, res telephony.Result, err error) {
	h.ch <- endReport{info, res, err}
}

func (h *resultHook) wait(t *testing.T, ctx context.Context) endReport {
	t.Helper()
	select {
	case r := <-h.ch:
		return r
	case <-ctx.Done():
		t.Fatal("no call ended")
		return endReport{}
	}
}

// TestSippQuestion: sipp calls, streams an espeak-ng question as PCMU and
// hangs up after the answer; the real switchboard (demo shop, offline
// pocketsphinx and espeak-ng) answers it with the right FAQ.
func TestSippQuestion(t *testing.T) {
	longTest(t)
	siptest.RequireSipp(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	q := switchboardtest.Speak(t, "en-us", "when do you ship", 8000, 500*time.Millisecond, 2*time.Second)
	if _, err := siptest.WriteUlawWAV(dir, "q_ulaw.wav", q); err != nil {
		t.Skip(err)
	}
	sb := switchboardtest.Demo(t)
	cfg := testConfig()
	cfg.Lang = "en"
	hook := newResultHook()
	var events []voice.EventKind
	evc := make(chan voice.EventKind, 256)
	s := startServer(t, cfg, sb, sip.WithOnCallEnd(hook.hook),
		sip.WithOnEvent(func(_ *sip.Call, ev voice.Event) {
			select {
			case evc <- ev.Kind:
			default:
			}
		}))
	out, err := siptest.Sipp{Scenario: copyScenario(t, dir, "uac_question.xml"), Dir: dir, Target: s.UDPAddr().String()}.Run(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r := hook.wait(t, ctx)
	if r.err != nil {
		t.Fatalf("answerer: %v", r.err)
	}
	if r.info.Reason != sip.ReasonCallerHangup || r.info.Stats.PacketsIn < 100 {
		t.Errorf("info %+v", r.info)
	}
	if len(r.res.Turns) == 0 {
		t.Fatalf("no turns (stats %+v)", r.info.Stats)
	}
	tr := r.res.Turns[0]
	if tr.Reply.FAQ == nil || *tr.Reply.FAQ != "logistics.when_ship" {
		t.Errorf("turn %q: faq %v, want logistics.when_ship", tr.Transcript, tr.Reply.FAQ)
	}
	t.Logf("transcript %q, trace %v, stats %+v", tr.Transcript, tr.Trace.Offsets(), r.info.Stats)
	close(evc)
	for k := range evc {
		events = append(events, k)
	}
	if len(events) < 3 || events[0] != voice.EventWelcome || !strings.Contains(strings.Join(kinds(events), ","), "reply") {
		t.Errorf("events %v", events)
	}
}

func kinds(ks []voice.EventKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// sippRun runs a testdata scenario against s with a fresh work dir.
func sippRun(t *testing.T, ctx context.Context, s *sip.Server, scenario string, extra func(*siptest.Sipp)) (string, error) {
	t.Helper()
	dir := t.TempDir()
	sp := siptest.Sipp{Scenario: copyScenario(t, dir, scenario), Dir: dir, Target: s.UDPAddr().String(), Timeout: 30 * time.Second}
	if extra != nil {
		extra(&sp)
	}
	return sp.Run(ctx)
}

// TestSippKeypad: every key sipp plays (RFC 4733 on payload type 96, each
// event starting with a duration-0 packet) reaches the Answerer once, over
// UDP and over TCP signalling.
func TestSippKeypad(t *testing.T) {
	longTest(t)
	siptest.RequireSipp(t)
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			echo := &siptest.Echo{}
			ends := newEnded()
			s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
			out, err := sippRun(t, ctx, s, "uac_dtmf.xml", func(sp *siptest.Sipp) {
				if transport == "tcp" {
					sp.Target = s.TCPAddr().String()
					sp.Args = append(sp.Args, "-t", "t1")
				}
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			info := ends.wait(t, ctx)
			if got, want := echo.Digits(), "1234567890*#"; got != want {
				t.Errorf("digits %q, want %q (stats %+v)", got, want, info.Stats)
			}
			if info.Reason != sip.ReasonCallerHangup || info.Transport != strings.ToUpper(transport) {
				t.Errorf("reason %q transport %q", info.Reason, info.Transport)
			}
		})
	}
}

// TestSippCancel: sipp gives up while the phone rings; the Answerer is
// never called.
func TestSippCancel(t *testing.T) {
	longTest(t)
	siptest.RequireSipp(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := testConfig()
	cfg.RingTime = 5 * time.Second
	echo := &siptest.Echo{}
	ends := newEnded()
	s := startServer(t, cfg, echo, sip.WithOnCallEnd(ends.hook))
	if out, err := sippRun(t, ctx, s, "uac_cancel.xml", nil); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	info := ends.wait(t, ctx)
	if info.Reason != sip.ReasonCancelled || !info.Answer.IsZero() || len(echo.Calls()) != 0 {
		t.Errorf("info %+v, answered calls %d", info, len(echo.Calls()))
	}
	if d := info.End.Sub(info.Start); d > 3*time.Second {
		t.Errorf("the cancelled call took %v to end (ring time 5 s)", d)
	}
}

// TestSippByeWhileBotSpeaks: sipp hangs up a second into a 6 s answer: the
// bot stops sending at once and the call ends without waiting for the
// rest of the answer.
func TestSippByeWhileBotSpeaks(t *testing.T) {
	longTest(t)
	siptest.RequireSipp(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	echo := &siptest.Echo{Say: mediatest.Sine(8000, 440, 8000, 6*time.Second)}
	ends := newEnded()
	s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
	if out, err := sippRun(t, ctx, s, "uac_bye_early.xml", nil); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	info := ends.wait(t, ctx)
	said, sayErr := echo.Said()
	if info.Reason != sip.ReasonCallerHangup {
		t.Errorf("reason %q", info.Reason)
	}
	if d := info.End.Sub(info.Answer); d > 3*time.Second {
		t.Errorf("call lasted %v after the answer; the BYE came after 1 s", d)
	}
	if said >= 300 || sayErr == nil || info.Stats.PacketsOut >= 200 {
		t.Errorf("bot wrote %d of 300 frames (err %v), sent %d packets: want it cut by the BYE", said, sayErr, info.Stats.PacketsOut)
	}
}

// TestSippBusy: with one call in progress and MaxCalls 1, sipp's second
// call gets 503 (with Retry-After); the first call is unaffected.
func TestSippBusy(t *testing.T) {
	longTest(t)
	siptest.RequireSipp(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := testConfig()
	cfg.MaxCalls = 1
	echo := &siptest.Echo{}
	ends := newEnded()
	s := startServer(t, cfg, echo, sip.WithOnCallEnd(ends.hook))
	dir := t.TempDir()
	if _, err := siptest.WriteUlawWAV(dir, "q_ulaw.wav", mediatest.SpeechLike(8000, 3000, 2*time.Second, 3)); err != nil {
		t.Skip(err)
	}
	holdErr := make(chan error, 1)
	go func() {
		out, err := siptest.Sipp{Scenario: copyScenario(t, dir, "uac_hold.xml"), Dir: dir, Target: s.UDPAddr().String(),
			Timeout: 30 * time.Second, Args: []string{"-d", "4000"}}.Run(ctx)
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		holdErr <- err
	}()
	for s.Active() == 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := sippRun(t, ctx, s, "uac_busy.xml", nil); err != nil {
		t.Errorf("busy call: %v\n%s", err, out)
	}
	busy := ends.wait(t, ctx)
	if busy.Reason != sip.ReasonBusy || busy.Status != 503 {
		t.Errorf("second call %+v, want busy 503", busy)
	}
	if err := <-holdErr; err != nil {
		t.Fatalf("held call: %v", err)
	}
	held := ends.wait(t, ctx)
	if held.Reason != sip.ReasonCallerHangup || held.Stats.PacketsIn < 150 {
		t.Errorf("held call %+v: want ~200 packets in and the caller's hang-up", held)
	}
}
