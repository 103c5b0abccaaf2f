// Package stream is the WebSocket stream door (/ws/stream) for smart
// speakers, apps and livestream bridges. The protocol is documented in
// docs/protocol.md: JSON control messages (start, text, dtmf, stop, ping)
// and binary PCM16 little-endian mono frames in; JSON events (ready,
// welcome, speech_start, transcript, reply, interrupted, handoff, end,
// error, pong) and binary PCM16 bot audio out (RFC 6455 text and binary
// messages).
//
// An audio session becomes a telephony.Call answered by a
// telephony.Answerer (the switchboard): caller audio of any message length
// is re-framed into 20 ms media.Frames at the session's rate and queued
// (bounded, oldest dropped and counted); bot frames come back as binary
// messages of one frame each. A text session (livestream comments, typed
// questions) talks to the shop's brain directly (telephony.Brains), one
// brain session per viewer ("user") within the connection, bounded.
//
// Access is by device token (Authorization: Bearer, or ?token= for
// browsers), with per-IP and total connection limits (Gate, shared with
// telephony/twilio), a soft and a hard message size limit, an idle
// timeout, WebSocket pings, write deadlines, and one writer per connection
// (Outbox) whose audio queue drops oldest-first and whose control events
// are never dropped silently. A bad message gets an error event; the
// connection stays up unless it is beyond the hard size limit (close 1009).
package stream

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/telephony"
)

// Path is where `callbee serve` mounts the handler.
const Path = "/ws/stream"

// Defaults of Config.
const (
	DefaultMaxMessageBytes = 64 << 10 // 64 KiB: 2 s of 16 kHz audio in one message
	DefaultIdleTimeout     = 60 * time.Second
	DefaultPingInterval    = 20 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultStartTimeout    = 10 * time.Second
	DefaultInboundFrames   = 250 // 5 s of caller audio: room for a recogniser that stalls at a turn start
	DefaultOutboundAudio   = 50  // 1 s of bot audio
	DefaultMaxControl      = 256
	DefaultMaxUsers        = 64
	DefaultMaxPendingText  = 16
)

// Config sets up the handler. Zero values take the defaults named above.
type Config struct {
	Access `yaml:",inline"`
	// MaxMessageBytes: a larger message gets a too_large error event and
	// is discarded; the connection stays up.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// HardMessageBytes: a larger message closes the connection with 1009
	// after the error event. Default 4 × MaxMessageBytes.
	HardMessageBytes int `yaml:"hard_message_bytes"`
	// IdleTimeout closes a connection that sends no message for this long
	// (pongs do not count; text clients send ping messages).
	IdleTimeout  time.Duration `yaml:"idle_timeout"`
	StartTimeout time.Duration `yaml:"start_timeout"` // from connect to the start message
	PingInterval time.Duration `yaml:"ping_interval"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// InboundFrames bounds queued caller frames (oldest dropped beyond).
	InboundFrames int `yaml:"inbound_frames"`
	// OutboundAudio bounds queued bot audio messages (oldest dropped beyond).
	OutboundAudio int `yaml:"outbound_audio"`
	// MaxControl bounds queued events; a peer that lets more pile up is closed.
	MaxControl int `yaml:"max_control"`
	// MaxUsers bounds brain sessions per text connection (least recently
	// active viewer forgotten beyond).
	MaxUsers int `yaml:"max_users"`
	// MaxPendingText bounds text messages waiting for the brain; beyond
	// it a message gets a busy error event.
	MaxPendingText int `yaml:"max_pending_text"`
}

// DefaultConfig is the configuration with every default filled in and no
// devices.
func DefaultConfig() Config {
	var c Config
	c.defaults()
	c.MaxConnsPerIP, c.MaxSessions = DefaultMaxConnsPerIP, DefaultMaxSessions
	return c
}

func (c *Config) fill() error {
	c.defaults()
	for _, v := range []int{c.MaxMessageBytes, c.InboundFrames, c.OutboundAudio, c.MaxControl, c.MaxUsers, c.MaxPendingText} {
		if v < 0 {
			return fmt.Errorf("stream: negative limit: %w", ErrBadConfig)
		}
	}
	if c.HardMessageBytes < c.MaxMessageBytes {
		return fmt.Errorf("stream: hard_message_bytes %d below max_message_bytes %d: %w", c.HardMessageBytes, c.MaxMessageBytes, ErrBadConfig)
	}
	for _, d := range []time.Duration{c.IdleTimeout, c.StartTimeout, c.PingInterval, c.WriteTimeout} {
		if d < 0 {
			return fmt.Errorf("stream: negative duration: %w", ErrBadConfig)
		}
	}
	return c.Access.fill()
}

// defaults fills zero values.
func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxMessageBytes, DefaultMaxMessageBytes)
	def(&c.HardMessageBytes, 4*c.MaxMessageBytes)
	defD(&c.IdleTimeout, DefaultIdleTimeout)
	defD(&c.StartTimeout, DefaultStartTimeout)
	defD(&c.PingInterval, DefaultPingInterval)
	defD(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.InboundFrames, DefaultInboundFrames)
	def(&c.OutboundAudio, DefaultOutboundAudio)
	def(&c.MaxControl, DefaultMaxControl)
	def(&c.MaxUsers, DefaultMaxUsers)
	def(&c.MaxPendingText, DefaultMaxPendingText)
}

// Option changes a Handler.
type Option func(*Handler) error

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) error {
		if l == nil {
			return fmt.Errorf("stream: nil logger: %w", ErrBadConfig)
		}
		h.log = l
		return nil
	}
}

// Stats are a handler's counters since New.
type Stats struct {
	Accepted      uint64 // connections upgraded
	Refused       uint64 // refused before the upgrade (token, limits)
	BadMessages   uint64 // error events for bad client messages
	DroppedFrames uint64 // caller frames dropped from full inbound queues
	DroppedAudio  uint64 // bot audio messages dropped from full outbound queues
}

// Handler serves the stream protocol. It is an http.Handler for Path.
type Handler struct {
	ans    telephony.Answerer
	brains telephony.Brains
	cfg    Config
	gate   *Gate
	log    *slog.Logger
	up     websocket.Upgrader
	seq    atomic.Uint64

	ctx    context.Context // cancelled by Close: every connection ends
	cancel context.CancelFunc
	wg     sync.WaitGroup // connections being served

	mu     sync.Mutex // guards closed (and wg.Add against Close's Wait), live
	closed bool
	live   map[*conn]struct{} // connections being served, for Stats

	accepted, refused, badMessages, droppedFrames, droppedAudio atomic.Uint64
}

// New returns the handler. answerer runs audio sessions and brains text
// sessions; either may be nil when that mode is not offered (its start
// then gets an error event), not both.
func New(answerer telephony.Answerer, brains telephony.Brains, cfg Config, opts ...Option) (*Handler, error) {
	if answerer == nil && brains == nil {
		return nil, fmt.Errorf("stream: an answerer or brains is required: %w", ErrBadConfig)
	}
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	gate, err := NewGate(cfg.Access)
	if err != nil {
		return nil, err
	}
	h := &Handler{ans: answerer, brains: brains, cfg: cfg, gate: gate, log: slog.New(slog.DiscardHandler),
		live: map[*conn]struct{}{}}
	for _, o := range opts {
		if err := o(h); err != nil {
			return nil, err
		}
	}
	h.log = h.log.With("component", "stream")
	h.up = websocket.Upgrader{
		HandshakeTimeout: cfg.WriteTimeout,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		// Access is by device token, never by cookie, so a page of another
		// origin gains nothing: browsers of any origin may connect.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h, nil
}

// Gate is the handler's admission gate.
func (h *Handler) Gate() *Gate { return h.gate }

// Stats returns the handler's counters.
func (h *Handler) Stats() Stats {
	st := Stats{Accepted: h.accepted.Load(), Refused: h.refused.Load(), BadMessages: h.badMessages.Load(),
		DroppedFrames: h.droppedFrames.Load(), DroppedAudio: h.droppedAudio.Load()}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.live {
		in, out := c.dropped()
		st.DroppedFrames += in
		st.DroppedAudio += out
	}
	return st
}

// ServeHTTP admits, upgrades and serves one connection until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.refused.Add(1)
		Refuse(w, &Refusal{Status: http.StatusServiceUnavailable, Code: CodeOverloaded, Msg: "shutting down"})
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	dev, release, err := h.gate.Admit(r, true)
	if err != nil {
		h.refused.Add(1)
		h.log.Debug("refused", "remote", r.RemoteAddr, "err", err)
		Refuse(w, err)
		return
	}
	defer release()
	ws, err := h.up.Upgrade(w, r, nil)
	if err != nil { // the upgrader has answered with an HTTP error
		h.refused.Add(1)
		h.log.Debug("upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	h.accepted.Add(1)
	id := fmt.Sprintf("ws-%d", h.seq.Add(1))
	c := newConn(h, ws, dev, id)
	h.mu.Lock()
	h.live[c] = struct{}{}
	h.mu.Unlock()
	c.serve()
	in, out := c.dropped()
	h.mu.Lock()
	delete(h.live, c)
	h.droppedFrames.Add(in)
	h.droppedAudio.Add(out)
	h.mu.Unlock()
}

// Close ends every connection (their sessions are cancelled) and waits
// for them. New connections are refused. Safe to call twice.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	return nil
}
