package vad

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// dBFS converts a level to an RMS amplitude.
func dBFS(db float64) float64 { return 32768 * math.Pow(10, db/20) }

type span struct{ from, to time.Duration }

func (s span) String() string { return fmt.Sprintf("[%v-%v]", s.from, s.to) }

// part is a piece of a test signal: noise at noiseDB plus, if speech, a
// speech-like burst at speechDB.
type part struct {
	d        time.Duration
	noiseDB  float64
	speechDB float64 // 0: no speech
}

// build synthesises parts and returns the signal and where the speech is.
func build(rate int, parts []part, seed uint64) ([]int16, []span) {
	var sig []int16
	var speech []span
	var at time.Duration
	for i, p := range parts {
		s := mediatest.Noise(rate, dBFS(p.noiseDB), p.d, seed+uint64(i))
		if p.speechDB != 0 {
			mediatest.Mix(s, mediatest.SpeechLike(rate, dBFS(p.speechDB), p.d, seed+100+uint64(i)))
			speech = append(speech, span{at, at + p.d})
		}
		sig = append(sig, s...)
		at += p.d
	}
	return sig, speech
}

// segments runs a Detector over sig and returns its voice segments.
func segments(t *testing.T, rate int, sig []int16) []span {
	t.Helper()
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var out []span
	var open time.Duration = -1
	frames := mediatest.Frames(rate, sig)
	for _, f := range frames {
		r := d.Process(f)
		switch r.Event.Kind {
		case media.VoiceStart:
			open = r.Event.At
		case media.VoiceEnd:
			out = append(out, span{open, r.Event.At + media.FrameDuration})
			open = -1
		}
	}
	if open >= 0 {
		out = append(out, span{open, frames[len(frames)-1].End()})
	}
	return out
}

func overlap(a, b span) time.Duration {
	return max(0, min(a.to, b.to)-max(a.from, b.from))
}

func TestDetector(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name  string
		parts []part
		// falseMax: the longest segment allowed outside speech (a noise step
		// may cause one short segment; barge-in ignores anything shorter
		// than its threshold).
		falseMax time.Duration
	}{
		{"silence", []part{{3 * time.Second, -90, 0}}, 0},
		{"quiet room", []part{{time.Second, -65, 0}, {1200 * ms, -65, -20}, {800 * ms, -65, 0}, {600 * ms, -65, -28}, {time.Second, -65, 0}}, 0},
		{"noisy street", []part{{time.Second, -38, 0}, {1500 * ms, -38, -18}, {time.Second, -38, 0}, {700 * ms, -38, -22}, {time.Second, -38, 0}}, 0},
		{"noise rises then falls", []part{
			{time.Second, -62, 0}, {800 * ms, -62, -22}, {700 * ms, -62, 0},
			{1500 * ms, -35, 0}, {1000 * ms, -35, -16}, {1000 * ms, -35, 0}, // floor up 27 dB
			{1000 * ms, -62, 0}, {700 * ms, -62, -30}, {time.Second, -62, 0}, // and down again
		}, 250 * ms},
		{"speech 10 dB over noise", []part{{time.Second, -40, 0}, {1500 * ms, -40, -30}, {time.Second, -40, 0}}, 0},
		{"noise ramps up 24 dB over 4 s", ramp(-64, -40, 4*time.Second, 0), 250 * ms},
		{"noise bursts (coughs, clicks)", []part{
			{time.Second, -60, 0}, {120 * ms, -20, 0}, {time.Second, -60, 0}, {60 * ms, -15, 0}, {time.Second, -60, 0},
		}, 300 * ms},
	}
	for _, rate := range []int{8000, 16000} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%dHz", tt.name, rate), func(t *testing.T) {
				sig, speech := build(rate, tt.parts, 1)
				segs := segments(t, rate, sig)
				for _, sp := range speech {
					var got time.Duration
					var first *span
					for i, s := range segs {
						if o := overlap(s, sp); o > 0 {
							got += o
							if first == nil {
								first = &segs[i]
							}
						}
					}
					if got < (sp.to-sp.from)*8/10 {
						t.Errorf("speech %v: only %v detected in %v", sp, got, segs)
						continue
					}
					if lag := first.from - sp.from; lag > 80*ms || lag < -80*ms {
						t.Errorf("speech %v: segment starts at %v (%v off)", sp, first.from, lag)
					}
				}
				for _, s := range segs {
					inSpeech := false
					for _, sp := range speech {
						if overlap(s, sp) > 0 {
							inSpeech = true
						}
					}
					if !inSpeech && s.to-s.from > tt.falseMax {
						t.Errorf("false segment %v (%v) outside speech %v", s, s.to-s.from, speech)
					}
				}
				t.Logf("speech %v -> segments %v", speech, segs)
			})
		}
	}
}

// ramp is noise stepping 1 dB at a time from db0 to db1 over d, then speech
// at speechDB for a second over the final noise.
func ramp(db0, db1 float64, d time.Duration, _ int) []part {
	steps := int(math.Abs(db1 - db0))
	var p []part
	for i := 0; i <= steps; i++ {
		p = append(p, part{d / time.Duration(steps), db0 + (db1-db0)*float64(i)/float64(steps), 0})
	}
	return append(p, part{time.Second, db1, db1 + 18}, part{time.Second, db1, 0})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"margin zero", func(c *Config) { c.MarginDB = 0 }, false},
		{"min energy positive", func(c *Config) { c.MinEnergyDB = 3 }, false},
		{"zcr above 1", func(c *Config) { c.NoisyZCR = 2 }, false},
		{"tiny floor window", func(c *Config) { c.FloorWindow = time.Millisecond }, false},
		{"stationary longer than floor", func(c *Config) { c.StationaryWindow = 5 * time.Second }, false},
		{"onset zero", func(c *Config) { c.Onset = 0 }, false},
		{"hangover huge", func(c *Config) { c.Hangover = time.Hour }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(&c)
			_, err := New(c)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadConfig)) {
				t.Fatalf("New = %v, ok want %v", err, tt.ok)
			}
		})
	}
}

func BenchmarkDetector(b *testing.B) {
	for _, rate := range []int{8000, 16000} {
		b.Run(fmt.Sprintf("%dHz", rate), func(b *testing.B) {
			d, _ := New(DefaultConfig())
			frames := mediatest.Frames(rate, mediatest.SpeechLike(rate, 3000, time.Second, 1))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Process(frames[i%len(frames)])
				i++
			}
		})
	}
}

// TestSustained: VoiceSustained marks voice longer than a backchannel, once
// per segment, at 8 and 16 kHz.
func TestSustained(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name  string
		burst time.Duration
		noise bool // a white-noise burst (cough) instead of speech
		want  int
	}{
		{"嗯 150ms", 150 * ms, false, 0},
		{"mhm 250ms", 250 * ms, false, 0},
		{"cough 200ms", 200 * ms, true, 0},
		{"word 450ms", 450 * ms, false, 1},
		{"sentence 2s", 2 * time.Second, false, 1},
	}
	for _, rate := range []int{8000, 16000} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%dHz", tt.name, rate), func(t *testing.T) {
				b := part{tt.burst, -65, -20}
				if tt.noise {
					b = part{tt.burst, -20, 0}
				}
				sig, _ := build(rate, []part{{time.Second, -65, 0}, b, {time.Second, -65, 0}}, 21)
				d, _ := New(DefaultConfig())
				n := 0
				for _, f := range mediatest.Frames(rate, sig) {
					r := d.Process(f)
					if r.Event.Kind == media.VoiceSustained {
						n++
						if r.Event.Duration < DefaultSustained {
							t.Errorf("sustained after %v", r.Event.Duration)
						}
					}
				}
				if n != tt.want {
					t.Fatalf("%d VoiceSustained, want %d", n, tt.want)
				}
			})
		}
	}
}
