package voice

import (
	"sync"
	"time"

	"github.com/callbee/callbee/media"
)

// FastClock is a media.Clock for calls driven from files faster than real
// time: it runs at wall-clock speed, except that every wait (After) is
// skipped at once by moving the clock forward. Work (recognition, the brain,
// synthesis) therefore costs its real time, while playout pacing and caller
// audio pacing cost none, so per-turn latencies measured on it are the
// latencies of a real-time call as long as only one party waits at a time
// (Script arranges that). Timeouts fire at once too (a keyed order number
// ends after each key): use it for file-driven calls only. Safe for
// concurrent use.
type FastClock struct {
	mu      sync.Mutex // guards skipped
	skipped time.Duration
}

var _ media.Clock = (*FastClock)(nil)

// Now is the wall clock plus every wait skipped so far.
func (c *FastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skipped)
}

// After moves the clock forward by d and returns a channel that has fired.
func (c *FastClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	if d > 0 {
		c.skipped += d
	}
	now := time.Now().Add(c.skipped)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}
