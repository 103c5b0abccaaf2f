package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// OutboxConfig bounds a connection's writer.
type OutboxConfig struct {
	MaxControl   int           // queued control messages before the connection is given up
	MaxAudio     int           // queued audio messages; the oldest is dropped beyond it
	WriteTimeout time.Duration // deadline of each write
	PingInterval time.Duration // WebSocket ping period; 0: no pings
}

// item is one queued message.
type item struct {
	kind  int // websocket.TextMessage or websocket.BinaryMessage
	data  []byte
	audio bool
}

// Outbox is the only writer of one WebSocket connection: control messages
// and audio share one ordered queue, audio is dropped oldest-first under
// backpressure (and counted), control messages are never dropped: when
// their bound is reached the connection is closed instead. Run does the
// writing; every other method is safe from any goroutine and never blocks.
// telephony/twilio uses it too.
type Outbox struct {
	ws  *websocket.Conn
	cfg OutboxConfig

	mu        sync.Mutex // guards the fields below
	items     []item
	control   int // control items queued
	audio     int // audio items queued
	closing   bool
	closeCode int
	closeText string
	failed    error // why the writer stopped

	ready chan struct{} // 1-buffered: "something changed"
	done  chan struct{} // closed when Run returns

	dropped atomic.Uint64
	written atomic.Uint64
}

// NewOutbox returns the writer of ws.
func NewOutbox(ws *websocket.Conn, cfg OutboxConfig) *Outbox {
	if cfg.MaxControl <= 0 {
		cfg.MaxControl = 256
	}
	if cfg.MaxAudio <= 0 {
		cfg.MaxAudio = 50
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	return &Outbox{ws: ws, cfg: cfg, ready: make(chan struct{}, 1), done: make(chan struct{})}
}

func (o *Outbox) signal() {
	select {
	case o.ready <- struct{}{}:
	default:
	}
}

// Control queues a message that must not be lost. When the control queue
// is full the connection is closed (1008, the peer is not reading) and
// ErrOutboxFull returned; after Close or a write failure it returns ErrClosed.
func (o *Outbox) Control(kind int, data []byte) error {
	o.mu.Lock()
	if o.closing || o.failed != nil {
		o.mu.Unlock()
		return ErrClosed
	}
	if o.control >= o.cfg.MaxControl {
		// The peer is not reading: close at once rather than after the backlog.
		o.closing, o.closeCode, o.closeText = true, websocket.ClosePolicyViolation, "not reading"
		clear(o.items)
		o.items, o.audio, o.control = o.items[:0], 0, 0
		o.mu.Unlock()
		o.signal()
		return fmt.Errorf("stream: %d control messages queued: %w", o.cfg.MaxControl, ErrOutboxFull)
	}
	o.items = append(o.items, item{kind: kind, data: data})
	o.control++
	o.mu.Unlock()
	o.signal()
	return nil
}

// Audio queues an audio message, dropping the oldest queued audio when
// MaxAudio are waiting. It reports false after Close.
func (o *Outbox) Audio(kind int, data []byte) bool {
	o.mu.Lock()
	if o.closing || o.failed != nil {
		o.mu.Unlock()
		return false
	}
	if o.audio >= o.cfg.MaxAudio {
		o.removeAudioLocked(1)
		o.dropped.Add(1)
	}
	o.items = append(o.items, item{kind: kind, data: data, audio: true})
	o.audio++
	o.mu.Unlock()
	o.signal()
	return true
}

// removeAudioLocked removes up to n queued audio items, oldest first
// (n < 0: all), keeping the order of the rest. It returns how many went.
func (o *Outbox) removeAudioLocked(n int) int {
	k, removed := 0, 0
	for _, it := range o.items {
		if it.audio && (n < 0 || removed < n) {
			removed++
			continue
		}
		o.items[k] = it
		k++
	}
	clear(o.items[k:])
	o.items = o.items[:k]
	o.audio -= removed
	return removed
}

// FlushAudio drops every queued audio message (barge-in) and returns how
// many there were. Flushed audio is not counted as dropped.
func (o *Outbox) FlushAudio() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.removeAudioLocked(-1)
}

// Close queues a close frame with code and text after what is queued; the
// writer sends it and stops. Later messages are refused. Safe twice (the
// first code wins).
func (o *Outbox) Close(code int, text string) {
	o.mu.Lock()
	if !o.closing {
		o.closing, o.closeCode, o.closeText = true, code, text
	}
	o.mu.Unlock()
	o.signal()
}

// Done is closed when Run has returned.
func (o *Outbox) Done() <-chan struct{} { return o.done }

// Dropped counts audio messages dropped under backpressure.
func (o *Outbox) Dropped() uint64 { return o.dropped.Load() }

// Written counts messages written.
func (o *Outbox) Written() uint64 { return o.written.Load() }

// Queued is the number of messages waiting.
func (o *Outbox) Queued() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.items)
}

// next pops the oldest item, or reports whether the outbox is closing.
func (o *Outbox) next() (it item, ok, closing bool, code int, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.items) > 0 {
		it = o.items[0]
		copy(o.items, o.items[1:])
		o.items[len(o.items)-1] = item{}
		o.items = o.items[:len(o.items)-1]
		if it.audio {
			o.audio--
		} else {
			o.control--
		}
		return it, true, false, 0, ""
	}
	return item{}, false, o.closing, o.closeCode, o.closeText
}

// Run writes queued messages in order until Close's frame is sent, a
// write fails or ctx is done. It sends pings every PingInterval. Call it
// once, from the goroutine that owns the connection's writing.
func (o *Outbox) Run(ctx context.Context) error {
	defer close(o.done)
	var tick <-chan time.Time
	if o.cfg.PingInterval > 0 {
		t := time.NewTicker(o.cfg.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	fail := func(err error) error {
		o.mu.Lock()
		o.failed = err
		o.items, o.audio, o.control = nil, 0, 0
		o.mu.Unlock()
		return err
	}
	for {
		it, ok, closing, code, text := o.next()
		switch {
		case ok:
			if err := o.ws.SetWriteDeadline(time.Now().Add(o.cfg.WriteTimeout)); err != nil {
				return fail(fmt.Errorf("stream: write deadline: %w", err))
			}
			if err := o.ws.WriteMessage(it.kind, it.data); err != nil {
				return fail(fmt.Errorf("stream: write: %w", err))
			}
			o.written.Add(1)
			continue
		case closing:
			err := o.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text),
				time.Now().Add(o.cfg.WriteTimeout))
			if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
				return fail(fmt.Errorf("stream: close: %w", err))
			}
			return fail(ErrClosed)
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-o.ready:
		case <-tick:
			if err := o.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(o.cfg.WriteTimeout)); err != nil {
				return fail(fmt.Errorf("stream: ping: %w", err))
			}
		}
	}
}
