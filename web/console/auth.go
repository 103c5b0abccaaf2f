package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/callbee/callbee/store"
)

// Password errors.
var (
	ErrWeakPassword = fmt.Errorf("console: password must be %d to %d bytes", MinPasswordLen, MaxPasswordBytes)
)

// HashPassword hashes a password with bcrypt at cost (0: bcrypt.DefaultCost).
func HashPassword(password string, cost int) (string, error) {
	if err := CheckPasswordRules(password); err != nil {
		return "", err
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("console: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPasswordRules reports ErrWeakPassword for a password that is too
// short, too long for bcrypt, or not UTF-8.
func CheckPasswordRules(password string) error {
	if len(password) < MinPasswordLen || len(password) > MaxPasswordBytes || !utf8.ValidString(password) {
		return ErrWeakPassword
	}
	return nil
}

// dummyHash is compared against when the user does not exist, so a login
// takes as long for an unknown name as for a wrong password.
var dummyHash = func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("callbee-no-such-user"), bcrypt.DefaultCost)
	return h
}()

// user is the logged-in person of a request.
type user struct {
	Name string
	Role string
	CSRF string
	tok  string // hash of the cookie token
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, u user)

// authed checks the login cookie, the role and, for state-changing
// requests, the CSRF token and content type; then runs h.
func (c *Console) authed(roles []string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := c.current(r)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if !slices.Contains(roles, u.Role) {
			c.fail(w, r, &apiError{status: http.StatusForbidden, code: CodeForbidden,
				msg: fmt.Sprintf("the %s role may not do this", u.Role)})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := checkCSRF(r, u.CSRF); err != nil {
				c.fail(w, r, err)
				return
			}
		}
		h(w, r, u)
	})
}

// current returns the logged-in user of r.
func (c *Console) current(r *http.Request) (user, error) {
	ck, err := r.Cookie(CookieName)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return user{}, &apiError{status: http.StatusUnauthorized, code: CodeUnauthenticated, msg: "log in first"}
	}
	th := tokenHash(ck.Value)
	l, err := c.st.Login(r.Context(), th)
	if errors.Is(err, store.ErrNotFound) {
		return user{}, &apiError{status: http.StatusUnauthorized, code: CodeUnauthenticated, msg: "your login has expired; log in again"}
	}
	if err != nil {
		return user{}, err
	}
	return user{Name: l.User, Role: l.Role, CSRF: l.CSRF, tok: th}, nil
}

// checkCSRF requires the login's CSRF token in the header (compared in
// constant time) and, when the browser says where the request comes from,
// the same origin.
func checkCSRF(r *http.Request, want string) error {
	got := r.Header.Get(CSRFHeader)
	if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &apiError{status: http.StatusForbidden, code: CodeCSRF, msg: "missing or wrong " + CSRFHeader}
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return &apiError{status: http.StatusForbidden, code: CodeCSRF, msg: "cross-site request"}
	}
	return nil
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("console: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// LoginRequest is the body of POST /api/v1/console/login.
type LoginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// Me is the logged-in user as the pages see it.
type Me struct {
	Name string `json:"name"`
	Role string `json:"role"`
	CSRF string `json:"csrf"`
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if err := requireJSON(r); err != nil {
		c.fail(w, r, err)
		return
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		c.fail(w, r, &apiError{status: http.StatusForbidden, code: CodeCSRF, msg: "cross-site login"})
		return
	}
	var req LoginRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	ip := clientIP(r)
	keys := []string{"ip:" + ip, "user:" + req.Name}
	if wait := c.limiter.blocked(keys...); wait > 0 {
		c.fail(w, r, &apiError{status: http.StatusTooManyRequests, code: CodeRateLimited,
			msg: "too many failed logins; try again later", retry: int(wait.Seconds()) + 1})
		return
	}
	u, hash, err := c.st.User(r.Context(), req.Name)
	ok := false
	switch {
	case errors.Is(err, store.ErrNotFound) || !store.ValidUserName(req.Name):
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(req.Password))
	case err != nil:
		c.fail(w, r, err)
		return
	default:
		ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password)) == nil && !u.Disabled
	}
	if !ok {
		c.limiter.fail(keys...)
		c.log.Warn("failed console login", "user", req.Name, "remote", ip)
		c.fail(w, r, &apiError{status: http.StatusUnauthorized, code: CodeUnauthenticated, msg: "wrong name or password"})
		return
	}
	c.limiter.reset("user:" + req.Name)
	tok, err := randomToken()
	if err != nil {
		c.fail(w, r, err)
		return
	}
	csrf, err := randomToken()
	if err != nil {
		c.fail(w, r, err)
		return
	}
	expires := c.clock().Add(c.loginTTL)
	if err := c.st.CreateLogin(r.Context(), tokenHash(tok), u.Name, csrf, expires); err != nil {
		c.fail(w, r, err)
		return
	}
	c.pruneLogins()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: tok, Path: "/", Expires: expires,
		MaxAge: int(c.loginTTL.Seconds()), HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode})
	c.log.Info("console login", "user", u.Name, "role", u.Role, "remote", ip)
	writeJSON(w, http.StatusOK, Me{Name: u.Name, Role: u.Role, CSRF: csrf})
}

// pruneLogins drops expired logins now and then (on logins, bounded by one at a time).
func (c *Console) pruneLogins() {
	if !c.limiter.pruneDue() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.st.PruneLogins(ctx); err != nil {
		c.log.Warn("pruning expired logins", "err", err)
	}
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, u user) {
	if err := c.st.DeleteLogin(r.Context(), u.tok); err != nil {
		c.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: c.secure, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (c *Console) me(w http.ResponseWriter, r *http.Request, u user) {
	writeJSON(w, http.StatusOK, Me{Name: u.Name, Role: u.Role, CSRF: u.CSRF})
}

// UserRequest is the body of POST /users and PUT /users/{name}.
type UserRequest struct {
	Name     string `json:"name,omitempty"`
	Role     string `json:"role,omitempty"`
	Password string `json:"password,omitempty"`
	Disabled *bool  `json:"disabled,omitempty"`
}

func (c *Console) listUsers(w http.ResponseWriter, r *http.Request, _ user) {
	us, err := c.st.Users(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request, u user) {
	var req UserRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	if !store.ValidUserName(req.Name) || !store.ValidRole(req.Role) {
		c.fail(w, r, bad("name: 1-64 of a-z A-Z 0-9 . _ - @; role: admin, trainer or agent"))
		return
	}
	hash, err := HashPassword(req.Password, c.cost)
	if err != nil {
		c.fail(w, r, bad(err.Error()))
		return
	}
	if err := c.st.CreateUser(r.Context(), req.Name, req.Role, hash); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("user created", "user", req.Name, "role", req.Role, "by", u.Name)
	writeJSON(w, http.StatusCreated, map[string]string{"name": req.Name, "role": req.Role})
}

func (c *Console) updateUser(w http.ResponseWriter, r *http.Request, u user) {
	name := r.PathValue("name")
	var req UserRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	ctx := r.Context()
	target, _, err := c.st.User(ctx, name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	demote := req.Role != "" && req.Role != store.RoleAdmin || req.Disabled != nil && *req.Disabled
	if target.Role == store.RoleAdmin && demote {
		if err := c.keepAnAdmin(ctx); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if req.Password != "" {
		hash, err := HashPassword(req.Password, c.cost)
		if err != nil {
			c.fail(w, r, bad(err.Error()))
			return
		}
		if err := c.st.SetPassword(ctx, name, hash); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if req.Role != "" {
		if err := c.st.SetUserRole(ctx, name, req.Role); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if req.Disabled != nil {
		if err := c.st.SetUserDisabled(ctx, name, *req.Disabled); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.log.Info("user updated", "user", name, "by", u.Name)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, u user) {
	name := r.PathValue("name")
	ctx := r.Context()
	target, _, err := c.st.User(ctx, name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if target.Role == store.RoleAdmin {
		if err := c.keepAnAdmin(ctx); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if err := c.st.DeleteUser(ctx, name); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("user deleted", "user", name, "by", u.Name)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// keepAnAdmin refuses to remove the last enabled admin.
func (c *Console) keepAnAdmin(ctx context.Context) error {
	n, err := c.st.CountUsers(ctx, store.RoleAdmin)
	if err != nil {
		return err
	}
	if n <= 1 {
		return conflict("that would leave no admin")
	}
	return nil
}

// PasswordRequest is the body of POST /password (a user changing their own).
type PasswordRequest struct {
	Old string `json:"old"`
	New string `json:"new"`
}

func (c *Console) ownPassword(w http.ResponseWriter, r *http.Request, u user) {
	var req PasswordRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	_, hash, err := c.st.User(r.Context(), u.Name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Old)) != nil {
		c.fail(w, r, &apiError{status: http.StatusForbidden, code: CodeForbidden, msg: "the old password is wrong"})
		return
	}
	nh, err := HashPassword(req.New, c.cost)
	if err != nil {
		c.fail(w, r, bad(err.Error()))
		return
	}
	if err := c.st.SetPassword(r.Context(), u.Name, nh); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true, "logged_out": true})
}

// requireJSON refuses bodies that are not JSON: a cross-site form cannot
// send application/json without a CORS preflight.
func requireJSON(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupported, msg: "send Content-Type: application/json"}
	}
	return nil
}

// clientIP is the peer address of r (proxies are not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Login rate limiting.
const (
	loginFailures = 5                // failures per user name within loginWindow before blocking
	ipFailures    = 20               // failures per client address (offices share one) before blocking
	loginWindow   = 10 * time.Minute // how long failures count and a block lasts
	maxLimitKeys  = 10_000
	pruneEvery    = time.Hour
)

// limiter counts failed logins per key (client IP, user name).
type limiter struct {
	clock func() time.Time

	mu        sync.Mutex // guards fails, lastPrune
	fails     map[string]*failCount
	lastPrune time.Time
}

type failCount struct {
	n     int
	first time.Time
}

func newLimiter(clock func() time.Time) *limiter {
	return &limiter{clock: clock, fails: map[string]*failCount{}}
}

// blocked returns how long the longest block among keys still lasts.
func (l *limiter) blocked(keys ...string) time.Duration {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		f := l.fails[k]
		if f == nil {
			continue
		}
		left := f.first.Add(loginWindow).Sub(now)
		if left <= 0 {
			delete(l.fails, k)
			continue
		}
		limit := loginFailures
		if strings.HasPrefix(k, "ip:") {
			limit = ipFailures
		}
		if f.n >= limit && left > wait {
			wait = left
		}
	}
	return wait
}

func (l *limiter) fail(keys ...string) {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		f := l.fails[k]
		if f == nil || now.Sub(f.first) >= loginWindow {
			if len(l.fails) >= maxLimitKeys {
				l.dropExpiredLocked(now)
			}
			if len(l.fails) >= maxLimitKeys {
				continue // full of live attackers: they stay blocked, new keys are not tracked
			}
			f = &failCount{first: now}
			l.fails[k] = f
		}
		f.n++
	}
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.fails, key)
	l.mu.Unlock()
}

func (l *limiter) dropExpiredLocked(now time.Time) {
	for k, f := range l.fails {
		if now.Sub(f.first) >= loginWindow {
			delete(l.fails, k)
		}
	}
}

// pruneDue reports, once per pruneEvery, that expired logins should be pruned.
func (l *limiter) pruneDue() bool {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastPrune) < pruneEvery {
		return false
	}
	l.lastPrune = now
	return true
}
