// Package webrtc is the browser door: a caller on the "call the shop" page
// (web/callpage) talks to the bot over WebRTC (RFC 8825 and the RFCs it
// names), with signalling over a WebSocket (RFC 6455) at Path.
//
// Media: the door answers the page's offer with Opus (RFC 7587, preferred,
// 48 kHz, in-band FEC) or PCMU (RFC 3551, 8 kHz) when the page offers no
// Opus. Caller RTP is ordered, decoded and gap-filled (FEC/PLC) into 20 ms
// frames at the call's rate (48000 for Opus, 8000 for PCMU) for the
// telephony.Answerer; the bot's frames are encoded and sent one per 20 ms
// (comfort silence between answers) on a local track.
//
// Page controls reach the brain as the caller input it already understands:
// repeat is keypad '*', talk to a person is keypad '0', a welcome card is
// its keypad digit (dialog.Card.Key); while the bot asks for an order
// number (keys collected until '#') the door ends the entry with '#' after
// the button's key, and repeat is not available there ('*' starts the entry
// over). Slower and louder have no key: they become caller text turns
// ("speak more slowly" / "说慢一点", "speak louder" / "大声一点") through
// the running call's telephony.Controls, answered and spoken in turn; an
// Answerer without controls that implements telephony.Brains gets them on
// the call's brain session instead (the reply is then shown, not spoken).
//
// Reconnection: media does not depend on the socket. When the socket drops,
// the call lives on for Config.ResumeWindow; the page reopens the socket,
// sends resume with the call id and token from the ready event, and gets
// the events it missed (bounded queue); if ICE failed meanwhile it sends a
// new offer with an ICE restart, which the door answers on the same peer
// connection. A call that cannot be resumed (window over, door restarted)
// ends, and the page starts a new one.
//
// Limits: Config.MaxCallsPerIP sockets per client address (RemoteAddr;
// proxies are not trusted), Config.MaxCalls calls, message size
// MaxMessageBytes, Config.MaxCallDuration per call. Every peer connection is
// closed when its call ends, on every path.
package webrtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"

	"github.com/callbee/callbee/telephony"
)

// Path is where `callbee serve` mounts the door's WebSocket.
const Path = "/ws/call"

// Door answers browser calls. It is an http.Handler for the signalling
// WebSocket; mount it at Path. Safe for concurrent use.
type Door struct {
	ans      telephony.Answerer
	brains   telephony.Brains // nil when the answerer has no text path
	cfg      Config
	api      *pion.API
	log      *slog.Logger
	now      func() time.Time
	upgrader websocket.Upgrader

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu       sync.Mutex // guards calls, perIP, sessions, closed
	calls    map[string]*call
	perIP    map[string]int
	sessions map[*session]struct{}
	closed   bool

	wg sync.WaitGroup // call supervisors and socket sessions
}

var _ http.Handler = (*Door)(nil)

// Option configures a Door.
type Option func(*Door) error

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(d *Door) error {
		if l == nil {
			return fmt.Errorf("webrtc: nil logger: %w", ErrBadConfig)
		}
		d.log = l
		return nil
	}
}

// WithCheckOrigin replaces the WebSocket origin check (default: the
// Origin header's host must equal the request's Host).
func WithCheckOrigin(fn func(r *http.Request) bool) Option {
	return func(d *Door) error {
		d.upgrader.CheckOrigin = fn
		return nil
	}
}

// New returns a door that hands its calls to answerer.
func New(answerer telephony.Answerer, cfg Config, opts ...Option) (*Door, error) {
	if answerer == nil {
		return nil, fmt.Errorf("webrtc: nil answerer: %w", ErrBadConfig)
	}
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	d := &Door{
		ans:      answerer,
		cfg:      cfg,
		log:      slog.New(slog.DiscardHandler),
		now:      time.Now,
		calls:    map[string]*call{},
		perIP:    map[string]int{},
		sessions: map[*session]struct{}{},
		upgrader: websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096, HandshakeTimeout: 10 * time.Second},
	}
	if b, ok := answerer.(telephony.Brains); ok {
		d.brains = b
	}
	for _, o := range opts {
		if err := o(d); err != nil {
			return nil, err
		}
	}
	d.log = d.log.With("component", "webrtc")
	api, err := newAPI(&d.cfg)
	if err != nil {
		return nil, err
	}
	d.api = api
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d, nil
}

// newAPI builds pion's API: Opus then PCMU, RTCP reports and NACK, the
// network settings of cfg.
func newAPI(cfg *Config) (*pion.API, error) {
	m := &pion.MediaEngine{}
	for _, c := range []pion.RTPCodecParameters{
		{RTPCodecCapability: opusCapability, PayloadType: 111},
		{RTPCodecCapability: pcmuCapability, PayloadType: 0},
	} {
		if err := m.RegisterCodec(c, pion.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("webrtc: register %s: %w", c.MimeType, err)
		}
	}
	ir := &interceptor.Registry{}
	if err := pion.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("webrtc: interceptors: %w", err)
	}
	se, err := cfg.settingEngine()
	if err != nil {
		return nil, err
	}
	return pion.NewAPI(pion.WithMediaEngine(m), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se)), nil
}

var (
	opusCapability = pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}
	pcmuCapability = pion.RTPCodecCapability{MimeType: pion.MimeTypePCMU, ClockRate: 8000, Channels: 1}
)

// Calls is the number of calls in progress.
func (d *Door) Calls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls)
}

// ServeHTTP upgrades the request to the signalling WebSocket and serves it
// until the socket closes.
func (d *Door) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	s, err := d.admit(ip)
	if err != nil {
		code := http.StatusTooManyRequests
		if errors.Is(err, ErrClosed) {
			code = http.StatusServiceUnavailable
		}
		http.Error(w, err.Error(), code)
		return
	}
	defer d.leave(s)
	ws, err := d.upgrader.Upgrade(w, r, nil)
	if err != nil {
		d.log.Debug("websocket upgrade", "ip", ip, "err", err)
		return // the upgrader wrote the HTTP error
	}
	s.serve(ws)
}

// admit counts a socket from ip against the limits.
func (d *Door) admit(ip string) (*session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	if d.perIP[ip] >= d.cfg.MaxCallsPerIP {
		return nil, fmt.Errorf("webrtc: %d sockets from %s: %w", d.perIP[ip], ip, ErrTooMany)
	}
	d.perIP[ip]++
	s := newSession(d, ip)
	d.sessions[s] = struct{}{}
	d.wg.Add(1)
	return s, nil
}

func (d *Door) leave(s *session) {
	d.mu.Lock()
	if d.perIP[s.ip]--; d.perIP[s.ip] <= 0 {
		delete(d.perIP, s.ip)
	}
	delete(d.sessions, s)
	d.mu.Unlock()
	d.wg.Done()
}

// newCall registers a call for s, within MaxCalls, and starts its supervisor.
func (d *Door) newCall(s *session, m Message) (*call, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	if len(d.calls) >= d.cfg.MaxCalls {
		return nil, fmt.Errorf("webrtc: %d calls: %w", len(d.calls), ErrTooMany)
	}
	c, err := newCall(d, s, m)
	if err != nil {
		return nil, err
	}
	d.calls[c.id] = c
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		c.run()
		d.mu.Lock()
		delete(d.calls, c.id)
		d.mu.Unlock()
	}()
	return c, nil
}

// lookup finds a call to resume.
func (d *Door) lookup(id, token string) (*call, error) {
	d.mu.Lock()
	c := d.calls[id]
	d.mu.Unlock()
	if c == nil || !c.tokenOK(token) || c.isEnded() {
		return nil, fmt.Errorf("webrtc: call %q: %w", id, ErrUnknownCall)
	}
	return c, nil
}

// Close hangs up every call, closes every socket and waits for them.
// It is safe to call twice.
func (d *Door) Close() error {
	d.mu.Lock()
	d.closed = true
	var sessions []*session
	for s := range d.sessions {
		sessions = append(sessions, s)
	}
	d.mu.Unlock()
	d.cancel()
	for _, s := range sessions {
		s.closeSocket()
	}
	d.wg.Wait()
	return nil
}

// clientIP is the request's peer address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
