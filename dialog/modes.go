package dialog

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Service modes.
const (
	// ModeFullAuto: the bot answers by itself.
	ModeFullAuto = "full-auto"
	// ModeSmartAssist: the bot drafts every answer and a person sends it.
	ModeSmartAssist = "smart-assist"
	// ModeHumanFirst: while agents are on duty, people answer first and the
	// bot drafts; outside duty hours the bot answers by itself.
	ModeHumanFirst = "human-first"
)

// ValidMode reports whether m names a service mode.
func ValidMode(m string) bool {
	return m == ModeFullAuto || m == ModeSmartAssist || m == ModeHumanFirst
}

// Schedule switches service modes by time of day (in the shop's time zone).
type Schedule struct {
	Default string       `yaml:"default" json:"default"`
	Windows []ModeWindow `yaml:"windows,omitempty" json:"windows,omitempty"`
}

// ModeWindow applies Mode from From to To ("HH:MM", To may be before From to
// wrap past midnight) on Days (0 = Sunday; empty = every day).
type ModeWindow struct {
	Days []time.Weekday `yaml:"days,omitempty" json:"days,omitempty"`
	From string         `yaml:"from" json:"from"`
	To   string         `yaml:"to" json:"to"`
	Mode string         `yaml:"mode" json:"mode"`
}

// Validate checks modes and times.
func (s Schedule) Validate() error {
	if s.Default != "" && !ValidMode(s.Default) {
		return fmt.Errorf("dialog: schedule default: unknown mode %q", s.Default)
	}
	for i, w := range s.Windows {
		if !ValidMode(w.Mode) {
			return fmt.Errorf("dialog: schedule windows[%d]: unknown mode %q", i, w.Mode)
		}
		if _, err := parseHours(w.From + "-" + w.To); err != nil {
			return fmt.Errorf("dialog: schedule windows[%d]: %w", i, err)
		}
	}
	return nil
}

// modeAt returns the scheduled mode at local time t.
func (s Schedule) modeAt(t time.Time) string {
	for _, w := range s.Windows {
		if len(w.Days) > 0 {
			ok := false
			for _, d := range w.Days {
				if d == t.Weekday() {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		h, err := parseHours(w.From + "-" + w.To)
		if err == nil && h.contains(t) {
			return w.Mode
		}
	}
	if s.Default == "" {
		return ModeFullAuto
	}
	return s.Default
}

// modeSwitch holds the schedule and a live override.
type modeSwitch struct {
	mu       sync.RWMutex // guards schedule and override
	schedule Schedule
	override string
}

func newModeSwitch() *modeSwitch { return &modeSwitch{schedule: Schedule{Default: ModeFullAuto}} }

func (m *modeSwitch) setSchedule(s Schedule) {
	m.mu.Lock()
	m.schedule = s
	m.mu.Unlock()
}

// SetMode switches the service mode live; "" returns to the schedule.
func (e *Engine) SetMode(mode string) error {
	if mode != "" && !ValidMode(mode) {
		return fmt.Errorf("%w: unknown service mode %q", ErrBadInput, mode)
	}
	e.modes.mu.Lock()
	e.modes.override = mode
	e.modes.mu.Unlock()
	return nil
}

// SetSchedule replaces the service-mode schedule live.
func (e *Engine) SetSchedule(s Schedule) error {
	if err := s.Validate(); err != nil {
		return err
	}
	e.modes.setSchedule(s)
	return nil
}

// Schedule returns the service-mode schedule and the live override.
func (e *Engine) Schedule() (Schedule, string) {
	e.modes.mu.RLock()
	defer e.modes.mu.RUnlock()
	return e.modes.schedule, e.modes.override
}

// ModeAt returns the service mode in force at t. Human-first applies only
// while agents are on duty.
func (e *Engine) ModeAt(t time.Time) string {
	e.modes.mu.RLock()
	mode := e.modes.override
	if mode == "" {
		mode = e.modes.schedule.modeAt(t.In(e.loc))
	}
	e.modes.mu.RUnlock()
	if mode == ModeHumanFirst && !e.onDuty(t) {
		return ModeFullAuto
	}
	return mode
}

// hours is a daily window in minutes after midnight; to < from wraps midnight.
type hours struct{ from, to int }

func parseHours(s string) (hours, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return hours{}, fmt.Errorf("%q: want HH:MM-HH:MM", s)
	}
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	if err1 != nil || err2 != nil {
		return hours{}, fmt.Errorf("%q: want HH:MM-HH:MM", s)
	}
	return hours{from, to}, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, fmt.Errorf("bad clock %q", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("bad clock %q", s)
	}
	return hh*60 + mm, nil
}

func (h hours) contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	if h.from <= h.to {
		return m >= h.from && m < h.to
	}
	return m >= h.from || m < h.to
}
