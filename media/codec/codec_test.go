package codec

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

func TestKnownValues(t *testing.T) {
	tests := []struct {
		name string
		c    G711
		code uint8
		pcm  int16
	}{
		{"ulaw zero", PCMU, 0xFF, 0},
		{"ulaw smallest positive", PCMU, 0xFE, 8},
		{"ulaw max", PCMU, 0x80, 32124},
		{"ulaw min", PCMU, 0x00, -32124},
		{"alaw +8", PCMA, 0xD5, 8},
		{"alaw -8", PCMA, 0x55, -8},
		{"alaw max", PCMA, 0xAA, 32256},
		{"alaw min", PCMA, 0x2A, -32256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Decode(nil, []byte{tt.code})[0]; got != tt.pcm {
				t.Errorf("decode %#x = %d, want %d", tt.code, got, tt.pcm)
			}
			if got := tt.c.Encode(nil, []int16{tt.pcm})[0]; got != tt.code {
				t.Errorf("encode %d = %#x, want %#x", tt.pcm, got, tt.code)
			}
		})
	}
}

// TestMatchesZaf cross-checks against github.com/zaf/g711, an independent
// implementation: decoding must agree exactly; encoding may differ only on
// ties (both codes equally close) or decision boundaries.
func TestMatchesZaf(t *testing.T) {
	tests := []struct {
		c   G711
		enc func(int16) uint8
		dec func(uint8) int16
	}{{PCMU, g711.EncodeUlawFrame, g711.DecodeUlawFrame}, {PCMA, g711.EncodeAlawFrame, g711.DecodeAlawFrame}}
	for _, tt := range tests {
		t.Run(tt.c.Name(), func(t *testing.T) {
			for code := 0; code < 256; code++ {
				if got, want := tt.c.Decode(nil, []byte{byte(code)})[0], tt.dec(uint8(code)); got != want {
					t.Fatalf("decode %#x = %d, zaf %d", code, got, want)
				}
			}
			bad := 0
			for v := -32768; v <= 32767; v++ {
				got, want := tt.c.Encode(nil, []int16{int16(v)})[0], tt.enc(int16(v))
				if got != want {
					dg, dw := abs(int(tt.dec(got))-v), abs(int(tt.dec(want))-v)
					boundary := want == tt.c.Encode(nil, []int16{int16(max(v-8, -32768))})[0] || want == tt.c.Encode(nil, []int16{int16(min(v+8, 32767))})[0]
					if dg != dw && !boundary {
						t.Fatalf("encode %d = %#x (decodes %d), zaf %#x (decodes %d)", v, got, tt.dec(got), want, tt.dec(want))
					}
					bad++
				}
			}
			if bad > 0 {
				t.Logf("%s: %d of 65536 inputs differ from zaf on a tie or a decision boundary", tt.c.Name(), bad)
			}
		})
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestRoundTripError bounds |x - decode(encode(x))| by half a quantisation
// step of x's segment (G.711 is ~12-13 bit log-PCM: steps double per segment).
func TestRoundTripError(t *testing.T) {
	tests := []struct {
		c G711
		// bound returns the largest allowed error for input magnitude m.
		bound func(m int) int
	}{
		// μ-law: step 8·2^seg on the 16-bit scale, with seg such that m+132 < 256·2^seg(+1); clip at 32124.
		{PCMU, func(m int) int { return max(8, (m+132)/16) }},
		// A-law: step 16 below 512, then 16·2^(seg-1); plus 8 at the clip 32256.
		{PCMA, func(m int) int { return max(16, m/16) }},
	}
	for _, tt := range tests {
		t.Run(tt.c.Name(), func(t *testing.T) {
			worst := 0.0
			for v := -32768; v <= 32767; v++ {
				y := tt.c.Decode(nil, tt.c.Encode(nil, []int16{int16(v)}))[0]
				e := abs(int(y) - v)
				m := abs(v)
				lim := tt.bound(m)
				if m > 32000 {
					lim = max(lim, 32768-32124+8) // clipping region
				}
				if e > lim {
					t.Fatalf("x=%d: decoded %d, error %d > %d", v, y, e, lim)
				}
				if m >= 256 {
					worst = max(worst, float64(e)/float64(m))
				}
			}
			t.Logf("%s: worst relative round-trip error above |x|=256: %.2f%%", tt.c.Name(), 100*worst)
		})
	}
}

func TestSNR(t *testing.T) {
	sig := mediatest.SpeechLike(8000, 3000, time.Second, 3)
	for _, c := range []G711{PCMU, PCMA} {
		y := c.Decode(nil, c.Encode(nil, sig))
		var s, n float64
		for i := range sig {
			d := float64(sig[i]) - float64(y[i])
			s += float64(sig[i]) * float64(sig[i])
			n += d * d
		}
		snr := 10 * log10(s/n)
		t.Logf("%s: SNR on speech-like signal (RMS 3000): %.1f dB", c.Name(), snr)
		if snr < 33 {
			t.Errorf("%s SNR %.1f dB, want >= 33", c.Name(), snr)
		}
	}
}

func TestFrames(t *testing.T) {
	f := mediatest.Frames(8000, mediatest.Sine(8000, 1000, 5000, 20*time.Millisecond))[0]
	p, err := PCMA.EncodeFrame(nil, f)
	if err != nil || len(p) != 160 {
		t.Fatalf("EncodeFrame: %d bytes, %v", len(p), err)
	}
	g := PCMA.DecodeFrame(nil, p, 40*time.Millisecond, 2)
	if err := g.Validate(); err != nil || g.At != 40*time.Millisecond || g.Seq != 2 {
		t.Fatalf("DecodeFrame: %+v %v", g, err)
	}
	f.Rate = 16000
	if _, err := PCMU.EncodeFrame(nil, f); !errors.Is(err, media.ErrRateMismatch) {
		t.Fatalf("16 kHz frame: %v", err)
	}
	for _, n := range []string{"PCMU", "pcma"} {
		if _, err := ByName(n); err != nil {
			t.Errorf("ByName(%q): %v", n, err)
		}
	}
	if _, err := ByName("opus"); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("ByName(opus): %v", err)
	}
}

func BenchmarkG711(b *testing.B) {
	pcm := mediatest.SpeechLike(8000, 3000, media.FrameDuration, 1)
	for _, c := range []G711{PCMU, PCMA} {
		payload := make([]byte, 0, 160)
		out := make([]int16, 0, 160)
		b.Run(c.Name()+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				payload = c.Encode(payload[:0], pcm)
			}
		})
		b.Run(c.Name()+"/decode", func(b *testing.B) {
			payload = c.Encode(payload[:0], pcm)
			b.ReportAllocs()
			for b.Loop() {
				out = c.Decode(out[:0], payload)
			}
		})
	}
}

func log10(x float64) float64 { return math.Log10(x) }

// TestCodeRoundTrip: every code decodes to a value that encodes back to the
// same code, except μ-law's negative zero (0x7F), which is +0 (0xFF).
func TestCodeRoundTrip(t *testing.T) {
	for _, c := range []G711{PCMU, PCMA} {
		for code := 0; code < 256; code++ {
			got := c.Encode(nil, c.Decode(nil, []byte{byte(code)}))[0]
			want := byte(code)
			if c.Name() == "PCMU" && code == 0x7F {
				want = 0xFF
			}
			if got != want {
				t.Errorf("%s: code %#x -> %d -> %#x", c.Name(), code, c.Decode(nil, []byte{byte(code)})[0], got)
			}
		}
	}
}
