package live

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// fakeControls records what an agent said into the call.
type fakeControls struct{ said []string }

func (f *fakeControls) Submit(dialog.Input) error { return nil }
func (f *fakeControls) Say(_ context.Context, text string) error {
	f.said = append(f.said, text)
	return nil
}

// fakeAnswerer plays a short call; during it, hold runs (an agent takes it
// over and talks).
type fakeAnswerer struct {
	ctl  *fakeControls
	hold func()
}

func (f fakeAnswerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	faq := "logistics.when_ship"
	c.OnEvent(voice.Event{Kind: voice.EventWelcome, Session: "call-7", Text: "Hello"})
	f.hold() // before OnStart: the call is not running yet
	c.OnStart(f.ctl)
	c.OnEvent(voice.Event{Kind: voice.EventTranscript, Session: "call-7", Text: "when do you ship"})
	c.OnEvent(voice.Event{Kind: voice.EventReply, Session: "call-7", Reply: &dialog.Reply{Text: "in 48 hours", FAQ: &faq}})
	f.hold()
	return telephony.Result{Session: "call-7"}, nil
}

func TestWatchCalls(t *testing.T) {
	ctx := context.Background()
	r := newReg(t)
	var doorEvents, doorStarts int
	ctl := &fakeControls{}
	var sayErrs []error
	hold := func() {
		if err := r.Hold("call-7", "amy"); err != nil {
			t.Fatal(err)
		}
		sayErrs = append(sayErrs, r.Say(ctx, "call-7", "amy", "this is Amy"))
	}
	a := WatchCalls(fakeAnswerer{ctl: ctl, hold: hold}, r)
	call := telephony.Call{Door: telephony.DoorSIP, Shop: "shop", Caller: "+8613800000000", Lang: "zh",
		OnEvent: func(voice.Event) { doorEvents++ }, OnStart: func(telephony.Controls) { doorStarts++ }}
	res, err := a.Answer(ctx, call, nil, nil, nil)
	if err != nil || res.Session != "call-7" {
		t.Fatalf("Answer = %+v, %v", res, err)
	}
	if len(sayErrs) != 2 || !errors.Is(sayErrs[0], ErrNotStarted) || sayErrs[1] != nil {
		t.Errorf("say errors = %v, want [not started, nil]", sayErrs)
	}
	if strings.Join(ctl.said, "|") != "this is Amy" {
		t.Errorf("the call heard %q", ctl.said)
	}
	info, lines, ok := r.Session("call-7")
	if !ok || info.Door != "sip" || info.Caller != "+8613800000000" || info.Intent != "logistics.when_ship" || info.Ended == nil {
		t.Errorf("info = %+v", info)
	}
	if len(lines) != 4 || lines[3].Who != WhoAgent || doorEvents != 3 || doorStarts != 1 {
		t.Errorf("%d lines (%+v), the door saw %d events and %d starts", len(lines), lines, doorEvents, doorStarts)
	}
}
