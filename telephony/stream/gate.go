package stream

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Device is one integration allowed to connect: a smart speaker model, a
// livestream bridge, a telephony provider.
type Device struct {
	Token string `yaml:"token"` // secret sent as "Authorization: Bearer" or ?token=
	Name  string `yaml:"name"`  // integration name, for logs and records
	Shop  string `yaml:"shop"`  // the only shop it may use; "" for any
}

// Access says who may connect and how many at once. telephony/twilio
// shares it.
type Access struct {
	Devices []Device `yaml:"devices"`
	// AllowAnonymous admits connections without a token (development only).
	AllowAnonymous bool `yaml:"allow_anonymous"`
	// MaxConnsPerIP bounds open connections from one remote address.
	MaxConnsPerIP int `yaml:"max_conns_per_ip"`
	// MaxSessions bounds open connections in all.
	MaxSessions int `yaml:"max_sessions"`
}

// Defaults of Access.
const (
	DefaultMaxConnsPerIP = 16
	DefaultMaxSessions   = 256
)

func (a *Access) fill() error {
	if a.MaxConnsPerIP == 0 {
		a.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if a.MaxSessions == 0 {
		a.MaxSessions = DefaultMaxSessions
	}
	if a.MaxConnsPerIP < 0 || a.MaxSessions < 0 {
		return fmt.Errorf("stream: negative connection limit: %w", ErrBadConfig)
	}
	if len(a.Devices) == 0 && !a.AllowAnonymous {
		return fmt.Errorf("stream: no device tokens and anonymous access off: %w", ErrBadConfig)
	}
	seen := map[string]bool{}
	for i, d := range a.Devices {
		if len(d.Token) < 16 {
			return fmt.Errorf("stream: device %d (%q): token shorter than 16 characters: %w", i, d.Name, ErrBadConfig)
		}
		if seen[d.Token] {
			return fmt.Errorf("stream: device %d (%q): duplicate token: %w", i, d.Name, ErrBadConfig)
		}
		seen[d.Token] = true
	}
	return nil
}

// Gate admits connections: device token, per-IP and total limits. Safe for
// concurrent use.
type Gate struct {
	acc     Access
	devices map[[32]byte]Device // by SHA-256 of the token: lookups do not leak token prefixes by timing

	mu    sync.Mutex     // guards perIP
	perIP map[string]int // open connections by remote IP

	open atomic.Int64
}

// NewGate checks acc, fills its defaults and returns a Gate.
func NewGate(acc Access) (*Gate, error) {
	if err := acc.fill(); err != nil {
		return nil, err
	}
	g := &Gate{acc: acc, devices: map[[32]byte]Device{}, perIP: map[string]int{}}
	for _, d := range acc.Devices {
		g.devices[sha256.Sum256([]byte(d.Token))] = d
	}
	return g, nil
}

// Refusal is why a connection was not admitted, with its HTTP status.
type Refusal struct {
	Status int
	Code   string
	Msg    string
}

func (r *Refusal) Error() string { return fmt.Sprintf("stream: %s (%d): %s", r.Code, r.Status, r.Msg) }

// Token returns the request's device token: "Authorization: Bearer" first,
// then the token query parameter (browsers cannot set headers on a
// WebSocket).
func Token(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
	}
	return r.URL.Query().Get("token")
}

// Device looks a token up. With anonymous access on, an empty token is
// the anonymous device.
func (g *Gate) Device(token string) (Device, bool) {
	if token == "" {
		return Device{Name: "anonymous"}, g.acc.AllowAnonymous
	}
	d, ok := g.devices[sha256.Sum256([]byte(token))]
	return d, ok
}

// Open is the number of admitted connections not yet released.
func (g *Gate) Open() int { return int(g.open.Load()) }

// remoteIP is the host part of r.RemoteAddr. Proxy headers are not
// trusted: a reverse proxy in front should enforce its own limits.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Admit counts a connection from r's address against the limits. When
// needToken is set the request must carry a known device token. On
// success the caller must call release exactly once when the connection
// ends.
func (g *Gate) Admit(r *http.Request, needToken bool) (dev Device, release func(), err error) {
	if needToken {
		var ok bool
		if dev, ok = g.Device(Token(r)); !ok {
			return Device{}, nil, &Refusal{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Msg: "missing or unknown device token"}
		}
	}
	ip := remoteIP(r)
	g.mu.Lock()
	if g.perIP[ip] >= g.acc.MaxConnsPerIP {
		g.mu.Unlock()
		return Device{}, nil, &Refusal{Status: http.StatusTooManyRequests, Code: CodeTooManyConns,
			Msg: fmt.Sprintf("at most %d connections per address", g.acc.MaxConnsPerIP)}
	}
	if g.open.Load() >= int64(g.acc.MaxSessions) {
		g.mu.Unlock()
		return Device{}, nil, &Refusal{Status: http.StatusServiceUnavailable, Code: CodeOverloaded,
			Msg: fmt.Sprintf("at most %d sessions", g.acc.MaxSessions)}
	}
	g.perIP[ip]++
	g.open.Add(1)
	g.mu.Unlock()
	var once sync.Once
	return dev, func() {
		once.Do(func() {
			g.mu.Lock()
			if g.perIP[ip]--; g.perIP[ip] <= 0 {
				delete(g.perIP, ip)
			}
			g.open.Add(-1)
			g.mu.Unlock()
		})
	}, nil
}

// Refuse writes a refusal as a JSON HTTP error before the upgrade.
func Refuse(w http.ResponseWriter, err error) {
	ref, ok := err.(*Refusal)
	if !ok {
		ref = &Refusal{Status: http.StatusInternalServerError, Code: "internal", Msg: "internal error"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ref.Status)
	_ = json.NewEncoder(w).Encode(Event{Type: TypeError, Code: ref.Code, Message: ref.Msg})
}
