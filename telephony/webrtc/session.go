package webrtc

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Socket timing.
const (
	pingEvery    = 20 * time.Second
	pongWait     = 3 * pingEvery
	writeWait    = 5 * time.Second
	maxBadInARow = 10 // bad messages before the door closes the socket
	directQueue  = 16 // door messages not tied to a call (hello, errors)
)

// session is one signalling WebSocket. Its read loop runs in the HTTP
// handler's goroutine and owns the writer goroutine; a call attaches to at
// most one session at a time and outlives it (see resume).
type session struct {
	d      *Door
	ip     string
	log    *slog.Logger
	direct chan Event
	attach chan *call    // the writer's call, set once by start or resume
	stop   chan struct{} // closed when the read loop ends
	wsMu   sync.Mutex    // guards ws
	ws     *websocket.Conn
	call   *call // read loop only
}

func newSession(d *Door, ip string) *session {
	return &session{d: d, ip: ip, log: d.log.With("ip", ip), direct: make(chan Event, directQueue),
		attach: make(chan *call, 1), stop: make(chan struct{})}
}

// closeSocket closes the socket, which ends the read loop.
func (s *session) closeSocket() {
	s.wsMu.Lock()
	ws := s.ws
	s.wsMu.Unlock()
	if ws != nil {
		_ = ws.Close()
	}
}

// send queues a door message; it drops it when the queue is full (the
// page is not reading) rather than block the read loop.
func (s *session) send(ev Event) {
	select {
	case s.direct <- ev:
	default:
		s.log.Debug("socket queue full, message dropped", "type", ev.Type)
	}
}

func (s *session) serve(ws *websocket.Conn) {
	s.wsMu.Lock()
	s.ws = ws
	s.wsMu.Unlock()
	if s.d.ctx.Err() != nil { // Close ran before the socket was known
		_ = ws.Close()
		return
	}
	ws.SetReadLimit(MaxMessageBytes)
	_ = ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(pongWait)) })

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.writeLoop(ws)
	}()
	s.send(Event{Type: EvHello, ICEServers: s.d.cfg.ICEServers})
	s.readLoop(ws)
	close(s.stop)
	wg.Wait()
	_ = ws.Close()
	if s.call != nil {
		s.call.detach(s)
	}
}

func (s *session) readLoop(ws *websocket.Conn) {
	bad := 0
	for {
		kind, data, err := ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				s.log.Debug("socket read", "err", err)
			}
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(pongWait))
		if kind != websocket.TextMessage {
			s.send(errorEvent(ErrBadMessage, "text messages only"))
			bad++
		} else if m, err := DecodeMessage(data); err != nil {
			s.send(errorEvent(err, err.Error()))
			bad++
		} else if err := s.handle(m); err != nil {
			s.send(errorEvent(err, err.Error()))
			bad++
		} else {
			bad = 0
		}
		if bad >= maxBadInARow {
			s.log.Info("closing socket after bad messages", "bad", bad)
			return
		}
	}
}

// handle acts on one message from the page.
func (s *session) handle(m Message) error {
	if m.Type == MsgPing {
		s.send(Event{Type: EvPong})
		return nil
	}
	switch m.Type {
	case MsgStart:
		if s.call != nil {
			return errProtocol("start: a call is already on this socket")
		}
		c, err := s.d.newCall(s, m)
		if err != nil {
			return err
		}
		s.call = c
		s.attach <- c
		return nil
	case MsgResume:
		if s.call != nil {
			return errProtocol("resume: a call is already on this socket")
		}
		c, err := s.d.lookup(m.Call, m.Token)
		if err != nil {
			return err
		}
		if old := c.reattach(s); old != nil {
			old.closeSocket()
		}
		s.call = c
		s.attach <- c
		return nil
	}
	if s.call == nil {
		return errProtocol(m.Type + " before start")
	}
	switch m.Type {
	case MsgOffer:
		return s.call.offer(m.SDP)
	case MsgCandidate:
		return s.call.addCandidate(*m.Candidate)
	case MsgControl:
		return s.call.control(m.Action, m.Key)
	case MsgHangup:
		s.call.hangup("caller hung up")
	}
	return nil
}

func (s *session) writeLoop(ws *websocket.Conn) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var box <-chan Event
	write := func(ev Event) bool {
		_ = ws.SetWriteDeadline(time.Now().Add(writeWait))
		if err := ws.WriteJSON(ev); err != nil {
			s.log.Debug("socket write", "err", err)
			return false
		}
		return true
	}
	for {
		select {
		case <-s.stop:
			return
		case c := <-s.attach:
			box = c.outbox.ch
		case ev := <-s.direct:
			if !write(ev) {
				return
			}
		case ev := <-box:
			if !write(ev) {
				return
			}
			if ev.Type == EvEnd { // the call is over: say goodbye and close
				_ = ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, "call ended"), time.Now().Add(writeWait))
				_ = ws.Close()
				return
			}
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		}
	}
}

func errProtocol(what string) error { return fmt.Errorf("webrtc: %s: %w", what, ErrProtocol) }

// errorEvent maps err to an error event with a stable code.
func errorEvent(err error, msg string) Event {
	code := "internal"
	for _, c := range []struct {
		err  error
		code string
	}{
		{ErrBadMessage, "bad_message"}, {ErrProtocol, "protocol"}, {ErrTooMany, "too_many"},
		{ErrUnknownCall, "unknown_call"}, {ErrNoCodec, "no_codec"}, {ErrClosed, "closed"},
	} {
		if errors.Is(err, c.err) {
			code = c.code
			break
		}
	}
	return Event{Type: EvError, Code: code, Message: msg}
}
