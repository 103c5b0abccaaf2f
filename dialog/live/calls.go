package live

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// ErrNotStarted: an agent spoke into a call whose voice loop is not running yet.
var ErrNotStarted = errors.New("live: the call is not running yet")

// WatchCalls decorates the Answerer of the voice doors so every call shows
// in the registry — door, caller, language, the transcript as it happens,
// the end — and so an agent who holds a call can talk into it: the call's
// sink is the running call's telephony.Controls (Say speaks the words by
// TTS), handed over by Call.OnStart. The door's own OnEvent and OnStart
// still run. Keeping the bot silent while a person holds the call is the
// voice session's part: it asks Registry.Held before answering.
func WatchCalls(a telephony.Answerer, reg *Registry) telephony.Answerer {
	return watched{a: a, reg: reg}
}

type watched struct {
	a   telephony.Answerer
	reg *Registry
}

// callSink says an agent's words through a call's Controls once it runs.
type callSink struct {
	mu  sync.Mutex // guards ctl
	ctl telephony.Controls
}

func (s *callSink) set(c telephony.Controls) {
	s.mu.Lock()
	s.ctl = c
	s.mu.Unlock()
}

// SayAgent implements AgentSink.
func (s *callSink) SayAgent(ctx context.Context, _, text string) error {
	s.mu.Lock()
	ctl := s.ctl
	s.mu.Unlock()
	if ctl == nil {
		return ErrNotStarted
	}
	if err := ctl.Say(ctx, text); err != nil {
		return fmt.Errorf("speak into the call: %w", err)
	}
	return nil
}

// Answer runs the call through the decorated Answerer, reporting it.
func (w watched) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	sink := &callSink{}
	doorStart := c.OnStart
	c.OnStart = func(ctl telephony.Controls) {
		sink.set(ctl)
		if doorStart != nil {
			doorStart(ctl)
		}
	}
	info := Info{Shop: c.Shop, Door: c.Door, Caller: c.Caller, Lang: c.Lang}
	c.OnEvent = w.reg.VoiceObserver(info, sink, c.OnEvent)
	res, err := w.a.Answer(ctx, c, in, dtmf, out)
	sink.set(nil)
	if res.Session != "" {
		w.reg.End(res.Session) // also when the call never reported its end
	}
	return res, err
}
