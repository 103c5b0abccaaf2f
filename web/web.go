// Package web owns callbee's HTTP API (/api/v1/...): opening sessions with a
// shop's brain, sending caller turns, reading transcripts and listing shops.
// Every response is JSON; errors are {"error": "...", "code": "..."} with the
// HTTP status mapped here, at the edge, from the brain's named errors.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
)

// Limits on requests.
const (
	MaxBodyBytes  = 64 << 10          // request bodies larger than this get 413
	MaxTextLen    = dialog.MaxTextLen // caller text, in runes
	MaxDTMFLen    = 32
	MaxCallerLen  = 128
	MaxChannelLen = 32
	MaxSessionLen = 128
	// maxRoutes bounds the session→shop cache; a session evicted from it is
	// found again by asking the brains.
	maxRoutes = 100_000
)

// Brain answers the callers of one shop; *dialog.Engine is one.
type Brain interface {
	Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error)
	Handle(ctx context.Context, sessionID string, in dialog.Input) (dialog.Reply, error)
	Transcript(ctx context.Context, sessionID string) (dialog.Transcript, error)
}

// BrainSet finds the brain of a shop and lists the shops served.
type BrainSet interface {
	Brain(shopID string) (Brain, bool)
	Shops() []ShopInfo
}

// ShopInfo describes a served shop.
type ShopInfo struct {
	ID        string   `json:"id"`
	Name      kb.Text  `json:"name"`
	Languages []string `json:"languages"`
}

// ShopBrain is a brain that knows its shop; *dialog.Engine is one.
type ShopBrain interface {
	Brain
	Shop() *kb.Shop
}

var _ ShopBrain = (*dialog.Engine)(nil)

// Brains returns a fixed BrainSet of brains keyed by their shop's id. A later
// brain for the same shop id replaces an earlier one.
func Brains(bs ...ShopBrain) BrainSet {
	s := staticSet{brains: make(map[string]Brain, len(bs))}
	for _, b := range bs {
		sh := b.Shop()
		if _, dup := s.brains[sh.ID()]; !dup {
			s.infos = append(s.infos, Info(sh))
		}
		s.brains[sh.ID()] = b
	}
	sort.Slice(s.infos, func(i, j int) bool { return s.infos[i].ID < s.infos[j].ID })
	return s
}

// Info describes shop for the API.
func Info(shop *kb.Shop) ShopInfo {
	info := ShopInfo{ID: shop.ID(), Name: shop.Shop.Name, Languages: []string{}}
	for _, l := range []string{kb.LangZH, kb.LangEN} {
		if shop.Shop.Welcome[l] != "" || shop.Shop.Name[l] != "" {
			info.Languages = append(info.Languages, l)
		}
	}
	return info
}

type staticSet struct {
	brains map[string]Brain
	infos  []ShopInfo
}

func (s staticSet) Brain(id string) (Brain, bool) { b, ok := s.brains[id]; return b, ok }
func (s staticSet) Shops() []ShopInfo             { return s.infos }

// Server is the HTTP API. It is an http.Handler, safe for concurrent use.
type Server struct {
	brains BrainSet
	log    *slog.Logger
	clock  func() time.Time
	mux    *http.ServeMux

	mu     sync.Mutex        // guards routes
	routes map[string]string // session id -> shop id
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the request and error logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) {
		if l != nil {
			s.log = l
		}
	}
}

// WithClock sets the time source of request durations.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.clock = now
		}
	}
}

// New returns the API server for brains.
func New(brains BrainSet, opts ...Option) *Server {
	s := &Server{
		brains: brains,
		log:    slog.Default(),
		clock:  time.Now,
		routes: map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("component", "web")
	s.mux = s.routesMux()
	return s
}

func (s *Server) routesMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /api/v1/shops", s.listShops)
	m.HandleFunc("POST /api/v1/sessions", s.startSession)
	m.HandleFunc("GET /api/v1/sessions/{id}", s.transcript)
	m.HandleFunc("POST /api/v1/sessions/{id}/messages", s.message)

	// The same paths without a method: JSON 405s instead of the mux's text ones.
	m.Handle("/healthz", methodNotAllowed("GET, HEAD"))
	m.Handle("/api/v1/shops", methodNotAllowed("GET, HEAD"))
	m.Handle("/api/v1/sessions", methodNotAllowed("POST"))
	m.Handle("/api/v1/sessions/{id}", methodNotAllowed("GET, HEAD"))
	m.Handle("/api/v1/sessions/{id}/messages", methodNotAllowed("POST"))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint: "+r.URL.Path)
	})
	return m
}

// ServeHTTP serves the API, logging every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !rec.wrote {
				writeError(rec, http.StatusInternalServerError, CodeInternal, "internal error")
			}
		}
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"route", r.Pattern, "status", rec.status, "bytes", rec.bytes,
			"duration", s.clock().Sub(start), "remote", r.RemoteAddr)
	}()
	s.mux.ServeHTTP(rec, r)
}

// recorder remembers the status and size of a response for the request log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// remember records which shop a session belongs to.
func (s *Server) remember(session, shop string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.routes) >= maxRoutes {
		// Drop about a tenth, arbitrarily; they are found again on demand.
		n := maxRoutes / 10
		for k := range s.routes {
			delete(s.routes, k)
			if n--; n == 0 {
				break
			}
		}
	}
	s.routes[session] = shop
}

// brainOf finds the brain of the shop a session belongs to: from the cache,
// else by asking each shop's brain for the session's transcript (sessions
// opened before a restart, or evicted from the cache).
func (s *Server) brainOf(ctx context.Context, session string) (Brain, error) {
	s.mu.Lock()
	shop, ok := s.routes[session]
	s.mu.Unlock()
	if ok {
		if b, ok := s.brains.Brain(shop); ok {
			return b, nil
		}
	}
	for _, info := range s.brains.Shops() {
		b, ok := s.brains.Brain(info.ID)
		if !ok {
			continue
		}
		t, err := b.Transcript(ctx, session)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		owner := t.Shop
		if owner == "" {
			owner = info.ID
		}
		if owner != info.ID {
			if ob, ok := s.brains.Brain(owner); ok {
				s.remember(session, owner)
				return ob, nil
			}
			continue
		}
		s.remember(session, owner)
		return b, nil
	}
	return nil, ErrUnknownSession
}
