package sip

import (
	"encoding/binary"
	"fmt"
)

// rtpHeaderSize is the fixed part of an RTP header (RFC 3550 section 5.1).
const rtpHeaderSize = 12

// rtpMaxPacket bounds the datagrams read from an RTP socket.
const rtpMaxPacket = 1500

// rtpPacket is a parsed RTP packet; Payload aliases the datagram.
type rtpPacket struct {
	Marker    bool
	PT        uint8
	Seq       uint16
	Timestamp uint32
	SSRC      uint32
	Payload   []byte
}

// parseRTP parses an RTP datagram (RFC 3550 section 5.1: version 2, CSRC
// list, header extension of section 5.3.1, padding) without allocating.
// It rejects anything that is not a well-formed version 2 packet with a
// payload; RTCP sent to the RTP port (payload types 72-76 with the marker,
// RFC 5761 section 4) is rejected as well.
func parseRTP(b []byte, p *rtpPacket) error {
	if len(b) < rtpHeaderSize {
		return fmt.Errorf("rtp: %d bytes: %w", len(b), errShortRTP)
	}
	if v := b[0] >> 6; v != 2 {
		return fmt.Errorf("rtp: version %d: %w", v, errBadRTP)
	}
	padding := b[0]&0x20 != 0
	ext := b[0]&0x10 != 0
	cc := int(b[0] & 0x0f)
	p.Marker = b[1]&0x80 != 0
	p.PT = b[1] & 0x7f
	if p.PT >= 72 && p.PT <= 76 {
		return fmt.Errorf("rtp: payload type %d is RTCP: %w", p.PT, errBadRTP)
	}
	p.Seq = binary.BigEndian.Uint16(b[2:4])
	p.Timestamp = binary.BigEndian.Uint32(b[4:8])
	p.SSRC = binary.BigEndian.Uint32(b[8:12])
	off := rtpHeaderSize + 4*cc
	if len(b) < off {
		return fmt.Errorf("rtp: %d CSRCs in %d bytes: %w", cc, len(b), errShortRTP)
	}
	if ext {
		if len(b) < off+4 {
			return fmt.Errorf("rtp: extension header cut: %w", errShortRTP)
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:off+4]))
		if len(b) < off {
			return fmt.Errorf("rtp: extension longer than packet: %w", errShortRTP)
		}
	}
	end := len(b)
	if padding {
		n := int(b[end-1])
		if n == 0 || end-n < off {
			return fmt.Errorf("rtp: padding %d: %w", n, errBadRTP)
		}
		end -= n
	}
	p.Payload = b[off:end]
	if len(p.Payload) == 0 {
		return fmt.Errorf("rtp: no payload: %w", errShortRTP)
	}
	return nil
}

// appendRTPHeader appends a 12-byte RTP header (no CSRC, no extension).
func appendRTPHeader(dst []byte, marker bool, pt uint8, seq uint16, ts, ssrc uint32) []byte {
	b1 := pt & 0x7f
	if marker {
		b1 |= 0x80
	}
	dst = append(dst, 0x80, b1)
	dst = binary.BigEndian.AppendUint16(dst, seq)
	dst = binary.BigEndian.AppendUint32(dst, ts)
	return binary.BigEndian.AppendUint32(dst, ssrc)
}
