package mediatest

import (
	"context"
	"sync"
	"time"

	"github.com/callbee/callbee/media"
)

// Written is one frame a Recorder received, with the clock time it arrived.
type Written struct {
	Frame media.Frame
	When  time.Time
}

// Recorder is a media.Writer that keeps copies of frames with the time
// (from Clock) they were written. Safe for concurrent use.
type Recorder struct {
	Clock media.Clock
	// Notify, when set, receives a value (non-blocking) on every write.
	Notify chan struct{}

	mu     sync.Mutex // guards frames
	frames []Written
}

var _ media.Writer = (*Recorder)(nil)

// WriteFrame records a copy of f.
func (r *Recorder) WriteFrame(_ context.Context, f media.Frame) error {
	var now time.Time
	if r.Clock != nil {
		now = r.Clock.Now()
	}
	r.mu.Lock()
	r.frames = append(r.frames, Written{Frame: f.Clone(), When: now})
	r.mu.Unlock()
	if r.Notify != nil {
		select {
		case r.Notify <- struct{}{}:
		default:
		}
	}
	return nil
}

// Frames returns what was written so far.
func (r *Recorder) Frames() []Written {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Written(nil), r.frames...)
}
