// Package opus converts between media frames and Opus packets (RFC 6716),
// as carried in RTP by WebRTC (RFC 7587: payload type dynamic, clock rate
// always 48000 in SDP whatever the internal sample rate). It wraps libopus
// through cgo (github.com/hraban/opus; Debian libopus-dev).
//
// An Encoder turns 20 ms mono frames into one packet each; a Decoder turns
// packets of any legal duration back into samples, and conceals a lost
// packet with the next packet's in-band FEC when it carries some (RFC 6716
// section 2.1.7) or with packet loss concealment otherwise. Encoders and
// decoders hold codec state: one per direction per call, not shared between
// goroutines.
package opus

import (
	"fmt"
	"time"

	"github.com/hraban/opus"

	"github.com/callbee/callbee/media"
)

// Name is the SDP encoding name (RFC 7587 section 7).
const Name = "opus"

// ClockRate is the RTP clock rate of Opus in SDP and RTP timestamps
// (RFC 7587 section 4.1), whatever rate the codec runs at.
const ClockRate = media.Rate48k

// MaxPacketSize bounds an accepted packet: RFC 6716 section 3.2.1 allows at
// most 1275 bytes per frame and 48 frames per packet, but an RTP packet
// fits in one MTU, so anything larger is garbage on the voice path.
const MaxPacketSize = 1500

// maxPacketDuration is the longest packet RFC 6716 allows (section 3.2.5).
const maxPacketDuration = 120 * time.Millisecond

// DefaultBitrate is the encoder's target bitrate: wideband speech at good
// quality (RFC 7587 section 3.1.1 puts wideband speech at 16-20 kb/s;
// fullband voice ~28-40 kb/s).
const DefaultBitrate = 32000

// validRate reports whether libopus runs at rate and it holds standard frames.
func validRate(rate int) bool {
	switch rate {
	case media.Rate8k, 12000, media.Rate16k, 24000, media.Rate48k:
		return true
	}
	return false
}

// Encoder encodes 20 ms mono frames at one rate. Not safe for concurrent use.
type Encoder struct {
	enc  *opus.Encoder
	rate int
	n    int    // samples per frame
	buf  []byte // scratch packet
}

// EncoderOption configures an Encoder.
type EncoderOption func(*encoderConfig) error

type encoderConfig struct {
	bitrate    int
	complexity int
	fecLoss    int // expected loss percent; 0: no in-band FEC
	app        opus.Application
}

// WithBitrate sets the target bitrate in bits per second (6000-510000).
func WithBitrate(bps int) EncoderOption {
	return func(c *encoderConfig) error {
		if bps < 6000 || bps > 510000 {
			return fmt.Errorf("opus: bitrate %d: %w", bps, ErrBadOption)
		}
		c.bitrate = bps
		return nil
	}
}

// WithComplexity sets the encoder's CPU/quality trade-off, 0-10
// (libopus's default is 10; 5 halves the cost with little loss for speech).
func WithComplexity(n int) EncoderOption {
	return func(c *encoderConfig) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("opus: complexity %d: %w", n, ErrBadOption)
		}
		c.complexity = n
		return nil
	}
}

// WithFEC turns on in-band forward error correction tuned for the expected
// packet loss in percent (1-100). A receiver recovers a lost packet from the
// next one (Decoder.Conceal).
func WithFEC(lossPercent int) EncoderOption {
	return func(c *encoderConfig) error {
		if lossPercent < 1 || lossPercent > 100 {
			return fmt.Errorf("opus: fec loss %d%%: %w", lossPercent, ErrBadOption)
		}
		c.fecLoss = lossPercent
		return nil
	}
}

// NewEncoder returns a VoIP-tuned mono encoder for frames at rate (8, 12,
// 16, 24 or 48 kHz).
func NewEncoder(rate int, opts ...EncoderOption) (*Encoder, error) {
	if !validRate(rate) {
		return nil, fmt.Errorf("opus: encoder rate %d: %w", rate, media.ErrBadRate)
	}
	cfg := encoderConfig{bitrate: DefaultBitrate, complexity: 10, app: opus.AppVoIP}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	enc, err := opus.NewEncoder(rate, 1, cfg.app)
	if err != nil {
		return nil, fmt.Errorf("opus: new encoder at %d Hz: %w", rate, err)
	}
	if err := enc.SetBitrate(cfg.bitrate); err != nil {
		return nil, fmt.Errorf("opus: bitrate %d: %w", cfg.bitrate, err)
	}
	if err := enc.SetComplexity(cfg.complexity); err != nil {
		return nil, fmt.Errorf("opus: complexity %d: %w", cfg.complexity, err)
	}
	if cfg.fecLoss > 0 {
		if err := enc.SetInBandFEC(true); err != nil {
			return nil, fmt.Errorf("opus: fec: %w", err)
		}
		if err := enc.SetPacketLossPerc(cfg.fecLoss); err != nil {
			return nil, fmt.Errorf("opus: loss %d%%: %w", cfg.fecLoss, err)
		}
	}
	return &Encoder{enc: enc, rate: rate, n: media.SamplesPerFrame(rate), buf: make([]byte, MaxPacketSize)}, nil
}

// Rate is the sample rate of the frames the encoder takes.
func (e *Encoder) Rate() int { return e.rate }

// EncodeFrame appends the packet for f to dst. f must be a standard frame
// at the encoder's rate.
func (e *Encoder) EncodeFrame(dst []byte, f media.Frame) ([]byte, error) {
	if f.Rate != e.rate {
		return dst, fmt.Errorf("opus: encoder at %d Hz got a %d Hz frame: %w", e.rate, f.Rate, media.ErrRateMismatch)
	}
	if len(f.Samples) != e.n {
		return dst, fmt.Errorf("opus: frame of %d samples at %d Hz: %w", len(f.Samples), f.Rate, media.ErrFrameSize)
	}
	n, err := e.enc.Encode(f.Samples, e.buf)
	if err != nil {
		return dst, fmt.Errorf("opus: encode frame %d: %w", f.Seq, err)
	}
	return append(dst, e.buf[:n]...), nil
}

// Decoder decodes packets into mono samples at one rate. Not safe for
// concurrent use.
type Decoder struct {
	dec  *opus.Decoder
	rate int
	n    int     // samples per 20 ms frame
	buf  []int16 // scratch, maxPacketDuration long
}

// NewDecoder returns a mono decoder producing samples at rate (8, 12, 16,
// 24 or 48 kHz); libopus resamples any packet to it.
func NewDecoder(rate int) (*Decoder, error) {
	if !validRate(rate) {
		return nil, fmt.Errorf("opus: decoder rate %d: %w", rate, media.ErrBadRate)
	}
	dec, err := opus.NewDecoder(rate, 1)
	if err != nil {
		return nil, fmt.Errorf("opus: new decoder at %d Hz: %w", rate, err)
	}
	n := int(int64(rate) * int64(maxPacketDuration) / int64(time.Second))
	return &Decoder{dec: dec, rate: rate, n: media.SamplesPerFrame(rate), buf: make([]int16, n)}, nil
}

// Rate is the sample rate of the decoded samples.
func (d *Decoder) Rate() int { return d.rate }

// Decode appends the samples of one packet (2.5 to 120 ms of audio) to dst.
// Garbage gives an error wrapping ErrBadPayload and leaves dst as it was.
func (d *Decoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	if len(payload) == 0 || len(payload) > MaxPacketSize {
		return dst, fmt.Errorf("opus: packet of %d bytes: %w", len(payload), ErrBadPayload)
	}
	n, err := d.dec.Decode(payload, d.buf)
	if err != nil {
		return dst, fmt.Errorf("opus: decode %d bytes: %w: %w", len(payload), ErrBadPayload, err)
	}
	return append(dst, d.buf[:n]...), nil
}

// DecodeFrame decodes a packet of exactly 20 ms into a frame stamped with
// at and seq, reusing buf's storage for the samples. Packets of another
// duration are an error wrapping media.ErrFrameSize (use Decode and a
// media.Framer for those).
func (d *Decoder) DecodeFrame(buf []int16, payload []byte, at time.Duration, seq uint64) (media.Frame, error) {
	s, err := d.Decode(buf[:0], payload)
	if err != nil {
		return media.Frame{}, err
	}
	if len(s) != d.n {
		return media.Frame{}, fmt.Errorf("opus: packet of %d samples at %d Hz: %w", len(s), d.rate, media.ErrFrameSize)
	}
	return media.Frame{Samples: s, Rate: d.rate, At: at, Seq: seq}, nil
}

// Conceal makes a 20 ms frame for a lost packet. With next (the packet
// after the lost one) it decodes next's in-band FEC copy of the lost audio
// when there is one, otherwise libopus falls back to packet loss
// concealment; with next nil it conceals from the past alone. The caller
// still decodes next itself afterwards.
func (d *Decoder) Conceal(buf []int16, next []byte, at time.Duration, seq uint64) (media.Frame, error) {
	if len(next) > MaxPacketSize {
		return media.Frame{}, fmt.Errorf("opus: packet of %d bytes: %w", len(next), ErrBadPayload)
	}
	out := d.buf[:d.n:d.n] // libopus reads the missing duration from the capacity
	var err error
	if len(next) > 0 {
		err = d.dec.DecodeFEC(next, out)
	} else {
		err = d.dec.DecodePLC(out)
	}
	if err != nil {
		return media.Frame{}, fmt.Errorf("opus: conceal frame %d: %w: %w", seq, ErrBadPayload, err)
	}
	s := append(buf[:0], out...)
	return media.Frame{Samples: s, Rate: d.rate, At: at, Seq: seq}, nil
}
