package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
)

// Stats are one call's media figures. Loss and jitter follow RFC 3550
// (section 6.4.1 and appendix A.3/A.8) for the caller's audio stream.
type Stats struct {
	Codec       string        // the G.711 law in use ("PCMU", "PCMA")
	PacketsIn   uint64        // audio packets accepted
	PacketsLost int64         // expected minus received (may be negative with duplicates)
	Jitter      time.Duration // interarrival jitter estimate
	Late        uint64        // audio packets that came after their playout time
	Overflow    uint64        // frames dropped because the caller ran ahead
	Concealed   uint64        // frames played as silence for want of audio
	Garbage     uint64        // datagrams that were not RTP version 2
	WrongPT     uint64        // RTP with a payload type not negotiated
	Foreign     uint64        // RTP from an address other than the caller's
	DTMF        uint64        // keypad digits received (RTP and SIP INFO)
	PacketsOut  uint64        // bot audio packets sent
}

// rxStats keeps the RFC 3550 receive figures of one SSRC. Owned by the
// receive goroutine; snapshots are taken under the call's mutex.
type rxStats struct {
	ssrc      uint32
	started   bool
	baseSeq   uint32
	maxSeq    uint16
	cycles    uint32
	received  uint64
	transit   float64
	jitter    float64 // in timestamp units
	arrival0  time.Time
	firstTS   uint32
	haveTrans bool
}

// update takes one packet's sequence number and timestamp as it arrives.
func (s *rxStats) update(ssrc uint32, seq uint16, ts uint32, now time.Time, rate int) {
	if !s.started || ssrc != s.ssrc {
		*s = rxStats{ssrc: ssrc, started: true, baseSeq: uint32(seq), maxSeq: seq, arrival0: now, firstTS: ts}
	} else if d := seq - s.maxSeq; d != 0 && d < 0x8000 {
		if seq < s.maxSeq {
			s.cycles += 1 << 16
		}
		s.maxSeq = seq
	}
	s.received++
	// A.8: arrival in timestamp units relative to the first packet.
	arrival := float64(now.Sub(s.arrival0)) * float64(rate) / float64(time.Second)
	transit := arrival - float64(int32(ts-s.firstTS))
	if s.haveTrans {
		d := transit - s.transit
		if d < 0 {
			d = -d
		}
		s.jitter += (d - s.jitter) / 16
	}
	s.transit, s.haveTrans = transit, true
}

// lost is RFC 3550 A.3's cumulative number of packets lost.
func (s *rxStats) lost() int64 {
	if !s.started {
		return 0
	}
	expected := int64(s.cycles) + int64(s.maxSeq) - int64(s.baseSeq) + 1
	return expected - int64(s.received)
}

// receiver reads the call's RTP socket: audio of the negotiated payload
// type goes to the jitter buffer, telephone-events to the keypad queue,
// everything else is counted and dropped.
type receiver struct {
	call  *Call
	sess  *rtpSession
	law   codec.G711
	audio uint8 // payload type of the audio the caller sends
	event int   // payload type of telephone-event, -1 if not negotiated
	jb    *jitterBuffer
	log   *slog.Logger
	// remote is the caller's media address from SDP; packets from other
	// hosts are dropped. nil (an SDP address of 0.0.0.0) accepts any host.
	remote  net.IP
	latched *net.UDPAddr // the source in use, after the first good packet

	ext  extender
	det  eventDetector
	pcm  []int16
	stat rxStats
}

// extender turns 32-bit RTP timestamps into 64-bit stream positions.
type extender struct {
	have bool
	ssrc uint32
	last uint32
	pos  int64
}

// position maps ts of ssrc to a stream position; a new SSRC continues at
// the position after the last one (next tells where that is).
func (e *extender) position(ssrc, ts uint32, next int64) (pos int64, restart bool) {
	if !e.have || ssrc != e.ssrc {
		e.have, e.ssrc, e.last, e.pos = true, ssrc, ts, next
		return next, true
	}
	pos = e.pos + int64(int32(ts-e.last))
	if pos > e.pos {
		e.last, e.pos = ts, pos
	}
	return pos, false
}

// datagram handles one datagram from the RTP socket.
func (r *receiver) datagram(b []byte, from *net.UDPAddr, now time.Time) {
	c := r.call
	var pkt rtpPacket
	if err := parseRTP(b, &pkt); err != nil {
		c.count(func(s *Stats) { s.Garbage++ })
		r.log.Warn("rtp: malformed packet dropped", "from", from.String(), "err", err)
		return
	}
	if !r.fromCaller(from) {
		c.count(func(s *Stats) { s.Foreign++ })
		r.log.Warn("rtp: packet from a foreign address dropped", "from", from.String())
		return
	}
	switch {
	case pkt.PT == r.audio:
		r.stat.update(pkt.SSRC, pkt.Seq, pkt.Timestamp, now, codec.G711Rate)
		pos, restart := r.ext.position(pkt.SSRC, pkt.Timestamp, r.jb.highWater())
		r.pcm = r.law.Decode(r.pcm[:0], pkt.Payload)
		switch b := c.bridge.Load(); {
		case b != nil:
			b.fromCaller(r.pcm) // joined to an agent
		case c.hold.Load():
			// a transfer is under way: the voice loop hears silence
		default:
			r.jb.write(pos, r.pcm, restart || pkt.Marker)
		}
		lost, jitter := r.stat.lost(), time.Duration(r.stat.jitter*float64(time.Second)/codec.G711Rate)
		c.count(func(s *Stats) {
			s.PacketsIn++
			s.PacketsLost = lost
			s.Jitter = jitter
		})
	case r.event >= 0 && int(pkt.PT) == r.event:
		if digit, dur, ok := r.det.packet(pkt.Timestamp, pkt.Marker, pkt.Payload); ok {
			c.keyPressed(digit, dur, r.jb.streamTime())
		}
	default:
		c.count(func(s *Stats) { s.WrongPT++ })
		r.log.Warn("rtp: payload type not negotiated, dropped", "pt", pkt.PT, "from", from.String())
	}
}

// fromCaller latches onto the first source of well-formed RTP from the
// caller's SDP host (any host when the SDP said 0.0.0.0) and then accepts
// only that address; replies go there too (symmetric RTP, RFC 4961), which
// gets audio through a NAT that changed the port.
func (r *receiver) fromCaller(from *net.UDPAddr) bool {
	if r.latched != nil {
		return from.Port == r.latched.Port && from.IP.Equal(r.latched.IP)
	}
	if r.remote != nil && !from.IP.Equal(r.remote) {
		return false
	}
	r.latched = &net.UDPAddr{IP: append(net.IP(nil), from.IP...), Port: from.Port}
	r.sess.remote.Store(r.latched)
	return true
}

// run reads RTP until the socket closes. Bad packets never end it: they
// are counted and dropped.
func (r *receiver) run() {
	buf := make([]byte, rtpMaxPacket)
	for {
		n, from, err := r.sess.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || r.call.ended() {
				return
			}
			// ICMP port unreachable and the like: the call goes on.
			r.log.Warn("rtp: read failed", "err", err)
			time.Sleep(5 * time.Millisecond)
			continue
		}
		r.datagram(buf[:n], from, r.jb.clock.Now())
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// highWater is the stream position after the newest audio written.
func (j *jitterBuffer) highWater() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return max(j.high, j.readPos)
}

// Sender pacing.
const (
	// sendAhead is how far ahead of real time the sender lets frames go
	// before it waits: the playout upstream paces, this only guards the
	// wire against a writer that does not.
	sendAhead = 60 * time.Millisecond
	// talkspurtGap: a pause this long between frames starts a new
	// talkspurt (marker bit, timestamp advanced by the pause).
	talkspurtGap = 100 * time.Millisecond
)

// sender is the bot's side of a call: a media.Writer that encodes 8 kHz
// frames with the negotiated G.711 law and sends them as RTP (RFC 3550
// section 5.1; marker on the first packet of a talkspurt, RFC 3551
// section 4.1), paced to real time.
type sender struct {
	clock media.Clock
	law   codec.G711
	pt    uint8
	sess  *rtpSession
	call  *Call // nil for an agent's leg

	mu      sync.Mutex // guards the fields below
	ssrc    uint32
	seq     uint16
	ts      uint32
	started bool
	base    time.Time // when frame k of the current talkspurt is due: base + k*20ms
	k       int64
	last    time.Time
	buf     []byte
}

// WriteFrame encodes f and sends it when it is due. While the call is on
// hold for a transfer or bridged to an agent the voice loop's frames are
// dropped.
func (s *sender) WriteFrame(ctx context.Context, f media.Frame) error {
	if s.call != nil && (s.call.hold.Load() || s.call.bridge.Load() != nil) {
		if s.call.ended() {
			return ErrCallEnded
		}
		return nil
	}
	return s.send(ctx, f)
}

// send encodes f and sends it when it is due (hold audio and the agent's
// voice use it directly).
func (s *sender) send(ctx context.Context, f media.Frame) error {
	if s.call != nil && s.call.ended() {
		return ErrCallEnded
	}
	if f.Rate != codec.G711Rate {
		return fmt.Errorf("sip: bot frame at %d Hz, want %d: %w", f.Rate, codec.G711Rate, media.ErrRateMismatch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	marker := false
	switch {
	case !s.started:
		s.started, marker = true, true
		s.base, s.k = now, 0
	case now.Sub(s.last) > talkspurtGap:
		// A new talkspurt: the timestamp keeps counting through the pause.
		s.ts += uint32(now.Sub(s.last) / media.FrameDuration * media.FrameDuration * codec.G711Rate / time.Second)
		s.base, s.k, marker = now, 0, true
	}
	if due := s.base.Add(time.Duration(s.k) * media.FrameDuration); due.Sub(now) > sendAhead {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.clock.After(due.Sub(now) - sendAhead):
		}
		now = s.clock.Now()
	}
	s.buf = appendRTPHeader(s.buf[:0], marker, s.pt, s.seq, s.ts, s.ssrc)
	s.buf = s.law.Encode(s.buf, f.Samples)
	if err := s.sess.write(s.buf); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("sip: send rtp: %w", ErrCallEnded)
		}
		return fmt.Errorf("sip: send rtp: %w", err)
	}
	s.seq++
	s.ts += uint32(len(f.Samples))
	s.k++
	s.last = now
	if s.call != nil {
		s.call.count(func(st *Stats) { st.PacketsOut++ })
	}
	return nil
}

var _ media.Writer = (*sender)(nil)

// randUint32 is a random SSRC, sequence or timestamp start (RFC 3550
// section 5.1 asks for random initial values).
func randUint32() uint32 { return rand.Uint32() }
