// Package vad finds the caller's voice in a stream of media frames and
// decides when a caller's turn has ended.
//
// Detector classifies each frame as voiced or not from its energy against an
// adaptive noise floor and its zero-crossing rate, and joins voiced frames
// into segments (media.VoiceStart / media.VoiceEnd events) with an onset
// delay and a hangover. A segment voiced for at least Sustained (longer than
// a backchannel "嗯"/"mhm" or a cough) also reports media.VoiceSustained,
// which playout takes as barge-in. It works at any frame rate (8 and 16 kHz
// tested).
// The noise floor is the minimum frame energy over FloorWindow, so it follows
// falling noise at once; rising noise is caught by a stationarity test (frame
// energy steady for StationaryWindow means noise, not speech) and adopted
// immediately instead of waiting for the window to pass.
//
// Turn (turn.go) turns segments into caller turns (media.SpeechStart /
// media.SpeechEnd) and learns how long each caller pauses mid-sentence.
// Everything runs on frame timestamps: no wall clock, no goroutines.
package vad

import (
	"fmt"
	"math"
	"time"

	"github.com/callbee/callbee/media"
)

// Config tunes the Detector. Start from DefaultConfig.
type Config struct {
	// MarginDB: a frame is voiced when its energy is this far above the floor.
	MarginDB float64 `yaml:"margin_db"`
	// MinEnergyDB: frames quieter than this (dBFS) are never voiced.
	MinEnergyDB float64 `yaml:"min_energy_db"`
	// NoisyZCR: frames crossing zero more often than this (crossings per
	// sample) look like hiss and need StrongDB more energy to count.
	NoisyZCR float64 `yaml:"noisy_zcr"`
	// StrongDB: extra margin for noise-like (high zero-crossing) frames.
	StrongDB float64 `yaml:"strong_db"`
	// FloorWindow: the noise floor is the quietest frame in this window.
	FloorWindow time.Duration `yaml:"floor_window"`
	// StationaryWindow and StationaryDB: when frame energies stay within
	// StationaryDB of each other for StationaryWindow, that level is noise.
	StationaryWindow time.Duration `yaml:"stationary_window"`
	StationaryDB     float64       `yaml:"stationary_db"`
	// Onset: voiced frames in a row needed to start a segment.
	Onset time.Duration `yaml:"onset"`
	// Hangover: unvoiced time that ends a segment.
	Hangover time.Duration `yaml:"hangover"`
	// Sustained: a segment whose voiced span (first to end of last voiced
	// frame, hangover excluded) reaches this emits media.VoiceSustained: the
	// caller is talking, not backchannelling or coughing.
	Sustained time.Duration `yaml:"sustained"`
}

// Defaults, referred to by name from docs.
const (
	DefaultMarginDB         = 9.0
	DefaultMinEnergyDB      = -60.0
	DefaultNoisyZCR         = 0.35
	DefaultStrongDB         = 12.0
	DefaultFloorWindow      = 2 * time.Second
	DefaultStationaryWindow = 200 * time.Millisecond
	DefaultStationaryDB     = 3.0
	DefaultOnset            = 40 * time.Millisecond
	DefaultHangover         = 160 * time.Millisecond
	DefaultSustained        = 300 * time.Millisecond
)

// DefaultConfig returns the defaults above.
func DefaultConfig() Config {
	return Config{
		MarginDB:         DefaultMarginDB,
		MinEnergyDB:      DefaultMinEnergyDB,
		NoisyZCR:         DefaultNoisyZCR,
		StrongDB:         DefaultStrongDB,
		FloorWindow:      DefaultFloorWindow,
		StationaryWindow: DefaultStationaryWindow,
		StationaryDB:     DefaultStationaryDB,
		Onset:            DefaultOnset,
		Hangover:         DefaultHangover,
		Sustained:        DefaultSustained,
	}
}

// Validate checks ranges.
func (c Config) Validate() error {
	switch {
	case c.MarginDB < 1 || c.MarginDB > 40:
		return fmt.Errorf("vad: margin_db %v (1-40): %w", c.MarginDB, ErrBadConfig)
	case c.MinEnergyDB < -100 || c.MinEnergyDB > -10:
		return fmt.Errorf("vad: min_energy_db %v (-100 to -10): %w", c.MinEnergyDB, ErrBadConfig)
	case c.NoisyZCR <= 0 || c.NoisyZCR > 1:
		return fmt.Errorf("vad: noisy_zcr %v (0-1): %w", c.NoisyZCR, ErrBadConfig)
	case c.StrongDB < 0 || c.StrongDB > 40:
		return fmt.Errorf("vad: strong_db %v (0-40): %w", c.StrongDB, ErrBadConfig)
	case c.FloorWindow < 200*time.Millisecond || c.FloorWindow > time.Minute:
		return fmt.Errorf("vad: floor_window %v (200ms-1m): %w", c.FloorWindow, ErrBadConfig)
	case c.StationaryWindow < 100*time.Millisecond || c.StationaryWindow > c.FloorWindow:
		return fmt.Errorf("vad: stationary_window %v (100ms-floor_window): %w", c.StationaryWindow, ErrBadConfig)
	case c.StationaryDB <= 0 || c.StationaryDB > 20:
		return fmt.Errorf("vad: stationary_db %v (0-20): %w", c.StationaryDB, ErrBadConfig)
	case c.Onset < media.FrameDuration || c.Onset > time.Second:
		return fmt.Errorf("vad: onset %v (20ms-1s): %w", c.Onset, ErrBadConfig)
	case c.Hangover < media.FrameDuration || c.Hangover > 2*time.Second:
		return fmt.Errorf("vad: hangover %v (20ms-2s): %w", c.Hangover, ErrBadConfig)
	case c.Sustained <= c.Onset || c.Sustained > 5*time.Second:
		return fmt.Errorf("vad: sustained %v (above onset, at most 5s): %w", c.Sustained, ErrBadConfig)
	}
	return nil
}

// Result is the Detector's view of one frame.
type Result struct {
	Voiced   bool    // this frame, on its own, looks like voice
	Speaking bool    // inside a voice segment (after onset, through hangover)
	EnergyDB float64 // frame energy, dBFS
	FloorDB  float64 // noise floor estimate, dBFS
	ZCR      float64 // zero crossings per sample
	// Event is a VoiceStart, VoiceSustained or VoiceEnd this frame produced
	// (Kind 0 if none).
	Event media.Event
}

// Detector is a streaming voice activity detector for one caller. It is not
// safe for concurrent use.
type Detector struct {
	cfg Config

	hist     []float64 // ring of recent frame energies (dB) for the floor
	histPos  int
	histFull bool
	stat     int // frames needed for the stationarity test

	speaking   bool
	run        int           // voiced frames in a row (while not speaking)
	runStart   time.Duration // first voiced frame of the run
	segStart   time.Duration // first voiced frame of the segment
	lastVoiced time.Duration // timestamp of the latest voiced frame
	silentFor  time.Duration // unvoiced time since lastVoiced (while speaking)
	sustained  bool          // VoiceSustained sent for this segment
}

// New returns a Detector.
func New(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := int(cfg.FloorWindow / media.FrameDuration)
	return &Detector{
		cfg:  cfg,
		hist: make([]float64, n),
		stat: int(cfg.StationaryWindow / media.FrameDuration),
	}, nil
}

// Floor is the current noise floor estimate in dBFS.
func (d *Detector) Floor() float64 { return d.floor() }

func (d *Detector) floor() float64 {
	n := d.histPos
	if d.histFull {
		n = len(d.hist)
	}
	if n == 0 {
		return d.cfg.MinEnergyDB - d.cfg.MarginDB
	}
	m := math.Inf(1)
	for _, e := range d.hist[:n] {
		m = min(m, e)
	}
	return m
}

// recent returns the energy k frames ago (0 = newest).
func (d *Detector) recent(k int) float64 {
	i := d.histPos - 1 - k
	for i < 0 {
		i += len(d.hist)
	}
	return d.hist[i]
}

func (d *Detector) push(e float64) {
	d.hist[d.histPos] = e
	d.histPos++
	if d.histPos == len(d.hist) {
		d.histPos = 0
		d.histFull = true
	}
}

func (d *Detector) filled() int {
	if d.histFull {
		return len(d.hist)
	}
	return d.histPos
}

// stationary reports whether the last stat frames stayed within
// StationaryDB, and their mean.
func (d *Detector) stationary() (bool, float64) {
	if d.filled() < d.stat {
		return false, 0
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for k := 0; k < d.stat; k++ {
		e := d.recent(k)
		lo, hi, sum = min(lo, e), max(hi, e), sum+e
	}
	return hi-lo <= d.cfg.StationaryDB, sum / float64(d.stat)
}

// features returns energy (dBFS, DC removed) and zero-crossing rate.
func features(s []int16) (energyDB, zcr float64) {
	if len(s) == 0 {
		return -100, 0
	}
	var mean float64
	for _, v := range s {
		mean += float64(v)
	}
	mean /= float64(len(s))
	var sum float64
	crossings := 0
	prev := float64(s[0]) - mean
	for _, v := range s {
		x := float64(v) - mean
		sum += x * x
		if (x >= 0) != (prev >= 0) {
			crossings++
		}
		prev = x
	}
	p := sum / float64(len(s)) / (32768 * 32768)
	energyDB = 10 * math.Log10(p+1e-10)
	return energyDB, float64(crossings) / float64(len(s))
}

// Process classifies one frame. Frames must come in stream order.
func (d *Detector) Process(f media.Frame) Result {
	e, zcr := features(f.Samples)
	floor := d.floor()
	voiced := e >= d.cfg.MinEnergyDB && e >= floor+d.cfg.MarginDB
	if voiced && zcr > d.cfg.NoisyZCR && e < floor+d.cfg.MarginDB+d.cfg.StrongDB {
		voiced = false
	}
	d.push(e)
	if ok, level := d.stationary(); ok && level > floor+d.cfg.StationaryDB {
		// A steady level well above the floor is noise that rose: adopt it.
		for i := range d.hist {
			d.hist[i] = level
		}
		voiced = false
	}
	r := Result{Voiced: voiced, EnergyDB: e, FloorDB: d.floor(), ZCR: zcr}
	d.step(f, voiced, &r)
	r.Speaking = d.speaking
	return r
}

// step runs the segment state machine.
func (d *Detector) step(f media.Frame, voiced bool, r *Result) {
	dur := f.Duration()
	if !d.speaking {
		if !voiced {
			d.run = 0
			return
		}
		if d.run == 0 {
			d.runStart = f.At
		}
		d.run++
		d.lastVoiced = f.At
		d.silentFor = 0
		if time.Duration(d.run)*dur >= d.cfg.Onset {
			d.speaking = true
			d.sustained = false
			d.segStart = d.runStart
			d.run = 0
			r.Event = media.Event{Kind: media.VoiceStart, At: d.runStart}
		}
		return
	}
	if voiced {
		d.lastVoiced = f.At
		d.silentFor = 0
		if span := f.At + dur - d.segStart; !d.sustained && span >= d.cfg.Sustained {
			d.sustained = true
			r.Event = media.Event{Kind: media.VoiceSustained, At: f.At, Duration: span}
		}
		return
	}
	d.silentFor += dur
	if d.silentFor >= d.cfg.Hangover {
		d.speaking = false
		r.Event = media.Event{Kind: media.VoiceEnd, At: d.lastVoiced, Duration: d.lastVoiced + dur - d.segStart}
	}
}
