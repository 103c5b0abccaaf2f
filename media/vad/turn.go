package vad

import (
	"fmt"
	"time"

	"github.com/callbee/callbee/media"
)

// TurnConfig tunes end-of-turn detection. Start from DefaultTurnConfig.
//
// The silence that ends a turn is the caller's typical long pause plus
// PauseMargin, kept between MinSilence and MaxSilence. The typical pause is
// learned per caller from the gaps between voice segments inside turns, and
// from turns that ended too early: when the caller starts again within
// MaxSilence of the last voiced frame, that gap was a pause too. Slow
// speakers (elderly callers who stop to think mid-sentence) therefore get a
// longer wait after a turn or two; quick speakers keep the short one.
type TurnConfig struct {
	MinSilence   time.Duration `yaml:"min_silence"`
	MaxSilence   time.Duration `yaml:"max_silence"`
	PauseMargin  time.Duration `yaml:"pause_margin"`
	MaxUtterance time.Duration `yaml:"max_utterance"` // a turn is cut (Capped) at this length
	// MinPause: gaps shorter than this are not learned from (breaths, stops).
	MinPause time.Duration `yaml:"min_pause"`
}

// Defaults, referred to by name from docs.
const (
	DefaultMinSilence   = 400 * time.Millisecond
	DefaultMaxSilence   = 1500 * time.Millisecond
	DefaultPauseMargin  = 200 * time.Millisecond
	DefaultMaxUtterance = 20 * time.Second
	DefaultMinPause     = 100 * time.Millisecond
)

// How fast the pause estimate moves towards a longer gap (rise) and a
// shorter one (fall): it follows long pauses quickly and forgets slowly.
const (
	pauseRise = 0.7
	pauseFall = 0.15
)

// DefaultTurnConfig returns the defaults above.
func DefaultTurnConfig() TurnConfig {
	return TurnConfig{
		MinSilence:   DefaultMinSilence,
		MaxSilence:   DefaultMaxSilence,
		PauseMargin:  DefaultPauseMargin,
		MaxUtterance: DefaultMaxUtterance,
		MinPause:     DefaultMinPause,
	}
}

// Validate checks ranges. MinSilence must be at least the detector's
// hangover for pauses to be measured; New checks that separately.
func (c TurnConfig) Validate() error {
	switch {
	case c.MinSilence < 100*time.Millisecond:
		return fmt.Errorf("vad: min_silence %v (at least 100ms): %w", c.MinSilence, ErrBadConfig)
	case c.MaxSilence < c.MinSilence || c.MaxSilence > 10*time.Second:
		return fmt.Errorf("vad: max_silence %v (min_silence-10s): %w", c.MaxSilence, ErrBadConfig)
	case c.PauseMargin < 0 || c.PauseMargin > c.MaxSilence:
		return fmt.Errorf("vad: pause_margin %v (0-max_silence): %w", c.PauseMargin, ErrBadConfig)
	case c.MaxUtterance < time.Second || c.MaxUtterance > 10*time.Minute:
		return fmt.Errorf("vad: max_utterance %v (1s-10m): %w", c.MaxUtterance, ErrBadConfig)
	case c.MinPause < 0 || c.MinPause > c.MinSilence:
		return fmt.Errorf("vad: min_pause %v (0-min_silence): %w", c.MinPause, ErrBadConfig)
	}
	return nil
}

// Turn detects the start and end of a caller's turns from Detector results.
// It keeps per-caller state (the learned pause); use one per call. It is not
// safe for concurrent use.
type Turn struct {
	cfg TurnConfig

	pause time.Duration // learned typical long pause

	inTurn       bool
	speaking     bool          // inside a voice segment
	pendingStart bool          // emit SpeechStart on the next frame (after a cap)
	turnStart    time.Duration // first voiced frame of the turn
	lastVoiced   time.Duration // timestamp of the last voiced frame of the turn
	frameDur     time.Duration
	ended        bool          // a turn ended and no voice since
	endedVoiced  time.Duration // last voiced frame end of that turn
}

// NewTurn returns a Turn. hangover is the Detector's Config.Hangover: the
// turn cannot end sooner than the detector reports silence.
func NewTurn(cfg TurnConfig, hangover time.Duration) (*Turn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MinSilence < hangover {
		return nil, fmt.Errorf("vad: min_silence %v below the detector hangover %v: %w", cfg.MinSilence, hangover, ErrBadConfig)
	}
	return &Turn{cfg: cfg, frameDur: media.FrameDuration}, nil
}

// Wait is the silence that currently ends a turn.
func (t *Turn) Wait() time.Duration {
	return min(t.cfg.MaxSilence, max(t.cfg.MinSilence, t.pause+t.cfg.PauseMargin))
}

// Pause is the learned typical long pause of this caller.
func (t *Turn) Pause() time.Duration { return t.pause }

// Answered tells the Turn the bot has answered the last turn: voice that
// follows is a new turn, not the caller resuming after a pause, so it is not
// learned from.
func (t *Turn) Answered() { t.ended = false }

// InTurn reports whether the caller is mid-turn.
func (t *Turn) InTurn() bool { return t.inTurn }

func (t *Turn) learn(gap time.Duration) {
	if gap < t.cfg.MinPause || gap > t.cfg.MaxSilence {
		return
	}
	a := pauseFall
	if gap > t.pause {
		a = pauseRise
	}
	t.pause += time.Duration(a * float64(gap-t.pause))
}

// Update takes the Detector's result for frame f and returns a SpeechStart
// or SpeechEnd event when one happens on this frame.
func (t *Turn) Update(f media.Frame, r Result) (media.Event, bool) {
	if d := f.Duration(); d > 0 {
		t.frameDur = d
	}
	now := f.End()
	switch r.Event.Kind {
	case media.VoiceStart:
		t.speaking = true
		if t.inTurn {
			t.learn(r.Event.At - (t.lastVoiced + t.frameDur))
		} else {
			if t.ended {
				// The caller went on after we ended the turn: that gap
				// was a pause, and the wait was too short.
				t.learn(r.Event.At - t.endedVoiced)
			}
			t.ended = false
			t.inTurn = true
			t.turnStart = r.Event.At
			t.lastVoiced = f.At
			return media.Event{Kind: media.SpeechStart, At: r.Event.At}, true
		}
	case media.VoiceEnd:
		t.speaking = false
		t.lastVoiced = r.Event.At
	}
	if !t.inTurn {
		if t.ended && now-t.endedVoiced > t.cfg.MaxSilence {
			t.ended = false
		}
		return media.Event{}, false
	}
	if t.pendingStart {
		t.pendingStart = false
		t.turnStart = f.At
		return media.Event{Kind: media.SpeechStart, At: f.At}, true
	}
	if t.speaking && r.Voiced {
		t.lastVoiced = f.At
	}
	end := t.lastVoiced + t.frameDur
	if !t.speaking && now-end >= t.Wait() {
		t.inTurn = false
		t.ended = true
		t.endedVoiced = end
		return media.Event{Kind: media.SpeechEnd, At: t.lastVoiced, Duration: end - t.turnStart}, true
	}
	if now-t.turnStart >= t.cfg.MaxUtterance {
		ev := media.Event{Kind: media.SpeechEnd, At: t.lastVoiced, Duration: end - t.turnStart, Capped: true}
		if t.speaking {
			t.pendingStart = true // the caller talks on: a new turn starts now
		} else {
			t.inTurn = false
		}
		return ev, true
	}
	return media.Event{}, false
}
