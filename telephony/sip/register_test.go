package sip_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

// registrar is a small sipgo registrar on 127.0.0.1 that challenges every
// REGISTER without credentials (401, digest MD5), checks the answer and
// grants at most grant of lifetime.
type registrar struct {
	addr     string
	password string
	grant    time.Duration

	mu     sync.Mutex
	chal   map[string]*digest.Challenge // by nonce
	seen   []registerSeen
	nonces int
}

type registerSeen struct {
	callID  string
	cseq    uint32
	expires int
	authed  bool // carried valid credentials (and got 200)
	contact string
}

func newRegistrar(t *testing.T, password string, grant time.Duration) *registrar {
	t.Helper()
	log := testLogger(t)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("registrar"),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(log)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	r := &registrar{addr: conn.LocalAddr().String(), password: password, grant: grant, chal: map[string]*digest.Challenge{}}
	srv.OnRegister(r.onRegister)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServeUDP(conn) }()
	t.Cleanup(func() {
		_ = ua.Close()
		_ = conn.Close()
		<-done
	})
	return r
}

func (r *registrar) onRegister(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	seen := registerSeen{callID: req.CallID().Value(), cseq: req.CSeq().SeqNo, expires: -1}
	if h := req.GetHeader("Expires"); h != nil {
		seen.expires, _ = strconv.Atoi(h.Value())
	}
	if h := req.Contact(); h != nil {
		seen.contact = h.Address.String()
	}
	respond := func(res *sipmsg.Response) {
		r.mu.Lock()
		r.seen = append(r.seen, seen)
		r.mu.Unlock()
		_ = tx.Respond(res)
	}
	h := req.GetHeader("Authorization")
	if h == nil {
		r.mu.Lock()
		r.nonces++
		chal := &digest.Challenge{Realm: "callbee-test", Nonce: fmt.Sprintf("n%d", r.nonces), Opaque: "o", Algorithm: "MD5"}
		r.chal[chal.Nonce] = chal
		r.mu.Unlock()
		res := sipmsg.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sipmsg.NewHeader("WWW-Authenticate", chal.String()))
		respond(res)
		return
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		respond(sipmsg.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	r.mu.Lock()
	chal := r.chal[cred.Nonce]
	r.mu.Unlock()
	if chal == nil {
		respond(sipmsg.NewResponseFromRequest(req, 403, "Forbidden", nil))
		return
	}
	want, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: cred.URI, Username: cred.Username, Password: r.password})
	if err != nil || cred.Username != "shop" || cred.Response != want.Response {
		respond(sipmsg.NewResponseFromRequest(req, 403, "Forbidden", nil))
		return
	}
	seen.authed = true
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
	if seen.expires > 0 {
		grant := min(seen.expires, int(r.grant/time.Second))
		res.AppendHeader(sipmsg.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", seen.contact, grant)))
	}
	respond(res)
}

func (r *registrar) registered() []registerSeen {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []registerSeen
	for _, s := range r.seen {
		if s.authed {
			out = append(out, s)
		}
	}
	return out
}

func (r *registrar) all() []registerSeen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]registerSeen(nil), r.seen...)
}

func registerConfig(r *registrar, password string) sip.Config {
	cfg := testConfig()
	cfg.Register = sip.RegisterConfig{Registrar: "sip:" + r.addr, User: "shop", Password: password, Expires: time.Hour}
	return cfg
}

// TestRegister: the door registers with digest auth, refreshes before the
// granted lifetime runs out (same Call-ID, rising CSeq, section 10.2) and
// removes the binding when it closes.
func TestRegister(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg := newRegistrar(t, "secret", 2*time.Second)
	s := startServer(t, registerConfig(reg, "secret"), &siptest.Echo{})
	for len(reg.registered()) < 3 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	got := reg.registered()
	if len(got) < 3 {
		t.Fatalf("%d registrations in time, want 3 (the first and two refreshes): %+v", len(got), reg.all())
	}
	st := s.Registration()
	if !st.Registered || st.Refreshes < 3 || st.Failures != 0 || time.Until(st.Until) > 2*time.Second {
		t.Errorf("registration %+v", st)
	}
	all := reg.all()
	for i, r := range all {
		if r.callID != all[0].callID {
			t.Errorf("REGISTER %d: Call-ID %q, want %q throughout", i, r.callID, all[0].callID)
		}
		if i > 0 && r.cseq <= all[i-1].cseq {
			t.Errorf("REGISTER %d: CSeq %d after %d", i, r.cseq, all[i-1].cseq)
		}
		if r.expires != 3600 {
			t.Errorf("REGISTER %d: Expires %d, want 3600", i, r.expires)
		}
		if !strings.HasPrefix(r.contact, "sip:shop@127.0.0.1:") {
			t.Errorf("REGISTER %d: Contact %q", i, r.contact)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got = reg.registered()
	if last := got[len(got)-1]; last.expires != 0 {
		t.Errorf("last REGISTER asked Expires %d, want 0 (unregister on Close)", last.expires)
	}
	if st := s.Registration(); st.Registered {
		t.Errorf("still registered after Close: %+v", st)
	}
}

// TestRegisterWrongPassword: a refused registration is retried with
// backoff and reported; the door keeps answering calls.
func TestRegisterWrongPassword(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg := newRegistrar(t, "secret", time.Hour)
	s := startServer(t, registerConfig(reg, "wrong"), &siptest.Echo{})
	for s.Registration().Failures < 2 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	st := s.Registration()
	if st.Registered || st.Failures < 2 || !strings.Contains(st.LastError, "403") {
		t.Errorf("registration %+v", st)
	}
	if n := len(reg.registered()); n != 0 {
		t.Errorf("%d registrations accepted with a wrong password", n)
	}
	// Two attempts, each a challenge and an answer: no tight loop.
	if n := len(reg.all()); n > 6 {
		t.Errorf("%d REGISTERs for %d failures: backoff missing", n, s.Registration().Failures)
	}
	call, err := newCaller(t).Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err != nil {
		t.Fatalf("calls must still be answered: %v", err)
	}
	if err := errors.Join(call.Hangup(ctx), call.Close()); err != nil {
		t.Error(err)
	}
}
