package sip

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Log rate limits: a message (by level and text) may be logged logBurst
// times, then once per logEvery; the rest are counted and the count goes
// out with the next one that passes ("suppressed").
const (
	logBurst = 5
	logEvery = time.Second
	// logKeys bounds the table of messages seen; past it, old entries go.
	logKeys = 256
)

// rateLimited is a slog.Handler that bounds how often each message is
// logged, so that a flood of bad packets or malformed SIP from one source
// cannot flood the log. It wraps the handler of the logger passed in and
// is handed to sipgo and diago as well.
type rateLimited struct {
	next  slog.Handler
	state *logState
}

type logState struct {
	mu   sync.Mutex // guards seen
	seen map[logKey]*logBucket
}

type logKey struct {
	level slog.Level
	msg   string
}

type logBucket struct {
	tokens     float64
	last       time.Time
	suppressed int
}

func newRateLimited(next slog.Handler) *rateLimited {
	return &rateLimited{next: next, state: &logState{seen: map[logKey]*logBucket{}}}
}

func (h *rateLimited) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *rateLimited) Handle(ctx context.Context, r slog.Record) error {
	ok, suppressed := h.state.allow(logKey{r.Level, r.Message}, r.Time)
	if !ok {
		return nil
	}
	if suppressed > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", suppressed))
	}
	return h.next.Handle(ctx, r)
}

func (h *rateLimited) WithAttrs(as []slog.Attr) slog.Handler {
	return &rateLimited{next: h.next.WithAttrs(as), state: h.state}
}

func (h *rateLimited) WithGroup(name string) slog.Handler {
	return &rateLimited{next: h.next.WithGroup(name), state: h.state}
}

// allow takes a token for k at now.
func (s *logState) allow(k logKey, now time.Time) (bool, int) {
	if now.IsZero() {
		now = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.seen[k]
	if !ok {
		if len(s.seen) >= logKeys {
			for old := range s.seen { // drop an arbitrary entry
				delete(s.seen, old)
				break
			}
		}
		b = &logBucket{tokens: logBurst, last: now}
		s.seen[k] = b
	}
	if dt := now.Sub(b.last); dt > 0 {
		b.tokens = min(logBurst, b.tokens+dt.Seconds()/logEvery.Seconds())
		b.last = now
	}
	if b.tokens < 1 {
		b.suppressed++
		return false, 0
	}
	b.tokens--
	n := b.suppressed
	b.suppressed = 0
	return true, n
}
