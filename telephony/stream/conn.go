package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// conn is one connection. The reader goroutine (serve) owns the fields
// marked "reader"; the session goroutine (runCall or runText) and the
// writer (Outbox.Run) are started and joined by serve.
type conn struct {
	h      *Handler
	ws     *websocket.Conn
	out    *Outbox
	dev    Device
	id     string
	log    *slog.Logger
	opened time.Time
	every  *LogLimit

	link   *Link
	ctx    context.Context // the session's: cancelled at hang-up or handler Close
	cancel context.CancelFunc

	// reader
	buf         bytes.Buffer
	started     bool
	stopped     bool
	mode        string
	pcm         *pcmIn
	dtmf        *media.EventQueue
	texts       chan textJob
	sessionDone chan struct{} // closed when the session goroutine returns
	warnedAudio bool

	endSent  atomic.Bool                        // an end event went out (set on the session's goroutines)
	controls atomic.Pointer[telephony.Controls] // the running call's, from Call.OnStart
	inbox    atomic.Pointer[Inbox]              // the audio session's, for Stats
}

func newConn(h *Handler, ws *websocket.Conn, dev Device, id string) *conn {
	c := &conn{h: h, ws: ws, dev: dev, id: id, opened: time.Now(),
		log: h.log.With("call", id, "device", dev.Name), every: NewLogLimit(time.Second)}
	c.link = NewLink(h.ctx, ws, OutboxConfig{MaxControl: h.cfg.MaxControl, MaxAudio: h.cfg.OutboundAudio,
		WriteTimeout: h.cfg.WriteTimeout, PingInterval: h.cfg.PingInterval}, c.log)
	c.out = c.link.Out
	c.ctx, c.cancel = context.WithCancel(h.ctx)
	return c
}

// closeWith queues the close frame after everything queued.
func (c *conn) closeWith(code int, text string) { c.link.CloseWith(code, text) }

func (c *conn) isClosing() bool { return c.link.Closing() }

// serve runs the connection to its end: it reads client messages in this
// goroutine; the link runs the writer. When reading ends (the client is
// gone, asked to close, or the server is closing) the session is ended at
// once (a stop message ended it already) and joined.
func (c *conn) serve() {
	c.link.Serve(c.readLoop, func() {
		c.cancel()
		if c.sessionDone != nil {
			<-c.sessionDone
		}
	})
}

// dropped counts caller frames and bot audio dropped so far. Safe from
// any goroutine.
func (c *conn) dropped() (in, out uint64) {
	if p := c.inbox.Load(); p != nil {
		in = p.Dropped()
	}
	return in, c.out.Dropped()
}

// readLoop reads client messages until the connection ends. It returns
// nil when the end was orderly.
func (c *conn) readLoop() error {
	cfg := &c.h.cfg
	for {
		if !c.isClosing() {
			wait := cfg.IdleTimeout
			if !c.started {
				wait = min(cfg.StartTimeout, cfg.IdleTimeout)
			}
			_ = c.ws.SetReadDeadline(time.Now().Add(wait))
		}
		kind, r, err := c.ws.NextReader()
		if err != nil {
			return c.readEnded(err)
		}
		data, size, err := c.readBody(r)
		if err != nil {
			return c.readEnded(err)
		}
		if size > int64(cfg.HardMessageBytes) {
			c.badMessage(&ProtocolError{Code: CodeTooLarge, Msg: "message over the hard limit of " +
				itoa(cfg.HardMessageBytes) + " bytes: closing"})
			// Keep reading (and discarding) until the client's close frame
			// or closeGrace: closing TCP on unread data would reset the
			// connection and lose the error and the close frame.
			c.closeWith(websocket.CloseMessageTooBig, "message too big")
			continue
		}
		if data == nil {
			c.badMessage(&ProtocolError{Code: CodeTooLarge, Msg: "message of more than " +
				itoa(cfg.MaxMessageBytes) + " bytes discarded"})
			continue
		}
		if c.isClosing() {
			continue // draining until the client's close frame
		}
		switch kind {
		case websocket.TextMessage:
			c.onMessage(data)
		case websocket.BinaryMessage:
			c.onAudio(data)
		}
	}
}

// readBody reads one message into c.buf. Beyond MaxMessageBytes it
// discards the rest (up to HardMessageBytes+1, so the size is known to be
// over the hard limit) and returns nil data with the size seen.
func (c *conn) readBody(r io.Reader) ([]byte, int64, error) {
	soft, hard := int64(c.h.cfg.MaxMessageBytes), int64(c.h.cfg.HardMessageBytes)
	c.buf.Reset()
	n, err := io.CopyN(&c.buf, r, soft+1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, n, err
	}
	if n <= soft {
		return c.buf.Bytes(), n, nil
	}
	m, err := io.CopyN(io.Discard, r, hard-soft)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, n + m, err
	}
	return nil, n + m, nil
}

// readEnded classifies the reader's error; timeouts become idle errors.
func (c *conn) readEnded(err error) error {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return nil // the client closed (or answered our close)
	case c.isClosing():
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		msg := "nothing received for " + c.h.cfg.IdleTimeout.String()
		if !c.started {
			msg = "no start message within " + min(c.h.cfg.StartTimeout, c.h.cfg.IdleTimeout).String()
		}
		c.sendError(CodeIdle, msg)
		c.closeWith(websocket.ClosePolicyViolation, "idle")
		return errors.New("stream: idle")
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// onMessage handles one client text message.
func (c *conn) onMessage(data []byte) {
	m, err := ParseMessage(data)
	if err != nil {
		c.badMessage(err)
		return
	}
	switch m.Type {
	case TypePing:
		c.send(Event{Type: TypePong})
	case TypeStart:
		if c.started {
			c.badMessage(protoErr(CodeAlreadyStarted, "the session has started"))
			return
		}
		c.start(m)
	case TypeText, TypeDTMF:
		switch {
		case !c.started:
			c.badMessage(protoErr(CodeNotStarted, "send start first"))
		case c.stopped:
			c.badMessage(protoErr(CodeNotStarted, "the session was stopped"))
		case m.Type == TypeText && c.mode == ModeAudio:
			c.submitText(m.Text)
		case m.Type == TypeDTMF && c.mode == ModeAudio:
			at := media.FrameAt(c.pcm.frames) // the key's stream time: after the audio received so far
			for _, d := range m.Digits {
				c.dtmf.Push(media.Event{Kind: media.DTMF, Digit: d, At: at})
			}
		default:
			select {
			case c.texts <- textJob{user: m.User, text: m.Text, digits: m.Digits}:
			default:
				c.badMessage(protoErr(CodeBusy, "more than %d messages waiting for the brain", cap(c.texts)))
			}
		}
	case TypeStop:
		if !c.started {
			c.send(Event{Type: TypeEnd, Text: "stop"})
			c.closeWith(websocket.CloseNormalClosure, "")
			return
		}
		if !c.stopped {
			c.stopped = true
			if c.mode == ModeAudio {
				c.pcm.in.Close() // the caller hangs up: the last turn is answered, then end
			} else {
				close(c.texts)
			}
		}
	}
}

// submitText makes a typed line a caller turn of the audio session: it
// is answered like a spoken one (reply event and speech).
func (c *conn) submitText(text string) {
	ctl := c.controls.Load()
	if ctl == nil {
		c.badMessage(protoErr(CodeNotStarted, "the call is not running yet (wait for the welcome)"))
		return
	}
	if err := (*ctl).Submit(dialog.Input{Text: text}); err != nil {
		code := CodeBusy // the call's turn queue is full
		switch {
		case errors.Is(err, dialog.ErrBadInput):
			code = CodeBadField
		case errors.Is(err, voice.ErrCallEnded):
			code = CodeNotStarted
		}
		c.badMessage(protoErr(code, "%s", clip200(err.Error())))
	}
}

// onAudio handles one binary message of caller audio.
func (c *conn) onAudio(data []byte) {
	if !c.started || c.mode != ModeAudio {
		if !c.warnedAudio { // one error event per connection, not one per frame
			c.warnedAudio = true
			c.badMessage(protoErr(CodeWrongMode, "binary audio needs an audio session (start with mode audio)"))
		}
		return
	}
	if c.stopped {
		return
	}
	c.pcm.write(data)
}

// start opens the session a start message asks for.
func (c *conn) start(m Message) {
	shop := m.Shop
	if c.dev.Shop != "" {
		if shop != "" && shop != c.dev.Shop {
			c.badMessage(protoErr(CodeForbiddenShop, "this device may not use shop %q", clip(shop)))
			return
		}
		shop = c.dev.Shop
	}
	caller := m.Caller
	if caller == "" {
		caller = c.dev.Name
	}
	switch m.Mode {
	case ModeAudio:
		if c.h.ans == nil {
			c.badMessage(protoErr(CodeWrongMode, "audio sessions are not offered here"))
			return
		}
		pcm, err := newPCMIn(m.Audio.Rate, c.h.cfg.InboundFrames)
		if err != nil { // ParseMessage allows only valid rates
			c.badMessage(protoErr(CodeBadAudio, "%v", err))
			return
		}
		c.pcm, c.dtmf = pcm, media.NewEventQueue(0)
		c.inbox.Store(pcm.in)
		call := telephony.Call{Door: telephony.DoorStream, ID: c.id, Shop: shop, Lang: m.Lang, Caller: caller,
			Rate: m.Audio.Rate, OnEvent: c.onVoiceEvent,
			OnStart: func(ctl telephony.Controls) { c.controls.Store(&ctl) }}
		c.started, c.mode = true, ModeAudio
		c.send(Event{Type: TypeReady, Call: c.id, Mode: ModeAudio, Rate: m.Audio.Rate})
		c.sessionDone = make(chan struct{})
		go c.runCall(call)
	case ModeText:
		if c.h.brains == nil {
			c.badMessage(protoErr(CodeWrongMode, "text sessions are not offered here"))
			return
		}
		brain, ok := c.h.brains.Brain(shop)
		if !ok {
			c.badMessage(protoErr(CodeUnknownShop, "no shop %q", clip(shop)))
			return
		}
		c.texts = make(chan textJob, c.h.cfg.MaxPendingText)
		c.started, c.mode = true, ModeText
		c.send(Event{Type: TypeReady, Call: c.id, Mode: ModeText})
		c.sessionDone = make(chan struct{})
		go c.runText(brain, m.Lang, caller)
	}
}

// runCall is the session goroutine of an audio session.
func (c *conn) runCall(call telephony.Call) {
	defer close(c.sessionDone)
	rate := call.Rate
	out := media.WriterFunc(func(_ context.Context, f media.Frame) error {
		if f.Rate != rate {
			return errors.New("stream: bot frame at " + itoa(f.Rate) + " Hz, session at " + itoa(rate))
		}
		if !c.out.Audio(websocket.BinaryMessage, encodePCM(f)) {
			return ErrClosed
		}
		return nil
	})
	res, err := c.h.ans.Answer(c.ctx, call, c.pcm.in, c.dtmf, out)
	_ = c.dtmf.Close()
	if err != nil && c.ctx.Err() == nil {
		c.log.Warn("call failed", "err", err)
		c.sendError(CodeCallFailed, clip200(err.Error()))
	}
	c.log.Debug("call ended", "session", res.Session, "turns", len(res.Turns),
		"dropped_in", c.pcm.in.Dropped(), "dropped_out", c.out.Dropped())
	if !c.endSent.Load() {
		reason := "hangup"
		if err != nil {
			reason = "error"
		}
		c.send(Event{Type: TypeEnd, Session: res.Session, Text: reason})
	}
	c.closeWith(websocket.CloseNormalClosure, "")
}

// onVoiceEvent forwards a call event. It runs on the session's goroutines
// and never blocks.
func (c *conn) onVoiceEvent(ev voice.Event) {
	e := Event{Session: ev.Session, Text: ev.Text}
	if !ev.At.IsZero() {
		e.AtMS = ev.At.Sub(c.opened).Milliseconds()
	}
	switch ev.Kind {
	case voice.EventWelcome:
		e.Type = TypeWelcome
	case voice.EventSpeechStart:
		e.Type = TypeSpeechStart
	case voice.EventTranscript:
		final := true
		e.Type, e.Final, e.DTMF = TypeTranscript, &final, ev.DTMF
	case voice.EventPartial:
		final := false
		e.Type, e.Final = TypeTranscript, &final
	case voice.EventReply:
		e.Type, e.Reply = TypeReply, ev.Reply
	case voice.EventInterrupted:
		c.out.FlushAudio() // what the client has not been sent yet is not sent
		e.Type = TypeInterrupted
	case voice.EventHandoff:
		e.Type, e.Reply = TypeHandoff, ev.Reply
	case voice.EventTurn:
		if ev.Turn == nil {
			return
		}
		lat := ev.Turn.Trace.Latency().Milliseconds()
		e.Type, e.LatencyMS, e.Interrupted = TypeTurn, &lat, ev.Turn.Interrupted
		e.StagesMS = map[string]int64{}
		for k, d := range ev.Turn.Trace.Offsets() {
			e.StagesMS[k] = d.Milliseconds()
		}
	case voice.EventEnd:
		e.Type = TypeEnd
		c.endSent.Store(true)
	default:
		return
	}
	c.sendAt(e)
}

// textJob is one text or keypad turn of a text session.
type textJob struct{ user, text, digits string }

// runText is the session goroutine of a text session: one brain session
// per viewer, turns answered in arrival order.
func (c *conn) runText(brain voice.Brain, lang, caller string) {
	defer close(c.sessionDone)
	users := newUsers(c.h.cfg.MaxUsers)
	reason := "stop"
loop:
	for {
		select {
		case <-c.ctx.Done():
			reason = "hangup"
			break loop
		case j, ok := <-c.texts:
			if !ok {
				break loop
			}
			c.textTurn(brain, users, lang, caller, j)
		}
	}
	c.send(Event{Type: TypeEnd, Text: reason})
	c.closeWith(websocket.CloseNormalClosure, "")
}

func (c *conn) textTurn(brain voice.Brain, users *users, lang, caller string, j textJob) {
	if j.user != "" {
		caller = j.user
	}
	sid, ok := users.get(j.user)
	if !ok {
		w, err := brain.Start(c.ctx, dialog.StartOptions{Lang: lang, Channel: telephony.DoorStream, Caller: caller})
		if err != nil {
			c.brainFailed(j.user, err)
			return
		}
		sid = w.Session
		users.put(j.user, sid)
		c.send(Event{Type: TypeWelcome, Session: sid, User: j.user, Text: w.Text, Cards: w.Cards})
	}
	r, err := brain.Handle(c.ctx, sid, dialog.Input{Text: j.text, DTMF: j.digits})
	if err != nil {
		if errors.Is(err, dialog.ErrSessionEnded) || errors.Is(err, dialog.ErrUnknownSession) {
			users.forget(j.user)
		}
		c.brainFailed(j.user, err)
		return
	}
	c.send(Event{Type: TypeReply, Session: sid, User: j.user, Text: r.Text, Reply: &r})
	if r.Handoff {
		c.send(Event{Type: TypeHandoff, Session: sid, User: j.user, Text: r.Text, Reply: &r})
	}
	if r.EndCall {
		users.forget(j.user) // the viewer's next comment opens a new session
	}
}

func (c *conn) brainFailed(user string, err error) {
	if c.ctx.Err() != nil {
		return
	}
	code := CodeBrainFailed
	if errors.Is(err, dialog.ErrBadInput) {
		code = CodeBadField
	} else if c.every.Allow("brain") {
		c.log.Warn("brain failed", "user", user, "err", err)
	}
	c.sendAt(Event{Type: TypeError, User: user, Code: code, Message: clip200(err.Error())})
}

// badMessage answers a refused client message with an error event.
func (c *conn) badMessage(err error) {
	c.h.badMessages.Add(1)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		pe = &ProtocolError{Code: CodeBadField, Msg: err.Error()}
	}
	if c.every.Allow("bad") {
		c.log.Info("bad client message", "code", pe.Code, "err", pe.Msg)
	}
	c.sendError(pe.Code, pe.Msg)
}

func (c *conn) sendError(code, msg string) {
	c.send(Event{Type: TypeError, Code: code, Message: msg})
}

// send stamps e with the time since the connection opened and queues it.
func (c *conn) send(e Event) {
	e.AtMS = time.Since(c.opened).Milliseconds()
	c.sendAt(e)
}

// sendAt queues e as it is.
func (c *conn) sendAt(e Event) {
	b, err := json.Marshal(e)
	if err != nil { // only a Reply with NaN could do this
		c.log.Error("encode event", "type", e.Type, "err", err)
		return
	}
	if err := c.out.Control(websocket.TextMessage, b); errors.Is(err, ErrOutboxFull) {
		c.log.Warn("client not reading events: closing", "err", err)
		c.cancel()
	}
}

// clip200 shortens an error message sent to the client.
func clip200(s string) string { return clipN(s, 200) }

func itoa(n int) string { return strconv.Itoa(n) }
