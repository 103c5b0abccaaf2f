package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
)

// Transfer modes (TransferConfig.Mode).
const (
	TransferNone   = "none"   // the handoff stays a queued request in the console
	TransferRefer  = "refer"  // blind transfer: REFER to the target (RFC 3515)
	TransferBridge = "bridge" // the bot calls the target and joins both legs
)

// Transfer defaults.
const (
	DefaultRingTimeout   = 30 * time.Second
	DefaultHandoffHeader = "X-Callbee-Handoff"
)

// TransferConfig says where a call goes when the brain hands it to a
// person inside service hours (outside them the brain books a callback and
// nothing is transferred).
type TransferConfig struct {
	Mode   string `yaml:"mode"`   // TransferNone (""), TransferRefer or TransferBridge
	Target string `yaml:"target"` // the agent's SIP URI, "sip:agent@pbx.example.com"
	// RingTimeout bounds the agent's ringing (bridge) or the REFER's
	// outcome (refer): past it the caller is told nobody answered.
	RingTimeout time.Duration `yaml:"ring_timeout"`
	// Header names the SIP header that carries the handoff summary to the
	// agent: a link to the console, the session id and the reason.
	Header string `yaml:"header"`
	// ConsoleURL is the agent console ("https://host/console/agent"); the
	// header links to it with ?session=<id>.
	ConsoleURL string `yaml:"console_url"`
}

func (t TransferConfig) validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("sip config: transfer.%s: %s: %w", field, fmt.Sprintf(format, args...), ErrBadConfig)
	}
	switch t.Mode {
	case "", TransferNone:
		return nil
	case TransferRefer, TransferBridge:
	default:
		return bad("mode", "%q (want %s, %s or %s)", t.Mode, TransferNone, TransferRefer, TransferBridge)
	}
	var uri sipmsg.Uri
	if t.Target == "" {
		return bad("target", "needed for mode %s", t.Mode)
	}
	if err := sipmsg.ParseUri(t.Target, &uri); err != nil || uri.Host == "" ||
		!strings.HasPrefix(strings.ToLower(t.Target), "sip") {
		return bad("target", "%q is not a SIP URI", t.Target)
	}
	if t.RingTimeout < time.Second || t.RingTimeout > 5*time.Minute {
		return bad("ring_timeout", "%v not in 1s-5m", t.RingTimeout)
	}
	if t.Header == "" || strings.ContainsAny(t.Header, " \t\r\n:") {
		return bad("header", "%q must be one header name", t.Header)
	}
	if t.ConsoleURL != "" {
		u, err := url.Parse(t.ConsoleURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("console_url", "%q is not an http(s) URL", t.ConsoleURL)
		}
	}
	return nil
}

// handoffHeader is the summary the agent's phone or PBX gets:
// "<https://host/console/agent?session=S>;session=S;reason=request".
func (t TransferConfig) handoffHeader(session, reason string) sipmsg.Header {
	var b strings.Builder
	if t.ConsoleURL != "" {
		u, _ := url.Parse(t.ConsoleURL) // validated
		q := u.Query()
		q.Set("session", session)
		u.RawQuery = q.Encode()
		fmt.Fprintf(&b, "<%s>;", u.String())
	}
	fmt.Fprintf(&b, "session=%s", paramValue(session))
	if reason != "" {
		fmt.Fprintf(&b, ";reason=%s", paramValue(reason))
	}
	return sipmsg.NewHeader(t.Header, b.String())
}

// paramValue keeps a header parameter one token (RFC 3261 section 25.1).
func paramValue(v string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(";,<>\"", r) {
			return '_'
		}
		return r
	}, v)
}

// fallbackText is what the bot says when the agent cannot be reached: the
// handoff the brain queued stays in the console's queue.
var fallbackText = map[string]string{
	"en": "I'm sorry, none of our agents could take your call just now. Your request is in their queue and an agent will call you back as soon as possible. Is there anything else I can help you with meanwhile?",
	"zh": "抱歉，人工客服现在都在忙，暂时没能接通。您的请求已经登记，客服会尽快给您回电。在这之前还有什么可以帮您的吗？",
}

// startTransfer marks the call as transferring; false if it already is.
func (c *Call) startTransfer() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.xfer {
		return false
	}
	c.xfer = true
	return true
}

// transfer hands the call to a person after the brain's handoff sentence
// was spoken, on the transfer goroutine run owns.
func (s *Server) transfer(ctx context.Context, c *Call, tx *sender, session string, reply dialog.Reply, log *slog.Logger) {
	t := s.cfg.Transfer
	log = log.With("transfer", t.Mode, "target", t.Target, "session", session)
	c.update(func(i *CallInfo) { i.TransferTarget = t.Target })
	hdr := t.handoffHeader(session, reply.HandoffReason)
	var outcome string
	switch t.Mode {
	case TransferRefer:
		outcome = s.refer(ctx, c, hdr, log)
	case TransferBridge:
		outcome = s.bridgeTo(ctx, c, tx, hdr, log)
	}
	c.update(func(i *CallInfo) { i.TransferResult = outcome })
	log.Info("sip: transfer", "outcome", outcome)
	if outcome == OutcomeTransferred || outcome == OutcomeBridged || ctx.Err() != nil {
		return
	}
	// Nobody took it: the voice loop gets the call back and says so.
	c.hold.Store(false)
	c.mu.Lock()
	ctl := c.ctl
	c.mu.Unlock()
	if ctl == nil {
		log.Warn("sip: transfer failed and the answerer gave no controls to tell the caller")
		return
	}
	text := fallbackText[reply.Lang]
	if text == "" {
		text = fallbackText["en"]
	}
	if err := ctl.Say(ctx, text); err != nil {
		log.Warn("sip: tell the caller the transfer failed", "err", err)
	}
}

// handOver ends the bot's part: the voice loop leaves the call.
func (c *Call) handOver() {
	c.endReason(ReasonTransferred, 0)
	c.mu.Lock()
	leave := c.leave
	c.mu.Unlock()
	if leave != nil {
		leave()
	}
}

// refer sends a blind transfer (RFC 3515 section 2.4.1) in the call's
// dialog and follows the implicit subscription's NOTIFYs (section 2.4.5,
// message/sipfrag bodies) to the final status. On success the bot's leg
// ends with BYE (RFC 5589 section 6.1).
func (s *Server) refer(ctx context.Context, c *Call, hdr sipmsg.Header, log *slog.Logger) string {
	if c.dialog == nil {
		return OutcomeFailed // a call we placed: REFER goes to the callee the same way, not supported yet
	}
	t := s.cfg.Transfer
	c.hold.Store(true)
	inv := c.dialog.InviteRequest
	target := inv.From().Address
	if ct := inv.Contact(); ct != nil {
		target = ct.Address
	}
	req := sipmsg.NewRequest(sipmsg.REFER, *target.Clone())
	req.AppendHeader(sipmsg.NewHeader("Refer-To", "<"+t.Target+">"))
	if dua := s.dialogs[c.Info().Transport]; dua != nil {
		req.AppendHeader(sipmsg.NewHeader("Referred-By", "<"+dua.ContactHDR.Address.String()+">"))
	}
	req.AppendHeader(hdr)
	for len(c.notify) > 0 {
		<-c.notify // stale
	}
	rctx, cancel := context.WithTimeout(ctx, t.RingTimeout)
	defer cancel()
	res, err := c.dialog.Do(rctx, req)
	if err != nil {
		log.Warn("sip: REFER", "err", err)
		if errors.Is(rctx.Err(), context.DeadlineExceeded) {
			return OutcomeNoAnswer
		}
		return OutcomeFailed
	}
	if !res.IsSuccess() { // 202 Accepted (section 2.4.2); 4xx/5xx: the caller's phone will not transfer
		log.Info("sip: REFER refused", "status", res.StatusCode)
		return OutcomeRejected
	}
	for {
		select {
		case status := <-c.notify:
			switch {
			case status < 200:
				continue // 100 Trying, 180 Ringing
			case status < 300:
				c.handOver()
				return OutcomeTransferred
			default:
				return outcomeOf(status)
			}
		case <-rctx.Done():
			if ctx.Err() != nil {
				return OutcomeFailed
			}
			return OutcomeNoAnswer
		}
	}
}

// onNotify takes a NOTIFY in a call's dialog: the REFER's progress.
func (s *Server) onNotify(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	c := s.dialogCall(req)
	if c == nil {
		return respond(req, tx, 481)
	}
	if err := c.dialog.ReadRequest(req, tx); err != nil {
		return errors.Join(err, respond(req, tx, 500))
	}
	if err := respond(req, tx, 200); err != nil {
		return err
	}
	status, ok := parseSipfrag(req.Body())
	if !ok {
		return fmt.Errorf("sip: NOTIFY without a sipfrag status line: %w", ErrBadEvent)
	}
	select {
	case c.notify <- status:
	default: // bounded: a flood of NOTIFYs is dropped
	}
	return nil
}

// parseSipfrag reads the status line of a message/sipfrag body (RFC 3420):
// "SIP/2.0 200 OK".
func parseSipfrag(body []byte) (int, bool) {
	line, _, _ := strings.Cut(string(body), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "SIP/") {
		return 0, false
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return 0, false
	}
	return code, true
}

// bridge joins an answered call to an agent's leg.
type bridge struct {
	ctx  context.Context
	to   *sender // to the agent
	log  *slog.Logger
	errs int
}

// fromCaller relays the caller's decoded audio to the agent, on the
// caller's receive goroutine.
func (b *bridge) fromCaller(pcm []int16) {
	if err := b.to.send(b.ctx, media.Frame{Samples: pcm, Rate: codec.G711Rate}); err != nil && b.ctx.Err() == nil {
		b.errs++
		if b.errs == 1 {
			b.log.Warn("sip: relay to the agent", "err", err)
		}
	}
}

// bridgeTo calls the agent, plays hold audio to the caller while it rings
// and, once answered, relays audio both ways (transcoding between the
// legs' G.711 laws) until either side hangs up.
func (s *Server) bridgeTo(ctx context.Context, c *Call, tx *sender, hdr sipmsg.Header, log *slog.Logger) string {
	t := s.cfg.Transfer
	c.hold.Store(true)
	holdCtx, stopHold := context.WithCancel(ctx)
	var hold sync.WaitGroup
	hold.Go(func() { playHold(holdCtx, tx) })
	l, err := s.place(ctx, t.Target, t.RingTimeout, hdr)
	stopHold()
	hold.Wait()
	if err != nil {
		var pe *PlaceError
		if errors.As(err, &pe) {
			log.Info("sip: agent not reached", "outcome", pe.Outcome, "status", pe.Status, "err", err)
			return pe.Outcome
		}
		return OutcomeFailed
	}
	defer func() {
		if err := errors.Join(l.hangup(), l.close()); err != nil {
			log.Warn("sip: agent leg", "err", err)
		}
	}()
	agentLaw, _ := codec.ByName(l.neg.Audio.Name)
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	to := &sender{clock: s.clock, law: agentLaw, pt: l.neg.Audio.PT, sess: l.sess,
		ssrc: randUint32(), seq: uint16(randUint32()), ts: randUint32()}
	c.bridge.Store(&bridge{ctx: bctx, to: to, log: log})
	c.handOver()
	log.Info("sip: bridged to the agent", "codec", l.neg.Audio.Name)

	var relay sync.WaitGroup
	relay.Go(func() { relayFromAgent(bctx, l, agentLaw, tx, log) })
	select {
	case <-ctx.Done(): // the caller hung up or the server closed
	case <-l.d.Context().Done(): // the agent hung up
	}
	cancel()
	_ = l.sess.conn.SetReadDeadline(time.Now()) // ends relayFromAgent's read
	relay.Wait()
	return OutcomeBridged
}

// relayFromAgent reads the agent's RTP and sends its audio to the caller.
func relayFromAgent(ctx context.Context, l *leg, law codec.G711, tx *sender, log *slog.Logger) {
	buf := make([]byte, rtpMaxPacket)
	var (
		pkt     rtpPacket
		pcm     []int16
		latched bool
	)
	remote := l.sess.remote.Load()
	for ctx.Err() == nil {
		n, from, err := l.sess.conn.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
				return
			}
			continue
		}
		if parseRTP(buf[:n], &pkt) != nil || pkt.PT != l.neg.Audio.PT {
			continue
		}
		if remote != nil && !from.IP.Equal(remote.IP) {
			continue
		}
		if !latched { // symmetric RTP (RFC 4961)
			latched = true
			l.sess.remote.Store(&net.UDPAddr{IP: append(net.IP(nil), from.IP...), Port: from.Port})
		}
		pcm = law.Decode(pcm[:0], pkt.Payload)
		if err := tx.send(ctx, media.Frame{Samples: pcm, Rate: codec.G711Rate}); err != nil {
			if ctx.Err() == nil && !errors.Is(err, ErrCallEnded) {
				log.Warn("sip: relay to the caller", "err", err)
			}
			return
		}
	}
}

// Hold audio: a soft two-note chime (A4, C#5) every two seconds, made
// here so no file ships with the binary.
const (
	holdNote   = 400 * time.Millisecond
	holdPeriod = 2 * time.Second
	holdLevel  = 2500.0
)

// holdFrame fills f (20 ms at 8 kHz) with the hold pattern at offset n
// (samples since the start).
func holdFrame(f []int16, n int) {
	period := int(holdPeriod / time.Second * codec.G711Rate)
	note := int(holdNote * codec.G711Rate / time.Second)
	fade := codec.G711Rate / 100 // 10 ms
	for i := range f {
		p := (n + i) % period
		var freq float64
		switch {
		case p < note:
			freq = 440
		case p < 2*note:
			freq, p = 554.37, p-note
		default:
			f[i] = 0
			continue
		}
		env := 1.0
		if p < fade {
			env = float64(p) / float64(fade)
		} else if note-p < fade {
			env = float64(note-p) / float64(fade)
		}
		f[i] = int16(holdLevel * env * math.Sin(2*math.Pi*freq*float64(p)/codec.G711Rate))
	}
}

// playHold sends hold audio to the caller until ctx is done (the sender
// paces it to real time).
func playHold(ctx context.Context, tx *sender) {
	frame := make([]int16, codec.G711Rate/50)
	for n := 0; ctx.Err() == nil; n += len(frame) {
		holdFrame(frame, n)
		if err := tx.send(ctx, media.Frame{Samples: frame, Rate: codec.G711Rate}); err != nil {
			return
		}
	}
}
