package voice

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/callbee/callbee/dialog"
)

// ErrQueueFull: the call already has MaxPendingTurns turns waiting.
var ErrQueueFull = errors.New("voice: too many turns waiting")

// Submit queues a caller turn that came as text instead of speech — a
// button on the call page ("speak more slowly"), a typed line — to be
// answered and spoken like a spoken turn, in order with the others. Keys go
// as in.DTMF. It fails when the call is not running or too many turns wait.
func (s *Session) Submit(in dialog.Input) error {
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" && in.DTMF == "" {
		return fmt.Errorf("voice: submit: empty input: %w", dialog.ErrBadInput)
	}
	if !s.submit(job{text: in.Text, dtmf: in.DTMF, endOfTurn: s.cfg.Clock.Now()}) {
		return s.queueErr("submit")
	}
	return nil
}

// Say speaks a person's words into the call (an agent who holds it), after
// the answer being spoken, if any. The caller can talk over it as over the
// bot. It is not a caller turn and the brain does not see it.
func (s *Session) Say(ctx context.Context, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("voice: say: empty text: %w", dialog.ErrBadInput)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.jobsOpen {
		return fmt.Errorf("voice: say: %w", ErrCallEnded)
	}
	select {
	case s.jobs <- job{say: text}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	default:
		return fmt.Errorf("voice: say: %w", ErrQueueFull)
	}
}

func (s *Session) queueErr(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.jobsOpen {
		return fmt.Errorf("voice: %s: %w", op, ErrCallEnded)
	}
	return fmt.Errorf("voice: %s: %w", op, ErrQueueFull)
}

// sayAgent speaks a person's words with the session's voice.
func (wk *worker) sayAgent(ctx context.Context, text string) {
	wk.s.emit(Event{Kind: EventAgent, Text: text})
	if _, interrupted, err := wk.speak(ctx, text, wk.speech); err != nil && ctx.Err() == nil {
		wk.log.Warn("agent speech", "err", err)
	} else if interrupted {
		wk.s.emit(Event{Kind: EventInterrupted})
	}
}
