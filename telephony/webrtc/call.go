package webrtc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/codec/opus"
	"github.com/callbee/callbee/telephony"
)

// outboxSize bounds the events waiting for the page (oldest dropped).
const outboxSize = 256

// outbox is a call's bounded queue of events for the page. It outlives
// sockets, so a resumed page gets what it missed.
type outbox struct {
	mu      sync.Mutex // serialises push's drop-and-retry
	ch      chan Event
	dropped atomic.Uint64
}

func (o *outbox) push(ev Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for range 2 {
		select {
		case o.ch <- ev:
			return
		default:
		}
		select {
		case <-o.ch:
			o.dropped.Add(1)
		default:
		}
	}
	o.dropped.Add(1)
}

// call is one browser call: its peer connection, media queues and the
// Answerer's run. Its supervisor (run) owns every goroutine it starts.
type call struct {
	d      *Door
	id     string
	token  string
	shop   string
	caller string
	log    *slog.Logger
	ctx    context.Context // cancelled when the call ends
	cancel context.CancelFunc
	outbox *outbox
	dtmf   *media.EventQueue

	hung      chan struct{} // closed by hangup
	hangOnce  sync.Once
	connected chan struct{} // closed when media first connects
	connOnce  sync.Once
	ctlBusy   atomic.Bool

	mu         sync.Mutex // guards the fields below
	lang       string
	reason     string
	pc         *pion.PeerConnection
	codec      string
	rate       int
	in         *inbound
	out        *outbound
	sess       *session           // the attached socket, nil while detached
	detached   *time.Timer        // hangs up when no socket resumes in time
	failed     *time.Timer        // hangs up when failed media does not recover
	session    string             // the brain session, from events
	asksOrder  bool               // the last reply asked for an order number (keys are collected)
	controls   telephony.Controls // the running call's controls, once it runs
	answerSent bool
	closing    bool
	ended      bool

	wg sync.WaitGroup // track reader, RTCP reader, sender, control turns
}

func newCall(d *Door, s *session, m Message) (*call, error) {
	id, err := randomHex(8)
	if err != nil {
		return nil, err
	}
	token, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	c := &call{
		d: d, id: id, token: token, shop: m.Shop, lang: m.Lang, caller: m.Caller,
		log:       d.log.With("call", id, "shop", m.Shop),
		outbox:    &outbox{ch: make(chan Event, outboxSize)},
		dtmf:      media.NewEventQueue(0),
		hung:      make(chan struct{}),
		connected: make(chan struct{}),
		sess:      s,
	}
	if c.caller == "" {
		c.caller = s.ip
	}
	c.ctx, c.cancel = context.WithTimeout(d.ctx, d.cfg.MaxCallDuration)
	return c, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webrtc: random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (c *call) tokenOK(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(c.token)) == 1
}

func (c *call) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// hangup ends the call: the caller's audio ends (io.EOF) and the Answerer
// winds down. The first reason wins.
func (c *call) hangup(reason string) {
	c.hangOnce.Do(func() {
		c.mu.Lock()
		if c.reason == "" {
			c.reason = reason
		}
		in := c.in
		c.mu.Unlock()
		close(c.hung)
		if in != nil {
			in.close()
		}
	})
}

// detach is called when s's socket is gone; the call waits
// Config.ResumeWindow for another socket.
func (c *call) detach(s *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != s || c.ended {
		return
	}
	select {
	case <-c.hung: // the page hung up and left: nothing to resume
		return
	default:
	}
	c.sess = nil
	c.log.Info("socket lost; waiting for resume", "window", c.d.cfg.ResumeWindow)
	c.detached = time.AfterFunc(c.d.cfg.ResumeWindow, func() { c.hangup("socket lost") })
}

// reattach moves the call to socket s and returns the socket it leaves.
func (c *call) reattach(s *session) *session {
	c.mu.Lock()
	old := c.sess
	c.sess = s
	if c.detached != nil {
		c.detached.Stop()
		c.detached = nil
	}
	c.mu.Unlock()
	c.outbox.push(Event{Type: EvResumed, Call: c.id})
	c.log.Info("call resumed")
	return old
}

// pickCodec chooses the call's codec from the page's offer (RFC 4566
// rtpmap): Opus when offered, else PCMU.
func pickCodec(offer string) (string, int, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return "", 0, fmt.Errorf("webrtc: offer sdp: %w: %w", ErrBadMessage, err)
	}
	hasOpus, hasPCMU := false, false
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			_, enc, ok := strings.Cut(a.Value, " ")
			if !ok {
				continue
			}
			switch {
			case strings.HasPrefix(strings.ToLower(enc), "opus/48000"):
				hasOpus = true
			case strings.HasPrefix(strings.ToUpper(enc), "PCMU/8000"):
				hasPCMU = true
			}
		}
		// RFC 3551 static payload type 0 needs no rtpmap.
		for _, f := range md.MediaName.Formats {
			if f == "0" {
				hasPCMU = true
			}
		}
	}
	switch {
	case hasOpus:
		return CodecOpus, opus.ClockRate, nil
	case hasPCMU:
		return CodecPCMU, codec.G711Rate, nil
	}
	return "", 0, fmt.Errorf("webrtc: offer: %w", ErrNoCodec)
}

// offer applies the page's offer (the first one creates the peer
// connection; later ones renegotiate, e.g. an ICE restart) and sends the
// answer.
func (c *call) offer(sdpText string) error {
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc == nil {
		var err error
		if pc, err = c.newPeer(sdpText); err != nil {
			return err
		}
	}
	if err := pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: sdpText}); err != nil {
		return fmt.Errorf("webrtc: remote offer: %w: %w", ErrBadMessage, err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("webrtc: create answer: %w", err)
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("webrtc: local answer: %w", err)
	}
	t := time.NewTimer(c.d.cfg.GatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
	case <-c.ctx.Done():
		return fmt.Errorf("webrtc: offer: %w", ErrClosed)
	}
	c.mu.Lock()
	c.answerSent = true
	ld := pc.LocalDescription()
	c.mu.Unlock()
	if ld == nil {
		return fmt.Errorf("webrtc: no local description: %w", ErrProtocol)
	}
	c.outbox.push(Event{Type: EvAnswer, SDP: ld.SDP})
	return nil
}

// newPeer creates the call's peer connection and local track for the
// codec the offer allows.
func (c *call) newPeer(offer string) (*pion.PeerConnection, error) {
	name, rate, err := pickCodec(offer)
	if err != nil {
		return nil, err
	}
	capab := opusCapability
	if name == CodecPCMU {
		capab = pcmuCapability
	}
	pc, err := c.d.api.NewPeerConnection(pion.Configuration{ICEServers: c.d.cfg.iceServers()})
	if err != nil {
		return nil, fmt.Errorf("webrtc: peer connection: %w", err)
	}
	track, err := pion.NewTrackLocalStaticSample(capab, "audio", "callbee")
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("webrtc: local track: %w", err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("webrtc: add track: %w", err)
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		_ = pc.Close()
		return nil, fmt.Errorf("webrtc: offer: %w", ErrClosed)
	}
	c.pc, c.codec, c.rate = pc, name, rate
	c.in, c.out = newInbound(rate), newOutbound(rate)
	c.wg.Add(2)
	c.mu.Unlock()
	go func() { // RTCP from the page goes through the interceptors (reports, NACK)
		defer c.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	go func() {
		defer c.wg.Done()
		c.send(track)
	}()
	pc.OnICECandidate(func(cand *pion.ICECandidate) {
		if cand == nil {
			return
		}
		c.mu.Lock()
		sent := c.answerSent
		c.mu.Unlock()
		if !sent { // it is in the answer
			return
		}
		j := cand.ToJSON()
		c.outbox.push(Event{Type: EvCandidate, Candidate: &Candidate{Candidate: j.Candidate, SDPMid: j.SDPMid,
			SDPMLineIndex: j.SDPMLineIndex, UsernameFragment: j.UsernameFragment}})
	})
	pc.OnConnectionStateChange(c.stateChanged)
	pc.OnTrack(func(t *pion.TrackRemote, _ *pion.RTPReceiver) {
		if t.Kind() != pion.RTPCodecTypeAudio {
			return
		}
		c.mu.Lock()
		if c.closing {
			c.mu.Unlock()
			return
		}
		c.wg.Add(1)
		c.mu.Unlock()
		go func() {
			defer c.wg.Done()
			c.readTrack(t)
		}()
	})
	return pc, nil
}

func (c *call) stateChanged(st pion.PeerConnectionState) {
	c.log.Debug("peer connection", "state", st.String())
	switch st {
	case pion.PeerConnectionStateConnected:
		c.connOnce.Do(func() { close(c.connected) })
		c.mu.Lock()
		if c.failed != nil {
			c.failed.Stop()
			c.failed = nil
		}
		c.mu.Unlock()
	case pion.PeerConnectionStateFailed:
		c.mu.Lock()
		if c.failed == nil && !c.closing {
			c.failed = time.AfterFunc(c.d.cfg.ResumeWindow, func() { c.hangup("media failed") })
		}
		c.mu.Unlock()
	case pion.PeerConnectionStateClosed:
		c.hangup("media closed")
	}
}

// addCandidate adds a trickled candidate of the page; an empty one marks
// the end of its candidates.
func (c *call) addCandidate(cand Candidate) error {
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc == nil {
		return errProtocol("candidate before offer")
	}
	err := pc.AddICECandidate(pion.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid,
		SDPMLineIndex: cand.SDPMLineIndex, UsernameFragment: cand.UsernameFragment})
	if err != nil {
		return fmt.Errorf("webrtc: candidate: %w: %w", ErrBadMessage, err)
	}
	return nil
}

// readTrack decodes the caller's RTP until the peer connection closes.
func (c *call) readTrack(t *pion.TrackRemote) {
	name := CodecOpus
	if strings.EqualFold(t.Codec().MimeType, pion.MimeTypePCMU) {
		name = CodecPCMU
	}
	c.mu.Lock()
	in, rate := c.in, c.rate
	c.mu.Unlock()
	r, err := newReceiver(name, rate, in.push)
	if err != nil {
		c.log.Warn("caller track", "codec", t.Codec().MimeType, "err", err)
		return
	}
	c.log.Info("caller audio", "codec", name, "rate", rate)
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			break
		}
		if err := r.packet(pkt.SequenceNumber, pkt.Payload); err != nil && r.bad == 1 {
			c.log.Warn("caller packet does not decode (logged once)", "err", err)
		}
	}
	c.log.Info("caller audio ended", "packets", r.packets, "lost", r.lost, "concealed", r.concealed,
		"late", r.late, "bad", r.bad, "padding", r.padding, "dropped", in.dropped.Load())
}

// send writes one bot frame (or comfort silence) every 20 ms until the call ends.
func (c *call) send(track *pion.TrackLocalStaticSample) {
	c.mu.Lock()
	name, rate, out := c.codec, c.rate, c.out
	c.mu.Unlock()
	var enc frameEncoder = codec.PCMU
	if name == CodecOpus {
		e, err := opus.NewEncoder(rate, opus.WithComplexity(5), opus.WithFEC(5))
		if err != nil {
			c.log.Error("bot audio encoder", "err", err)
			c.hangup("encoder failed")
			return
		}
		enc = e
	}
	// Start sending once media connects: before that there is nobody to hear it.
	select {
	case <-c.connected:
	case <-c.ctx.Done():
		return
	}
	silence := make([]int16, media.SamplesPerFrame(rate))
	pkt := make([]byte, 0, opus.MaxPacketSize)
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	var seq uint64
	errs := 0
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
		s := out.next()
		if s == nil {
			s = silence
		}
		var err error
		pkt, err = enc.EncodeFrame(pkt[:0], media.Frame{Samples: s, Rate: rate, At: media.FrameAt(seq), Seq: seq})
		seq++
		if err == nil {
			err = track.WriteSample(pmedia.Sample{Data: pkt, Duration: media.FrameDuration})
		}
		if err != nil {
			if errors.Is(err, io.ErrClosedPipe) {
				return
			}
			if errs++; errs == 1 {
				c.log.Warn("bot audio (logged once)", "err", err)
			}
		}
	}
}

// control delivers a page button to the brain (see the package comment).
func (c *call) control(action, key string) error {
	c.mu.Lock()
	up := c.in != nil && !c.ended
	c.mu.Unlock()
	if !up {
		return errProtocol("control before the call is up")
	}
	var digit rune
	switch action {
	case ActionRepeat:
		digit = '*'
	case ActionHuman:
		digit = '0'
	case ActionCard:
		digit = rune(key[0])
	case ActionSlower, ActionLouder:
		return c.textTurn(action)
	default:
		return fmt.Errorf("webrtc: action %q: %w", action, ErrBadMessage)
	}
	c.mu.Lock()
	at := media.FrameAt(uint64(c.in.at()))
	collecting := c.asksOrder
	c.mu.Unlock()
	keys := []rune{digit}
	if collecting && digit != '*' {
		// While the bot asks for an order number the voice loop collects
		// keys until '#': end the entry at once so the brain gets the
		// button's key alone ("0" is a handoff, "1"-"9" a card there too).
		// '*' there starts the entry over; it cannot mean repeat.
		keys = append(keys, '#')
	}
	for i, k := range keys {
		c.dtmf.Push(media.Event{Kind: media.DTMF, Digit: k, At: at + time.Duration(i)*150*time.Millisecond, Duration: 100 * time.Millisecond})
	}
	return nil
}

// controlTexts are the caller's words for the buttons without a key.
var controlTexts = map[string]map[string]string{
	ActionSlower: {"en": "speak more slowly", "zh": "说慢一点"},
	ActionLouder: {"en": "speak louder", "zh": "大声一点"},
}

// textTurn sends the words of a button to the call as a caller turn, so
// the reply is spoken in turn like any other; an answerer without controls
// gets them straight to the brain's session (the reply is only shown).
func (c *call) textTurn(action string) error {
	c.mu.Lock()
	ctl, lang := c.controls, c.lang
	c.mu.Unlock()
	if ctl != nil {
		if lang == "" {
			lang = "zh"
		}
		if err := ctl.Submit(dialog.Input{Text: controlTexts[action][lang]}); err != nil {
			return fmt.Errorf("webrtc: %s: %w", action, err)
		}
		return nil
	}
	if c.d.brains == nil {
		return fmt.Errorf("webrtc: %s needs an answerer with a text path: %w", action, ErrProtocol)
	}
	c.mu.Lock()
	sid, lang := c.session, c.lang
	c.mu.Unlock()
	if sid == "" {
		return errProtocol(action + " before the welcome")
	}
	if lang == "" {
		lang = "zh" // the shop's first language, as telephony/switchboard picks it
	}
	brain, ok := c.d.brains.Brain(c.shop)
	if !ok {
		return fmt.Errorf("webrtc: shop %q has no brain: %w", c.shop, ErrProtocol)
	}
	if !c.ctlBusy.CompareAndSwap(false, true) {
		return errProtocol(action + ": the previous button is still being answered")
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		c.ctlBusy.Store(false)
		return fmt.Errorf("webrtc: %s: %w", action, ErrClosed)
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		defer c.ctlBusy.Store(false)
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		defer cancel()
		r, err := brain.Handle(ctx, sid, dialog.Input{Text: controlTexts[action][lang]})
		if err != nil {
			c.log.Warn("control turn", "action", action, "err", err)
			c.outbox.push(Event{Type: EvError, Code: "internal", Message: action + " failed"})
			return
		}
		no := false
		ev := replyEvent(&r)
		ev.Spoken = &no
		c.outbox.push(ev)
	}()
	return nil
}

// onEvent forwards the voice loop's events to the page. It must not block.
func (c *call) onEvent(ev voice.Event) {
	c.mu.Lock()
	if ev.Session != "" {
		c.session = ev.Session
	}
	if ev.Reply != nil && ev.Reply.Lang != "" {
		c.lang = ev.Reply.Lang
	}
	if ev.Kind == voice.EventReply && ev.Reply != nil {
		c.asksOrder = ev.Reply.AsksFor != nil && *ev.Reply.AsksFor == voice.AsksOrderNumber
	}
	out := c.out
	c.mu.Unlock()
	switch ev.Kind {
	case voice.EventWelcome:
		c.outbox.push(Event{Type: EvWelcome, Session: ev.Session, Text: ev.Text})
	case voice.EventSpeechStart:
		c.outbox.push(Event{Type: EvSpeechStart})
	case voice.EventTranscript:
		c.outbox.push(Event{Type: EvTranscript, Text: ev.Text, DTMF: ev.DTMF})
	case voice.EventReply:
		if ev.Reply != nil {
			c.outbox.push(replyEvent(ev.Reply))
		}
	case voice.EventInterrupted:
		if out != nil {
			out.flush()
		}
		c.outbox.push(Event{Type: EvInterrupted})
	case voice.EventHandoff:
		text := ev.Text
		if text == "" && ev.Reply != nil {
			text = ev.Reply.Text
		}
		c.outbox.push(Event{Type: EvHandoff, Text: text})
	case voice.EventEnd:
		// sent by run with the door's reason
	}
}

func replyEvent(r *dialog.Reply) Event {
	ev := Event{Type: EvReply, Session: r.Session, Text: r.Text, Action: r.Action, Related: r.RelatedQuestions,
		Handoff: r.Handoff, EndCall: r.EndCall}
	if r.FAQ != nil {
		ev.FAQ = *r.FAQ
	}
	return ev
}

// run supervises the call: it waits for media, runs the Answerer, and
// tears everything down on every path.
func (c *call) run() {
	defer c.cleanup()
	wait := time.NewTimer(c.d.cfg.ConnectTimeout)
	defer wait.Stop()
	select {
	case <-c.connected:
	case <-c.hung:
		return
	case <-wait.C:
		c.hangup("media did not connect")
		c.outbox.push(Event{Type: EvError, Code: "timeout", Message: "media did not connect"})
		return
	case <-c.ctx.Done():
		c.hangup("door closed")
		return
	}
	c.mu.Lock()
	in, out, rate, name, lang := c.in, c.out, c.rate, c.codec, c.lang
	c.mu.Unlock()
	c.outbox.push(Event{Type: EvReady, Call: c.id, Token: c.token, Codec: name})
	c.log.Info("call connected", "codec", name, "rate", rate)
	res, err := c.d.ans.Answer(c.ctx, telephony.Call{
		Door: telephony.DoorWebRTC, ID: c.id, Shop: c.shop, Lang: lang, Caller: c.caller,
		Rate: rate, OnEvent: c.onEvent,
		OnStart: func(ctl telephony.Controls) {
			c.mu.Lock()
			c.controls = ctl
			c.mu.Unlock()
		},
	}, in, c.dtmf, out)
	if err != nil && c.ctx.Err() == nil {
		c.log.Warn("call failed", "err", err)
		c.outbox.push(Event{Type: EvError, Code: "call_failed", Message: err.Error()})
	}
	c.hangup("call completed")
	c.log.Info("call over", "session", res.Session, "turns", len(res.Turns), "handoff", res.Handoff != nil,
		"bot_dropped", out.dropped.Load())
}

// cleanup closes the peer connection and waits for the call's goroutines.
func (c *call) cleanup() {
	c.mu.Lock()
	c.closing, c.ended = true, true
	pc := c.pc
	for _, t := range []*time.Timer{c.detached, c.failed} {
		if t != nil {
			t.Stop()
		}
	}
	reason := c.reason
	if reason == "" {
		reason = "door closed"
	}
	if c.out != nil {
		c.out.closed.Store(true)
	}
	c.mu.Unlock()
	c.hangup(reason)
	c.cancel()
	if pc != nil {
		if err := pc.Close(); err != nil {
			c.log.Debug("close peer connection", "err", err)
		}
	}
	c.wg.Wait()
	c.dtmf.Close()
	c.outbox.push(Event{Type: EvEnd, Reason: reason})
}
