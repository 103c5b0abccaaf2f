package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// Option configures a Server.
type Option func(*Server) error

// WithLogger logs through l (rate-limited per message); default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) error {
		if l == nil {
			return fmt.Errorf("sip: nil logger: %w", ErrBadOption)
		}
		s.log = l
		return nil
	}
}

// WithClock paces media and times calls by c (media.SystemClock by default).
func WithClock(c media.Clock) Option {
	return func(s *Server) error {
		if c == nil {
			return fmt.Errorf("sip: nil clock: %w", ErrBadOption)
		}
		s.clock = c
		return nil
	}
}

// WithOnCallEnd calls f when a call is over (answered or not), with the
// Answerer's result and error (zero and nil when it was never called). f
// runs on the call's goroutine and must not block for long.
func WithOnCallEnd(f func(CallInfo, telephony.Result, error)) Option {
	return func(s *Server) error { s.onEnd = f; return nil }
}

// WithOnEvent passes every voice event of a call to f (captions, and the
// handoff event that starts a transfer). f must not block.
func WithOnEvent(f func(*Call, voice.Event)) Option {
	return func(s *Server) error { s.onEvent = f; return nil }
}

// WithOnAnswer calls f once a call is answered, before the Answerer runs
// (call records, the console's list of live calls).
func WithOnAnswer(f func(*Call)) Option {
	return func(s *Server) error { s.onAnswer = f; return nil }
}

// Server is the SIP door: it listens, answers INVITEs and runs each call
// through the Answerer until one side hangs up.
type Server struct {
	cfg      Config
	ans      telephony.Answerer
	log      *slog.Logger
	clock    media.Clock
	onEnd    func(CallInfo, telephony.Result, error)
	onEvent  func(*Call, voice.Event)
	onAnswer func(*Call)
	records  CallRecorder

	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	dialogs map[string]*sipgo.DialogUA // by transport ("UDP", "TCP")
	clients map[string]*sipgo.Client   // by transport
	udp     net.PacketConn
	tcp     net.Listener
	ports   portAlloc

	ctx    context.Context // cancelled by Close: ends running calls
	cancel context.CancelFunc

	mu       sync.Mutex                            // guards the fields below
	calls    map[string]*Call                      // by Call-ID
	outbound map[string]*sipgo.DialogClientSession // dialogs we placed (agents, Dial), by Call-ID
	draining bool
	closed   bool
	serving  bool
	reg      Registration
	idle     chan struct{} // closed when draining and no call is left

	callWG  sync.WaitGroup // call goroutines
	serveWG sync.WaitGroup // listener goroutines
	regWG   sync.WaitGroup // the registration loop
}

// New makes a Server for cfg that hands calls to ans. It binds the
// listen addresses at once (Addr tells the ports picked for port 0);
// Serve starts taking calls.
func New(cfg Config, ans telephony.Answerer, opts ...Option) (*Server, error) {
	if ans == nil {
		return nil, fmt.Errorf("sip: nil answerer: %w", ErrBadOption)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ans: ans, log: slog.Default(), clock: media.SystemClock{}, calls: map[string]*Call{},
		outbound: map[string]*sipgo.DialogClientSession{}}
	s.ports.min, s.ports.max = cfg.RTPPortMin, cfg.RTPPortMax
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.log = slog.New(newRateLimited(s.log.Handler())).With("component", "sip")
	s.ctx, s.cancel = context.WithCancel(context.Background())

	var err error
	if cfg.UDP != "" {
		if s.udp, err = net.ListenPacket("udp", cfg.UDP); err != nil {
			return nil, fmt.Errorf("sip: listen udp %s: %w", cfg.UDP, err)
		}
	}
	if cfg.TCP != "" {
		if s.tcp, err = net.Listen("tcp", cfg.TCP); err != nil {
			return nil, errors.Join(fmt.Errorf("sip: listen tcp %s: %w", cfg.TCP, err), s.closeListeners())
		}
	}
	if err := s.newUA(); err != nil {
		return nil, errors.Join(err, s.closeListeners())
	}
	return s, nil
}

func (s *Server) newUA() error {
	lib := s.log.With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(s.cfg.UserAgent),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(lib)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(lib)),
	)
	if err != nil {
		return fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(lib))
	if err != nil {
		return errors.Join(fmt.Errorf("sip: server: %w", err), ua.Close())
	}
	s.ua, s.srv = ua, srv
	s.dialogs = map[string]*sipgo.DialogUA{}
	s.clients = map[string]*sipgo.Client{}
	for _, l := range []struct {
		transport string
		addr      net.Addr
	}{{"UDP", addrOf(s.udp)}, {"TCP", addrOf(s.tcp)}} {
		if l.addr == nil {
			continue
		}
		host, port, _ := net.SplitHostPort(l.addr.String())
		p, _ := strconv.Atoi(port)
		advertised := host
		if s.cfg.ExternalHost != "" {
			advertised = s.cfg.ExternalHost
		} else if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			if ip := localIPFor(net.IPv4(192, 0, 2, 1)); ip != nil {
				advertised = ip.String() // the address of the default route
			}
		}
		copts := []sipgo.ClientOption{sipgo.WithClientLogger(lib), sipgo.WithClientNAT(),
			sipgo.WithClientHostname(advertised), sipgo.WithClientPort(p)}
		if l.transport == "UDP" && net.ParseIP(host) != nil && !net.ParseIP(host).IsUnspecified() {
			// send requests (BYE) from the listening socket
			copts = append(copts, sipgo.WithClientConnectionAddr(l.addr.String()))
		}
		client, err := sipgo.NewClient(ua, copts...)
		if err != nil {
			return errors.Join(fmt.Errorf("sip: %s client: %w", l.transport, err), ua.Close())
		}
		s.clients[l.transport] = client
		s.dialogs[l.transport] = &sipgo.DialogUA{
			Client: client,
			ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{
				Scheme: "sip", User: s.cfg.UserAgent, Host: advertised, Port: p,
				UriParams: sipmsg.HeaderParams{{K: "transport", V: strings.ToLower(l.transport)}},
			}},
		}
	}
	srv.OnInvite(s.guard(s.onInvite))
	srv.OnAck(s.guard(s.onAck))
	srv.OnBye(s.guard(s.onBye))
	srv.OnCancel(s.guard(s.onCancel))
	srv.OnInfo(s.handleInfo)
	srv.OnOptions(s.guard(s.onOptions))
	srv.OnNotify(s.guard(s.onNotify))
	return nil
}

func addrOf(l any) net.Addr {
	switch l := l.(type) {
	case net.PacketConn:
		if l != nil {
			return l.LocalAddr()
		}
	case net.Listener:
		if l != nil {
			return l.Addr()
		}
	}
	return nil
}

// UDPAddr and TCPAddr are the bound listen addresses (nil when off).
func (s *Server) UDPAddr() net.Addr { return addrOf(s.udp) }

// TCPAddr is the bound TCP listen address (nil when off).
func (s *Server) TCPAddr() net.Addr { return addrOf(s.tcp) }

// UA is the SIP user agent, for outbound calls and registration.
func (s *Server) UA() *sipgo.UserAgent { return s.ua }

// Client is the SIP client that sends requests over transport ("UDP" or
// "TCP") from the listening address, for outbound calls, REFER and
// REGISTER; nil when that transport is off.
func (s *Server) Client(transport string) *sipgo.Client { return s.clients[strings.ToUpper(transport)] }

// Active is the number of calls in progress (ringing or answered).
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// Calls returns a snapshot of the calls in progress.
func (s *Server) Calls() []CallInfo {
	s.mu.Lock()
	list := make([]*Call, 0, len(s.calls))
	for _, c := range s.calls {
		list = append(list, c)
	}
	s.mu.Unlock()
	out := make([]CallInfo, 0, len(list))
	for _, c := range list {
		out = append(out, c.Info())
	}
	return out
}

// Serve takes calls until ctx is done (it then closes the server, ending
// running calls) or Close is called. For a graceful stop call Drain first.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.serving {
		s.mu.Unlock()
		return fmt.Errorf("sip: Serve called twice: %w", ErrBadOption)
	}
	s.serving = true
	s.mu.Unlock()

	errc := make(chan error, 2)
	if s.udp != nil {
		s.serveWG.Go(func() { errc <- s.srv.ServeUDP(s.udp) })
	}
	if s.tcp != nil {
		s.serveWG.Go(func() { errc <- s.srv.ServeTCP(s.tcp) })
	}
	s.log.Info("sip: listening", "udp", addrString(s.UDPAddr()), "tcp", addrString(s.TCPAddr()))
	if s.cfg.Register.Registrar != "" {
		r, err := s.newRegistrar()
		if err != nil {
			return errors.Join(err, s.Close())
		}
		s.regWG.Go(func() { s.runRegistration(r) })
	}
	var err error
	select {
	case <-ctx.Done():
	case <-s.ctx.Done():
	case err = <-errc:
		if s.ctx.Err() == nil {
			err = fmt.Errorf("sip: listener stopped: %w", err)
		} else {
			err = nil
		}
	}
	return errors.Join(err, s.Close())
}

// Drain stops taking calls (new INVITEs get 503 with Retry-After) and
// waits until the running calls finish or ctx is done; Close then ends
// whatever is left.
func (s *Server) Drain(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	if s.idle == nil {
		s.idle = make(chan struct{})
		if len(s.calls) == 0 {
			close(s.idle)
		}
	}
	idle := s.idle
	n := len(s.calls)
	s.mu.Unlock()
	s.log.Info("sip: draining", "calls", n)
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sip: drain with %d calls left: %w", s.Active(), ctx.Err())
	}
}

// Close stops listening, hangs up running calls and waits for them. It is
// safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	s.cancel() // ends the Answerers (each call then sends BYE) and the registration
	s.callWG.Wait()
	s.regWG.Wait() // it unregisters first
	// The user agent first: its transactions (an ACK repeated for a
	// retransmitted final response to a call we placed) must not open a
	// fresh socket on the listening address once the listener is gone.
	err := s.ua.Close()
	err = errors.Join(err, s.closeListeners())
	s.serveWG.Wait()
	// sipgo v1.7.2 may still handle a datagram it read just before Close
	// (a response to a request we sent) through a connection its closed
	// transport layer no longer tracks, leaving that connection's reader
	// running; clear the transports again once such a handler had time.
	time.Sleep(closeSettle)
	return errors.Join(err, s.ua.TransportLayer().Close())
}

// closeSettle is how long Close lets sipgo's late handlers run.
const closeSettle = 100 * time.Millisecond

func (s *Server) closeListeners() error {
	var err error
	if s.udp != nil {
		if e := s.udp.Close(); e != nil && !errors.Is(e, net.ErrClosed) {
			err = errors.Join(err, fmt.Errorf("sip: close udp: %w", e))
		}
	}
	if s.tcp != nil {
		if e := s.tcp.Close(); e != nil && !errors.Is(e, net.ErrClosed) {
			err = errors.Join(err, fmt.Errorf("sip: close tcp: %w", e))
		}
	}
	return err
}

// admit registers a new call unless the server is full, draining or
// closed; it reports the status to refuse with otherwise.
func (s *Server) admit(c *Call) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed || s.draining:
		return sipmsg.StatusServiceUnavailable, false
	case len(s.calls) >= s.cfg.MaxCalls:
		return sipmsg.StatusServiceUnavailable, false
	case s.calls[c.info.ID] != nil:
		return sipmsg.StatusLoopDetected, false // a second INVITE with the same Call-ID
	}
	s.calls[c.info.ID] = c
	s.callWG.Add(1)
	return 0, true
}

func (s *Server) release(c *Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[c.info.ID] == c {
		delete(s.calls, c.info.ID)
	}
	if s.draining && len(s.calls) == 0 && s.idle != nil {
		select {
		case <-s.idle:
		default:
			close(s.idle)
		}
	}
	s.callWG.Done()
}

func (s *Server) call(id string) *Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[id]
}

// handleInfo takes a keypad digit sent as SIP INFO (RFC 6086).
func (s *Server) handleInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	respond := func(code int, reason string) {
		if err := tx.Respond(sipmsg.NewResponseFromRequest(req, code, reason, nil)); err != nil {
			s.log.Warn("sip: respond to INFO", "err", err)
		}
	}
	var id string
	if h := req.CallID(); h != nil {
		id = h.Value()
	}
	c := s.call(id)
	if c == nil || !c.answered() {
		respond(sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	digit, dur, err := parseInfoDTMF(ct, req.Body())
	switch {
	case err != nil && strings.Contains(err.Error(), "content type"):
		respond(sipmsg.StatusUnsupportedMediaType, "Unsupported Media Type")
		return
	case err != nil:
		s.log.Warn("sip: bad INFO keypad body", "call", id, "err", err)
		respond(sipmsg.StatusBadRequest, "Bad Request")
		return
	}
	respond(sipmsg.StatusOK, "OK")
	c.keyPressed(digit, dur, 0)
}

// retryAfter is the Retry-After header for 503s.
func (s *Server) retryAfter() sipmsg.Header {
	return sipmsg.NewHeader("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second)))
}
