package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web"
)

var quiet = slog.New(slog.DiscardHandler)

// storeBrains serves the shops imported into the store, rebuilt on Reload:
// what `callbee serve`'s liveBrains does for shops without a shop file.
type storeBrains struct {
	st  *store.Store
	cur atomic.Pointer[web.BrainSet]
	mu  sync.Mutex // serialises reloads
	n   atomic.Int64
}

func (b *storeBrains) Reload(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	recs, err := b.st.Shops(ctx)
	if err != nil {
		return err
	}
	var brains []web.ShopBrain
	for _, rec := range recs {
		full, err := b.st.Shop(ctx, rec.ID)
		if err != nil {
			return err
		}
		sh, err := kb.Parse("db:"+rec.ID, full.YAML)
		if err != nil {
			return err
		}
		e, err := dialog.New(sh, b.st, dialog.WithLogger(quiet), dialog.WithAgentsOnDuty(func(time.Time) bool { return true }))
		if err != nil {
			return err
		}
		brains = append(brains, e)
	}
	set := web.Brains(brains...)
	b.cur.Store(&set)
	b.n.Add(1)
	return nil
}

func (b *storeBrains) Brain(id string) (web.Brain, bool) { return (*b.cur.Load()).Brain(id) }
func (b *storeBrains) Shops() []web.ShopInfo             { return (*b.cur.Load()).Shops() }

// env is a running server: the text API, the console and a store with the
// demo shop imported and one user per role (password "password-<name>").
type env struct {
	t      *testing.T
	st     *store.Store
	brains *storeBrains
	reg    *live.Registry
	con    *Console
	srv    *httptest.Server
	shop   string
}

const demoShop = "nuannuan-apparel"

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "console.db"), store.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	data, err := os.ReadFile(kbtest.DemoShopPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutShop(ctx, demoShop, "暖暖服饰旗舰店", data); err != nil {
		t.Fatal(err)
	}
	brains := &storeBrains{st: st}
	if err := brains.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	reg, err := live.New(live.WithLogger(quiet), live.WithRecorder(live.StoreRecorder{St: st}))
	if err != nil {
		t.Fatal(err)
	}
	con, err := New(Config{Store: st, Brains: brains, Reload: brains.Reload, Live: reg, Log: quiet,
		PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role string }{{"ann", store.RoleAdmin}, {"tom", store.RoleTrainer}, {"amy", store.RoleAgent}} {
		h, err := HashPassword("password-"+u.name, bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateUser(ctx, u.name, u.role, h); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(APIPrefix, con)
	mux.Handle(PagePrefix, con)
	mux.Handle("/", web.New(TextBrains(brains, reg, st), web.WithLogger(quiet)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, brains: brains, reg: reg, con: con, srv: srv, shop: demoShop}
}

// client is a browser-like API client with its own cookie jar.
type client struct {
	e    *env
	hc   *http.Client
	csrf string
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login logs in as name (password "password-<name>").
func (e *env) login(name string) *client {
	e.t.Helper()
	c := e.anon()
	var me Me
	c.call("POST", "/api/v1/console/login", LoginRequest{Name: name, Password: "password-" + name}, http.StatusOK, &me)
	if me.CSRF == "" || me.Name != name {
		e.t.Fatalf("login %s: %+v", name, me)
	}
	c.csrf = me.CSRF
	return c
}

// req sends a request; body is JSON-encoded unless it is a []byte.
func (c *client) req(method, path string, body any, hdr map[string]string) *http.Response {
	c.e.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		r.Header.Set("Content-Type", ctype)
	}
	if c.csrf != "" {
		r.Header.Set(CSRFHeader, c.csrf)
	}
	for k, v := range hdr {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	resp, err := c.hc.Do(r)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return resp
}

// call sends a JSON request, checks the status and decodes the body into out.
func (c *client) call(method, path string, body any, want int, out any) {
	c.e.t.Helper()
	resp := c.req(method, path, body, nil)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// ask opens a text session through the public API and asks text; it returns the reply.
func (e *env) ask(session, text string) dialog.Reply {
	e.t.Helper()
	c := e.anon()
	if session == "" {
		var w dialog.Welcome
		c.call("POST", "/api/v1/sessions", web.StartRequest{Shop: e.shop, Lang: "en"}, http.StatusCreated, &w)
		session = w.Session
	}
	var rp dialog.Reply
	c.call("POST", "/api/v1/sessions/"+session+"/messages", web.MessageRequest{Text: text}, http.StatusOK, &rp)
	return rp
}

func faqOf(rp dialog.Reply) string {
	if rp.FAQ == nil {
		return ""
	}
	return *rp.FAQ
}

func decodeBody(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var storeAuditAll = store.AuditFilter{}

// try is call for goroutines other than the test's: it returns the failure
// instead of failing the test.
func (c *client) try(method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		r.Header.Set(CSRFHeader, c.csrf)
	}
	resp, err := c.hc.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func liveInfo(session, shop string) live.Info {
	return live.Info{Session: session, Shop: shop, Door: "sip"}
}
