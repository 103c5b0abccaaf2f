package live

import (
	"context"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// fakeAnswerer plays a short call through c.OnEvent.
type fakeAnswerer struct{}

func (fakeAnswerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	faq := "logistics.when_ship"
	c.OnEvent(voice.Event{Kind: voice.EventWelcome, Session: "call-7", Text: "Hello"})
	c.OnEvent(voice.Event{Kind: voice.EventTranscript, Session: "call-7", Text: "when do you ship"})
	c.OnEvent(voice.Event{Kind: voice.EventReply, Session: "call-7", Reply: &dialog.Reply{Text: "in 48 hours", FAQ: &faq}})
	return telephony.Result{Session: "call-7"}, nil
}

func TestWatchCalls(t *testing.T) {
	r := newReg(t)
	var doorSaw int
	q := NewQueue(4)
	a := WatchCalls(fakeAnswerer{}, r, func(c telephony.Call) AgentSink {
		if c.Door != telephony.DoorSIP {
			return nil
		}
		return q
	})
	call := telephony.Call{Door: telephony.DoorSIP, Shop: "shop", Caller: "+8613800000000", Lang: "zh",
		OnEvent: func(voice.Event) { doorSaw++ }}
	res, err := a.Answer(context.Background(), call, nil, nil, nil)
	if err != nil || res.Session != "call-7" {
		t.Fatalf("Answer = %+v, %v", res, err)
	}
	info, lines, ok := r.Session("call-7")
	if !ok || info.Door != "sip" || info.Caller != "+8613800000000" || info.Intent != "logistics.when_ship" || !info.CanReply && info.Ended == nil {
		t.Errorf("info = %+v", info)
	}
	if info.Ended == nil {
		t.Error("the call did not end in the registry")
	}
	if len(lines) != 3 || doorSaw != 3 {
		t.Errorf("%d lines, the door saw %d events", len(lines), doorSaw)
	}
}
