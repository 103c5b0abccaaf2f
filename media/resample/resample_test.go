package resample

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		in, out int
		opts    []Option
		want    error
	}{
		{"zero in", 0, 8000, nil, media.ErrBadRate},
		{"negative out", 8000, -1, nil, media.ErrBadRate},
		{"too high", 8000, 10_000_000, nil, media.ErrBadRate},
		{"bad attenuation", 8000, 16000, []Option{WithAttenuation(10)}, ErrBadOption},
		{"bad passband", 8000, 16000, []Option{WithPassbandEdge(0.99)}, ErrBadOption},
		{"coprime huge", 191999, 8000, nil, ErrTooComplex},
		{"ok", 8000, 16000, nil, nil},
		{"same rate", 16000, 16000, nil, nil},
		{"44.1k", 44100, 16000, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.in, tt.out, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New(%d, %d) = %v, want %v", tt.in, tt.out, err, tt.want)
			}
		})
	}
}

// fitSine is the least-squares amplitude of a sinusoid at freq in s, and the
// residual RMS after removing it.
func fitSine(s []float64, rate int, freq float64) (amp, residual float64) {
	var ss, cc, sc, ys, yc float64
	for i, y := range s {
		w := 2 * math.Pi * freq * float64(i) / float64(rate)
		si, co := math.Sin(w), math.Cos(w)
		ss += si * si
		cc += co * co
		sc += si * co
		ys += y * si
		yc += y * co
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	var r float64
	for i, y := range s {
		w := 2 * math.Pi * freq * float64(i) / float64(rate)
		e := y - a*math.Sin(w) - b*math.Cos(w)
		r += e * e
	}
	return math.Hypot(a, b), math.Sqrt(r / float64(len(s)))
}

// runTone resamples a tone in 20 ms frames and returns the steady-state output.
func runTone(t *testing.T, in, out int, freq, amp float64) []float64 {
	t.Helper()
	r, err := New(in, out)
	if err != nil {
		t.Fatal(err)
	}
	sig := mediatest.Sine(in, freq, amp, 400*time.Millisecond)
	n := media.SamplesPerFrame(in)
	var y []int16
	for i := 0; i+n <= len(sig); i += n {
		y = r.Process(y, sig[i:i+n])
	}
	skip := int(2*r.Delay().Seconds()*float64(out)) + out/100
	res := make([]float64, 0, len(y)-skip)
	for _, v := range y[skip:] {
		res = append(res, float64(v))
	}
	return res
}

type quality struct {
	rippleDB   float64 // worst |gain| in the passband (0 .. 0.9·Nyquist of the lower rate)
	stopbandDB float64 // worst aliasing/imaging attenuation (positive dB)
}

func measure(t *testing.T, in, out int) quality {
	const amp = 12000.0
	low := float64(min(in, out))
	q := quality{stopbandDB: math.Inf(1)}
	// Passband: stepped sweep of tones; gain and (for upsampling) images.
	for f := 50.0; f <= 0.9*low/2; f += low / 2 / 37 {
		y := runTone(t, in, out, f, amp)
		a, resid := fitSine(y, out, f)
		g := math.Abs(20 * math.Log10(a/amp))
		q.rippleDB = max(q.rippleDB, g)
		if out > in {
			att := -20 * math.Log10(resid/(amp/math.Sqrt2))
			q.stopbandDB = min(q.stopbandDB, att)
		}
	}
	// Stopband (downsampling): every tone from the output Nyquist up to the
	// input Nyquist must vanish instead of aliasing.
	if in > out {
		for f := low / 2; f < float64(in)/2*0.98; f += float64(in) / 2 / 83 {
			y := runTone(t, in, out, f, amp)
			var e float64
			for _, v := range y {
				e += v * v
			}
			rms := math.Sqrt(e / float64(len(y)))
			att := -20 * math.Log10(math.Max(rms, 1e-3)/(amp/math.Sqrt2))
			q.stopbandDB = min(q.stopbandDB, att)
		}
	}
	return q
}

func TestQuality(t *testing.T) {
	pairs := [][2]int{{8000, 16000}, {16000, 8000}, {8000, 48000}, {48000, 8000}, {16000, 48000}, {48000, 16000}, {44100, 16000}, {22050, 8000}}
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%d-%d", p[0], p[1]), func(t *testing.T) {
			if testing.Short() && p[0] == 44100 {
				t.Skip("short")
			}
			q := measure(t, p[0], p[1])
			r, _ := New(p[0], p[1])
			t.Logf("%5d -> %5d Hz: taps %3d, delay %v, passband ripple %.4f dB (to 0.9 Nyquist), aliasing/imaging attenuation %.1f dB",
				p[0], p[1], r.Taps(), r.Delay(), q.rippleDB, q.stopbandDB)
			if q.rippleDB > 0.1 {
				t.Errorf("passband ripple %.4f dB, want < 0.1 dB", q.rippleDB)
			}
			if q.stopbandDB < 60 {
				t.Errorf("stopband attenuation %.1f dB, want > 60 dB", q.stopbandDB)
			}
		})
	}
}

// TestChirpAliasing sends a linear chirp 0-8 kHz through 16 kHz -> 8 kHz:
// while the chirp is above the new Nyquist frequency (4 kHz) the output must
// be silent to within 60 dB.
func TestChirpAliasing(t *testing.T) {
	const amp = 12000.0
	r, err := New(16000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	sig := mediatest.Sweep(16000, 0, 8000, amp, 2*time.Second)
	var y []int16
	for i := 0; i+320 <= len(sig); i += 320 {
		y = r.Process(y, sig[i:i+320])
	}
	// The chirp passes 4.4 kHz at 1.1 s (input); allow for the filter delay.
	from := int((1.1 + r.Delay().Seconds()) * 8000)
	rms := mediatest.RMS(y[from:])
	att := -20 * math.Log10(math.Max(rms, 1e-3)/(amp/math.Sqrt2))
	inBand := mediatest.RMS(y[int(0.2*8000):int(0.8*8000)])
	t.Logf("chirp 0-8 kHz, 16k->8k: in-band RMS %.0f (want %.0f), above-Nyquist part attenuated %.1f dB", inBand, amp/math.Sqrt2, att)
	if att < 60 {
		t.Errorf("chirp aliasing %.1f dB, want > 60", att)
	}
}

func TestStreamingMatchesWhole(t *testing.T) {
	sig := mediatest.SpeechLike(16000, 3000, time.Second, 1)
	whole, _ := New(16000, 8000)
	want := whole.Process(nil, sig)
	r, _ := New(16000, 8000)
	var got []int16
	for i := 0; i < len(sig); i += 7 { // odd chunk sizes
		got = r.Process(got, sig[i:min(i+7, len(sig))])
	}
	if len(got) != len(want) {
		t.Fatalf("len %d, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
		}
	}
}

func TestReaderFramesOneToOne(t *testing.T) {
	tests := []struct{ in, out int }{{8000, 16000}, {16000, 8000}, {48000, 8000}, {8000, 48000}, {44100, 16000}, {16000, 16000}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d", tt.in, tt.out), func(t *testing.T) {
			src, _ := media.NewSliceReader(tt.in, mediatest.Sine(tt.in, 440, 8000, 500*time.Millisecond))
			r, err := NewReader(src, tt.out)
			if err != nil {
				t.Fatal(err)
			}
			var seq uint64
			for {
				f, err := r.ReadFrame(context.Background())
				if err != nil {
					break
				}
				if err := f.Validate(); err != nil {
					t.Fatalf("frame %d: %v", seq, err)
				}
				if f.Seq != seq || f.At != media.FrameAt(seq) {
					t.Fatalf("frame %d has seq %d at %v", seq, f.Seq, f.At)
				}
				seq++
			}
			if seq != 25 {
				t.Fatalf("%d frames, want 25", seq)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	var buf media.Buffer
	w, err := NewWriter(&buf, 8000)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range mediatest.Frames(48000, mediatest.Sine(48000, 1000, 10000, 200*time.Millisecond)) {
		if err := w.WriteFrame(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Rate != 8000 || len(buf.Samples) != 1600 {
		t.Fatalf("got %d samples at %d Hz, want 1600 at 8000", len(buf.Samples), buf.Rate)
	}
}

func BenchmarkFrame(b *testing.B) {
	for _, p := range [][2]int{{8000, 16000}, {16000, 8000}, {48000, 8000}, {8000, 48000}, {48000, 16000}, {16000, 48000}} {
		b.Run(fmt.Sprintf("%d-%d", p[0], p[1]), func(b *testing.B) {
			r, err := New(p[0], p[1])
			if err != nil {
				b.Fatal(err)
			}
			in := mediatest.SpeechLike(p[0], 3000, media.FrameDuration, 1)
			out := make([]int16, 0, media.SamplesPerFrame(p[1])+8)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out = r.Process(out[:0], in)
			}
		})
	}
}
