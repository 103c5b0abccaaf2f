package sip_test

import (
	"context"
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
	siptest.RequireSipp(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	q := switchboardtest.Speak(t, "en-us", "when will my order ship", 8000, time.Second, 2*time.Second)
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
