package mediatest

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/callbee/callbee/media"
)

func count(rate int, d time.Duration) int { return int(int64(rate) * int64(d) / int64(time.Second)) }

func clip(v float64) int16 {
	v = math.Round(v)
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// Sine is a tone of freq Hz and peak amplitude amp.
func Sine(rate int, freq, amp float64, d time.Duration) []int16 {
	out := make([]int16, count(rate, d))
	for i := range out {
		out[i] = clip(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// Sweep is a linear chirp from f0 to f1 Hz.
func Sweep(rate int, f0, f1, amp float64, d time.Duration) []int16 {
	n := count(rate, d)
	out := make([]int16, n)
	T := d.Seconds()
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = clip(amp * math.Sin(2*math.Pi*(f0*t+(f1-f0)*t*t/(2*T))))
	}
	return out
}

// Silence is d of zeros.
func Silence(rate int, d time.Duration) []int16 { return make([]int16, count(rate, d)) }

// Noise is white noise with RMS rms, reproducible from seed.
func Noise(rate int, rms float64, d time.Duration, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]int16, count(rate, d))
	for i := range out {
		out[i] = clip(r.NormFloat64() * rms)
	}
	return out
}

// SpeechLike is noise shaped like speech: a 150 Hz pulse-train "voice"
// plus low-passed noise, amplitude-modulated at a syllable rate of ~4 Hz with
// deep dips, at RMS about rms. Reproducible from seed.
func SpeechLike(rate int, rms float64, d time.Duration, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 0xa11ce))
	n := count(rate, d)
	out := make([]float64, n)
	var lp float64
	f0 := 120 + 60*r.Float64()
	syl := 3.5 + r.Float64()
	phase := 0.0
	for i := range out {
		t := float64(i) / float64(rate)
		phase += 2 * math.Pi * f0 * (1 + 0.1*math.Sin(2*math.Pi*0.7*t)) / float64(rate)
		voice := 0.0
		for h := 1; h <= 12 && float64(h)*f0 < float64(rate)/2; h++ {
			voice += math.Sin(float64(h)*phase) / float64(h)
		}
		lp += 0.3 * (r.NormFloat64() - lp)
		env := 0.5 - 0.5*math.Cos(2*math.Pi*syl*t) // 0..1 syllables
		out[i] = env * (voice + 0.8*lp)
	}
	var sum float64
	for _, v := range out {
		sum += v * v
	}
	g := 1.0
	if sum > 0 {
		g = rms / math.Sqrt(sum/float64(n))
	}
	res := make([]int16, n)
	for i, v := range out {
		res[i] = clip(v * g)
	}
	return res
}

// Concat joins signals.
func Concat(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Mix adds b onto a (in place, saturating) and returns a; b may be shorter.
func Mix(a, b []int16) []int16 {
	for i := range a {
		if i >= len(b) {
			break
		}
		a[i] = clip(float64(a[i]) + float64(b[i]))
	}
	return a
}

// Frames cuts samples into standard frames (the last padded with silence),
// each owning its samples.
func Frames(rate int, samples []int16) []media.Frame {
	n := media.SamplesPerFrame(rate)
	var out []media.Frame
	for i, seq := 0, uint64(0); i < len(samples); i, seq = i+n, seq+1 {
		s := make([]int16, n)
		copy(s, samples[i:])
		out = append(out, media.Frame{Samples: s, Rate: rate, At: media.FrameAt(seq), Seq: seq})
	}
	return out
}

// RMS is the root mean square of s.
func RMS(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

// NewFramesReader is a media.Reader of samples in standard frames.
func NewFramesReader(rate int, samples []int16) media.Reader {
	r, err := media.NewSliceReader(rate, samples)
	if err != nil {
		return media.ReaderFunc(func(context.Context) (media.Frame, error) { return media.Frame{}, err })
	}
	return r
}
