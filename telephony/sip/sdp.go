package sip

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// maxSDPSize bounds the SDP bodies we look at; real offers are < 2 KiB.
const maxSDPSize = 16 << 10

// sdpFormat is one payload format of an m=audio line: its payload type and,
// from a=rtpmap (RFC 4566 section 6) or the static table of RFC 3551
// section 6, its encoding name and clock rate.
type sdpFormat struct {
	PT   uint8
	Name string // upper case
	Rate int
}

// sdpOffer is what the door needs of an SDP offer (RFC 3264 section 5):
// the first audio stream's formats, in the offerer's order.
type sdpOffer struct {
	Addr    net.IP // connection address (c=, media level over session level)
	Port    int
	Proto   string
	Formats []sdpFormat
}

// parseSDPOffer reads the first m=audio section of an SDP body. It only
// rejects what makes the offer unusable; diago re-parses the body fully
// when it answers.
func parseSDPOffer(body []byte) (sdpOffer, error) {
	var off sdpOffer
	if len(body) == 0 {
		return off, fmt.Errorf("sdp: empty body: %w", ErrBadSDP)
	}
	if len(body) > maxSDPSize {
		return off, fmt.Errorf("sdp: %d bytes (max %d): %w", len(body), maxSDPSize, ErrBadSDP)
	}
	var (
		inAudio, found bool
		rtpmap         = map[uint8]sdpFormat{}
		order          []uint8
		sawVersion     bool
		sessionAddr    net.IP
		mediaAddr      net.IP
	)
	for line := range bytes.Lines(body) {
		l := strings.TrimRight(string(line), "\r\n")
		if len(l) < 2 || l[1] != '=' {
			if strings.TrimSpace(l) == "" {
				continue
			}
			return off, fmt.Errorf("sdp: line %q is not type=value: %w", truncate(l, 40), ErrBadSDP)
		}
		typ, val := l[0], l[2:]
		switch typ {
		case 'v':
			sawVersion = val == "0"
		case 'c':
			// c=IN IP4 192.0.2.1 (RFC 4566 section 5.7); multicast TTLs are cut.
			f := strings.Fields(val)
			if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
				return off, fmt.Errorf("sdp: c=%q: %w", truncate(val, 40), ErrBadSDP)
			}
			ip := net.ParseIP(strings.SplitN(f[2], "/", 2)[0])
			if ip == nil {
				return off, fmt.Errorf("sdp: c= address %q: %w", truncate(f[2], 40), ErrBadSDP)
			}
			switch {
			case inAudio:
				mediaAddr = ip
			case !found:
				sessionAddr = ip
			}
		case 'm':
			if found {
				inAudio = false // only the first audio stream is used
				continue
			}
			fields := strings.Fields(val)
			if len(fields) < 4 || fields[0] != "audio" {
				inAudio = false
				continue
			}
			port, err := strconv.Atoi(strings.SplitN(fields[1], "/", 2)[0])
			if err != nil || port < 0 || port > 65535 {
				return off, fmt.Errorf("sdp: m=audio port %q: %w", truncate(fields[1], 20), ErrBadSDP)
			}
			if len(fields)-3 > 64 {
				return off, fmt.Errorf("sdp: %d formats: %w", len(fields)-3, ErrBadSDP)
			}
			off.Port, off.Proto = port, fields[2]
			for _, f := range fields[3:] {
				pt, err := strconv.ParseUint(f, 10, 8)
				if err != nil || pt > 127 {
					return off, fmt.Errorf("sdp: payload type %q: %w", truncate(f, 20), ErrBadSDP)
				}
				order = append(order, uint8(pt))
			}
			inAudio, found = true, true
		case 'a':
			if !inAudio {
				continue
			}
			rest, ok := strings.CutPrefix(val, "rtpmap:")
			if !ok {
				continue
			}
			ptStr, enc, ok := strings.Cut(rest, " ")
			pt, err := strconv.ParseUint(ptStr, 10, 8)
			if !ok || err != nil || pt > 127 {
				return off, fmt.Errorf("sdp: rtpmap %q: %w", truncate(rest, 40), ErrBadSDP)
			}
			parts := strings.Split(strings.TrimSpace(enc), "/")
			if len(parts) < 2 {
				return off, fmt.Errorf("sdp: rtpmap %q: %w", truncate(rest, 40), ErrBadSDP)
			}
			rate, err := strconv.Atoi(parts[1])
			if err != nil || rate <= 0 || rate > 192000 {
				return off, fmt.Errorf("sdp: rtpmap rate %q: %w", truncate(parts[1], 20), ErrBadSDP)
			}
			rtpmap[uint8(pt)] = sdpFormat{PT: uint8(pt), Name: strings.ToUpper(parts[0]), Rate: rate}
		}
	}
	if !sawVersion {
		return off, fmt.Errorf("sdp: no v=0 line: %w", ErrBadSDP)
	}
	if !found {
		return off, fmt.Errorf("sdp: no m=audio stream: %w", ErrNoCommonCodec)
	}
	off.Addr = sessionAddr
	if mediaAddr != nil {
		off.Addr = mediaAddr
	}
	if off.Addr == nil {
		return off, fmt.Errorf("sdp: no c= connection address: %w", ErrBadSDP)
	}
	for _, pt := range order {
		f, ok := rtpmap[pt]
		if !ok {
			f, ok = staticFormat(pt)
		}
		if ok {
			off.Formats = append(off.Formats, f)
		}
	}
	return off, nil
}

// staticFormat is RFC 3551 section 6's table for the formats we know.
func staticFormat(pt uint8) (sdpFormat, bool) {
	switch pt {
	case 0:
		return sdpFormat{PT: 0, Name: CodecPCMU, Rate: 8000}, true
	case 8:
		return sdpFormat{PT: 8, Name: CodecPCMA, Rate: 8000}, true
	}
	return sdpFormat{}, false
}

// negotiated is the door's choice from an offer.
type negotiated struct {
	Audio sdpFormat // the G.711 law to use
	Event sdpFormat // telephone-event/8000, when offered (Name "" if not)
}

// choose picks the first codec of prefs the offer holds, and
// telephone-event/8000 if offered. It wraps ErrNoCommonCodec when the
// stream is not plain RTP/AVP on a live port or no audio codec matches.
func (o sdpOffer) choose(prefs []string) (negotiated, error) {
	var n negotiated
	if o.Port == 0 {
		return n, fmt.Errorf("sdp: audio stream is disabled (port 0): %w", ErrNoCommonCodec)
	}
	if o.Proto != "RTP/AVP" && o.Proto != "RTP/AVPF" {
		return n, fmt.Errorf("sdp: transport %q (want RTP/AVP): %w", truncate(o.Proto, 30), ErrNoCommonCodec)
	}
	for _, f := range o.Formats {
		if f.Name == "TELEPHONE-EVENT" && f.Rate == 8000 && n.Event.Name == "" {
			n.Event = f
		}
	}
	for _, p := range prefs {
		for _, f := range o.Formats {
			if f.Name == strings.ToUpper(p) && f.Rate == 8000 {
				n.Audio = f
				return n, nil
			}
		}
	}
	names := make([]string, 0, len(o.Formats))
	for _, f := range o.Formats {
		names = append(names, fmt.Sprintf("%s/%d", f.Name, f.Rate))
	}
	return n, fmt.Errorf("sdp: offer has %v, we take %v: %w", names, prefs, ErrNoCommonCodec)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// answerSDP is our answer (RFC 3264 section 6) to an offer we chose neg
// from: one audio stream at ip:port with the offerer's payload type
// numbers, 20 ms packets, telephone-event 0-16 when offered.
func answerSDP(ip net.IP, port int, neg negotiated, sessID uint64) []byte {
	family := "IP4"
	if ip.To4() == nil {
		family = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=callbee %d %d IN %s %s\r\ns=callbee\r\nc=IN %s %s\r\nt=0 0\r\n",
		sessID, sessID, family, ip, family, ip)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %d", port, neg.Audio.PT)
	if neg.Event.Name != "" {
		fmt.Fprintf(&b, " %d", neg.Event.PT)
	}
	fmt.Fprintf(&b, "\r\na=rtpmap:%d %s/8000\r\n", neg.Audio.PT, neg.Audio.Name)
	if neg.Event.Name != "" {
		fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", neg.Event.PT, neg.Event.PT)
	}
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	return []byte(b.String())
}
