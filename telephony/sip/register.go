package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Registration defaults and bounds.
const (
	DefaultRegisterExpires = time.Hour
	// registerMinRefresh is the shortest wait before refreshing, whatever
	// the registrar grants.
	registerMinRefresh = time.Second
	// registerBackoffMin and registerBackoffMax bound the wait after a
	// failed registration (doubled each time, with jitter).
	registerBackoffMin = time.Second
	registerBackoffMax = 5 * time.Minute
	// registerTimeout bounds one REGISTER transaction (with its challenge).
	registerTimeout = 32 * time.Second // 64*T1, RFC 3261 section 17.1.2.2
	// unregisterTimeout bounds the unregister sent by Close.
	unregisterTimeout = 3 * time.Second
)

// RegisterConfig makes the door register to a trunk or PBX (RFC 3261
// section 10) so the shop's number rings the bot. No Registrar: inbound
// only (the PBX sends calls to the listen address).
type RegisterConfig struct {
	// Registrar is the registrar's SIP URI, "sip:pbx.example.com" (add
	// ";transport=tcp" for TCP).
	Registrar string `yaml:"registrar"`
	// User is the account (the address-of-record's user and the digest
	// user name); Password answers digest challenges (RFC 2617 via
	// RFC 3261 section 22).
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	// Expires is the registration lifetime asked for; it is refreshed at
	// half the lifetime the registrar grants.
	Expires time.Duration `yaml:"expires"`
	// Contact is the "user@host:port" to register ("" is User at the
	// door's advertised listen address).
	Contact string `yaml:"contact"`
}

func (r RegisterConfig) validate() error {
	if r.Registrar == "" {
		return nil
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("sip config: register.%s: %s: %w", field, fmt.Sprintf(format, args...), ErrBadConfig)
	}
	var uri sipmsg.Uri
	if err := sipmsg.ParseUri(r.Registrar, &uri); err != nil || uri.Host == "" || !strings.HasPrefix(strings.ToLower(r.Registrar), "sip") {
		return bad("registrar", "%q is not a SIP URI", r.Registrar)
	}
	if r.User == "" || strings.ContainsAny(r.User, " \r\n@:;<>\"") {
		return bad("user", "%q must be one token", r.User)
	}
	if r.Expires < time.Minute || r.Expires > 24*time.Hour {
		return bad("expires", "%v not in 1m-24h", r.Expires)
	}
	if r.Contact != "" {
		var c sipmsg.Uri
		if err := sipmsg.ParseUri("sip:"+strings.TrimPrefix(r.Contact, "sip:"), &c); err != nil || c.Host == "" {
			return bad("contact", "%q is not user@host[:port]", r.Contact)
		}
	}
	return nil
}

// Registration is the state of the door's registration, for the console
// and health checks.
type Registration struct {
	Registrar  string
	Registered bool
	Until      time.Time // when the current binding expires (zero if none)
	Refreshes  int       // successful REGISTERs so far
	Failures   int       // failed attempts in a row
	LastError  string
}

// Registration reports the registration's state (zero without one).
func (s *Server) Registration() Registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reg
}

// registrar is the registration loop's request state.
type registrar struct {
	s         *Server
	cfg       RegisterConfig
	client    *sipgo.Client
	uri       sipmsg.Uri // Request-URI: the registrar
	aor       sipmsg.Uri // To/From: the address of record
	contact   sipmsg.Uri
	transport string
	callID    string // one Call-ID for the boot cycle (section 10.2)
	cseq      uint32 // increases with every REGISTER (section 10.2)
	log       *slog.Logger
}

func (s *Server) newRegistrar() (*registrar, error) {
	cfg := s.cfg.Register
	uri, transport, err := s.parseTarget(cfg.Registrar)
	if err != nil {
		return nil, fmt.Errorf("sip: register: %w", err)
	}
	r := &registrar{s: s, cfg: cfg, client: s.clients[transport], uri: uri, transport: transport,
		callID: strconv.FormatUint(rand.Uint64(), 36) + "@callbee", cseq: rand.Uint32() & 0x7fff,
		log: s.log.With("registrar", cfg.Registrar, "user", cfg.User)}
	r.uri.User = ""
	r.aor = sipmsg.Uri{Scheme: "sip", User: cfg.User, Host: uri.Host}
	if cfg.Contact != "" {
		if err := sipmsg.ParseUri("sip:"+strings.TrimPrefix(cfg.Contact, "sip:"), &r.contact); err != nil {
			return nil, fmt.Errorf("sip: register contact: %w", err)
		}
	} else {
		ours := s.dialogs[transport].ContactHDR.Address
		r.contact = sipmsg.Uri{Scheme: "sip", User: cfg.User, Host: ours.Host, Port: ours.Port}
	}
	r.contact.UriParams = sipmsg.HeaderParams{{K: "transport", V: strings.ToLower(transport)}}
	return r, nil
}

// register sends one REGISTER asking for expires (0 removes the binding,
// section 10.2.2), answering a digest challenge (section 22.2) once, and
// returns the lifetime granted.
func (r *registrar) register(ctx context.Context, expires time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	for try := 0; ; try++ {
		req := r.request(expires)
		res, err := r.client.Do(ctx, req, sipgo.ClientRequestAddVia)
		if err != nil && errors.Is(err, syscall.EADDRINUSE) && try < listenWaitTries {
			// sipgo has not taken the listening socket yet (just after Serve)
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("sip: register: %w", ctx.Err())
			case <-time.After(listenWaitStep):
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("sip: register: %w", err)
		}
		if (res.StatusCode == sipmsg.StatusUnauthorized || res.StatusCode == sipmsg.StatusProxyAuthRequired) && r.cfg.Password != "" {
			res, err = r.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: r.cfg.User, Password: r.cfg.Password})
			if err != nil {
				return 0, fmt.Errorf("sip: register: digest: %w", err)
			}
			r.cseq = req.CSeq().SeqNo // DoDigestAuth sent it with the next CSeq
		}
		if res.StatusCode == sipmsg.StatusIntervalToBrief && expires > 0 { // 423: section 10.2.8
			if h := res.GetHeader("Min-Expires"); h != nil {
				if min, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && time.Duration(min)*time.Second > expires {
					expires = time.Duration(min) * time.Second
					continue
				}
			}
		}
		if !res.IsSuccess() {
			return 0, fmt.Errorf("sip: register: %d %s: %w", res.StatusCode, res.Reason, ErrRegister)
		}
		return grantedExpiry(res, r.contact, expires), nil
	}
}

// request builds the next REGISTER (section 10.2).
func (r *registrar) request(expires time.Duration) *sipmsg.Request {
	r.cseq++
	req := sipmsg.NewRequest(sipmsg.REGISTER, r.uri)
	req.SetTransport(r.transport)
	from := &sipmsg.FromHeader{Address: r.aor, Params: sipmsg.NewParams()}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	to := &sipmsg.ToHeader{Address: r.aor, Params: sipmsg.NewParams()}
	callID := sipmsg.CallIDHeader(r.callID)
	maxFwd := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: r.cseq, MethodName: sipmsg.REGISTER})
	req.AppendHeader(&maxFwd)
	req.AppendHeader(&sipmsg.ContactHeader{Address: r.contact})
	req.AppendHeader(sipmsg.NewHeader("Expires", strconv.Itoa(int(expires/time.Second))))
	req.SetBody(nil)
	return req
}

// grantedExpiry reads the lifetime the registrar granted our binding: the
// expires parameter of our Contact in the 200, else its Expires header,
// else what we asked (section 10.2.4).
func grantedExpiry(res *sipmsg.Response, ours sipmsg.Uri, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		var c sipmsg.ContactHeader
		if _, err := sipmsg.ParseAddressValue(h.Value(), &c.Address, &c.Params); err != nil {
			continue
		}
		if c.Address.Host != ours.Host || c.Address.Port != ours.Port || c.Address.User != ours.User {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// runRegistration keeps the binding fresh until the server closes, then
// removes it. It runs on its own goroutine, owned by Serve/Close.
func (s *Server) runRegistration(r *registrar) {
	backoff := registerBackoffMin
	for {
		granted, err := r.register(s.ctx, s.cfg.Register.Expires)
		var wait time.Duration
		s.mu.Lock()
		s.reg.Registrar = s.cfg.Register.Registrar
		if err == nil {
			s.reg.Registered, s.reg.Until = true, s.clock.Now().Add(granted)
			s.reg.Refreshes++
			s.reg.Failures, s.reg.LastError = 0, ""
			wait, backoff = max(granted/2, registerMinRefresh), registerBackoffMin
		} else if s.ctx.Err() == nil {
			s.reg.Failures++
			s.reg.LastError = err.Error()
			if s.clock.Now().After(s.reg.Until) {
				s.reg.Registered = false
			}
			wait = backoff/2 + rand.N(backoff/2+1) // jitter: a fleet does not retry in step
			backoff = min(backoff*2, registerBackoffMax)
		}
		s.mu.Unlock()
		if err == nil {
			r.log.Info("sip: registered", "expires", granted)
		} else if s.ctx.Err() == nil {
			r.log.Warn("sip: registration failed", "retry_in", wait, "err", err)
		}
		select {
		case <-s.ctx.Done():
			s.unregister(r)
			return
		case <-s.clock.After(wait):
		}
	}
}

// unregister removes the binding (Expires: 0) when the server closes.
func (s *Server) unregister(r *registrar) {
	s.mu.Lock()
	registered := s.reg.Registered
	s.mu.Unlock()
	if !registered {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), unregisterTimeout)
	defer cancel()
	if _, err := r.register(ctx, 0); err != nil {
		r.log.Warn("sip: unregister", "err", err)
		return
	}
	s.mu.Lock()
	s.reg.Registered, s.reg.Until = false, time.Time{}
	s.mu.Unlock()
	r.log.Info("sip: unregistered")
}
