// Package resample converts mono PCM16 between sample rates (8, 16, 48 kHz
// and any rational ratio) with a polyphase windowed-sinc FIR filter that
// removes what would alias (downsampling) or image (upsampling).
//
// Design: the prototype low-pass filter runs at in·L (out/in = L/M reduced),
// its passband ends at PassbandEdge of the lower rate's Nyquist frequency and
// its stopband begins at that Nyquist frequency, Kaiser-windowed for the
// requested stopband attenuation (DefaultAttenuationDB). Only the L phases
// that produce output samples are evaluated, each a K-tap dot product over
// the input history, so state carries across frames and a stream of 20 ms
// frames resamples exactly as the whole signal would. The filter delays the
// signal by Delay(); frame timestamps are passed through unchanged.
package resample

import (
	"fmt"
	"math"
	"time"

	"github.com/callbee/callbee/media"
)

// Defaults for the prototype filter.
const (
	// DefaultAttenuationDB is the designed stopband attenuation.
	DefaultAttenuationDB = 80.0
	// DefaultPassbandEdge is where the passband ends, as a fraction of the
	// lower rate's Nyquist frequency; the stopband starts at 1.0.
	DefaultPassbandEdge = 0.9
)

// maxTableSize bounds the prototype filter (L·K coefficients) so that odd
// rate pairs cannot ask for an enormous table.
const maxTableSize = 1 << 20

// Option configures a Resampler.
type Option func(*config) error

type config struct {
	attenuation float64
	passband    float64
}

// WithAttenuation sets the stopband attenuation in dB (40-140).
func WithAttenuation(db float64) Option {
	return func(c *config) error {
		if db < 40 || db > 140 || math.IsNaN(db) {
			return fmt.Errorf("resample: attenuation %v dB: %w", db, ErrBadOption)
		}
		c.attenuation = db
		return nil
	}
}

// WithPassbandEdge sets where the passband ends as a fraction (0.5-0.98) of
// the lower rate's Nyquist frequency. Higher means more taps.
func WithPassbandEdge(frac float64) Option {
	return func(c *config) error {
		if frac < 0.5 || frac > 0.98 || math.IsNaN(frac) {
			return fmt.Errorf("resample: passband edge %v: %w", frac, ErrBadOption)
		}
		c.passband = frac
		return nil
	}
}

// Resampler converts one stream from In to Out Hz. It keeps filter state
// between calls; it is not safe for concurrent use.
type Resampler struct {
	in, out int
	l, m    int         // out/in = l/m, reduced
	k       int         // taps per phase
	phases  [][]float32 // phases[p][j] = h[p+(k-1-j)·l], ready for a dot product with the input window
	delay   time.Duration

	buf []float32 // k-1 samples of history, then pending input
	t   int       // upsampled-domain index of the next output, relative to buf[k-1]
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// New returns a Resampler from inRate to outRate Hz.
func New(inRate, outRate int, opts ...Option) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 || inRate > media.MaxRate || outRate > media.MaxRate {
		return nil, fmt.Errorf("resample: %d Hz to %d Hz: %w", inRate, outRate, media.ErrBadRate)
	}
	cfg := config{attenuation: DefaultAttenuationDB, passband: DefaultPassbandEdge}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	g := gcd(inRate, outRate)
	r := &Resampler{in: inRate, out: outRate, l: outRate / g, m: inRate / g}
	if r.l == 1 && r.m == 1 {
		return r, nil
	}
	low := float64(min(inRate, outRate))
	up := float64(inRate) * float64(r.l)
	fp := cfg.passband * low / 2
	fs := low / 2
	fc := (fp + fs) / 2 / up // normalised cutoff (cycles per upsampled sample)
	dw := 2 * math.Pi * (fs - fp) / up
	a := cfg.attenuation
	n := int(math.Ceil((a-8)/(2.285*dw))) + 1
	r.k = (n + r.l - 1) / r.l
	if r.k < 2 {
		r.k = 2
	}
	n = r.k * r.l
	if n > maxTableSize {
		return nil, fmt.Errorf("resample: %d Hz to %d Hz needs %d taps: %w", inRate, outRate, n, ErrTooComplex)
	}
	beta := 0.1102 * (a - 8.7)
	if a < 50 {
		beta = 0.5842*math.Pow(a-21, 0.4) + 0.07886*(a-21)
	}
	h := make([]float64, n)
	mid := float64(n-1) / 2
	i0b := bessel0(beta)
	var sum float64
	for i := range h {
		x := float64(i) - mid
		w := bessel0(beta*math.Sqrt(max(0, 1-(x/mid)*(x/mid)))) / i0b
		h[i] = 2 * fc * sinc(2*fc*x) * w
		sum += h[i]
	}
	scale := float64(r.l) / sum // unity DC gain at the output rate
	r.phases = make([][]float32, r.l)
	for p := range r.phases {
		ph := make([]float32, r.k)
		for j := range ph {
			ph[j] = float32(h[p+(r.k-1-j)*r.l] * scale)
		}
		r.phases[p] = ph
	}
	r.delay = time.Duration(mid / up * float64(time.Second))
	r.Reset()
	return r, nil
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// bessel0 is the zeroth-order modified Bessel function of the first kind.
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / 2) / float64(k)
		sum += term * term
		if term*term < sum*1e-17 {
			break
		}
	}
	return sum
}

// InRate is the input sample rate.
func (r *Resampler) InRate() int { return r.in }

// OutRate is the output sample rate.
func (r *Resampler) OutRate() int { return r.out }

// Taps is the number of filter taps evaluated per output sample (0 when the
// rates are equal).
func (r *Resampler) Taps() int { return r.k }

// Delay is the filter's group delay: output lags input by this much.
func (r *Resampler) Delay() time.Duration { return r.delay }

// Reset forgets the stream history.
func (r *Resampler) Reset() {
	if r.k == 0 {
		return
	}
	r.buf = append(r.buf[:0], make([]float32, r.k-1)...)
	r.t = 0
}

// Process resamples src (the next samples of the stream) and appends the
// output to dst. For standard frames at rates with whole 20 ms frames, each
// input frame yields exactly one output frame's worth of samples.
func (r *Resampler) Process(dst, src []int16) []int16 {
	if r.k == 0 {
		return append(dst, src...)
	}
	for _, v := range src {
		r.buf = append(r.buf, float32(v))
	}
	k, l, m := r.k, r.l, r.m
	for {
		start := r.t / l // window is buf[start : start+k]
		if start+k > len(r.buf) {
			break
		}
		dst = append(dst, toInt16(dot(r.phases[r.t%l], r.buf[start:start+k])))
		r.t += m
	}
	drop := r.t / l
	if drop > len(r.buf) {
		drop = len(r.buf)
	}
	n := copy(r.buf, r.buf[drop:])
	r.buf = r.buf[:n]
	r.t -= drop * l
	return dst
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func toInt16(v float32) int16 {
	if v >= 32767 {
		return 32767
	}
	if v <= -32768 {
		return -32768
	}
	if v < 0 {
		return int16(v - 0.5)
	}
	return int16(v + 0.5)
}
