package media

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds. Voice events come from the voice activity detector (short
// segments, used for barge-in); speech events come from the end-of-turn
// detector (whole caller turns).
const (
	// DTMF: the caller pressed Digit (RFC 4733 telephone-event or SIP INFO).
	DTMF EventKind = iota + 1
	// VoiceStart: a voiced segment began; At is its first voiced frame.
	VoiceStart
	// VoiceSustained: the current voiced segment has now been voiced for the
	// detector's Sustained threshold (longer than a backchannel "嗯"/"mhm",
	// a cough or a click); At is the frame where it crossed, Duration the
	// voiced span so far. Once per segment. Playout takes it as barge-in.
	VoiceSustained
	// VoiceEnd: the voiced segment ended; At is its last voiced frame and
	// Duration runs from the segment's first to the end of its last voiced frame.
	VoiceEnd
	// SpeechStart: the caller began a turn; At is the first voiced frame.
	SpeechStart
	// SpeechEnd: the caller's turn ended; At is the timestamp of the last
	// voiced frame, Duration the turn's voiced span, Capped set when the turn
	// was cut at the utterance-length cap rather than by silence.
	SpeechEnd
)

func (k EventKind) String() string {
	switch k {
	case DTMF:
		return "dtmf"
	case VoiceStart:
		return "voice-start"
	case VoiceSustained:
		return "voice-sustained"
	case VoiceEnd:
		return "voice-end"
	case SpeechStart:
		return "speech-start"
	case SpeechEnd:
		return "speech-end"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event travels next to audio. At is stream time, comparable with Frame.At.
type Event struct {
	Kind     EventKind
	Digit    rune          // DTMF: '0'-'9', '*', '#', 'A'-'D'
	At       time.Duration // stream time
	Duration time.Duration // DTMF: key press length; VoiceEnd/SpeechEnd: voiced span
	Capped   bool          // SpeechEnd: cut at the utterance-length cap
}

func (e Event) String() string {
	if e.Kind == DTMF {
		return fmt.Sprintf("dtmf %c at %v", e.Digit, e.At)
	}
	return fmt.Sprintf("%v at %v (%v)", e.Kind, e.At, e.Duration)
}

// dtmfDigits maps RFC 4733 section 3.2 event codes 0-15 to digits.
const dtmfDigits = "0123456789*#ABCD"

// DigitFromCode maps an RFC 4733 telephone-event code (0-15) to its digit.
func DigitFromCode(code uint8) (rune, error) {
	if int(code) >= len(dtmfDigits) {
		return 0, fmt.Errorf("media: telephone-event code %d: %w", code, ErrBadDigit)
	}
	return rune(dtmfDigits[code]), nil
}

// CodeFromDigit maps a DTMF digit (lower-case a-d accepted) to its RFC 4733 code.
func CodeFromDigit(d rune) (uint8, error) {
	if d >= 'a' && d <= 'd' {
		d -= 'a' - 'A'
	}
	for i, c := range dtmfDigits {
		if c == d {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("media: digit %q: %w", d, ErrBadDigit)
}

// DefaultEventQueueSize is the capacity of an EventQueue made with size 0.
const DefaultEventQueueSize = 64

// EventQueue is a bounded queue of events between goroutines. Push never
// blocks: when full it drops the oldest event and counts the drop.
type EventQueue struct {
	mu     sync.Mutex // guards buf, closed
	buf    []Event
	size   int
	closed bool
	ready  chan struct{} // 1-buffered: "something changed"

	dropped atomic.Uint64
}

// NewEventQueue returns a queue holding at most size events
// (DefaultEventQueueSize when size <= 0).
func NewEventQueue(size int) *EventQueue {
	if size <= 0 {
		size = DefaultEventQueueSize
	}
	return &EventQueue{size: size, ready: make(chan struct{}, 1)}
}

// Push adds ev, dropping the oldest event when full. It reports false after Close.
func (q *EventQueue) Push(ev Event) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if len(q.buf) >= q.size {
		copy(q.buf, q.buf[1:])
		q.buf = q.buf[:len(q.buf)-1]
		q.dropped.Add(1)
	}
	q.buf = append(q.buf, ev)
	q.mu.Unlock()
	q.signal()
	return true
}

func (q *EventQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Next waits for the oldest event. After Close it drains what is left, then
// returns ErrClosed.
func (q *EventQueue) Next(ctx context.Context) (Event, error) {
	for {
		q.mu.Lock()
		if len(q.buf) > 0 {
			ev := q.buf[0]
			q.buf = append(q.buf[:0], q.buf[1:]...)
			more := len(q.buf) > 0
			q.mu.Unlock()
			if more {
				q.signal()
			}
			return ev, nil
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return Event{}, ErrClosed
		}
		select {
		case <-ctx.Done():
			return Event{}, ctx.Err()
		case <-q.ready:
		}
	}
}

// Len is the number of queued events.
func (q *EventQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.buf)
}

// Dropped counts events dropped because the queue was full.
func (q *EventQueue) Dropped() uint64 { return q.dropped.Load() }

// Close stops Push; Next drains what is queued. Safe to call twice.
func (q *EventQueue) Close() error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
	return nil
}
