package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/stream"
)

// conn is one provider stream. serve's goroutine reads and owns the fields
// marked "reader"; it starts and joins the writer (Outbox.Run) and the
// call (runCall).
type conn struct {
	h      *Handler
	ws     *websocket.Conn
	out    *stream.Outbox
	dev    stream.Device
	authed bool // the URL carried a valid token
	log    *slog.Logger
	every  *stream.LogLimit

	link   *stream.Link
	ctx    context.Context // the call's: cancelled at hang-up or handler Close
	cancel context.CancelFunc

	// reader
	started     bool
	stopped     bool
	sid         string // the streamSid of start
	call        telephony.Call
	in          *stream.Inbox
	framer      *media.Framer
	pcm         []int16
	dtmf        *media.EventQueue
	sessionDone chan struct{}

	// bot side, on the call's goroutines
	mu       sync.Mutex // guards speaking, answers
	speaking bool       // bot audio sent since the last mark
	answers  int        // marks sent
	markT    *time.Timer
	enc      []byte // μ-law of the frame being written (one writer: the call's playout)
}

func newConn(h *Handler, ws *websocket.Conn, dev stream.Device, authed bool) *conn {
	c := &conn{h: h, ws: ws, dev: dev, authed: authed,
		log: h.log.With("remote", ws.RemoteAddr().String()), every: stream.NewLogLimit(time.Second)}
	c.link = stream.NewLink(h.ctx, ws, stream.OutboxConfig{MaxAudio: h.cfg.OutboundAudio, WriteTimeout: h.cfg.WriteTimeout,
		PingInterval: h.cfg.PingInterval}, c.log)
	c.out = c.link.Out
	c.ctx, c.cancel = context.WithCancel(h.ctx)
	return c
}

func (c *conn) closeWith(code int, text string) { c.link.CloseWith(code, text) }

func (c *conn) isClosing() bool { return c.link.Closing() }

// serve runs the stream to its end: the reader in this goroutine, the
// writer on the link's; when reading ends the call is ended and joined.
func (c *conn) serve() {
	c.link.Serve(c.readLoop, func() {
		c.cancel()
		if c.sessionDone != nil {
			<-c.sessionDone
		}
		if c.in != nil {
			c.h.droppedFrames.Add(c.in.Dropped())
		}
		c.h.droppedAudio.Add(c.out.Dropped())
	})
}

func (c *conn) readLoop() error {
	cfg := &c.h.cfg
	c.ws.SetReadLimit(int64(cfg.MaxMessageBytes)) // beyond: gorilla closes with 1009
	for {
		if !c.isClosing() {
			wait := cfg.IdleTimeout
			if !c.started {
				wait = min(cfg.StartTimeout, cfg.IdleTimeout)
			}
			_ = c.ws.SetReadDeadline(time.Now().Add(wait))
		}
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) || c.isClosing() {
				return nil
			}
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla has sent the close frame (1009). Drain what the
				// peer still sends, for stream.CloseGrace: closing TCP on unread
				// data would reset the connection and lose the close frame.
				c.h.badMessages.Add(1)
				c.log.Warn("message over the size limit: closing", "stream", c.sid, "limit", cfg.MaxMessageBytes)
				nc := c.ws.NetConn()
				_ = nc.SetReadDeadline(time.Now().Add(stream.CloseGrace))
				_, _ = io.CopyN(io.Discard, nc, 1<<20)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.log.Info("stream idle: closing", "stream", c.sid)
				c.closeWith(websocket.ClosePolicyViolation, "idle")
			}
			return err
		}
		if c.isClosing() {
			continue
		}
		if kind != websocket.TextMessage {
			c.bad(fmt.Errorf("twilio: binary message of %d bytes: %w", len(data), ErrBadMessage))
			continue
		}
		m, err := Parse(data)
		if err != nil {
			c.bad(err)
			continue
		}
		if c.started && m.Event != EventConnected && m.StreamSid != c.sid {
			c.h.wrongStream.Add(1)
			if c.every.Allow("sid") {
				c.log.Warn("message for another stream refused", "event", m.Event, "stream", c.sid,
					"got", m.StreamSid, "err", ErrWrongStream)
			}
			continue
		}
		if !c.started && m.Event != EventConnected && m.Event != EventStart {
			c.bad(fmt.Errorf("twilio: %s before start: %w", m.Event, ErrBadMessage))
			continue
		}
		switch m.Event {
		case EventConnected:
			c.log.Debug("connected", "protocol", m.Protocol, "version", m.Version)
		case EventStart:
			if c.started {
				c.bad(fmt.Errorf("twilio: second start: %w", ErrBadMessage))
				continue
			}
			if err := c.start(m); err != nil {
				c.log.Warn("stream refused", "err", err)
				c.closeWith(websocket.ClosePolicyViolation, "refused")
			}
		case EventMedia:
			if c.stopped || (m.Media.Track != "" && m.Media.Track != "inbound" && m.Media.Track != "inbound_track") {
				continue
			}
			c.pcm = codec.PCMU.Decode(c.pcm[:0], m.Audio)
			c.framer.Push(c.pcm)
			for {
				f, ok := c.framer.Next(false)
				if !ok {
					break
				}
				c.in.Push(f)
			}
		case EventDTMF:
			d := rune(m.DTMF.Digit[0])
			if d >= 'a' && d <= 'd' {
				d -= 'a' - 'A'
			}
			c.dtmf.Push(media.Event{Kind: media.DTMF, Digit: d})
		case EventMark:
			c.h.marksPlayed.Add(1)
			c.log.Debug("mark played", "stream", c.sid, "mark", m.Mark.Name)
		case EventStop:
			if !c.stopped {
				c.stopped = true
				c.in.Close() // the caller hung up: the call ends after its last turn
			}
		}
	}
}

// bad counts a refused message. The protocol has no error message, so it
// is logged (rate-limited) and dropped; the stream stays up.
func (c *conn) bad(err error) {
	c.h.badMessages.Add(1)
	if c.every.Allow("bad") {
		c.log.Info("provider message refused", "stream", c.sid, "err", err)
	}
}

// start checks the token and shop and starts the call.
func (c *conn) start(m Message) error {
	s := m.Start
	p := s.CustomParameters
	if !c.authed {
		dev, ok := c.h.gate.Device(p["token"])
		if !ok {
			return fmt.Errorf("twilio: stream %s: missing or unknown device token", s.StreamSid)
		}
		c.dev, c.authed = dev, true
	}
	shop := p["shop"]
	if c.dev.Shop != "" {
		if shop != "" && shop != c.dev.Shop {
			return fmt.Errorf("twilio: stream %s: device %q may not use shop %q", s.StreamSid, c.dev.Name, shop)
		}
		shop = c.dev.Shop
	}
	framer, err := media.NewFramer(SampleRate)
	if err != nil {
		return fmt.Errorf("twilio: %w", err)
	}
	id := s.CallSid
	if id == "" {
		id = s.StreamSid
	}
	c.started, c.sid, c.framer = true, s.StreamSid, framer
	c.in, c.dtmf = stream.NewInbox(c.h.cfg.InboundFrames), media.NewEventQueue(0)
	c.call = telephony.Call{Door: telephony.DoorTwilio, ID: id, Shop: shop, Lang: p["lang"], Caller: p["caller"],
		Callee: p["callee"], Rate: SampleRate, OnEvent: c.onEvent}
	c.log = c.log.With("stream", c.sid, "call", id, "device", c.dev.Name)
	c.markT = time.AfterFunc(time.Hour, c.markAnswer)
	c.markT.Stop()
	c.sessionDone = make(chan struct{})
	go c.runCall()
	return nil
}

// runCall is the call's goroutine.
func (c *conn) runCall() {
	defer close(c.sessionDone)
	res, err := c.h.ans.Answer(c.ctx, c.call, c.in, c.dtmf, media.WriterFunc(c.writeFrame))
	_ = c.dtmf.Close()
	c.markT.Stop()
	if err != nil && c.ctx.Err() == nil {
		c.log.Warn("call failed", "err", err)
	}
	c.log.Info("call ended", "session", res.Session, "turns", len(res.Turns), "handoff", res.Handoff != nil,
		"dropped_in", c.in.Dropped(), "dropped_out", c.out.Dropped())
	// Closing the stream hands the call back to the provider (the TwiML
	// after <Connect><Stream>, or hang-up).
	c.closeWith(websocket.CloseNormalClosure, "")
}

// writeFrame sends one bot frame as a media message.
func (c *conn) writeFrame(_ context.Context, f media.Frame) error {
	var err error
	if c.enc, err = codec.PCMU.EncodeFrame(c.enc[:0], f); err != nil {
		return fmt.Errorf("twilio: %w", err)
	}
	if !c.out.Audio(websocket.TextMessage, appendMedia(make([]byte, 0, 64+len(c.enc)*4/3+4), c.sid, c.enc)) {
		return stream.ErrClosed
	}
	c.mu.Lock()
	c.speaking = true
	c.markT.Reset(c.h.cfg.MarkGap)
	c.mu.Unlock()
	return nil
}

// markAnswer follows an answer's audio with a mark, so the provider's
// playback progress is known (it echoes the mark once played).
func (c *conn) markAnswer() {
	c.mu.Lock()
	if !c.speaking {
		c.mu.Unlock()
		return
	}
	c.speaking = false
	c.answers++
	name := fmt.Sprintf("callbee-%d", c.answers)
	c.mu.Unlock()
	if c.out.Control(websocket.TextMessage, markMessage(c.sid, name)) == nil {
		c.h.marks.Add(1)
	}
}

// onEvent sees the call's events: barge-in clears the provider's buffer.
func (c *conn) onEvent(ev voice.Event) {
	if ev.Kind == voice.EventInterrupted {
		c.mu.Lock()
		c.speaking = false
		c.markT.Stop()
		c.mu.Unlock()
		c.out.FlushAudio()
		if c.out.Control(websocket.TextMessage, clearMessage(c.sid)) == nil {
			c.h.clears.Add(1)
		}
	}
	if c.h.observe != nil {
		c.h.observe(c.call, ev)
	}
}
