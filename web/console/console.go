// Package console serves the people's side of callbee in the browser: the
// agent console (live sessions on every door, the handoff queue with the
// brain's summary, taking a session over and replying, smart-assist
// suggestions, service modes), the trainer console (knowledge editing with
// an audit log, scene training of unresolved and low-confidence questions,
// a test chat, metrics and the complaint report) and user accounts.
//
// Routes: the JSON API under /api/v1/console/... and the pages under
// /console/... (plain HTML, CSS and JavaScript embedded in the binary).
// Every page and endpoint but the login needs a login session: a random
// token in an HttpOnly, SameSite=Strict cookie whose SHA-256 is kept in the
// store. Every state-changing request must carry the login's CSRF token in
// the X-CSRF-Token header. Roles: admin (everything), trainer (knowledge,
// training, metrics), agent (live sessions, handoffs, modes, metrics);
// everyone may read the knowledge.
//
// Knowledge edits are applied to a copy of the running shop, validated by
// kb (problems come back with file, line and field), stored with
// store.PutShop, audited, and then the brains are rebuilt by the Reload
// function the server passes in: a bad edit never replaces a good shop.
package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web"
)

// Paths.
const (
	APIPrefix  = "/api/v1/console/"
	PagePrefix = "/console/"
	// CookieName is the login session cookie.
	CookieName = "callbee_console"
	// CSRFHeader carries the login's CSRF token on state-changing requests.
	CSRFHeader = "X-CSRF-Token"
)

// Defaults and limits.
const (
	DefaultLoginTTL  = 12 * time.Hour
	MaxBodyBytes     = 64 << 10 // JSON bodies
	MaxImportBytes   = kb.MaxFileSize
	MinPasswordLen   = 8
	MaxPasswordBytes = 72 // bcrypt's limit
)

// Engine is what the console needs of a shop's brain; *dialog.Engine is one.
type Engine interface {
	Shop() *kb.Shop
	Analyzer() *nlu.Analyzer
	SetMode(mode string) error
	SetSchedule(s dialog.Schedule) error
	Schedule() (dialog.Schedule, string)
	ModeAt(t time.Time) string
	AgentsOnDuty(t time.Time) bool
}

var _ Engine = (*dialog.Engine)(nil)

// Config is what New needs.
type Config struct {
	Store  *store.Store
	Brains web.BrainSet // the running brains; each web.Brain must be an Engine (or wrap one: Unwrap)
	// Reload rebuilds every shop's brain from the shops in the store (and
	// files); the console calls it after each knowledge edit.
	Reload func(ctx context.Context) error
	Live   *live.Registry
	Log    *slog.Logger
	Clock  func() time.Time
	// SecureCookies marks the login cookie Secure (serve over HTTPS).
	SecureCookies bool
	LoginTTL      time.Duration // default DefaultLoginTTL
	// PasswordCost is the bcrypt cost of new password hashes (default
	// bcrypt.DefaultCost; tests use bcrypt.MinCost).
	PasswordCost int
}

// Console serves the console's API and pages. It is an http.Handler.
type Console struct {
	st       *store.Store
	brains   web.BrainSet
	reload   func(ctx context.Context) error
	live     *live.Registry
	log      *slog.Logger
	clock    func() time.Time
	secure   bool
	loginTTL time.Duration
	cost     int
	limiter  *limiter
	mux      *http.ServeMux

	editMu sync.Mutex // serialises knowledge edits (read shop, edit, store, reload)

	closeOnce sync.Once
	done      chan struct{} // closed by Close: event streams end
}

// New returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.Store == nil || cfg.Brains == nil || cfg.Reload == nil || cfg.Live == nil {
		return nil, errors.New("console: New needs Store, Brains, Reload and Live")
	}
	c := &Console{st: cfg.Store, brains: cfg.Brains, reload: cfg.Reload, live: cfg.Live, log: cfg.Log,
		clock: cfg.Clock, secure: cfg.SecureCookies, loginTTL: cfg.LoginTTL, cost: cfg.PasswordCost, done: make(chan struct{})}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("component", "console")
	if c.clock == nil {
		c.clock = time.Now
	}
	if c.loginTTL <= 0 {
		c.loginTTL = DefaultLoginTTL
	}
	if c.cost == 0 {
		c.cost = bcrypt.DefaultCost
	}
	if c.cost < bcrypt.MinCost || c.cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("console: bcrypt cost %d out of range", c.cost)
	}
	c.limiter = newLimiter(c.clock)
	c.mux = c.routes()
	return c, nil
}

// ServeHTTP serves /api/v1/console/... and /console/....
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	c.mux.ServeHTTP(w, r)
}

// role sets: who may call an endpoint.
var (
	anyone    = []string{store.RoleAdmin, store.RoleTrainer, store.RoleAgent}
	admins    = []string{store.RoleAdmin}
	trainers  = []string{store.RoleAdmin, store.RoleTrainer}
	agents    = []string{store.RoleAdmin, store.RoleAgent}
	readers   = anyone
	reporters = anyone
)

func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	api := func(pattern string, roles []string, h handlerFunc) {
		m.Handle(pattern, c.authed(roles, h))
	}
	// Accounts.
	m.HandleFunc("POST /api/v1/console/login", c.login)
	api("POST /api/v1/console/logout", anyone, c.logout)
	api("GET /api/v1/console/me", anyone, c.me)
	api("GET /api/v1/console/users", admins, c.listUsers)
	api("POST /api/v1/console/users", admins, c.createUser)
	api("PUT /api/v1/console/users/{name}", admins, c.updateUser)
	api("DELETE /api/v1/console/users/{name}", admins, c.deleteUser)
	api("POST /api/v1/console/password", anyone, c.ownPassword)

	// Knowledge.
	api("GET /api/v1/console/shops", readers, c.listShops)
	api("GET /api/v1/console/shops/{shop}/faqs", readers, c.listFAQs)
	api("GET /api/v1/console/shops/{shop}/faqs/{id}", readers, c.getFAQ)
	api("PUT /api/v1/console/shops/{shop}/faqs/{id}", trainers, c.putFAQ)
	api("DELETE /api/v1/console/shops/{shop}/faqs/{id}", trainers, c.deleteFAQ)
	api("POST /api/v1/console/shops/{shop}/faqs/{id}/phrasings", trainers, c.addPhrasing)
	api("GET /api/v1/console/shops/{shop}/profile", readers, c.getProfile)
	api("PUT /api/v1/console/shops/{shop}/profile", trainers, c.putProfile)
	api("GET /api/v1/console/shops/{shop}/packs", readers, c.listPacks)
	api("PUT /api/v1/console/shops/{shop}/packs/{pack}", trainers, c.putPack)
	api("GET /api/v1/console/shops/{shop}/products", readers, c.listProducts)
	api("PUT /api/v1/console/shops/{shop}/products/{id}", trainers, c.putProduct)
	api("GET /api/v1/console/shops/{shop}/export", readers, c.exportShop)
	api("POST /api/v1/console/shops/{shop}/import", trainers, c.importShop)
	api("GET /api/v1/console/shops/{shop}/audit", trainers, c.listAudit)

	// Scene training.
	api("GET /api/v1/console/shops/{shop}/training", trainers, c.listTraining)
	api("POST /api/v1/console/shops/{shop}/training/unresolved/{id}", trainers, c.trainUnresolved)
	api("POST /api/v1/console/shops/{shop}/training/turns/{id}", trainers, c.trainTurn)
	api("POST /api/v1/console/shops/{shop}/test-chat", trainers, c.testChat)

	// Agents.
	api("GET /api/v1/console/live", agents, c.listLive)
	api("GET /api/v1/console/live/events", agents, c.liveEvents)
	api("GET /api/v1/console/live/{session}", agents, c.getLive)
	api("GET /api/v1/console/handoffs", agents, c.listHandoffs)
	api("POST /api/v1/console/handoffs/{id}/accept", agents, c.acceptHandoff)
	api("POST /api/v1/console/handoffs/{id}/close", agents, c.closeHandoff)
	api("POST /api/v1/console/sessions/{session}/hold", agents, c.holdSession)
	api("POST /api/v1/console/sessions/{session}/reply", agents, c.replySession)
	api("POST /api/v1/console/sessions/{session}/release", agents, c.releaseSession)
	api("GET /api/v1/console/sessions/{session}/suggestions", agents, c.suggestions)
	api("GET /api/v1/console/shops/{shop}/mode", agents, c.getMode)
	api("PUT /api/v1/console/shops/{shop}/mode", agents, c.putMode)

	// Metrics.
	api("GET /api/v1/console/shops/{shop}/metrics", reporters, c.metrics)
	api("GET /api/v1/console/shops/{shop}/complaints", reporters, c.complaints)

	m.HandleFunc(APIPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: "no such endpoint: " + r.Method + " " + r.URL.Path, Code: CodeNotFound})
	})
	c.pageRoutes(m)
	return m
}

// engine returns the brain of shop as an Engine.
func (c *Console) engine(shop string) (Engine, error) {
	b, ok := c.brains.Brain(shop)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownShop, shop)
	}
	for range 4 {
		if e, ok := b.(Engine); ok {
			return e, nil
		}
		u, ok := b.(interface{ Unwrap() live.Engine })
		if !ok {
			break
		}
		inner, ok := u.Unwrap().(web.Brain)
		if !ok {
			break
		}
		b = inner
	}
	return nil, fmt.Errorf("%w: shop %s", ErrNoEngine, shop)
}
