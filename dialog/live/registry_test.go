package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media/mediatest"
)

func newReg(t *testing.T, opts ...Option) *Registry {
	t.Helper()
	r, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type sayRec struct {
	mu   sync.Mutex
	said []string
	err  error
}

func (s *sayRec) SayAgent(_ context.Context, agent, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.said = append(s.said, agent+":"+text)
	return nil
}

func TestHoldSayRelease(t *testing.T) {
	ctx := context.Background()
	r := newReg(t)
	sink := &sayRec{}
	r.Begin(Info{Session: "s1", Shop: "shop", Door: "sip", Caller: "+8613800000000", Lang: "zh"}, sink)
	r.Begin(Info{Session: "s2", Shop: "shop", Door: "twilio"}, nil)
	r.Caller("s1", "我要投诉")
	faq := "aftersales.complaint_quality"
	r.Bot("s1", dialog.Reply{Text: "非常抱歉", FAQ: &faq, Emotion: "negative", Confidence: 0.8, Handoff: true}, false)

	info, lines, ok := r.Session("s1")
	if !ok || info.Intent != faq || info.Emotion != "negative" || !info.Handoff || info.Turns != 1 || !info.CanReply || len(lines) != 2 {
		t.Fatalf("session = %+v, %d lines", info, len(lines))
	}
	for _, tc := range []struct {
		name string
		err  error
		fn   func() error
	}{
		{"say before hold", ErrNotHeld, func() error { return r.Say(ctx, "s1", "amy", "hi") }},
		{"hold unknown", ErrUnknownSession, func() error { return r.Hold("nope", "amy") }},
		{"hold", nil, func() error { return r.Hold("s1", "amy") }},
		{"hold again by the holder", nil, func() error { return r.Hold("s1", "amy") }},
		{"hold by another agent", ErrHeld, func() error { return r.Hold("s1", "bob") }},
		{"say by another agent", ErrNotHeld, func() error { return r.Say(ctx, "s1", "bob", "hi") }},
		{"say", nil, func() error { return r.Say(ctx, "s1", "amy", "您好，我是客服小美") }},
		{"say where the door has no sink", ErrNoSink, func() error {
			if err := r.Hold("s2", "amy"); err != nil {
				return err
			}
			return r.Say(ctx, "s2", "amy", "hi")
		}},
		{"say unknown", ErrUnknownSession, func() error { return r.Say(ctx, "nope", "amy", "hi") }},
		{"release", nil, func() error { return r.Release("s1") }},
		{"say after release", ErrNotHeld, func() error { return r.Say(ctx, "s1", "amy", "hi") }},
	} {
		if err := tc.fn(); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	if got := strings.Join(sink.said, "|"); got != "amy:您好，我是客服小美" {
		t.Errorf("sink got %q", got)
	}
	if r.Held("s1") || !r.Held("s2") || r.Holder("s2") != "amy" {
		t.Errorf("held: s1 %v s2 %v", r.Held("s1"), r.Holder("s2"))
	}
	sink.err = errors.New("line dropped")
	if err := r.Hold("s1", "amy"); err != nil {
		t.Fatal(err)
	}
	if err := r.Say(ctx, "s1", "amy", "x"); err == nil || !strings.Contains(err.Error(), "line dropped") {
		t.Errorf("sink error = %v", err)
	}
	r.End("s1")
	if err := r.Say(ctx, "s1", "amy", "x"); !errors.Is(err, ErrEnded) {
		t.Errorf("say after end = %v", err)
	}
	if err := r.Hold("s1", "amy"); !errors.Is(err, ErrEnded) {
		t.Errorf("hold after end = %v", err)
	}
	ss := r.Sessions()
	if len(ss) != 2 || ss[0].Session != "s2" || ss[1].Ended == nil || ss[1].Agent != "" {
		t.Errorf("sessions = %+v", ss)
	}
}

func TestBounds(t *testing.T) {
	r := newReg(t, WithLimits(3, 2))
	r.Begin(Info{Session: "a"}, nil)
	for i := range 10 {
		r.Caller("a", fmt.Sprint(i))
	}
	r.Caller("a", strings.Repeat("x", maxTextRunes+10))
	_, lines, _ := r.Session("a")
	if len(lines) != 3 || lines[0].Text != "8" || lines[1].Text != "9" || len([]rune(lines[2].Text)) != maxTextRunes+1 {
		t.Errorf("lines = %d, first %q", len(lines), lines[0].Text)
	}
	for _, id := range []string{"e1", "e2", "e3"} {
		r.Begin(Info{Session: id}, nil)
		r.End(id)
	}
	if r.Known("e1") || !r.Known("e2") || !r.Known("e3") || !r.Known("a") {
		t.Errorf("ended sessions kept: e1 %v e2 %v e3 %v", r.Known("e1"), r.Known("e2"), r.Known("e3"))
	}
	// Unknown sessions are ignored, not created.
	r.Caller("ghost", "hi")
	r.End("ghost")
	if r.Known("ghost") {
		t.Error("a line created a session")
	}
}

func TestSubscribeDropsOldest(t *testing.T) {
	r := newReg(t)
	sub := r.Subscribe(2)
	r.Begin(Info{Session: "a"}, nil)
	r.Caller("a", "one")
	r.Caller("a", "two")
	var got []string
	for range 2 {
		u := <-sub.C()
		got = append(got, u.Kind+":"+u.Line.Text)
	}
	if strings.Join(got, ",") != "line:one,line:two" || sub.Dropped() != 1 {
		t.Errorf("got %v, dropped %d", got, sub.Dropped())
	}
	sub.Close()
	sub.Close()
	if _, ok := <-sub.C(); ok {
		t.Error("channel open after Close")
	}
	r.Caller("a", "three") // no subscriber left: must not block or panic
}

// TestConcurrent: doors report, agents hold and say, subscribers read, all at once.
func TestConcurrent(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := newReg(t, WithLimits(50, 10))
	sub := r.Subscribe(8)
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for range sub.C() {
		}
	}()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint("s", i)
			r.Begin(Info{Session: id, Door: "ws"}, PullSink)
			for j := 0; j < 200 && ctx.Err() == nil; j++ {
				r.Caller(id, "hello")
				r.Bot(id, dialog.Reply{Text: "hi"}, r.Held(id))
				if j%10 == 0 {
					_ = r.Hold(id, "amy")
					_ = r.Say(ctx, id, "amy", "agent here")
					_ = r.Release(id)
				}
				_ = r.Sessions()
			}
			r.End(id)
		}()
	}
	wg.Wait()
	sub.Close()
	readers.Wait()
	if ctx.Err() != nil {
		t.Fatal("deadline")
	}
	if n := len(r.Sessions()); n != 8 {
		t.Errorf("%d sessions kept, want 8 ended", n)
	}
}

func TestVoiceObserver(t *testing.T) {
	r := newReg(t)
	var seen []voice.EventKind
	obs := r.VoiceObserver(Info{Shop: "shop", Door: "sip", Caller: "1001", Lang: "en"}, PullSink, func(ev voice.Event) { seen = append(seen, ev.Kind) })
	faq := "logistics.when_ship"
	for _, ev := range []voice.Event{
		{Kind: voice.EventWelcome, Session: "v1", Text: "Hello"},
		{Kind: voice.EventSpeechStart, Session: "v1"},
		{Kind: voice.EventTranscript, Session: "v1", Text: "when do you ship"},
		{Kind: voice.EventReply, Session: "v1", Reply: &dialog.Reply{Text: "within 48 hours", FAQ: &faq, Confidence: 0.9}},
		{Kind: voice.EventTranscript, Session: "v1", DTMF: "0"},
		{Kind: voice.EventHandoff, Session: "v1"},
	} {
		obs(ev)
	}
	info, lines, ok := r.Session("v1")
	if !ok || info.Door != "sip" || info.Caller != "1001" || info.Intent != faq || !info.Handoff || !info.CanReply {
		t.Fatalf("info = %+v", info)
	}
	var text []string
	for _, l := range lines {
		text = append(text, l.Who+":"+l.Text)
	}
	want := "bot:Hello|caller:when do you ship|bot:within 48 hours|caller:[keypad 0]|system:handoff requested"
	if got := strings.Join(text, "|"); got != want {
		t.Errorf("lines\n got %s\nwant %s", got, want)
	}
	obs(voice.Event{Kind: voice.EventEnd, Session: "v1"})
	if info, _, _ := r.Session("v1"); info.Ended == nil {
		t.Error("not ended")
	}
	if len(seen) != 7 {
		t.Errorf("next saw %d events, want 7", len(seen))
	}
}

func TestQueueSink(t *testing.T) {
	ctx := context.Background()
	r := newReg(t)
	q := NewQueue(2)
	r.Begin(Info{Session: "v", Door: "sip"}, q)
	if err := r.Hold("v", "amy"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"one", "two", "three"} {
		if err := r.Say(ctx, "v", "amy", s); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for range 2 {
		a := <-q.C()
		got = append(got, a.Agent+":"+a.Text)
	}
	if strings.Join(got, ",") != "amy:two,amy:three" || q.Dropped() != 1 {
		t.Errorf("queue gave %v, dropped %d", got, q.Dropped())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := q.SayAgent(cctx, "amy", "late"); err == nil {
		t.Error("SayAgent on a cancelled context succeeded")
	}
}

func TestIdleSessionsEnd(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	r := newReg(t, WithIdle(10*time.Minute), WithClock(func() time.Time { return now }))
	r.Begin(Info{Session: "gone"}, nil)
	r.Begin(Info{Session: "held"}, PullSink)
	if err := r.Hold("held", "amy"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(5 * time.Minute)
	r.Begin(Info{Session: "talking"}, nil)
	now = now.Add(6 * time.Minute)
	r.Caller("talking", "still here")
	now = now.Add(time.Minute)
	ended := map[string]bool{}
	for _, s := range r.Sessions() {
		ended[s.Session] = s.Ended != nil
	}
	if !ended["gone"] || ended["held"] || ended["talking"] {
		t.Errorf("ended after idle: %v", ended)
	}
}

func BenchmarkRegistryTurn(b *testing.B) {
	r, _ := New()
	r.Begin(Info{Session: "s", Door: "sip"}, nil)
	faq := "logistics.when_ship"
	rp := dialog.Reply{Text: "We ship within 48 hours.", FAQ: &faq, Confidence: 0.9}
	sub := r.Subscribe(1)
	defer sub.Close()
	b.ReportAllocs()
	for b.Loop() {
		r.Caller("s", "when will you ship my order")
		r.Bot("s", rp, r.Held("s"))
	}
}
