package opus

import (
	"errors"
	"math"
	"testing"
	"time"

	hopus "github.com/hraban/opus"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// roundTrip encodes samples frame by frame and decodes every packet.
func roundTrip(t testing.TB, rate int, samples []int16, opts ...EncoderOption) (out []int16, packets [][]byte) {
	t.Helper()
	enc, err := NewEncoder(rate, opts...)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(rate)
	if err != nil {
		t.Fatal(err)
	}
	var buf []int16
	for _, f := range mediatest.Frames(rate, samples) {
		p, err := enc.EncodeFrame(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, p)
		g, err := dec.DecodeFrame(buf, p, f.At, f.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if g.Rate != rate || g.Seq != f.Seq || g.At != f.At {
			t.Fatalf("decoded frame %+v, want rate %d seq %d at %v", g, rate, f.Seq, f.At)
		}
		out = append(out, g.Samples...)
	}
	return out, packets
}

// alignedSNR finds the codec delay (0-20 ms) that best aligns out with in
// and returns the SNR in dB over the middle of the signal, and the delay.
func alignedSNR(in, out []int16, rate int) (float64, int) {
	maxLag := rate / 50
	start, end := rate/10, len(in)-maxLag-rate/10 // skip the codec's start-up
	best, bestLag := math.Inf(-1), 0
	for lag := 0; lag <= maxLag; lag++ {
		var sig, noise float64
		for i := start; i < end; i++ {
			x, y := float64(in[i]), float64(out[i+lag])
			sig += x * x
			noise += (x - y) * (x - y)
		}
		if snr := 10 * math.Log10(sig/max(noise, 1e-9)); snr > best {
			best, bestLag = snr, lag
		}
	}
	return best, bestLag
}

func TestRoundTrip(t *testing.T) {
	const d = time.Second
	tests := []struct {
		name   string
		rate   int
		signal func(rate int) []int16
		// minSNR is the waveform SNR after aligning the codec delay. Opus is
		// perceptual: noise-like parts are coded by their spectrum, not
		// their waveform, so speech-like signals keep their level but score
		// a low waveform SNR (~5 dB measured at 32 kb/s).
		minSNR  float64
		maxGain float64 // |level change| in dB
	}{
		{"48k tone", media.Rate48k, func(r int) []int16 { return mediatest.Sine(r, 440, 8000, d) }, 18, 1},
		{"16k tone", media.Rate16k, func(r int) []int16 { return mediatest.Sine(r, 440, 8000, d) }, 30, 1},
		{"8k tone", media.Rate8k, func(r int) []int16 { return mediatest.Sine(r, 440, 8000, d) }, 28, 1},
		{"48k sweep", media.Rate48k, func(r int) []int16 { return mediatest.Sweep(r, 200, 3400, 8000, d) }, 12, 1.5},
		{"16k speech-like", media.Rate16k, func(r int) []int16 { return mediatest.SpeechLike(r, 3000, d, 1) }, 3, 1},
		{"48k speech-like", media.Rate48k, func(r int) []int16 { return mediatest.SpeechLike(r, 3000, d, 2) }, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.signal(tt.rate)
			out, packets := roundTrip(t, tt.rate, in)
			if len(out) != len(in) {
				t.Fatalf("decoded %d samples, want %d", len(out), len(in))
			}
			snr, lag := alignedSNR(in, out, tt.rate)
			gain := 20 * math.Log10(mediatest.RMS(out[tt.rate/10:])/mediatest.RMS(in[tt.rate/10:]))
			bytes := 0
			for _, p := range packets {
				bytes += len(p)
			}
			t.Logf("SNR %.1f dB at delay %d samples, level %+.2f dB, %.1f kb/s", snr, lag, gain, float64(bytes*8)/d.Seconds()/1000)
			if snr < tt.minSNR {
				t.Errorf("SNR %.1f dB, want >= %.0f", snr, tt.minSNR)
			}
			if math.Abs(gain) > tt.maxGain {
				t.Errorf("level changed %+.2f dB, want within %.1f", gain, tt.maxGain)
			}
		})
	}
}

// TestSilenceStaysQuiet: silence in, (near) silence out.
func TestSilenceStaysQuiet(t *testing.T) {
	out, _ := roundTrip(t, media.Rate48k, mediatest.Silence(media.Rate48k, 500*time.Millisecond))
	if rms := mediatest.RMS(out); rms > 2 {
		t.Errorf("silence decoded with RMS %.1f", rms)
	}
}

func TestEncoderErrors(t *testing.T) {
	enc, err := NewEncoder(media.Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    media.Frame
		want error
	}{
		{"wrong rate", media.Frame{Samples: make([]int16, 320), Rate: media.Rate16k}, media.ErrRateMismatch},
		{"short frame", media.Frame{Samples: make([]int16, 480), Rate: media.Rate48k}, media.ErrFrameSize},
		{"empty frame", media.Frame{Rate: media.Rate48k}, media.ErrFrameSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{1, 2}
			got, err := enc.EncodeFrame(dst, tt.f)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(got) != 2 {
				t.Errorf("dst changed on error: %v", got)
			}
		})
	}
}

func TestConstructorErrors(t *testing.T) {
	tests := []struct {
		name string
		new  func() error
		want error
	}{
		{"encoder 44.1k", func() error { _, err := NewEncoder(44100); return err }, media.ErrBadRate},
		{"decoder 0", func() error { _, err := NewDecoder(0); return err }, media.ErrBadRate},
		{"decoder 32k", func() error { _, err := NewDecoder(32000); return err }, media.ErrBadRate},
		{"bitrate low", func() error { _, err := NewEncoder(media.Rate48k, WithBitrate(100)); return err }, ErrBadOption},
		{"complexity 11", func() error { _, err := NewEncoder(media.Rate48k, WithComplexity(11)); return err }, ErrBadOption},
		{"fec 0", func() error { _, err := NewEncoder(media.Rate48k, WithFEC(0)); return err }, ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.new(); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodeGarbage(t *testing.T) {
	dec, err := NewDecoder(media.Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"oversized", make([]byte, MaxPacketSize+1)},
		// TOC code 3 (arbitrary frame count) with a count byte of 0 frames:
		// RFC 6716 section 3.2.5 forbids M = 0.
		{"code 3 zero frames", []byte{0x03, 0x00}},
		// code 3 asking for 48 frames of 20 ms (960 ms > 120 ms).
		{"code 3 too long", []byte{0x03 | 0x08<<3, 48}},
		// code 2 (two frames, explicit first length) whose length overruns the packet.
		{"code 2 overrun", []byte{0x02, 200, 1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []int16{7}
			got, err := dec.Decode(dst, tt.payload)
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("err = %v, want ErrBadPayload", err)
			}
			if len(got) != 1 || got[0] != 7 {
				t.Errorf("dst changed on error: %v", got)
			}
			if _, err := dec.DecodeFrame(nil, tt.payload, 0, 0); !errors.Is(err, ErrBadPayload) {
				t.Errorf("DecodeFrame err = %v, want ErrBadPayload", err)
			}
		})
	}
}

// TestDecodeOtherDurations: a 40 ms packet decodes with Decode but is not a
// standard frame for DecodeFrame.
func TestDecodeOtherDurations(t *testing.T) {
	raw, err := hopus.NewEncoder(media.Rate48k, 1, hopus.AppVoIP)
	if err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, MaxPacketSize)
	n, err := raw.Encode(mediatest.Sine(media.Rate48k, 440, 8000, 40*time.Millisecond), pkt)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(media.Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dec.Decode(nil, pkt[:n])
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 640 {
		t.Errorf("40 ms packet decoded to %d samples at 16 kHz, want 640", len(s))
	}
	if _, err := dec.DecodeFrame(nil, pkt[:n], 0, 0); !errors.Is(err, media.ErrFrameSize) {
		t.Errorf("DecodeFrame of a 40 ms packet: err = %v, want ErrFrameSize", err)
	}
}

// TestConceal drops one packet of speech-like audio and recovers it with
// FEC from the next packet and with PLC alone; FEC must come closer to the
// original than PLC, and both closer than silence would.
func TestConceal(t *testing.T) {
	const rate = media.Rate16k
	in := mediatest.SpeechLike(rate, 4000, 2*time.Second, 3)
	_, packets := roundTrip(t, rate, in, WithFEC(20), WithBitrate(24000))
	n := media.SamplesPerFrame(rate)
	// errAt decodes every packet except lost ones (recovered with conceal),
	// and returns the error energy of the lost frames against a clean decode.
	clean, _ := roundTrip(t, rate, in, WithFEC(20), WithBitrate(24000))
	lossy := func(useFEC bool) (errEnergy, sigEnergy float64) {
		dec, err := NewDecoder(rate)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range packets {
			lost := i > 10 && i%7 == 0
			if !lost {
				f, err := dec.DecodeFrame(nil, p, media.FrameAt(uint64(i)), uint64(i))
				if err != nil {
					t.Fatal(err)
				}
				_ = f
				continue
			}
			var next []byte
			if useFEC && i+1 < len(packets) {
				next = packets[i+1]
			}
			f, err := dec.Conceal(nil, next, media.FrameAt(uint64(i)), uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Samples) != n || f.Seq != uint64(i) || f.Rate != rate {
				t.Fatalf("concealed frame: %d samples seq %d rate %d", len(f.Samples), f.Seq, f.Rate)
			}
			for j, y := range f.Samples {
				x := float64(clean[i*n+j])
				errEnergy += (x - float64(y)) * (x - float64(y))
				sigEnergy += x * x
			}
		}
		return errEnergy, sigEnergy
	}
	fecErr, sig := lossy(true)
	plcErr, _ := lossy(false)
	fecSNR, plcSNR := 10*math.Log10(sig/fecErr), 10*math.Log10(sig/plcErr)
	t.Logf("lost frames vs clean decode: FEC %.1f dB, PLC %.1f dB", fecSNR, plcSNR)
	if fecSNR <= plcSNR {
		t.Errorf("FEC (%.1f dB) not better than PLC (%.1f dB)", fecSNR, plcSNR)
	}
	if plcSNR <= 0 {
		t.Errorf("PLC %.1f dB: no better than silence", plcSNR)
	}
}

func TestConcealRejectsOversized(t *testing.T) {
	dec, err := NewDecoder(media.Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Conceal(nil, make([]byte, MaxPacketSize+1), 0, 0); !errors.Is(err, ErrBadPayload) {
		t.Fatalf("err = %v, want ErrBadPayload", err)
	}
}

func FuzzDecode(f *testing.F) {
	_, packets := roundTrip(f, media.Rate48k, mediatest.SpeechLike(media.Rate48k, 3000, 200*time.Millisecond, 4))
	for _, p := range packets[:3] {
		f.Add(p)
	}
	f.Add([]byte{0x03, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff})
	dec, err := NewDecoder(media.Rate48k)
	if err != nil {
		f.Fatal(err)
	}
	maxSamples := int(int64(media.Rate48k) * int64(maxPacketDuration) / int64(time.Second))
	f.Fuzz(func(t *testing.T, payload []byte) {
		s, err := dec.Decode(nil, payload)
		if err != nil {
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("error %v does not wrap ErrBadPayload", err)
			}
			if len(s) != 0 {
				t.Fatalf("%d samples with an error", len(s))
			}
			return
		}
		if len(s) == 0 || len(s) > maxSamples {
			t.Fatalf("decoded %d samples", len(s))
		}
		if _, err := dec.Conceal(nil, payload, 0, 0); err != nil && !errors.Is(err, ErrBadPayload) {
			t.Fatalf("conceal error %v does not wrap ErrBadPayload", err)
		}
	})
}

func BenchmarkEncodeFrame(b *testing.B) {
	for _, tc := range []struct {
		name string
		rate int
		opts []EncoderOption
	}{
		{"48k", media.Rate48k, nil},
		{"16k", media.Rate16k, nil},
		{"48k complexity 5 fec", media.Rate48k, []EncoderOption{WithComplexity(5), WithFEC(5)}},
	} {
		rate := tc.rate
		b.Run(tc.name, func(b *testing.B) {
			enc, err := NewEncoder(rate, tc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			frames := mediatest.Frames(rate, mediatest.SpeechLike(rate, 3000, time.Second, 5))
			dst := make([]byte, 0, MaxPacketSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := enc.EncodeFrame(dst[:0], frames[i%len(frames)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeFrame(b *testing.B) {
	for _, rate := range []int{media.Rate48k, media.Rate16k} {
		b.Run(rateName(rate), func(b *testing.B) {
			_, packets := roundTrip(b, rate, mediatest.SpeechLike(rate, 3000, time.Second, 6))
			dec, err := NewDecoder(rate)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]int16, media.SamplesPerFrame(rate))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := dec.DecodeFrame(buf, packets[i%len(packets)], 0, uint64(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func rateName(rate int) string {
	switch rate {
	case media.Rate48k:
		return "48k"
	case media.Rate16k:
		return "16k"
	}
	return "other"
}
