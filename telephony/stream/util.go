package stream

import (
	"sync"
	"time"
)

// LogLimit lets a message key through at most once per period, so that
// logs that could fire per message or per frame stay bounded. Safe for
// concurrent use.
type LogLimit struct {
	period time.Duration

	mu   sync.Mutex // guards next
	next map[string]time.Time
}

// NewLogLimit returns a limiter with the given period.
func NewLogLimit(period time.Duration) *LogLimit {
	return &LogLimit{period: period, next: map[string]time.Time{}}
}

// Allow reports whether a message with key may be logged now.
func (l *LogLimit) Allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next[key]) {
		return false
	}
	if len(l.next) > 64 { // keys are a handful of constants; never grow without bound
		clear(l.next)
	}
	l.next[key] = now.Add(l.period)
	return true
}

// users maps livestream viewers to brain sessions, forgetting the least
// recently active viewer beyond max. Used by one goroutine.
type users struct {
	max  int
	tick uint64
	m    map[string]userSession
}

type userSession struct {
	sid  string
	used uint64
}

func newUsers(max int) *users { return &users{max: max, m: map[string]userSession{}} }

func (u *users) get(user string) (string, bool) {
	s, ok := u.m[user]
	if ok {
		u.tick++
		s.used = u.tick
		u.m[user] = s
	}
	return s.sid, ok
}

func (u *users) put(user, sid string) {
	if _, ok := u.m[user]; !ok && len(u.m) >= u.max {
		oldest, at := "", ^uint64(0)
		for k, s := range u.m {
			if s.used < at {
				oldest, at = k, s.used
			}
		}
		delete(u.m, oldest)
	}
	u.tick++
	u.m[user] = userSession{sid: sid, used: u.tick}
}

func (u *users) forget(user string) { delete(u.m, user) }

func (u *users) len() int { return len(u.m) }
