package sip

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callbee/callbee/media"
)

// telephoneEvent is one RFC 4733 section 2.3 event block:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type telephoneEvent struct {
	Code     uint8
	End      bool
	Volume   uint8  // -dBm0, 0-63
	Duration uint16 // in RTP timestamp units (1/8000 s for telephone-event/8000)
}

const telephoneEventSize = 4

// parseTelephoneEvent reads the first event block of an RFC 4733 payload.
// Further blocks (section 2.5.1.5 packs several events into one packet
// only for events that ended) are ignored: the first is the one that is
// current or the most recent.
func parseTelephoneEvent(payload []byte) (telephoneEvent, error) {
	if len(payload) < telephoneEventSize {
		return telephoneEvent{}, fmt.Errorf("rfc 4733: payload of %d bytes (want >= 4): %w", len(payload), ErrBadEvent)
	}
	return telephoneEvent{
		Code:     payload[0],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(payload[2:4]),
	}, nil
}

// appendTelephoneEvent appends ev's 4 bytes to dst (tests and outbound keys).
func appendTelephoneEvent(dst []byte, ev telephoneEvent) []byte {
	b1 := ev.Volume & 0x3f
	if ev.End {
		b1 |= 0x80
	}
	return binary.BigEndian.AppendUint16(append(dst, ev.Code, b1), ev.Duration)
}

// eventDetector turns the packets of RFC 4733 events into one digit each.
// All packets of one event share its RTP timestamp (section 2.5.1.2),
// whatever their duration (sipp's first packet says 0) and however often
// the end packet is repeated (section 2.5.1.4), so a digit is reported on
// the first packet seen with a new timestamp. A long event split into
// segments (section 2.5.1.3) has a new timestamp but no marker bit and
// continues an event that has not ended: it is not a new digit. Packets
// older than the current event are ignored. Not safe for concurrent use.
type eventDetector struct {
	have   bool
	ts     uint32
	code   uint8
	ended  bool
	events uint64 // digits reported
	bad    uint64 // malformed or unknown event codes
}

// packet takes one telephone-event packet; it returns the digit to report
// for it, if this packet starts a new key press.
func (d *eventDetector) packet(ts uint32, marker bool, payload []byte) (rune, time.Duration, bool) {
	ev, err := parseTelephoneEvent(payload)
	if err != nil {
		d.bad++
		return 0, 0, false
	}
	if d.have {
		diff := int32(ts - d.ts)
		switch {
		case diff < 0: // a late packet of an earlier event
			return 0, 0, false
		case diff == 0:
			if ev.End {
				d.ended = true
			}
			return 0, 0, false
		case !marker && !d.ended && ev.Code == d.code:
			// next segment of a long event (section 2.5.1.3)
			d.ts = ts
			d.ended = ev.End
			return 0, 0, false
		}
	}
	d.have, d.ts, d.code, d.ended = true, ts, ev.Code, ev.End
	digit, err := media.DigitFromCode(ev.Code)
	if err != nil { // flash, tones and other non-keypad events
		d.bad++
		return 0, 0, false
	}
	d.events++
	return digit, time.Duration(ev.Duration) * time.Second / 8000, true
}

// maxInfoBody bounds SIP INFO bodies we parse.
const maxInfoBody = 1024

// parseInfoDTMF reads a SIP INFO keypad body (RFC 6086 carries it; the
// formats are the de-facto ones): application/dtmf-relay
// ("Signal=5\r\nDuration=160") or application/dtmf ("5"). Signal 10 and 11
// are '*' and '#'.
func parseInfoDTMF(contentType string, body []byte) (rune, time.Duration, error) {
	if len(body) > maxInfoBody {
		return 0, 0, fmt.Errorf("sip info: %d-byte body: %w", len(body), ErrBadEvent)
	}
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	var signal string
	var dur time.Duration
	switch ct {
	case "application/dtmf":
		signal = strings.TrimSpace(string(body))
	case "application/dtmf-relay":
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), "=")
			if !ok {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "signal":
				signal = strings.TrimSpace(v)
			case "duration":
				ms, err := strconv.Atoi(strings.TrimSpace(v))
				if err == nil && ms > 0 && ms < 60000 {
					dur = time.Duration(ms) * time.Millisecond
				}
			}
		}
	default:
		return 0, 0, fmt.Errorf("sip info: content type %q: %w", truncate(ct, 40), ErrBadEvent)
	}
	switch signal {
	case "10":
		return '*', dur, nil
	case "11":
		return '#', dur, nil
	}
	if len(signal) != 1 {
		return 0, 0, fmt.Errorf("sip info: signal %q: %w", truncate(signal, 10), ErrBadEvent)
	}
	r := rune(signal[0])
	if _, err := media.CodeFromDigit(r); err != nil {
		return 0, 0, fmt.Errorf("sip info: signal %q: %w", signal, ErrBadEvent)
	}
	if r >= 'a' && r <= 'd' {
		r -= 'a' - 'A'
	}
	return r, dur, nil
}
