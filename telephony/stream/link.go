package stream

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// CloseGrace is how long a door waits for the peer's close frame after
// sending its own (RFC 6455 section 7.1.1: the server closes TCP after
// the handshake, or after waiting).
const CloseGrace = 2 * time.Second

// Link is what every WebSocket door does with one connection besides its
// protocol: it owns the writer (an Outbox run on its own goroutine), the
// closing handshake, and the watch that closes the connection (1001) when
// the server shuts down. telephony/twilio uses it too.
type Link struct {
	WS  *websocket.Conn
	Out *Outbox

	server  context.Context // done when the server shuts down
	log     *slog.Logger
	timeout time.Duration // for the writer to finish after the close
	closing chan struct{} // closed once the close frame is queued
	once    sync.Once
}

// NewLink returns the link of ws for a server whose context is server.
func NewLink(server context.Context, ws *websocket.Conn, cfg OutboxConfig, log *slog.Logger) *Link {
	out := NewOutbox(ws, cfg)
	return &Link{WS: ws, Out: out, server: server, log: log, timeout: out.cfg.WriteTimeout, closing: make(chan struct{})}
}

// CloseWith queues the close frame after everything queued and stops
// waiting for peer messages beyond CloseGrace. While the server shuts
// down the code is always 1001. Only the first call counts.
func (l *Link) CloseWith(code int, text string) {
	l.once.Do(func() {
		if l.server.Err() != nil {
			code, text = websocket.CloseGoingAway, "server shutting down"
		}
		l.Out.Close(code, text)
		close(l.closing)
		_ = l.WS.NetConn().SetReadDeadline(time.Now().Add(CloseGrace))
	})
}

// Closing reports whether the close frame has been queued.
func (l *Link) Closing() bool {
	select {
	case <-l.closing:
		return true
	default:
		return false
	}
}

// Serve runs the connection: it starts the writer and the shutdown watch,
// calls read (the door's reader loop) in this goroutine, then end (which
// stops and joins the door's session), sends the close frame after what
// is queued, waits for the writer and closes the connection. read returns
// nil on an orderly end.
func (l *Link) Serve(read func() error, end func()) {
	wctx, wcancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := l.Out.Run(wctx); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
			l.log.Debug("writer stopped", "err", err)
		}
	}()
	stopWatch := context.AfterFunc(l.server, func() { l.CloseWith(websocket.CloseGoingAway, "server shutting down") })
	if err := read(); err != nil {
		l.log.Debug("connection ended", "err", err)
	}
	end()
	l.CloseWith(websocket.CloseNormalClosure, "")
	select {
	case <-l.Out.Done():
	case <-time.After(l.timeout):
	}
	stopWatch()
	wcancel()
	wg.Wait()
	_ = l.WS.Close()
}
