package live

import "sync/atomic"

// Sub is a subscription to a registry's updates. Its channel is bounded:
// when it is full the oldest update is dropped for the new one.
type Sub struct {
	r       *Registry
	c       chan Update
	dropped atomic.Int64
	closed  bool // guarded by r.mu
}

// Subscribe returns a subscription buffering up to buf updates (DefaultSubBuf when buf < 1).
// The caller owns it and must Close it.
func (r *Registry) Subscribe(buf int) *Sub {
	if buf < 1 {
		buf = DefaultSubBuf
	}
	s := &Sub{r: r, c: make(chan Update, buf)}
	r.mu.Lock()
	r.subs[s] = struct{}{}
	r.mu.Unlock()
	return s
}

// C returns the channel of updates; it is closed by Close.
func (s *Sub) C() <-chan Update { return s.c }

// Dropped returns how many updates were dropped because the subscriber was slow.
func (s *Sub) Dropped() int64 { return s.dropped.Load() }

// Close ends the subscription and closes its channel. It is safe to call twice.
func (s *Sub) Close() {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	delete(s.r.subs, s)
	close(s.c)
}

// publishLocked offers u to every subscriber without blocking; r.mu is held.
// Only publishers (holding r.mu) send, so after dropping one update there is room.
func (r *Registry) publishLocked(u Update) {
	for s := range r.subs {
		select {
		case s.c <- u:
			continue
		default:
		}
		select {
		case <-s.c:
			s.dropped.Add(1)
		default:
		}
		select {
		case s.c <- u:
		default:
			s.dropped.Add(1)
		}
	}
}
