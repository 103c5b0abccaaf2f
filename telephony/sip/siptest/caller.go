// Package siptest holds test doubles for the SIP door: Caller, a small SIP
// phone on 127.0.0.1 built on sipgo that places a call with a PCMU and
// telephone-event offer, streams audio as RTP (RFC 3550), presses keys as
// RFC 4733 events (sipp-style, with a duration-0 first packet and three
// end packets) or SIP INFO, records what the bot sends back and hangs up;
// Echo, an Answerer that records the caller's audio and keys; and Sipp,
// which runs sipp scenarios from testdata.
package siptest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/media/codec"
)

// Caller is a SIP phone for tests. Close it when done.
type Caller struct {
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	client  *sipgo.Client
	dialogs *sipgo.DialogClientCache
	conn    net.PacketConn
	addr    *net.UDPAddr
	wg      sync.WaitGroup
}

// NewCaller starts a caller UA listening on 127.0.0.1 (UDP, port 0).
func NewCaller(log *slog.Logger) (*Caller, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("siptest: listen: %w", err)
	}
	addr := conn.LocalAddr().(*net.UDPAddr)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("siptest"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log)))
	if err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		return nil, errors.Join(err, ua.Close(), conn.Close())
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log), sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		return nil, errors.Join(err, ua.Close(), conn.Close())
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "caller", Host: "127.0.0.1", Port: addr.Port}}
	c := &Caller{ua: ua, srv: srv, client: client, conn: conn, addr: addr,
		dialogs: sipgo.NewDialogClientCache(client, contact)}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := c.dialogs.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	c.wg.Go(func() { _ = srv.ServeUDP(conn) })
	return c, nil
}

// Close stops the UA.
func (c *Caller) Close() error {
	err := c.ua.Close()
	if e := c.conn.Close(); e != nil && !errors.Is(e, net.ErrClosed) {
		err = errors.Join(err, e)
	}
	c.wg.Wait()
	return err
}

// Offer is the SDP the caller sends; Codecs lists "PT NAME/RATE" entries.
type Offer struct {
	Codecs []string // default: "0 PCMU/8000", "101 telephone-event/8000"
}

// Call is one call placed by a Caller.
type Call struct {
	d          *sipgo.DialogClientSession
	rtp        *net.UDPConn
	remote     *net.UDPAddr
	Status     int    // final response to the INVITE
	RetryAfter string // its Retry-After header, if any

	mu       sync.Mutex // guards the fields below
	received []int16
	arrivals []Arrival
	seq      uint16
	ts       uint32
	ssrc     uint32

	wg sync.WaitGroup
}

// Arrival is one audio packet from the bot.
type Arrival struct {
	At     time.Time
	Offset int // index of its first sample in Received
	RMS    float64
}

// Dial places a call to user@target (host:port, UDP) and waits for the
// answer. An error response is returned as *sipgo.ErrDialogResponse.
func (c *Caller) Dial(ctx context.Context, target, user string, off Offer) (*Call, error) {
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("siptest: rtp: %w", err)
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return nil, errors.Join(err, rtpConn.Close())
	}
	p, _ := strconv.Atoi(port)
	codecs := off.Codecs
	if codecs == nil {
		codecs = []string{"0 PCMU/8000", "101 telephone-event/8000"}
	}
	sdp := fmt.Sprintf("v=0\r\no=siptest 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP", rtpConn.LocalAddr().(*net.UDPAddr).Port)
	var maps string
	for _, cd := range codecs {
		var pt int
		var name string
		if _, err := fmt.Sscanf(cd, "%d %s", &pt, &name); err != nil {
			return nil, errors.Join(fmt.Errorf("siptest: codec %q", cd), rtpConn.Close())
		}
		sdp += " " + strconv.Itoa(pt)
		maps += fmt.Sprintf("a=rtpmap:%d %s\r\n", pt, name)
	}
	sdp += "\r\n" + maps + "a=ptime:20\r\na=sendrecv\r\n"
	uri := sip.Uri{Scheme: "sip", User: user, Host: host, Port: p}
	d, err := c.dialogs.Invite(ctx, uri, []byte(sdp), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("siptest: invite: %w", err), rtpConn.Close())
	}
	call := &Call{d: d, rtp: rtpConn, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), ts: rand.Uint32()}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			call.Status = de.Res.StatusCode
			if h := de.Res.GetHeader("Retry-After"); h != nil {
				call.RetryAfter = h.Value()
			}
		}
		return call, errors.Join(fmt.Errorf("siptest: answer: %w", err), d.Close(), rtpConn.Close())
	}
	call.Status = d.InviteResponse.StatusCode
	if err := d.Ack(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("siptest: ack: %w", err), d.Close(), rtpConn.Close())
	}
	raddr, err := answerAddr(d.InviteResponse.Body())
	if err != nil {
		return nil, errors.Join(err, d.Close(), rtpConn.Close())
	}
	call.remote = raddr
	call.wg.Go(call.receive)
	return call, nil
}

// answerAddr reads c= and m=audio of an SDP answer.
func answerAddr(body []byte) (*net.UDPAddr, error) {
	var ip net.IP
	port := 0
	for _, line := range splitLines(string(body)) {
		var a, b, cst string
		if n, _ := fmt.Sscanf(line, "c=IN %s %s", &a, &b); n == 2 {
			ip = net.ParseIP(b)
		}
		if n, _ := fmt.Sscanf(line, "m=audio %d %s", &port, &cst); n >= 1 {
			continue
		}
	}
	if ip == nil || port == 0 {
		return nil, fmt.Errorf("siptest: answer without address: %q", body)
	}
	return &net.UDPAddr{IP: ip, Port: port}, nil
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			line := s[start:i]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			out = append(out, line)
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// receive records the bot's PCMU audio until the RTP socket closes.
func (c *Call) receive() {
	buf := make([]byte, 1500)
	for {
		n, err := c.rtp.Read(buf)
		if err != nil {
			return
		}
		if n < 12 || buf[0]>>6 != 2 || buf[1]&0x7f != 0 {
			continue
		}
		pcm := codec.PCMU.Decode(nil, buf[12:n])
		c.mu.Lock()
		c.arrivals = append(c.arrivals, Arrival{At: time.Now(), Offset: len(c.received), RMS: rms(pcm)})
		c.received = append(c.received, pcm...)
		c.mu.Unlock()
	}
}

func rms(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return sqrt(sum / float64(len(s)))
}

func sqrt(x float64) float64 {
	if x <= 0 {
		return 0
	}
	z := x
	for range 30 {
		z = (z + x/z) / 2
	}
	return z
}

// Received is the bot's audio so far (8 kHz) and when each packet came.
func (c *Call) Received() ([]int16, []Arrival) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.received...), append([]Arrival(nil), c.arrivals...)
}

// Send streams 8 kHz samples as PCMU, one packet every 20 ms.
func (c *Call) Send(ctx context.Context, samples []int16) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	first := true
	for i := 0; i < len(samples); i += 160 {
		end := min(i+160, len(samples))
		frame := make([]int16, 160)
		copy(frame, samples[i:end])
		if err := c.writeRTP(first, 0, codec.PCMU.Encode(nil, frame), 160); err != nil {
			return err
		}
		first = false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.d.Context().Done():
			return fmt.Errorf("siptest: call ended while sending")
		case <-tick.C:
		}
	}
	return nil
}

// ID is the call's SIP Call-ID.
func (c *Call) ID() string {
	if h := c.d.InviteRequest.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

// Remote is the bot's RTP address.
func (c *Call) Remote() *net.UDPAddr { return c.remote }

// SendRTP sends one RTP packet with payload type pt in the call's stream.
func (c *Call) SendRTP(pt uint8, payload []byte) error { return c.writeRTP(false, pt, payload, 160) }

// SendRaw sends one datagram to the bot's RTP port (garbage tests).
func (c *Call) SendRaw(b []byte) error {
	_, err := c.rtp.WriteToUDP(b, c.remote)
	return err
}

func (c *Call) writeRTP(marker bool, pt uint8, payload []byte, advance uint32) error {
	c.mu.Lock()
	hdr := make([]byte, 12, 12+len(payload))
	hdr[0] = 0x80
	hdr[1] = pt
	if marker {
		hdr[1] |= 0x80
	}
	binary.BigEndian.PutUint16(hdr[2:], c.seq)
	binary.BigEndian.PutUint32(hdr[4:], c.ts)
	binary.BigEndian.PutUint32(hdr[8:], c.ssrc)
	c.seq++
	c.ts += advance
	c.mu.Unlock()
	_, err := c.rtp.WriteToUDP(append(hdr, payload...), c.remote)
	return err
}

// SendDigits presses keys as RFC 4733 events on payload type pt, the way
// sipp does: a first packet of duration 0 with the marker, updates every
// 20 ms, three end packets, all with the event's timestamp.
func (c *Call) SendDigits(ctx context.Context, pt uint8, digits string) error {
	for _, d := range digits {
		code := uint8(0)
		switch {
		case d >= '0' && d <= '9':
			code = uint8(d - '0')
		case d == '*':
			code = 10
		case d == '#':
			code = 11
		default:
			return fmt.Errorf("siptest: digit %q", d)
		}
		c.mu.Lock()
		ts := c.ts
		c.mu.Unlock()
		send := func(marker, end bool, dur uint16) error {
			b1 := byte(10)
			if end {
				b1 |= 0x80
			}
			p := []byte{code, b1, byte(dur >> 8), byte(dur)}
			c.mu.Lock()
			c.ts = ts
			c.mu.Unlock()
			return c.writeRTP(marker, pt, p, 0)
		}
		steps := []struct {
			marker, end bool
			dur         uint16
		}{{true, false, 0}, {false, false, 160}, {false, false, 320}, {false, false, 480}, {false, true, 640}, {false, true, 640}, {false, true, 640}}
		for _, s := range steps {
			if err := send(s.marker, s.end, s.dur); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
		c.mu.Lock()
		c.ts = ts + 800
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(60 * time.Millisecond):
		}
	}
	return nil
}

// SendInfo presses a key with SIP INFO (body and content type as given)
// and returns the response status.
func (c *Call) SendInfo(ctx context.Context, contentType, body string) (int, error) {
	req := sip.NewRequest(sip.INFO, c.d.InviteResponse.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", contentType))
	req.SetBody([]byte(body))
	res, err := c.d.Do(ctx, req)
	if err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// Done is closed when the call ends (either side hung up).
func (c *Call) Done() <-chan struct{} { return c.d.Context().Done() }

// Hangup sends BYE (if the call is still up) and closes the media.
func (c *Call) Hangup(ctx context.Context) error {
	var err error
	if c.d.Context().Err() == nil {
		err = c.d.Bye(ctx)
	}
	return errors.Join(err, c.Close())
}

// Close releases the call's media without signalling.
func (c *Call) Close() error {
	err := c.rtp.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	c.wg.Wait()
	return errors.Join(err, c.d.Close())
}
