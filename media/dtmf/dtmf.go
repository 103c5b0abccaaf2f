// Package dtmf detects keypad digits sent in-band, as tones inside the audio
// (ITU-T Q.23/Q.24: one row tone 697-941 Hz plus one column tone 1209-1633
// Hz), and generates them. Doors that receive digits out of band (RFC 4733
// telephone-events, SIP INFO) make media.Event values directly; this
// package covers recorded calls, test files and gateways that leave tones in
// the audio.
package dtmf

import (
	"fmt"
	"math"
	"time"

	"github.com/callbee/callbee/media"
)

var (
	rows = [4]float64{697, 770, 852, 941}
	cols = [4]float64{1209, 1336, 1477, 1633}
	keys = [4][4]rune{{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}}
)

// Detection thresholds.
const (
	// MinLevelDB: quieter frames (dBFS) are never a digit.
	MinLevelDB = -45.0
	// MinPurity: the row and column tones together must hold this share of
	// the frame's energy (speech and music spread theirs).
	MinPurity = 0.75
	// MaxTwistDB: the row and column tones may differ by at most this much.
	MaxTwistDB = 8.0
	// MinPress: a digit must sound this long (Q.24 asks for 40 ms).
	MinPress = 40 * time.Millisecond
	// MinGap: silence that separates two presses of the same key.
	MinGap = 40 * time.Millisecond
)

// Detector finds digits in a stream of frames at any rate. It is not safe
// for concurrent use.
type Detector struct {
	rate  int
	coef  [8]float64 // Goertzel 2cos(ω) for rows then columns
	cand  rune       // digit seen in the latest frames, 0 for none
	since time.Duration
	held  time.Duration // how long cand has sounded
	gap   time.Duration // how long since a digit sounded
	down  rune          // digit reported and still held
}

// NewDetector returns a Detector.
func NewDetector() *Detector { return &Detector{} }

func (d *Detector) setRate(rate int) {
	d.rate = rate
	for i, f := range append(rows[:], cols[:]...) {
		d.coef[i] = 2 * math.Cos(2*math.Pi*f/float64(rate))
	}
}

// goertzel returns |X(f)|² for the frequency with coefficient c.
func goertzel(s []int16, c float64) float64 {
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// classify returns the digit a frame holds, or 0.
func (d *Detector) classify(s []int16) rune {
	n := float64(len(s))
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	if n == 0 || 10*math.Log10(e/n/(32768*32768)+1e-12) < MinLevelDB {
		return 0
	}
	var p [8]float64
	for i, c := range d.coef {
		p[i] = 2 * goertzel(s, c) / (n * e) // share of the frame's energy
	}
	r, c := 0, 4
	for i := 1; i < 4; i++ {
		if p[i] > p[r] {
			r = i
		}
		if p[4+i] > p[c] {
			c = 4 + i
		}
	}
	if p[r]+p[c] < MinPurity || p[r] == 0 || p[c] == 0 {
		return 0
	}
	if math.Abs(10*math.Log10(p[r]/p[c])) > MaxTwistDB {
		return 0
	}
	return keys[r][c-4]
}

// Process looks at one frame and returns a DTMF event when a key press is
// confirmed (after MinPress); At is when the tone began. A held key is
// reported once.
func (d *Detector) Process(f media.Frame) (media.Event, bool) {
	if f.Rate <= 0 {
		return media.Event{}, false
	}
	if f.Rate != d.rate {
		d.setRate(f.Rate)
	}
	dur := f.Duration()
	k := d.classify(f.Samples)
	if k == 0 {
		d.gap += dur
		d.cand, d.held = 0, 0
		if d.gap >= MinGap {
			d.down = 0
		}
		return media.Event{}, false
	}
	d.gap = 0
	if k != d.cand {
		d.cand, d.since, d.held = k, f.At, 0
	}
	d.held += dur
	if d.held >= MinPress && d.down != k {
		d.down = k
		return media.Event{Kind: media.DTMF, Digit: k, At: d.since}, true
	}
	return media.Event{}, false
}

// Tone returns d of the tone pair for digit at rate Hz, each tone at peak
// amplitude amp (full scale is 32767; -10 dBFS per tone is typical).
func Tone(rate int, digit rune, d time.Duration, amp float64) ([]int16, error) {
	code, err := media.CodeFromDigit(digit)
	if err != nil {
		return nil, err
	}
	if rate <= 0 || rate > media.MaxRate {
		return nil, fmt.Errorf("dtmf: rate %d: %w", rate, media.ErrBadRate)
	}
	digit = rune("0123456789*#ABCD"[code])
	var fr, fc float64
	for r := range keys {
		for c := range keys[r] {
			if keys[r][c] == digit {
				fr, fc = rows[r], cols[c]
			}
		}
	}
	n := int(int64(rate) * int64(d) / int64(time.Second))
	out := make([]int16, n)
	for i := range out {
		t := float64(i) / float64(rate)
		v := amp * (math.Sin(2*math.Pi*fr*t) + math.Sin(2*math.Pi*fc*t))
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out, nil
}
