package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web"
)

// server builds the real stack over the SQLite file at db: the demo and
// starter shops, each with its own engine, sharing one store.
func server(t *testing.T, db string) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), db, store.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var brains []web.ShopBrain
	for _, shop := range []string{kbtest.DemoShopPath(t), kbtest.StarterShopPath(t)} {
		e, err := dialog.New(loadShop(t, shop), st, dialog.WithLogger(log))
		if err != nil {
			t.Fatal(err)
		}
		brains = append(brains, e)
	}
	ts := httptest.NewServer(web.New(web.Brains(brains...), web.WithLogger(log)))
	t.Cleanup(ts.Close)
	return ts
}

type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, body string, v any) int {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func TestEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "callbee.db")
	c := client{t, server(t, db).URL}

	var shops web.ShopsResponse
	if code := c.do("GET", "/api/v1/shops", "", &shops); code != 200 || len(shops.Shops) != 2 {
		t.Fatalf("shops: %d %+v", code, shops)
	}

	var w dialog.Welcome
	if code := c.do("POST", "/api/v1/sessions", `{"shop":"nuannuan-apparel","lang":"zh","channel":"web","caller":"e2e"}`, &w); code != 201 {
		t.Fatalf("start: %d", code)
	}
	if w.Session == "" || !strings.Contains(w.Text, "暖暖") || len(w.Cards) == 0 || w.Cards[0].Key != "1" {
		t.Fatalf("welcome = %+v", w)
	}
	msg := "/api/v1/sessions/" + w.Session + "/messages"
	var r dialog.Reply
	if code := c.do("POST", msg, `{"dtmf":"1"}`, &r); code != 200 || r.FAQ == nil || *r.FAQ != w.Cards[0].FAQ {
		t.Fatalf("dtmf 1: %d %+v", code, r)
	}
	r = dialog.Reply{}
	if code := c.do("POST", msg, `{"text":"我的订单到哪了"}`, &r); code != 200 || r.AsksFor == nil || *r.AsksFor != "order_number" {
		t.Fatalf("order question: %d %+v", code, r)
	}
	r = dialog.Reply{}
	if code := c.do("POST", msg, `{"text":"二零二四一一二五零零零零一"}`, &r); code != 200 || r.Order == nil || !r.Order.Found {
		t.Fatalf("order number: %d %+v", code, r.Order)
	}
	var tr dialog.Transcript
	if code := c.do("GET", "/api/v1/sessions/"+w.Session, "", &tr); code != 200 || len(tr.Turns) != 3 || tr.Shop != "nuannuan-apparel" {
		t.Fatalf("transcript: %d %+v", code, tr)
	}

	// Errors from the real engine.
	var e web.ErrorBody
	if code := c.do("POST", "/api/v1/sessions/no-such-session/messages", `{"text":"hi"}`, &e); code != 404 || e.Code != web.CodeUnknownSession {
		t.Errorf("unknown session: %d %+v", code, e)
	}
	if code := c.do("GET", "/api/v1/sessions/no-such-session", "", &e); code != 404 {
		t.Errorf("unknown transcript: %d %+v", code, e)
	}
	if code := c.do("POST", msg, `{"text":"`+strings.Repeat("长", dialog.MaxTextLen+1)+`"}`, &e); code != 400 || e.Code != web.CodeTextTooLong {
		t.Errorf("long text: %d %+v", code, e)
	}
	if code := c.do("POST", "/api/v1/sessions", `{"shop":"nuannuan-apparel","lang":"de"}`, &e); code != 400 || e.Code != web.CodeBadLang {
		t.Errorf("bad lang: %d %+v", code, e)
	}

	// A session of the starter shop is answered by the starter shop's brain.
	var w2 dialog.Welcome
	if code := c.do("POST", "/api/v1/sessions", `{"shop":"mianmian-home","lang":"en"}`, &w2); code != 201 {
		t.Fatalf("start starter: %d", code)
	}
	r = dialog.Reply{}
	if code := c.do("POST", "/api/v1/sessions/"+w2.Session+"/messages", `{"text":"who delivers my parcel"}`, &r); code != 200 {
		t.Fatalf("starter message: %d", code)
	}
	if r.FAQ == nil || !strings.Contains(r.Text, "ZTO") {
		t.Errorf("starter shop session not answered with the starter shop's courier (ZTO): %+v", r)
	}

	// After a restart (new store handle, new engines, empty session cache) the
	// conversation goes on from the SQLite file.
	c2 := client{t, server(t, db).URL}
	r = dialog.Reply{}
	if code := c2.do("POST", msg, `{"text":"谢谢"}`, &r); code != 200 || r.Session != w.Session {
		t.Fatalf("after restart: %d %+v", code, r)
	}
	tr = dialog.Transcript{}
	if code := c2.do("GET", "/api/v1/sessions/"+w.Session, "", &tr); code != 200 || len(tr.Turns) != 4 {
		t.Fatalf("transcript after restart: %d, %d turns", code, len(tr.Turns))
	}
}

func loadShop(t *testing.T, path string) *kb.Shop {
	t.Helper()
	s, err := kb.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
