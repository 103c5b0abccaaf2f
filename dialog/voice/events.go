package voice

import (
	"time"

	"github.com/callbee/callbee/dialog"
)

// EventKind names what happened in a call, for doors that show or forward
// it (captions on the call page, events of the WebSocket protocols, the
// agent console).
type EventKind string

// Events of a call, in the order they usually happen.
const (
	// EventWelcome: the welcome is about to be spoken (Text, Reply.Cards-less).
	EventWelcome EventKind = "welcome"
	// EventSpeechStart: the caller started a turn (possibly over the bot).
	EventSpeechStart EventKind = "speech_start"
	// EventPartial: what the recogniser has heard so far of the turn being
	// spoken (Text; it may still change), at most every PartialEvery.
	EventPartial EventKind = "partial"
	// EventTranscript: the caller's turn as recognised (Text) or keyed (DTMF).
	EventTranscript EventKind = "transcript"
	// EventReply: the brain's answer (Text, Reply), about to be spoken.
	EventReply EventKind = "reply"
	// EventInterrupted: the caller talked over the answer; the rest of it
	// was dropped. Doors that buffer bot audio downstream clear it.
	EventInterrupted EventKind = "interrupted"
	// EventHandoff: the brain handed the call to a person (Reply set).
	EventHandoff EventKind = "handoff"
	// EventAgent: a person's words (Session.Say) are about to be spoken.
	EventAgent EventKind = "agent"
	// EventTurn: a caller turn is over (answered, interrupted or failed);
	// Turn holds it with its trace.
	EventTurn EventKind = "turn"
	// EventEnd: the call is over (Text: the reason).
	EventEnd EventKind = "end"
)

// Event is one thing that happened in a call. OnEvent receives it.
type Event struct {
	Kind    EventKind
	At      time.Time // on the session clock
	Session string    // the brain session id ("" before the welcome)
	Text    string
	DTMF    string
	Reply   *dialog.Reply
	Turn    *Turn // EventTurn only
}

// emit calls the configured observer, if any.
func (s *Session) emit(ev Event) {
	if s.cfg.OnEvent == nil {
		return
	}
	if ev.At.IsZero() {
		ev.At = s.cfg.Clock.Now()
	}
	s.mu.Lock()
	if ev.Session == "" {
		ev.Session = s.sid
	}
	s.mu.Unlock()
	s.cfg.OnEvent(ev)
}
