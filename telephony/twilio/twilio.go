// Package twilio is the Media Streams door (/ws/twilio): it speaks the
// bidirectional WebSocket protocol of Twilio's <Connect><Stream> (see
// "Media Streams - WebSocket Messages" in Twilio's documentation), which
// other providers copy, so any telephony provider with a compatible
// stream reaches the bot.
//
// The provider sends connected, start (streamSid, callSid, mediaFormat
// audio/x-mulaw 8000 Hz mono, customParameters), media (base64 μ-law
// payloads of any length, re-framed into 20 ms frames), dtmf, mark (the
// provider has played the audio before a mark of ours) and stop. The
// server answers the call with a telephony.Answerer at 8 kHz and sends
// media (one 20 ms μ-law frame each), a mark after each bot answer (when
// the bot's audio pauses for Config.MarkGap), and clear when the caller
// talks over the bot (voice.EventInterrupted), so the provider drops what
// it has buffered. Messages naming another streamSid are refused.
//
// customParameters "shop", "lang", "caller" and "callee" describe the
// call. The device token (stream.Access) comes as ?token= in the stream
// URL or as the custom parameter "token" (Twilio's <Parameter>), since the
// provider cannot send headers.
package twilio

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/stream"
)

// Path is where `callbee serve` mounts the handler.
const Path = "/ws/twilio"

// Defaults of Config.
const (
	DefaultMaxMessageBytes = 64 << 10
	DefaultIdleTimeout     = 15 * time.Second // media flows every 20 ms while a call is up
	DefaultStartTimeout    = 10 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultPingInterval    = 20 * time.Second
	DefaultInboundFrames   = 250 // 5 s of caller audio: room for a recogniser that stalls at a turn start
	DefaultOutboundAudio   = 100 // 2 s of bot audio
	DefaultMarkGap         = 200 * time.Millisecond
)

// Config sets up the handler. Zero values take the defaults named above.
type Config struct {
	stream.Access `yaml:",inline"`
	// MaxMessageBytes: a larger message closes the connection (1009).
	MaxMessageBytes int           `yaml:"max_message_bytes"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	StartTimeout    time.Duration `yaml:"start_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	PingInterval    time.Duration `yaml:"ping_interval"`
	InboundFrames   int           `yaml:"inbound_frames"`
	OutboundAudio   int           `yaml:"outbound_audio"`
	// MarkGap: bot silence after audio that ends an answer; a mark
	// ("callbee-N") follows the answer's audio.
	MarkGap time.Duration `yaml:"mark_gap"`
}

// DefaultConfig is the configuration with every default filled in and no
// devices.
func DefaultConfig() Config {
	var c Config
	c.defaults()
	return c
}

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
	def(&c.MaxSessions, stream.DefaultMaxSessions)
	// A provider's media servers carry many calls from one address: the
	// per-IP limit defaults to the total.
	def(&c.MaxConnsPerIP, c.MaxSessions)
	def(&c.MaxMessageBytes, DefaultMaxMessageBytes)
	defD(&c.IdleTimeout, DefaultIdleTimeout)
	defD(&c.StartTimeout, DefaultStartTimeout)
	defD(&c.WriteTimeout, DefaultWriteTimeout)
	defD(&c.PingInterval, DefaultPingInterval)
	def(&c.InboundFrames, DefaultInboundFrames)
	def(&c.OutboundAudio, DefaultOutboundAudio)
	defD(&c.MarkGap, DefaultMarkGap)
}

func (c *Config) fill() error {
	c.defaults()
	if c.MaxMessageBytes < 1024 || c.InboundFrames < 0 || c.OutboundAudio < 0 {
		return fmt.Errorf("twilio: message or queue limit out of range: %w", ErrBadConfig)
	}
	for _, d := range []time.Duration{c.IdleTimeout, c.StartTimeout, c.WriteTimeout, c.PingInterval, c.MarkGap} {
		if d < 0 {
			return fmt.Errorf("twilio: negative duration: %w", ErrBadConfig)
		}
	}
	return nil
}

// Option changes a Handler.
type Option func(*Handler) error

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) error {
		if l == nil {
			return fmt.Errorf("twilio: nil logger: %w", ErrBadConfig)
		}
		h.log = l
		return nil
	}
}

// WithObserver is told every call event (captions, the reply with its
// FAQ, handoff) with the call it belongs to. It must not block.
func WithObserver(fn func(c telephony.Call, ev voice.Event)) Option {
	return func(h *Handler) error {
		h.observe = fn
		return nil
	}
}

// Stats are a handler's counters since New.
type Stats struct {
	Accepted      uint64 // connections upgraded
	Refused       uint64 // refused (token, limits)
	BadMessages   uint64 // provider messages refused
	WrongStream   uint64 // messages naming another streamSid
	DroppedFrames uint64 // caller frames dropped from full inbound queues
	DroppedAudio  uint64 // bot audio dropped from full outbound queues
	Clears        uint64 // clear messages sent (barge-in)
	Marks         uint64 // marks sent
	MarksPlayed   uint64 // marks the provider reported played
}

// Handler serves the Media Streams protocol. It is an http.Handler for Path.
type Handler struct {
	ans     telephony.Answerer
	cfg     Config
	gate    *stream.Gate
	log     *slog.Logger
	observe func(telephony.Call, voice.Event)
	up      websocket.Upgrader

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards closed (and wg.Add against Close's Wait)
	closed bool

	accepted, refused, badMessages, wrongStream, droppedFrames, droppedAudio atomic.Uint64
	clears, marks, marksPlayed                                               atomic.Uint64
}

// New returns the handler answering calls with answerer.
func New(answerer telephony.Answerer, cfg Config, opts ...Option) (*Handler, error) {
	if answerer == nil {
		return nil, fmt.Errorf("twilio: an answerer is required: %w", ErrBadConfig)
	}
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	gate, err := stream.NewGate(cfg.Access)
	if err != nil {
		return nil, fmt.Errorf("twilio: %w", err)
	}
	h := &Handler{ans: answerer, cfg: cfg, gate: gate, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if err := o(h); err != nil {
			return nil, err
		}
	}
	h.log = h.log.With("component", "twilio")
	h.up = websocket.Upgrader{HandshakeTimeout: cfg.WriteTimeout, ReadBufferSize: 4096, WriteBufferSize: 4096,
		CheckOrigin: func(*http.Request) bool { return true }} // providers send no Origin; access is by token
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h, nil
}

// Stats returns the handler's counters.
func (h *Handler) Stats() Stats {
	return Stats{Accepted: h.accepted.Load(), Refused: h.refused.Load(), BadMessages: h.badMessages.Load(),
		WrongStream: h.wrongStream.Load(), DroppedFrames: h.droppedFrames.Load(), DroppedAudio: h.droppedAudio.Load(),
		Clears: h.clears.Load(), Marks: h.marks.Load(), MarksPlayed: h.marksPlayed.Load()}
}

// Gate is the handler's admission gate.
func (h *Handler) Gate() *stream.Gate { return h.gate }

// ServeHTTP admits, upgrades and serves one stream until it ends. A token
// in the URL (or header) is checked here; without one, the start
// message's customParameters must carry it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.refused.Add(1)
		stream.Refuse(w, &stream.Refusal{Status: http.StatusServiceUnavailable, Code: stream.CodeOverloaded, Msg: "shutting down"})
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	urlToken := stream.Token(r) != ""
	dev, release, err := h.gate.Admit(r, urlToken)
	if err != nil {
		h.refused.Add(1)
		stream.Refuse(w, err)
		return
	}
	defer release()
	ws, err := h.up.Upgrade(w, r, nil)
	if err != nil {
		h.refused.Add(1)
		return
	}
	h.accepted.Add(1)
	c := newConn(h, ws, dev, urlToken)
	c.serve()
}

// Close ends every stream and waits for them. Safe to call twice.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	return nil
}
