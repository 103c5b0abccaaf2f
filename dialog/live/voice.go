package live

import (
	"github.com/callbee/callbee/dialog/voice"
)

// VoiceObserver returns a voice.Config.OnEvent observer that reports one
// call into the registry: the session begins at the welcome (with the door
// facts in info and the door's sink, nil if it cannot speak an agent's
// words), transcripts and replies become lines, the end ends it. next, if
// not nil, is called after with every event (the door's own observer).
//
// The voice session itself must ask Held before answering and stay silent
// while a person holds the call; the sink speaks the agent's text by TTS.
func (r *Registry) VoiceObserver(info Info, sink AgentSink, next func(voice.Event)) func(voice.Event) {
	return func(ev voice.Event) {
		switch ev.Kind {
		case voice.EventWelcome:
			in := info
			in.Session = ev.Session
			r.Begin(in, sink)
			if ev.Text != "" {
				r.line(ev.Session, Line{At: ev.At, Who: WhoBot, Text: ev.Text}, nil)
			}
		case voice.EventTranscript:
			text := ev.Text
			if text == "" && ev.DTMF != "" {
				text = "[keypad " + ev.DTMF + "]"
			}
			r.line(ev.Session, Line{At: ev.At, Who: WhoCaller, Text: text}, nil)
		case voice.EventReply:
			if ev.Reply != nil {
				r.Bot(ev.Session, *ev.Reply, r.Held(ev.Session))
			}
		case voice.EventHandoff:
			r.line(ev.Session, Line{At: ev.At, Who: WhoSystem, Text: "handoff requested"}, func(in *Info) { in.Handoff = true })
		case voice.EventInterrupted:
			r.line(ev.Session, Line{At: ev.At, Who: WhoSystem, Text: "caller talked over the answer"}, nil)
		case voice.EventEnd:
			r.End(ev.Session)
		}
		if next != nil {
			next(ev)
		}
	}
}
