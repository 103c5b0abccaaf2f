package live

import (
	"context"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// WatchCalls decorates the Answerer of the voice doors so every call shows
// in the registry: door, caller, language, the transcript as it happens,
// the end. sinkFor, if not nil, gives the sink that carries an agent's
// words into that call (a Queue the voice session speaks from); nil or a
// nil sink means agents may hold the call but not talk into it. The door's
// own OnEvent still gets every event.
func WatchCalls(a telephony.Answerer, reg *Registry, sinkFor func(telephony.Call) AgentSink) telephony.Answerer {
	return watched{a: a, reg: reg, sinkFor: sinkFor}
}

type watched struct {
	a       telephony.Answerer
	reg     *Registry
	sinkFor func(telephony.Call) AgentSink
}

// Answer runs the call through the decorated Answerer, reporting it.
func (w watched) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	var sink AgentSink
	if w.sinkFor != nil {
		sink = w.sinkFor(c)
	}
	info := Info{Shop: c.Shop, Door: c.Door, Caller: c.Caller, Lang: c.Lang}
	c.OnEvent = w.reg.VoiceObserver(info, sink, c.OnEvent)
	res, err := w.a.Answer(ctx, c, in, dtmf, out)
	if res.Session != "" {
		w.reg.End(res.Session) // also when the session never emitted its end
	}
	return res, err
}
