package siptest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/media/codec"
)

// CalleePlan says how a Callee takes INVITEs.
type CalleePlan struct {
	// Ring is how long it rings (180) before the final response.
	Ring time.Duration
	// Status is the final response: 0 or 200 answers with a PCMU offer
	// answer; 486, 603... refuse; -1 never answers (rings until CANCEL).
	Status int
	// Speak is 8 kHz audio sent as PCMU once answered (then silence is
	// not sent: the stream just stops).
	Speak []int16
	// SpeakDelay waits this long after the answer before speaking.
	SpeakDelay time.Duration
}

// Callee is a SIP phone for tests that the bot calls (an agent for a
// bridge, a customer for Dial) on 127.0.0.1 UDP. It answers with PCMU,
// records the INVITE's headers and the audio it receives, and can hang up.
// Close it when done.
type Callee struct {
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	dialogs *sipgo.DialogServerCache
	conn    net.PacketConn
	plan    CalleePlan
	log     *slog.Logger
	wg      sync.WaitGroup

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	handlers sync.WaitGroup // INVITE handlers in flight (sipgo runs them)

	mu       sync.Mutex // guards the fields below
	closed   bool
	invites  []*sip.Request
	received []int16
	answered time.Time
	active   *sipgo.DialogServerSession
	ended    chan struct{} // closed when the answered call's dialog ends
}

// NewCallee starts a callee UA on 127.0.0.1 (UDP, port 0).
func NewCallee(log *slog.Logger, plan CalleePlan) (*Callee, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("siptest: callee listen: %w", err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("siptest-callee"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log)))
	if err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		return nil, errors.Join(err, ua.Close(), conn.Close())
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log), sipgo.WithClientHostname("127.0.0.1"),
		sipgo.WithClientConnectionAddr(conn.LocalAddr().String()))
	if err != nil {
		return nil, errors.Join(err, ua.Close(), conn.Close())
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "callee", Host: "127.0.0.1", Port: port}}
	c := &Callee{ua: ua, srv: srv, conn: conn, plan: plan, log: log, ended: make(chan struct{}),
		dialogs: sipgo.NewDialogServerCache(client, contact)}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	srv.OnInvite(c.onInvite)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = c.dialogs.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := c.dialogs.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		}
	})
	c.wg.Go(func() { _ = srv.ServeUDP(conn) })
	return c, nil
}

// URI is the callee's SIP URI for user ("sip:user@127.0.0.1:port").
func (c *Callee) URI(user string) string {
	return fmt.Sprintf("sip:%s@%s", user, c.conn.LocalAddr().String())
}

// Invites are the INVITEs received so far.
func (c *Callee) Invites() []*sip.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*sip.Request(nil), c.invites...)
}

// Received is the audio received so far (8 kHz, decoded PCMU).
func (c *Callee) Received() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.received...)
}

// Answered is when the call was answered (zero if not yet).
func (c *Callee) Answered() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}

// Ended is closed when the answered call's dialog ends.
func (c *Callee) Ended() <-chan struct{} { return c.ended }

// Hangup sends BYE on the answered call.
func (c *Callee) Hangup(ctx context.Context) error {
	c.mu.Lock()
	d := c.active
	c.mu.Unlock()
	if d == nil {
		return errors.New("siptest: callee has no answered call")
	}
	return d.Bye(ctx)
}

// Close stops the UA and waits for its goroutines: the INVITE handlers
// first, so none of them answers through a closed transport. Safe twice.
func (c *Callee) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.handlers.Wait()
	err := c.ua.Close()
	if e := c.conn.Close(); e != nil && !errors.Is(e, net.ErrClosed) {
		err = errors.Join(err, e)
	}
	c.wg.Wait()
	// sipgo v1.7.2 may still handle a datagram it read just before Close
	// (a request from the bot) and answer it through a fresh socket that
	// its closed transport layer no longer tracks; clear the transports
	// again once that handler had time to run.
	time.Sleep(closeSettle)
	err = errors.Join(err, c.ua.TransportLayer().Close())
	return err
}

// closeSettle is how long Close lets sipgo's late handlers run.
const closeSettle = 100 * time.Millisecond

func (c *Callee) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.handlers.Add(1)
	defer c.handlers.Done()
	c.invites = append(c.invites, req)
	busy := c.active != nil
	c.mu.Unlock()
	d, err := c.dialogs.ReadInvite(req, tx)
	if err != nil {
		c.log.Warn("siptest callee: read invite", "err", err)
		return
	}
	defer d.Close()
	if busy {
		_ = d.Respond(486, "Busy Here", nil)
		return
	}
	if err := d.Respond(180, "Ringing", nil); err != nil {
		return
	}
	ring := c.plan.Ring
	if c.plan.Status < 0 {
		ring = time.Hour
	}
	select {
	case <-time.After(ring):
	case <-d.Context().Done(): // CANCEL
		return
	case <-c.ctx.Done():
		return
	}
	if c.plan.Status != 0 && c.plan.Status != 200 {
		_ = d.Respond(c.plan.Status, "Refused", nil)
		return
	}
	remote, err := answerAddr(req.Body())
	if err != nil {
		_ = d.Respond(488, "Not Acceptable Here", nil)
		return
	}
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		_ = d.Respond(500, "Server Internal Error", nil)
		return
	}
	defer rtp.Close()
	sdp := fmt.Sprintf("v=0\r\no=callee 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n", rtp.LocalAddr().(*net.UDPAddr).Port)
	if err := d.RespondSDP([]byte(sdp)); err != nil {
		c.log.Warn("siptest callee: answer", "err", err)
		return
	}
	c.mu.Lock()
	c.answered, c.active = time.Now(), d
	c.mu.Unlock()
	defer close(c.ended)
	var media sync.WaitGroup
	media.Go(func() { c.receive(rtp) })
	media.Go(func() { c.speak(d.Context(), rtp, remote) })
	select {
	case <-d.Context().Done():
	case <-c.ctx.Done():
	}
	_ = rtp.Close()
	media.Wait()
}

// receive records PCMU audio until the socket closes.
func (c *Callee) receive(rtp *net.UDPConn) {
	buf := make([]byte, 1500)
	for {
		n, err := rtp.Read(buf)
		if err != nil {
			return
		}
		if n < 12 || buf[0]>>6 != 2 || buf[1]&0x7f != 0 {
			continue
		}
		pcm := codec.PCMU.Decode(nil, buf[12:n])
		c.mu.Lock()
		c.received = append(c.received, pcm...)
		c.mu.Unlock()
	}
}

// speak sends plan.Speak as PCMU every 20 ms.
func (c *Callee) speak(ctx context.Context, rtp *net.UDPConn, to *net.UDPAddr) {
	select {
	case <-time.After(c.plan.SpeakDelay):
	case <-ctx.Done():
		return
	}
	seq, ts, ssrc := uint16(rand.Uint32()), rand.Uint32(), rand.Uint32()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(c.plan.Speak); i += 160 {
		frame := make([]int16, 160)
		copy(frame, c.plan.Speak[i:min(i+160, len(c.plan.Speak))])
		pkt := make([]byte, 12, 172)
		pkt[0], pkt[1] = 0x80, 0
		if i == 0 {
			pkt[1] |= 0x80
		}
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], ts)
		binary.BigEndian.PutUint32(pkt[8:], ssrc)
		seq, ts = seq+1, ts+160
		if _, err := rtp.WriteToUDP(codec.PCMU.Encode(pkt, frame), to); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
