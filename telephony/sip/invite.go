package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/telephony"
)

// hangupTimeout bounds sending BYE when the bot ends a call.
const hangupTimeout = 5 * time.Second

// HangupGrace is how long the Answerer may run on after the caller hung
// up (to record the last turn) before its context is cancelled.
const HangupGrace = 2 * time.Second

// newCall describes a new INVITE's call.
func (s *Server) newCall(req *sipmsg.Request) *Call {
	c := &Call{id: rand.Uint64() >> 1, notify: make(chan int, 8)}
	c.info = CallInfo{
		From:      fromUser(req),
		To:        calledUser(req),
		Transport: strings.ToUpper(req.Transport()),
		Remote:    req.Source(),
		Start:     s.clock.Now(),
	}
	if h := req.CallID(); h != nil {
		c.info.ID = h.Value()
	}
	r := s.cfg.route(c.info.To)
	c.info.Shop, c.info.Lang = r.Shop, r.Lang
	return c
}

// handleInvite runs an admitted call with an acceptable offer from
// ringing to hang-up, on the INVITE's goroutine.
func (s *Server) handleInvite(c *Call, off sdpOffer, neg negotiated) {
	d := c.dialog
	req := d.InviteRequest
	log := s.log.With("call", c.info.ID, "from", c.info.From, "to", c.info.To)
	var (
		res    telephony.Result
		ansErr error
	)
	defer func() { s.finish(c, res, ansErr) }()
	c.info.Stats.Codec = neg.Audio.Name

	if err := d.Respond(sipmsg.StatusTrying, "Trying", nil); err != nil {
		c.endReason(ReasonCancelled, sipmsg.StatusRequestTerminated)
		return
	}
	if err := d.Respond(sipmsg.StatusRinging, "Ringing", nil); err != nil {
		c.endReason(ReasonCancelled, sipmsg.StatusRequestTerminated)
		return
	}
	if s.cfg.RingTime > 0 {
		select {
		case <-d.Context().Done():
		case <-s.ctx.Done():
		case <-s.clock.After(s.cfg.RingTime):
		}
	}
	if d.Context().Err() != nil {
		c.endReason(ReasonCancelled, sipmsg.StatusRequestTerminated)
		log.Info("sip: cancelled before answer")
		return
	}
	if s.ctx.Err() != nil {
		c.endReason(ReasonServerClosed, sipmsg.StatusServiceUnavailable)
		_ = d.Respond(sipmsg.StatusServiceUnavailable, reasonPhrase(503), nil, s.retryAfter())
		return
	}

	sess, err := s.openMedia(req, off)
	if err != nil {
		c.endReason(ReasonError, sipmsg.StatusServiceUnavailable)
		log.Warn("sip: media", "err", err)
		_ = d.Respond(sipmsg.StatusServiceUnavailable, reasonPhrase(503), nil, s.retryAfter())
		return
	}
	defer func() {
		if e := sess.Close(); e != nil {
			log.Debug("sip: close media", "err", e)
		}
	}()
	c.keys = media.NewEventQueue(0)
	c.mu.Lock()
	c.sess, c.neg = sess, neg
	c.mu.Unlock()

	// 200 OK with our answer; RespondSDP waits for the ACK (64*T1 at most).
	if err := d.RespondSDP(answerSDP(sess.advertised, sess.local.Port, neg, c.id)); err != nil {
		reason := ReasonError
		if d.Context().Err() != nil {
			reason = ReasonCancelled
		}
		c.endReason(reason, 0)
		log.Warn("sip: answer failed", "err", err)
		return
	}
	c.update(func(i *CallInfo) { i.Answer = s.clock.Now(); i.Status = sipmsg.StatusOK })
	log.Info("sip: answered", "codec", neg.Audio.Name, "transport", c.info.Transport, "rtp", sess.local.String())

	res, ansErr = s.run(c, sess, neg, log)
}

// openMedia binds the call's RTP ports and points them at the offer.
func (s *Server) openMedia(req *sipmsg.Request, off sdpOffer) (*rtpSession, error) {
	bind := net.IPv4zero
	host := ""
	if strings.EqualFold(req.Transport(), "TCP") {
		host, _, _ = net.SplitHostPort(addrString(s.TCPAddr()))
	} else {
		host, _, _ = net.SplitHostPort(addrString(s.UDPAddr()))
	}
	if ip := net.ParseIP(host); ip != nil {
		bind = ip
	}
	sess, err := s.ports.open(bind)
	if err != nil {
		return nil, err
	}
	switch ext := net.ParseIP(s.cfg.ExternalHost); {
	case ext != nil:
		sess.advertised = ext
	case !bind.IsUnspecified():
		sess.advertised = bind
	default:
		sess.advertised = localIPFor(off.Addr)
		if sess.advertised == nil {
			sess.advertised = localIPFor(net.IPv4(192, 0, 2, 1))
		}
		if sess.advertised == nil {
			return nil, errors.Join(fmt.Errorf("sip: no local address to advertise for %s", off.Addr), sess.Close())
		}
	}
	if !off.Addr.IsUnspecified() {
		sess.remote.Store(&net.UDPAddr{IP: off.Addr, Port: off.Port})
	}
	return sess, nil
}

// run connects the answered call's media to the Answerer and returns when
// the call is over and hung up on both sides.
func (s *Server) run(c *Call, sess *rtpSession, neg negotiated, log *slog.Logger) (telephony.Result, error) {
	d := c.sig
	law, _ := codec.ByName(neg.Audio.Name)
	jb := newJitterBuffer(s.clock, codec.G711Rate, s.cfg.JitterDelay, s.cfg.MediaTimeout)
	jb.onBehind = func(d time.Duration) {
		log.Warn("sip: the answerer reads caller audio late", "behind", d)
	}
	event := -1
	if neg.Event.Name != "" {
		event = int(neg.Event.PT)
	}
	rx := &receiver{
		call:  c,
		sess:  sess,
		law:   law,
		audio: neg.Audio.PT,
		event: event,
		jb:    jb,
		log:   s.log.With("call", c.info.ID),
	}
	if r := sess.remote.Load(); r != nil {
		rx.remote = r.IP
	}
	tx := &sender{
		clock: s.clock,
		law:   law,
		pt:    neg.Audio.PT,
		sess:  sess,
		call:  c,
		ssrc:  rand.Uint32(),
		seq:   uint16(rand.Uint32()),
		ts:    rand.Uint32(),
	}
	rxDone := make(chan struct{})
	go func() {
		defer close(rxDone)
		rx.run()
	}()
	// The caller's hang-up (BYE) ends the dialog: the reader returns io.EOF
	// and the writer ErrCallEnded. The Answerer then has HangupGrace to
	// finish the turn in hand before its context is cancelled (a player
	// still draining an answer nobody hears must not hold the call).
	callCtx, cancelCall := context.WithCancel(s.ctx)
	defer cancelCall()
	c.mu.Lock()
	c.leave = cancelCall
	c.mu.Unlock()
	if c.dialCtx != nil { // Dial's caller gave up: the bot hangs up
		stopDial := context.AfterFunc(c.dialCtx, func() {
			c.endReason(ReasonBotHangup, 0)
			cancelCall()
		})
		defer stopDial()
	}
	// A transfer runs on its own goroutine (owned here): it may outlive
	// the voice loop (a bridge), never the call.
	xctx, xcancel := context.WithCancel(s.ctx)
	defer xcancel()
	stopX := context.AfterFunc(d.Context(), xcancel)
	defer stopX()
	var xwg sync.WaitGroup
	var grace atomic.Pointer[time.Timer]
	stopWatch := context.AfterFunc(d.Context(), func() {
		c.endOK.Store(true)
		c.endReason(ReasonCallerHangup, sipmsg.StatusOK)
		jb.close(io.EOF)
		grace.Store(time.AfterFunc(HangupGrace, cancelCall))
	})

	if s.onAnswer != nil {
		s.onAnswer(c)
	}
	tc := telephony.Call{
		Door:    telephony.DoorSIP,
		ID:      c.info.ID,
		Shop:    c.info.Shop,
		Lang:    c.info.Lang,
		Caller:  c.info.From,
		Callee:  c.info.To,
		Rate:    codec.G711Rate,
		Opening: c.opening,
	}
	if c.info.Outbound { // the person the bot called is the caller of the voice loop
		tc.Caller, tc.Callee = c.info.To, c.info.From
	}
	var in media.Reader = jb
	if c.amd != nil {
		in = amdReader{r: jb, a: c.amd}
	}
	transfer := s.cfg.Transfer.Mode == TransferRefer || s.cfg.Transfer.Mode == TransferBridge
	if s.onEvent != nil || transfer {
		tc.OnEvent = func(ev voice.Event) {
			// The turn event comes once the handoff sentence was spoken.
			if transfer && ev.Kind == voice.EventTurn && ev.Turn != nil && ev.Turn.Reply.Handoff &&
				!ev.Turn.Reply.Callback && c.startTransfer() {
				reply := ev.Turn.Reply
				c.hold.Store(true) // from now on the voice loop is muted
				xwg.Go(func() { s.transfer(xctx, c, tx, ev.Session, reply, log) })
			}
			if s.onEvent != nil {
				s.onEvent(c, ev)
			}
		}
	}
	tc.OnStart = func(ctl telephony.Controls) {
		c.mu.Lock()
		c.ctl = ctl
		c.mu.Unlock()
	}
	res, err := s.ans.Answer(callCtx, tc, in, c.keys, tx)
	if c.bridge.Load() == nil {
		xcancel() // a transfer in progress ends with the voice loop
	}
	xwg.Wait() // a bridge ends when either side hangs up
	if !stopWatch() {
		for g := grace.Load(); g == nil; g = grace.Load() {
			runtime.Gosched() // the hang-up is being handled right now
		}
		grace.Load().Stop()
	}
	// The door ended the voice loop on purpose (a transfer, a voicemail,
	// Dial's context): its context error is no failure.
	left := false
	switch c.Info().Reason {
	case ReasonTransferred, ReasonVoicemail, ReasonBotHangup:
		left = true
	}

	switch {
	case errors.Is(err, ErrMediaTimeout):
		c.endReason(ReasonMediaTimeout, 0)
	case s.ctx.Err() != nil:
		c.endReason(ReasonServerClosed, 0)
	case err != nil && !c.ended():
		c.endReason(ReasonError, 0)
	default:
		c.endReason(ReasonBotHangup, 0)
	}
	if err != nil && (c.ended() || s.ctx.Err() != nil || left) &&
		(errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) || errors.Is(err, ErrCallEnded)) {
		err = nil // the call ended the usual way
	}
	if err != nil {
		log.Warn("sip: answerer failed", "err", err)
	}

	c.endOK.Store(true)
	jb.close(io.EOF)
	c.keys.Close()
	jb.mu.Lock()
	late, overflow, concealed := jb.late, jb.overflow, jb.concealed
	jb.mu.Unlock()
	c.count(func(st *Stats) { st.Late, st.Overflow, st.Concealed = late, overflow, concealed })
	if d.Context().Err() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
		if e := d.Bye(ctx); e != nil && d.Context().Err() == nil {
			log.Warn("sip: hang up", "err", e)
		}
		cancel()
	}
	if e := sess.Close(); e != nil {
		log.Debug("sip: close media", "err", e)
	}
	<-rxDone
	if err != nil {
		return res, fmt.Errorf("sip: call %s: %w", c.info.ID, err)
	}
	return res, nil
}

// finish stamps the end of a call and tells the observer.
func (s *Server) finish(c *Call, res telephony.Result, err error) {
	c.update(func(i *CallInfo) { i.End = s.clock.Now() })
	info := c.Info()
	s.log.Info("sip: call ended", "call", info.ID, "reason", info.Reason, "status", info.Status,
		"codec", info.Stats.Codec, "in", info.Stats.PacketsIn, "lost", info.Stats.PacketsLost,
		"jitter", info.Stats.Jitter, "out", info.Stats.PacketsOut, "turns", len(res.Turns))
	if s.records != nil {
		s.recordCall(info, res)
	}
	if s.onEnd != nil {
		s.onEnd(info, res, err)
	}
}

// negotiate checks the INVITE's offer against the configured codecs.
func (s *Server) negotiate(body []byte) (sdpOffer, negotiated, error) {
	if len(body) == 0 {
		// A late offer (RFC 3261 section 13.2.1) is not supported yet.
		return sdpOffer{}, negotiated{}, fmt.Errorf("sip: INVITE without an SDP offer: %w", ErrNoCommonCodec)
	}
	off, err := parseSDPOffer(body)
	if err != nil {
		return off, negotiated{}, err
	}
	neg, err := off.choose(s.cfg.Codecs)
	return off, neg, err
}

// calledUser is the number called: the Request-URI user, else the To user.
func calledUser(req *sipmsg.Request) string {
	if u := req.Recipient.User; u != "" {
		return u
	}
	if to := req.To(); to != nil {
		return to.Address.User
	}
	return ""
}

func fromUser(req *sipmsg.Request) string {
	if f := req.From(); f != nil {
		return f.Address.User
	}
	return ""
}
