package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
)

// sessions is a fake store shared by the fake brains, as a real store is.
type sessions struct {
	mu   sync.Mutex
	shop map[string]string // session -> shop
	log  map[string][]dialog.TranscriptTurn
	n    int
}

func newSessions() *sessions {
	return &sessions{shop: map[string]string{}, log: map[string][]dialog.TranscriptTurn{}}
}

// fakeBrain echoes the caller; it behaves like dialog.Engine on errors.
type fakeBrain struct {
	shop  *kb.Shop
	db    *sessions
	err   error // returned by every call when set
	panic bool
}

func (b *fakeBrain) Shop() *kb.Shop { return b.shop }

func (b *fakeBrain) Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error) {
	if b.err != nil {
		return dialog.Welcome{}, b.err
	}
	b.db.mu.Lock()
	defer b.db.mu.Unlock()
	id := o.SessionID
	if id == "" {
		b.db.n++
		id = fmt.Sprintf("s%d", b.db.n)
	}
	b.db.shop[id] = b.shop.ID()
	return dialog.Welcome{Session: id, Text: b.shop.Shop.Welcome.Get(o.Lang), Lang: o.Lang, Mode: "bot-first",
		Cards: []dialog.Card{{Key: "1", FAQ: "logistics.when_ship", Question: "when"}}}, nil
}

func (b *fakeBrain) owner(id string) error {
	shop, ok := b.db.shop[id]
	if !ok {
		return fmt.Errorf("session %s: %w", id, dialog.ErrUnknownSession)
	}
	if shop != b.shop.ID() {
		return dialog.ErrShopMismatch
	}
	return nil
}

func (b *fakeBrain) Handle(ctx context.Context, id string, in dialog.Input) (dialog.Reply, error) {
	if b.panic {
		panic("boom")
	}
	if b.err != nil {
		return dialog.Reply{}, b.err
	}
	b.db.mu.Lock()
	defer b.db.mu.Unlock()
	if err := b.owner(id); err != nil {
		return dialog.Reply{}, err
	}
	r := dialog.Reply{Session: id, Text: b.shop.ID() + ": " + in.Text + in.DTMF, Emotion: "neutral", Related: []string{}}
	b.db.log[id] = append(b.db.log[id], dialog.TranscriptTurn{Text: in.Text, DTMF: in.DTMF, Reply: r})
	return r, nil
}

func (b *fakeBrain) Transcript(ctx context.Context, id string) (dialog.Transcript, error) {
	if b.err != nil {
		return dialog.Transcript{}, b.err
	}
	b.db.mu.Lock()
	defer b.db.mu.Unlock()
	if err := b.owner(id); err != nil {
		return dialog.Transcript{}, err
	}
	return dialog.Transcript{Session: id, Shop: b.shop.ID(), Turns: append([]dialog.TranscriptTurn{}, b.db.log[id]...)}, nil
}

func fakeShop(id string, langs ...string) *kb.Shop {
	name, welcome := kb.Text{}, kb.Text{}
	for _, l := range langs {
		name[l] = id + " " + l
		welcome[l] = "welcome to " + id + " (" + l + ")"
	}
	return kb.NewShop(kb.File{Shop: kb.Profile{ID: id, Name: name, Welcome: welcome}})
}

type fixture struct {
	srv    *Server
	db     *sessions
	brains map[string]*fakeBrain
	logs   *bytes.Buffer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{db: newSessions(), brains: map[string]*fakeBrain{}, logs: &bytes.Buffer{}}
	var list []ShopBrain
	for _, s := range []*kb.Shop{fakeShop("alpha", "zh", "en"), fakeShop("beta", "en"), fakeShop("broken", "zh")} {
		b := &fakeBrain{shop: s, db: f.db}
		f.brains[s.ID()] = b
		list = append(list, b)
	}
	f.brains["broken"].err = errors.New("disk on fire")
	f.srv = New(Brains(list...), WithLogger(slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	return f
}

// do sends a request to the server and returns the recorded response.
func (f *fixture) do(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	return w
}

func decodeBody[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return v
}

func (f *fixture) start(t *testing.T, body string) dialog.Welcome {
	t.Helper()
	w := f.do(t, "POST", "/api/v1/sessions", body)
	if w.Code != http.StatusCreated {
		t.Fatalf("start %s: status %d %s", body, w.Code, w.Body)
	}
	return decodeBody[dialog.Welcome](t, w)
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, "GET", "/healthz", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"ok"`) {
		t.Fatalf("healthz = %d %s", w.Code, w.Body)
	}
}

func TestShops(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, "GET", "/api/v1/shops", "")
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	got := decodeBody[ShopsResponse](t, w)
	want := []ShopInfo{
		{ID: "alpha", Name: kb.Text{"zh": "alpha zh", "en": "alpha en"}, Languages: []string{"zh", "en"}},
		{ID: "beta", Name: kb.Text{"en": "beta en"}, Languages: []string{"en"}},
		{ID: "broken", Name: kb.Text{"zh": "broken zh"}, Languages: []string{"zh"}},
	}
	gj, _ := json.Marshal(got.Shops)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("shops = %s\nwant   %s", gj, wj)
	}
}

func TestStartSession(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, body       string
		wantLang, wantID string
	}{
		{"zh", `{"shop":"alpha","lang":"zh","channel":"text","caller":"+86 138"}`, "zh", ""},
		{"default lang is the shop's first", `{"shop":"beta"}`, "en", ""},
		{"client id", `{"shop":"alpha","lang":"en","session":"web-42"}`, "en", "web-42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, "POST", "/api/v1/sessions", tt.body)
			if w.Code != http.StatusCreated {
				t.Fatalf("status %d %s", w.Code, w.Body)
			}
			wel := decodeBody[dialog.Welcome](t, w)
			if wel.Session == "" || wel.Lang != tt.wantLang || wel.Text == "" || len(wel.Cards) != 1 {
				t.Errorf("welcome = %+v", wel)
			}
			if tt.wantID != "" && wel.Session != tt.wantID {
				t.Errorf("session = %q, want %q", wel.Session, tt.wantID)
			}
			if loc := w.Header().Get("Location"); loc != "/api/v1/sessions/"+wel.Session {
				t.Errorf("Location = %q", loc)
			}
			var raw map[string]any
			_ = json.Unmarshal(w.Body.Bytes(), &raw)
			for _, k := range []string{"session", "welcome", "cards"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("body lacks %q: %s", k, w.Body)
				}
			}
		})
	}
}

// errorCase is a request that must fail with status and code.
type errorCase struct {
	name, method, path, body string
	status                   int
	code                     string
}

func (f *fixture) checkErrors(t *testing.T, tests []errorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, tt.method, tt.path, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			e := decodeBody[ErrorBody](t, w)
			if e.Code != tt.code || e.Error == "" {
				t.Errorf("error = %+v, want code %q", e, tt.code)
			}
		})
	}
}

func TestStartSessionErrors(t *testing.T) {
	f := newFixture(t)
	big := `{"shop":"alpha","caller":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	p := "/api/v1/sessions"
	f.checkErrors(t, []errorCase{
		{"bad json", "POST", p, `{"shop":`, 400, CodeBadJSON},
		{"not an object", "POST", p, `[1,2]`, 400, CodeBadJSON},
		{"empty body", "POST", p, ``, 400, CodeBadJSON},
		{"unknown field", "POST", p, `{"shop":"alpha","langue":"zh"}`, 400, CodeBadJSON},
		{"trailing data", "POST", p, `{"shop":"alpha"} {"shop":"beta"}`, 400, CodeBadJSON},
		{"trailing garbage", "POST", p, `{"shop":"alpha"}x`, 400, CodeBadJSON},
		{"wrong type", "POST", p, `{"shop":7}`, 400, CodeBadJSON},
		{"too large", "POST", p, big, 413, CodeTooLarge},
		{"missing shop", "POST", p, `{"lang":"zh"}`, 400, CodeBadRequest},
		{"unknown shop", "POST", p, `{"shop":"gamma","lang":"zh"}`, 404, CodeUnknownShop},
		{"bad lang", "POST", p, `{"shop":"alpha","lang":"fr"}`, 400, CodeBadLang},
		{"lang the shop lacks", "POST", p, `{"shop":"beta","lang":"zh"}`, 400, CodeBadLang},
		{"bad channel", "POST", p, `{"shop":"alpha","channel":"Text Box"}`, 400, CodeBadRequest},
		{"caller too long", "POST", p, `{"shop":"alpha","caller":"` + strings.Repeat("9", MaxCallerLen+1) + `"}`, 400, CodeBadRequest},
		{"caller control chars", "POST", p, `{"shop":"alpha","caller":"a\nb"}`, 400, CodeBadRequest},
		{"bad session id", "POST", p, `{"shop":"alpha","session":"../etc"}`, 400, CodeBadRequest},
		{"brain fails", "POST", p, `{"shop":"broken"}`, 500, CodeInternal},
	})
	if strings.Contains(f.logs.String(), "disk on fire") == false {
		t.Error("the internal error was not logged")
	}
}

func TestInternalErrorHidden(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, "POST", "/api/v1/sessions", `{"shop":"broken"}`)
	if strings.Contains(w.Body.String(), "disk") {
		t.Errorf("internal error leaked to the client: %s", w.Body)
	}
}

func TestBrainErrorsMapped(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("x: %w", dialog.ErrUnknownSession), 404, CodeUnknownSession},
		{dialog.ErrShopMismatch, 404, CodeUnknownSession},
		{dialog.ErrBadLang, 400, CodeBadLang},
		{dialog.ErrBadInput, 400, CodeBadRequest},
		{context.Canceled, 503, CodeUnavailable},
		{errors.New("other"), 500, CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			status, code, _ := statusOf(tt.err)
			if status != tt.status || code != tt.code {
				t.Errorf("statusOf = %d %s, want %d %s", status, code, tt.status, tt.code)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	f := newFixture(t)
	a := f.start(t, `{"shop":"alpha","lang":"zh"}`)
	b := f.start(t, `{"shop":"beta","lang":"en"}`)
	tests := []struct {
		name, session, body, want string
	}{
		{"text to alpha", a.Session, `{"text":"几天发货"}`, "alpha: 几天发货"},
		{"dtmf to alpha", a.Session, `{"dtmf":"1"}`, "alpha: 1"},
		{"text to beta goes to beta's brain", b.Session, `{"text":"when do you ship"}`, "beta: when do you ship"},
		{"longest text", b.Session, `{"text":"` + strings.Repeat("好", MaxTextLen) + `"}`, "beta: " + strings.Repeat("好", MaxTextLen)},
		{"dtmf star and hash", b.Session, `{"dtmf":"*#"}`, "beta: *#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, "POST", "/api/v1/sessions/"+tt.session+"/messages", tt.body)
			if w.Code != 200 {
				t.Fatalf("status %d %s", w.Code, w.Body)
			}
			r := decodeBody[dialog.Reply](t, w)
			if r.Text != tt.want || r.Session != tt.session {
				t.Errorf("reply = %+v, want text %q", r, tt.want)
			}
		})
	}
}

func TestMessageErrors(t *testing.T) {
	f := newFixture(t)
	s := f.start(t, `{"shop":"alpha","lang":"zh"}`)
	p := "/api/v1/sessions/" + s.Session + "/messages"
	f.checkErrors(t, []errorCase{
		{"unknown session", "POST", "/api/v1/sessions/nope/messages", `{"text":"hi"}`, 404, CodeUnknownSession},
		{"malformed session id", "POST", "/api/v1/sessions/a%20b/messages", `{"text":"hi"}`, 404, CodeUnknownSession},
		{"bad json", "POST", p, `{"text":}`, 400, CodeBadJSON},
		{"empty body", "POST", p, ``, 400, CodeBadJSON},
		{"empty input", "POST", p, `{}`, 400, CodeEmptyInput},
		{"blank text", "POST", p, `{"text":"  "}`, 400, CodeEmptyInput},
		{"text too long", "POST", p, `{"text":"` + strings.Repeat("好", MaxTextLen+1) + `"}`, 400, CodeTextTooLong},
		{"bad dtmf", "POST", p, `{"dtmf":"1x"}`, 400, CodeBadRequest},
		{"dtmf too long", "POST", p, `{"dtmf":"` + strings.Repeat("1", MaxDTMFLen+1) + `"}`, 400, CodeBadRequest},
		{"too large", "POST", p, `{"text":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, CodeTooLarge},
		{"unknown field", "POST", p, `{"txt":"hi"}`, 400, CodeBadJSON},
	})
}

func TestTranscript(t *testing.T) {
	f := newFixture(t)
	s := f.start(t, `{"shop":"alpha","lang":"zh"}`)
	for _, body := range []string{`{"text":"你好"}`, `{"dtmf":"2"}`} {
		if w := f.do(t, "POST", "/api/v1/sessions/"+s.Session+"/messages", body); w.Code != 200 {
			t.Fatalf("message: %d %s", w.Code, w.Body)
		}
	}
	w := f.do(t, "GET", "/api/v1/sessions/"+s.Session, "")
	if w.Code != 200 {
		t.Fatalf("status %d %s", w.Code, w.Body)
	}
	tr := decodeBody[dialog.Transcript](t, w)
	if tr.Session != s.Session || tr.Shop != "alpha" || len(tr.Turns) != 2 || tr.Turns[0].Text != "你好" || tr.Turns[1].DTMF != "2" {
		t.Errorf("transcript = %+v", tr)
	}
	f.checkErrors(t, []errorCase{
		{"unknown session", "GET", "/api/v1/sessions/nope", "", 404, CodeUnknownSession},
	})
}

func TestSessionsFoundAfterRestart(t *testing.T) {
	f := newFixture(t)
	s := f.start(t, `{"shop":"beta","lang":"en"}`)
	// A new server over the same brains has an empty session cache.
	f.srv = New(f.srv.brains, WithLogger(slog.New(slog.NewTextHandler(f.logs, nil))))
	w := f.do(t, "POST", "/api/v1/sessions/"+s.Session+"/messages", `{"text":"still there?"}`)
	if w.Code != 200 {
		t.Fatalf("status %d %s", w.Code, w.Body)
	}
	if r := decodeBody[dialog.Reply](t, w); r.Text != "beta: still there?" {
		t.Errorf("reply = %q, routed to the wrong shop", r.Text)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ method, path, allow string }{
		{"GET", "/api/v1/sessions", "POST"},
		{"DELETE", "/api/v1/sessions/x", "GET, HEAD"},
		{"GET", "/api/v1/sessions/x/messages", "POST"},
		{"POST", "/api/v1/shops", "GET, HEAD"},
		{"PUT", "/healthz", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := f.do(t, tt.method, tt.path, "")
			if w.Code != 405 || w.Header().Get("Allow") != tt.allow {
				t.Fatalf("got %d Allow=%q, want 405 Allow=%q", w.Code, w.Header().Get("Allow"), tt.allow)
			}
			if e := decodeBody[ErrorBody](t, w); e.Code != CodeMethodNotAllowed {
				t.Errorf("code = %q", e.Code)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t)
	f.checkErrors(t, []errorCase{
		{"root", "GET", "/", "", 404, CodeNotFound},
		{"unknown api", "GET", "/api/v2/shops", "", 404, CodeNotFound},
		{"too deep", "GET", "/api/v1/sessions/a/b/c", "", 404, CodeNotFound},
	})
}

func TestPanicBecomes500(t *testing.T) {
	f := newFixture(t)
	s := f.start(t, `{"shop":"alpha","lang":"zh"}`)
	f.brains["alpha"].panic = true
	w := f.do(t, "POST", "/api/v1/sessions/"+s.Session+"/messages", `{"text":"x"}`)
	if w.Code != 500 || decodeBody[ErrorBody](t, w).Code != CodeInternal {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if !strings.Contains(f.logs.String(), "panic") {
		t.Error("panic not logged")
	}
}

func TestRequestLog(t *testing.T) {
	f := newFixture(t)
	f.do(t, "GET", "/api/v1/shops", "")
	f.do(t, "GET", "/api/v1/sessions/nope", "")
	logs := f.logs.String()
	for _, want := range []string{
		`msg=request component=web method=GET path=/api/v1/shops route="GET /api/v1/shops" status=200`,
		`path=/api/v1/sessions/nope route="GET /api/v1/sessions/{id}" status=404`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestRealServer runs the API on a loopback port with concurrent clients.
func TestRealServer(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- converse(ctx, ts.URL, i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func converse(ctx context.Context, base string, i int) error {
	post := func(path, body string, v any) (int, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, json.Unmarshal(b, v)
	}
	var wel dialog.Welcome
	if code, err := post("/api/v1/sessions", `{"shop":"alpha","lang":"en"}`, &wel); err != nil || code != 201 {
		return fmt.Errorf("client %d: start: %d %v", i, code, err)
	}
	for j := range 5 {
		var r dialog.Reply
		text := fmt.Sprintf("q%d-%d", i, j)
		code, err := post("/api/v1/sessions/"+wel.Session+"/messages", `{"text":"`+text+`"}`, &r)
		if err != nil || code != 200 || r.Text != "alpha: "+text {
			return fmt.Errorf("client %d: message %d: %d %v %q", i, j, code, err, r.Text)
		}
	}
	return nil
}
