// Package codec converts between media frames and telephone payloads. It
// holds G.711 (ITU-T G.711) μ-law (PCMU, RTP payload type 0) and A-law
// (PCMA, payload type 8), both 8 kHz with one byte per sample (RFC 3551
// section 4.5.14). Encoding is bit-exact with the ITU-T G.191
// reference (g711.c). Opus (RFC 7587) is not here yet: it needs cgo and
// libopus.
package codec

import (
	"fmt"
	"time"

	"github.com/callbee/callbee/media"
)

// G711 is one G.711 companding law. The values PCMU and PCMA are the only
// ones; they are stateless and safe for concurrent use.
type G711 struct {
	name string
	pt   uint8
	enc  func() *[65536]uint8
	dec  func() *[256]int16
}

// The two G.711 laws.
var (
	PCMU = G711{name: "PCMU", pt: 0, enc: ulawEncTable, dec: ulawDecTable}
	PCMA = G711{name: "PCMA", pt: 8, enc: alawEncTable, dec: alawDecTable}
)

// G711Rate is the sample (and RTP clock) rate of G.711.
const G711Rate = media.Rate8k

// ByName returns the law for an SDP encoding name ("PCMU", "PCMA", any case).
func ByName(name string) (G711, error) {
	switch name {
	case "PCMU", "pcmu":
		return PCMU, nil
	case "PCMA", "pcma":
		return PCMA, nil
	}
	return G711{}, fmt.Errorf("codec: %q: %w", name, ErrUnknownCodec)
}

// Name is the SDP encoding name.
func (c G711) Name() string { return c.name }

// PayloadType is the static RTP payload type.
func (c G711) PayloadType() uint8 { return c.pt }

// Rate is the sample rate, G711Rate.
func (c G711) Rate() int { return G711Rate }

// Encode appends the payload for pcm (8 kHz samples) to dst.
func (c G711) Encode(dst []byte, pcm []int16) []byte {
	t := c.enc()
	for _, s := range pcm {
		dst = append(dst, t[uint16(s)])
	}
	return dst
}

// Decode appends the 8 kHz samples of payload to dst.
func (c G711) Decode(dst []int16, payload []byte) []int16 {
	t := c.dec()
	for _, b := range payload {
		dst = append(dst, t[b])
	}
	return dst
}

// EncodeFrame appends f's payload to dst; f must be at 8 kHz.
func (c G711) EncodeFrame(dst []byte, f media.Frame) ([]byte, error) {
	if f.Rate != G711Rate {
		return dst, fmt.Errorf("codec %s: frame at %d Hz: %w", c.name, f.Rate, media.ErrRateMismatch)
	}
	return c.Encode(dst, f.Samples), nil
}

// DecodeFrame decodes payload into an 8 kHz frame stamped with at and seq,
// reusing buf's storage for the samples.
func (c G711) DecodeFrame(buf []int16, payload []byte, at time.Duration, seq uint64) media.Frame {
	return media.Frame{Samples: c.Decode(buf[:0], payload), Rate: G711Rate, At: at, Seq: seq}
}
