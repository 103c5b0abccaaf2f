package console

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web"
)

// endpoints lists every console API route with a body that passes decoding.
var endpoints = []struct {
	method, path string
	body         any
}{
	{"POST", "/api/v1/console/logout", nil},
	{"GET", "/api/v1/console/me", nil},
	{"GET", "/api/v1/console/users", nil},
	{"POST", "/api/v1/console/users", UserRequest{Name: "zed", Role: "agent", Password: "password-zed"}},
	{"PUT", "/api/v1/console/users/amy", UserRequest{Role: "agent"}},
	{"DELETE", "/api/v1/console/users/zed", nil},
	{"POST", "/api/v1/console/password", PasswordRequest{Old: "x", New: "y"}},
	{"GET", "/api/v1/console/shops", nil},
	{"GET", "/api/v1/console/shops/" + demoShop + "/faqs", nil},
	{"GET", "/api/v1/console/shops/" + demoShop + "/faqs/chat.greeting", nil},
	{"PUT", "/api/v1/console/shops/" + demoShop + "/faqs/chat.greeting", map[string]any{"category": "chat"}},
	{"DELETE", "/api/v1/console/shops/" + demoShop + "/faqs/chat.greeting", nil},
	{"POST", "/api/v1/console/shops/" + demoShop + "/faqs/chat.greeting/phrasings", PhrasingRequest{Lang: "en", Text: "yo"}},
	{"GET", "/api/v1/console/shops/" + demoShop + "/profile", nil},
	{"PUT", "/api/v1/console/shops/" + demoShop + "/profile", Profile{}},
	{"GET", "/api/v1/console/shops/" + demoShop + "/packs", nil},
	{"PUT", "/api/v1/console/shops/" + demoShop + "/packs/general", PackRequest{Subscribed: true}},
	{"GET", "/api/v1/console/shops/" + demoShop + "/products", nil},
	{"PUT", "/api/v1/console/shops/" + demoShop + "/products/P1001", map[string]any{"id": "P1001"}},
	{"GET", "/api/v1/console/shops/" + demoShop + "/export", nil},
	{"POST", "/api/v1/console/shops/" + demoShop + "/import", []byte("shop: {}")},
	{"GET", "/api/v1/console/shops/" + demoShop + "/audit", nil},
	{"GET", "/api/v1/console/shops/" + demoShop + "/training", nil},
	{"POST", "/api/v1/console/shops/" + demoShop + "/training/unresolved/1", TrainRequest{Action: "out_of_scope"}},
	{"POST", "/api/v1/console/shops/" + demoShop + "/training/turns/1", TrainRequest{Action: "out_of_scope"}},
	{"POST", "/api/v1/console/shops/" + demoShop + "/test-chat", TestChatRequest{Text: "hello"}},
	{"GET", "/api/v1/console/live", nil},
	{"GET", "/api/v1/console/live/s1", nil},
	{"GET", "/api/v1/console/live/events", nil},
	{"GET", "/api/v1/console/handoffs", nil},
	{"POST", "/api/v1/console/handoffs/1/accept", map[string]any{}},
	{"POST", "/api/v1/console/handoffs/1/close", map[string]any{}},
	{"POST", "/api/v1/console/sessions/s1/hold", map[string]any{}},
	{"POST", "/api/v1/console/sessions/s1/reply", ReplyRequest{Text: "hi"}},
	{"POST", "/api/v1/console/sessions/s1/release", map[string]any{}},
	{"GET", "/api/v1/console/sessions/s1/suggestions", nil},
	{"GET", "/api/v1/console/shops/" + demoShop + "/mode", nil},
	{"PUT", "/api/v1/console/shops/" + demoShop + "/mode", ModeRequest{}},
	{"GET", "/api/v1/console/shops/" + demoShop + "/metrics", nil},
	{"GET", "/api/v1/console/shops/" + demoShop + "/complaints", nil},
}

// TestNoAccessWithoutLogin: every endpoint but the login answers 401 and
// every page redirects to the login page; a forged cookie is no better.
func TestNoAccessWithoutLogin(t *testing.T) {
	e := newEnv(t)
	for _, forged := range []bool{false, true} {
		c := e.anon()
		for _, ep := range endpoints {
			hdr := map[string]string{}
			if forged {
				hdr["Cookie"] = CookieName + "=forged-token"
			}
			resp := c.req(ep.method, ep.path, ep.body, hdr)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("forged=%v %s %s: %d, want 401", forged, ep.method, ep.path, resp.StatusCode)
			}
		}
		for _, p := range Pages {
			resp := c.req("GET", "/console/"+p, nil, nil)
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
				t.Errorf("page %s: %d to %q, want a redirect to the login", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	resp := e.anon().req("GET", "/console/login", nil, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("login page: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	// The caller-facing API needs no login.
	if rp := e.ask("", "when will you ship my order"); faqOf(rp) != "logistics.when_ship" {
		t.Errorf("public API: %+v", rp)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	c.call("POST", "/api/v1/console/login", LoginRequest{Name: "amy", Password: "wrong-password"}, http.StatusUnauthorized, nil)
	c.call("POST", "/api/v1/console/login", LoginRequest{Name: "nobody", Password: "whatever1"}, http.StatusUnauthorized, nil)

	resp := c.req("POST", "/api/v1/console/login", LoginRequest{Name: "amy", Password: "password-amy"}, nil)
	resp.Body.Close()
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == CookieName {
			ck = k
		}
	}
	if resp.StatusCode != http.StatusOK || ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("login: %d, cookie %+v", resp.StatusCode, ck)
	}
	var me Me
	c.call("GET", "/api/v1/console/me", nil, http.StatusOK, &me)
	if me.Name != "amy" || me.Role != store.RoleAgent || me.CSRF == "" {
		t.Errorf("me = %+v", me)
	}
	c.csrf = me.CSRF
	c.call("POST", "/api/v1/console/logout", map[string]any{}, http.StatusOK, nil)
	c.call("GET", "/api/v1/console/me", nil, http.StatusUnauthorized, nil)

	// A stolen cookie is useless after logout: replay it.
	replay := e.anon()
	resp = replay.req("GET", "/api/v1/console/me", nil, map[string]string{"Cookie": CookieName + "=" + ck.Value})
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed cookie after logout: %d", resp.StatusCode)
	}

	// Rate limit: after loginFailures failures the right password is refused too.
	r := e.anon()
	for range loginFailures {
		r.call("POST", "/api/v1/console/login", LoginRequest{Name: "tom", Password: "guess-guess"}, http.StatusUnauthorized, nil)
	}
	resp = r.req("POST", "/api/v1/console/login", LoginRequest{Name: "tom", Password: "password-tom"}, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after %d failures: %d, Retry-After %q", loginFailures, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Another user from the same address may still log in, until the address's own limit.
	e.login("ann")
	for i := range ipFailures { // many names from one address
		e.anon().req("POST", "/api/v1/console/login", LoginRequest{Name: "nobody" + itoa(int64(i)), Password: "guess-guess"}, nil).Body.Close()
	}
	resp = e.anon().req("POST", "/api/v1/console/login", LoginRequest{Name: "ann", Password: "password-ann"}, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d failures from one address: %d", ipFailures, resp.StatusCode)
	}
	// Bad bodies.
	for _, tc := range []struct {
		name  string
		body  any
		ctype string
		want  int
	}{
		{"form post", []byte("name=amy&password=password-amy"), "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"unknown field", []byte(`{"name":"amy","password":"password-amy","admin":true}`), "application/json", http.StatusBadRequest},
		{"not JSON", []byte(`{`), "application/json", http.StatusBadRequest},
	} {
		resp := e.anon().req("POST", "/api/v1/console/login", tc.body, map[string]string{"Content-Type": tc.ctype})
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

// TestCSRF: a logged-in browser tricked into a state-changing request
// without the login's CSRF token gets 403 and nothing changes.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.login("tom")
	path := "/api/v1/console/shops/" + demoShop + "/faqs/chat.greeting/phrasings"
	body := PhrasingRequest{Lang: "en", Text: "ahoy there matey"}
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"no token", map[string]string{CSRFHeader: ""}, http.StatusForbidden},
		{"wrong token", map[string]string{CSRFHeader: c.csrf + "x"}, http.StatusForbidden},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"form body", map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
	} {
		resp := c.req("POST", path, body, tc.hdr)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, resp.StatusCode, tc.want, b)
		}
	}
	e2, _ := e.con.engine(demoShop)
	if ph := e2.Shop().FAQ("chat.greeting").Phrasings["en"]; strings.Contains(strings.Join(ph, "|"), "matey") {
		t.Fatal("a rejected request changed the shop")
	}
	// Another login's token does not work either.
	other := e.login("tom")
	resp := c.req("POST", path, body, map[string]string{CSRFHeader: other.csrf})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("another login's token: %d", resp.StatusCode)
	}
	c.call("POST", path, body, http.StatusOK, nil)
}

// TestRoles: who may do what.
func TestRoles(t *testing.T) {
	e := newEnv(t)
	users := map[string]*client{"admin": e.login("ann"), "trainer": e.login("tom"), "agent": e.login("amy")}
	faq := "/api/v1/console/shops/" + demoShop + "/faqs/chat.thanks"
	for _, tc := range []struct {
		role, method, path string
		body               any
		want               int
	}{
		{"agent", "PUT", faq, map[string]any{"category": "chat"}, http.StatusForbidden},
		{"agent", "DELETE", faq, nil, http.StatusForbidden},
		{"agent", "POST", faq + "/phrasings", PhrasingRequest{Lang: "en", Text: "cheers"}, http.StatusForbidden},
		{"agent", "PUT", "/api/v1/console/shops/" + demoShop + "/packs/general", PackRequest{}, http.StatusForbidden},
		{"agent", "POST", "/api/v1/console/shops/" + demoShop + "/import", []byte("x"), http.StatusForbidden},
		{"agent", "GET", "/api/v1/console/shops/" + demoShop + "/training", nil, http.StatusForbidden},
		{"agent", "GET", "/api/v1/console/users", nil, http.StatusForbidden},
		{"agent", "GET", faq, nil, http.StatusOK},
		{"agent", "GET", "/api/v1/console/live", nil, http.StatusOK},
		{"agent", "GET", "/api/v1/console/shops/" + demoShop + "/metrics", nil, http.StatusOK},
		{"trainer", "GET", "/api/v1/console/users", nil, http.StatusForbidden},
		{"trainer", "POST", "/api/v1/console/users", UserRequest{Name: "eve", Role: "admin", Password: "password-eve"}, http.StatusForbidden},
		{"trainer", "GET", "/api/v1/console/live", nil, http.StatusForbidden},
		{"trainer", "PUT", "/api/v1/console/shops/" + demoShop + "/mode", ModeRequest{}, http.StatusForbidden},
		{"trainer", "GET", "/api/v1/console/shops/" + demoShop + "/training", nil, http.StatusOK},
		{"trainer", "GET", "/api/v1/console/shops/" + demoShop + "/audit", nil, http.StatusOK},
		{"admin", "GET", "/api/v1/console/users", nil, http.StatusOK},
		{"admin", "GET", "/api/v1/console/live", nil, http.StatusOK},
		{"admin", "GET", "/api/v1/console/shops/" + demoShop + "/training", nil, http.StatusOK},
	} {
		resp := users[tc.role].req(tc.method, tc.path, tc.body, nil)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s %s: %d, want %d: %s", tc.role, tc.method, tc.path, resp.StatusCode, tc.want, b)
		}
	}
	audit, _ := e.st.Audit(t.Context(), store.AuditFilter{})
	if len(audit) != 0 {
		t.Errorf("forbidden edits left audit rows: %+v", audit)
	}
}

func TestUsersAPI(t *testing.T) {
	e := newEnv(t)
	admin := e.login("ann")
	admin.call("POST", "/api/v1/console/users", UserRequest{Name: "zed", Role: "agent", Password: "short"}, http.StatusBadRequest, nil)
	admin.call("POST", "/api/v1/console/users", UserRequest{Name: "zed", Role: "root", Password: "long-enough"}, http.StatusBadRequest, nil)
	admin.call("POST", "/api/v1/console/users", UserRequest{Name: "zed", Role: "agent", Password: "password-zed"}, http.StatusCreated, nil)
	admin.call("POST", "/api/v1/console/users", UserRequest{Name: "zed", Role: "agent", Password: "password-zed"}, http.StatusConflict, nil)
	zed := e.login("zed")
	zed.call("GET", "/api/v1/console/live", nil, http.StatusOK, nil)
	// Promoting zed ends zed's logins; the new role applies at the next login.
	admin.call("PUT", "/api/v1/console/users/zed", UserRequest{Role: "trainer"}, http.StatusOK, nil)
	zed.call("GET", "/api/v1/console/me", nil, http.StatusUnauthorized, nil)
	zed = e.login("zed")
	zed.call("GET", "/api/v1/console/shops/"+demoShop+"/training", nil, http.StatusOK, nil)
	// The last admin cannot be removed or demoted.
	admin.call("DELETE", "/api/v1/console/users/ann", nil, http.StatusConflict, nil)
	admin.call("PUT", "/api/v1/console/users/ann", UserRequest{Role: "agent"}, http.StatusConflict, nil)
	// Own password change needs the old one, and ends the login.
	zed.call("POST", "/api/v1/console/password", PasswordRequest{Old: "wrong-one", New: "new-password"}, http.StatusForbidden, nil)
	zed.call("POST", "/api/v1/console/password", PasswordRequest{Old: "password-zed", New: "new-password"}, http.StatusOK, nil)
	zed.call("GET", "/api/v1/console/me", nil, http.StatusUnauthorized, nil)
	e.anon().call("POST", "/api/v1/console/login", LoginRequest{Name: "zed", Password: "new-password"}, http.StatusOK, nil)
	var list struct{ Users []store.User }
	admin.call("GET", "/api/v1/console/users", nil, http.StatusOK, &list)
	if len(list.Users) != 4 {
		t.Errorf("users = %+v", list.Users)
	}
	admin.call("DELETE", "/api/v1/console/users/zed", nil, http.StatusOK, nil)
	admin.call("DELETE", "/api/v1/console/users/zed", nil, http.StatusNotFound, nil)
}

// TestKnowledgeEdits: edits apply to the running bot without a restart, are
// audited, and a bad edit never replaces the good shop.
func TestKnowledgeEdits(t *testing.T) {
	e := newEnv(t)
	tr := e.login("tom")
	base := "/api/v1/console/shops/" + demoShop

	var faqs struct{ FAQs []FAQView }
	tr.call("GET", base+"/faqs?category=logistics&q=ship", nil, http.StatusOK, &faqs)
	if len(faqs.FAQs) == 0 {
		t.Fatal("search found nothing")
	}
	for _, f := range faqs.FAQs {
		if f.Category != "logistics" {
			t.Errorf("category filter let %s through", f.ID)
		}
	}
	var q FAQView
	tr.call("GET", base+"/faqs/logistics.when_ship", nil, http.StatusOK, &q)
	q.Answer["en"] = "We ship within two days, from Hangzhou, by SF Express."
	tr.call("PUT", base+"/faqs/logistics.when_ship", q.FAQ, http.StatusOK, nil)
	if rp := e.ask("", "when will you ship my order"); rp.Text != q.Answer["en"] {
		t.Errorf("after the edit the bot says %q", rp.Text)
	}

	// A bad edit: related to a FAQ that does not exist, 6 related, bad category.
	bad := *q.FAQ
	bad.Related = []string{"no.such.faq"}
	resp := tr.req("PUT", base+"/faqs/logistics.when_ship", bad, nil)
	var eb ErrorBody
	decodeBody(t, resp, &eb)
	if resp.StatusCode != http.StatusUnprocessableEntity || eb.Code != CodeInvalidShop || len(eb.Problems) == 0 ||
		!strings.Contains(eb.Problems[0].Field, "related") {
		t.Errorf("bad related: %d %+v", resp.StatusCode, eb)
	}
	bad.Related = []string{"a", "b", "c", "d", "e", "f"}
	tr.call("PUT", base+"/faqs/logistics.when_ship", bad, http.StatusBadRequest, nil)
	bad.Related, bad.Category = nil, "gossip"
	tr.call("PUT", base+"/faqs/logistics.when_ship", bad, http.StatusUnprocessableEntity, nil)
	if rp := e.ask("", "when will you ship my order"); rp.Text != q.Answer["en"] {
		t.Errorf("a rejected edit changed the bot: %q", rp.Text)
	}

	// New FAQ, then delete it.
	nf := kb.FAQ{ID: "more.gift_wrap", Category: "more", Question: kb.Text{"zh": "可以礼品包装吗", "en": "can you gift wrap it"},
		Answer: kb.Text{"zh": "可以，下单时备注礼品包装即可。", "en": "Yes, add a gift-wrap note to your order."}}
	tr.call("PUT", base+"/faqs/more.gift_wrap", nf, http.StatusOK, nil)
	if rp := e.ask("", "can you gift wrap it"); faqOf(rp) != "more.gift_wrap" {
		t.Errorf("new FAQ not answered: %+v", rp)
	}
	tr.call("DELETE", base+"/faqs/more.gift_wrap", nil, http.StatusOK, nil)
	tr.call("DELETE", base+"/faqs/more.gift_wrap", nil, http.StatusNotFound, nil)
	// Deleting a FAQ on the welcome cards and in related lists keeps the shop valid.
	tr.call("DELETE", base+"/faqs/logistics.where_is_order", nil, http.StatusOK, nil)

	// Welcome message and quick-setup facts.
	var p Profile
	tr.call("GET", base+"/profile", nil, http.StatusOK, &p)
	p.Welcome["en"] = "Hi, this is Nuannuan. Ask me anything."
	p.Hotline = "400-100-9999"
	tr.call("PUT", base+"/profile", p, http.StatusOK, nil)
	var w dialog.Welcome
	e.anon().call("POST", "/api/v1/sessions", web.StartRequest{Shop: demoShop, Lang: "en"}, http.StatusCreated, &w)
	if w.Text != p.Welcome["en"] {
		t.Errorf("welcome = %q", w.Text)
	}
	p.ServiceHours = "25:00-26:00"
	resp = tr.req("PUT", base+"/profile", p, nil)
	decodeBody(t, resp, &eb)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(eb.Problems[0].Field, "service_hours") {
		t.Errorf("bad service hours: %d %+v", resp.StatusCode, eb)
	}
	p.ID = "other-shop"
	tr.call("PUT", base+"/profile", p, http.StatusBadRequest, nil)

	// Industry packs.
	var packs struct{ Packs []PackView }
	tr.call("PUT", base+"/packs/apparel", PackRequest{Subscribed: false}, http.StatusOK, &packs)
	for _, pk := range packs.Packs {
		if pk.ID == "apparel" && pk.Subscribed {
			t.Error("apparel still subscribed")
		}
	}
	tr.call("PUT", base+"/packs/apparel", PackRequest{Subscribed: true}, http.StatusOK, &packs)
	tr.call("PUT", base+"/packs/no-such-pack", PackRequest{Subscribed: true}, http.StatusNotFound, nil)

	// Products and size charts.
	var prods struct{ Products []*kb.Product }
	tr.call("GET", base+"/products", nil, http.StatusOK, &prods)
	pr := prods.Products[0]
	pr.Price = 123
	tr.call("PUT", base+"/products/"+pr.ID, pr, http.StatusOK, nil)
	eng, _ := e.con.engine(demoShop)
	if eng.Shop().Product(pr.ID).Price != 123 {
		t.Error("product price not applied")
	}

	// Export, import back; a file for another shop or a broken file is refused.
	resp = tr.req("GET", base+"/export", nil, nil)
	yml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := kb.Parse("export", yml); err != nil {
		t.Fatalf("export does not parse: %v", err)
	}
	imp := func(data []byte) *http.Response {
		return tr.req("POST", base+"/import?name=shop.yaml", data, map[string]string{"Content-Type": "application/yaml"})
	}
	if resp := imp(yml); resp.StatusCode != http.StatusOK {
		t.Errorf("import of the export: %d", resp.StatusCode)
	}
	resp = imp([]byte(strings.Replace(string(yml), "id: "+demoShop, "id: another-shop", 1)))
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("import of another shop: %d", resp.StatusCode)
	}
	resp = imp([]byte(strings.Replace(string(yml), "service_hours:", "service_hourz:", 1)))
	decodeBody(t, resp, &eb)
	if resp.StatusCode != http.StatusUnprocessableEntity || eb.Problems[0].File != "shop.yaml" || eb.Problems[0].Line == 0 {
		t.Errorf("broken import: %d %+v", resp.StatusCode, eb)
	}

	// Every edit is audited with who, what, before and after.
	var audit struct{ Audit []store.AuditEntry }
	tr.call("GET", base+"/audit", nil, http.StatusOK, &audit)
	actions := map[string]int{}
	for _, a := range audit.Audit {
		actions[a.Action]++
		if a.User != "tom" || a.Shop != demoShop {
			t.Errorf("audit row %+v", a)
		}
	}
	for act, n := range map[string]int{"faq.update": 1, "faq.create": 1, "faq.delete": 2, "profile.update": 1,
		"packs.subscribe": 1, "packs.unsubscribe": 1, "product.update": 1, "shop.import": 1} {
		if actions[act] != n {
			t.Errorf("audit %s: %d rows, want %d (all: %v)", act, actions[act], n, actions)
		}
	}
	for _, a := range audit.Audit {
		if a.Action == "faq.update" && (!strings.Contains(a.After, "two days") || strings.Contains(a.Before, "two days")) {
			t.Errorf("faq.update before/after: %q -> %q", a.Before, a.After)
		}
	}
}

// TestSceneTraining: a question the bot could not answer is logged; the
// trainer assigns it to a FAQ and the bot answers it with that FAQ at once.
func TestSceneTraining(t *testing.T) {
	e := newEnv(t)
	const question = "can you gift wrap it for my wife's birthday"
	if rp := e.ask("", question); faqOf(rp) == "promotion.gift" {
		t.Fatalf("the bot already answers the question: %+v", rp)
	}
	e.ask("", "is the box big enough for a cat to sleep in")
	tr := e.login("tom")
	base := "/api/v1/console/shops/" + demoShop
	var list struct {
		Unresolved    []TrainingItem `json:"unresolved"`
		LowConfidence []TrainingItem `json:"low_confidence"`
	}
	tr.call("GET", base+"/training", nil, http.StatusOK, &list)
	var item, cat *TrainingItem
	for i := range list.Unresolved {
		switch list.Unresolved[i].Text {
		case question:
			item = &list.Unresolved[i]
		case "is the box big enough for a cat to sleep in":
			cat = &list.Unresolved[i]
		}
	}
	if item == nil || cat == nil {
		t.Fatalf("questions not listed for training: %+v", list.Unresolved)
	}
	path := base + "/training/unresolved/" + itoa(item.ID)
	tr.call("POST", path, TrainRequest{Action: "assign"}, http.StatusBadRequest, nil)
	tr.call("POST", path, TrainRequest{Action: "assign", FAQ: "no.such"}, http.StatusNotFound, nil)
	tr.call("POST", path, TrainRequest{Action: "assign", FAQ: "promotion.gift"}, http.StatusOK, nil)
	tr.call("POST", path, TrainRequest{Action: "assign", FAQ: "promotion.gift"}, http.StatusConflict, nil)
	if rp := e.ask("", question); faqOf(rp) != "promotion.gift" {
		t.Errorf("after training the bot answers %q (%s), want promotion.gift", faqOf(rp), rp.Text)
	}
	tr.call("POST", base+"/training/unresolved/"+itoa(cat.ID), TrainRequest{Action: "out_of_scope", Note: "not a shop question"}, http.StatusOK, nil)
	tr.call("GET", base+"/training", nil, http.StatusOK, &list)
	if len(list.Unresolved) != 0 {
		t.Errorf("handled questions still listed: %+v", list.Unresolved)
	}

	// A new FAQ made from a question.
	const q2 = "can my neighbour collect the parcel for me"
	e.ask("", q2)
	tr.call("GET", base+"/training", nil, http.StatusOK, &list)
	if len(list.Unresolved) != 1 || list.Unresolved[0].Text != q2 {
		t.Fatalf("unresolved = %+v", list.Unresolved)
	}
	nf := &kb.FAQ{ID: "logistics.neighbour", Category: "logistics", Question: kb.Text{"zh": "邻居可以代收吗", "en": "can a neighbour receive my parcel"},
		Answer: kb.Text{"zh": "可以，快递员联系您后可以交给邻居代收。", "en": "Yes, the courier can leave it with a neighbour once you agree."}}
	tr.call("POST", base+"/training/unresolved/"+itoa(list.Unresolved[0].ID), TrainRequest{Action: "new_faq", New: nf}, http.StatusOK, nil)
	if rp := e.ask("", q2); faqOf(rp) != "logistics.neighbour" {
		t.Errorf("new FAQ from training: %q", faqOf(rp))
	}

	// Test chat: what the bot would answer, with confidence and runner-ups.
	var chat TestChatResponse
	tr.call("POST", base+"/test-chat", TestChatRequest{Text: question}, http.StatusOK, &chat)
	if faqOf(chat.Reply) != "promotion.gift" || len(chat.Candidates) < 2 || chat.Candidates[0].Answer == "" {
		t.Errorf("test chat = %+v", chat)
	}
	tr.call("POST", base+"/test-chat", TestChatRequest{Text: "  "}, http.StatusBadRequest, nil)

	// Low-confidence turns can be trained too.
	tr.call("GET", base+"/training?below=1", nil, http.StatusOK, &list)
	if len(list.LowConfidence) == 0 {
		t.Fatal("no low-confidence turns below 1")
	}
	lc := list.LowConfidence[0]
	tr.call("POST", base+"/training/turns/"+itoa(lc.TurnID), TrainRequest{Action: "out_of_scope"}, http.StatusOK, nil)
	tr.call("POST", base+"/training/turns/"+itoa(lc.TurnID), TrainRequest{Action: "out_of_scope"}, http.StatusNotFound, nil)
	tr.call("GET", base+"/training?below=2", nil, http.StatusBadRequest, nil)
}

func TestMetricsAndComplaintCSV(t *testing.T) {
	e := newEnv(t)
	e.ask("", "when will you ship my order")
	e.ask("", "the coat arrived torn, this is terrible quality, I want to complain")
	e.ask("", "is the box big enough for a cat to sleep in")
	agent := e.login("amy")
	base := "/api/v1/console/shops/" + demoShop
	var m MetricsResponse
	agent.call("GET", base+"/metrics?days=1", nil, http.StatusOK, &m)
	if m.Sessions != 3 || m.Turns != 3 || m.Unresolved < 1 || len(m.CallsPerHour) == 0 || len(m.Latency) == 0 || len(m.TopQuestions) == 0 {
		t.Errorf("metrics = %+v", m)
	}
	if m.Questions["logistics.when_ship"] == "" {
		t.Errorf("labels = %v", m.Questions)
	}
	agent.call("GET", base+"/metrics?days=0", nil, http.StatusBadRequest, nil)
	agent.call("GET", base+"/metrics?since=yesterday", nil, http.StatusBadRequest, nil)
	agent.call("GET", "/api/v1/console/shops/no-such-shop/metrics", nil, http.StatusNotFound, nil)

	resp := agent.req("GET", base+"/complaints?format=csv&lang=en", nil, nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\xEF\xBB\xBF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || rows[0][0] != "type" {
		t.Fatalf("csv rows = %v", rows)
	}
	found := false
	for _, r := range rows[1:] {
		if strings.Contains(r[5], "torn") {
			found = true
		}
	}
	if !found {
		t.Errorf("the complaint is not in the report: %v", rows)
	}
	var js struct{ Complaints []store.ComplaintType }
	agent.call("GET", base+"/complaints", nil, http.StatusOK, &js)
	if len(js.Complaints) == 0 {
		t.Error("no complaints in JSON")
	}
	if got := csvSafe("=HYPERLINK(1)"); got != "'=HYPERLINK(1)" {
		t.Errorf("csvSafe = %q", got)
	}
}

// TestSecureCookie: behind HTTPS the login cookie is marked Secure.
func TestSecureCookie(t *testing.T) {
	e := newEnv(t)
	con, err := New(Config{Store: e.st, Brains: e.brains, Reload: e.brains.Reload, Live: e.reg, Log: quiet,
		SecureCookies: true, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/console/login", strings.NewReader(`{"name":"amy","password":"password-amy"}`))
	req.Header.Set("Content-Type", "application/json")
	con.ServeHTTP(rec, req)
	res := rec.Result()
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || len(res.Cookies()) != 1 || !res.Cookies()[0].Secure || !res.Cookies()[0].HttpOnly {
		t.Errorf("login: %d, cookies %+v", res.StatusCode, res.Cookies())
	}
	if _, err := New(Config{Store: e.st}); err == nil {
		t.Error("New without brains, reload and registry succeeded")
	}
	if _, err := New(Config{Store: e.st, Brains: e.brains, Reload: e.brains.Reload, Live: e.reg, PasswordCost: 99}); err == nil {
		t.Error("New with bcrypt cost 99 succeeded")
	}
	// An import must be YAML.
	tr := e.login("tom")
	resp := tr.req("POST", "/api/v1/console/shops/"+demoShop+"/import", []byte("{}"), nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON import: %d", resp.StatusCode)
	}
}

// TestReloadFailureKeepsTheShop: when the brains cannot be rebuilt after an
// edit, the stored copy is put back and the running bot keeps its shop.
func TestReloadFailureKeepsTheShop(t *testing.T) {
	e := newEnv(t)
	before, err := e.st.Shop(t.Context(), demoShop)
	if err != nil {
		t.Fatal(err)
	}
	failing := func(context.Context) error { return errors.New("another shop's file is broken") }
	con, err := New(Config{Store: e.st, Brains: e.brains, Reload: failing, Live: e.reg, Log: quiet, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	u := user{Name: "tom", Role: "trainer"}
	_, err = con.addPhrasingTo(t.Context(), u, demoShop, "chat.thanks", "en", "ta very much")
	if err == nil {
		t.Fatal("the edit succeeded although the reload failed")
	}
	if status, _, _ := statusOf(err); status != http.StatusInternalServerError {
		t.Errorf("status %d", status)
	}
	after, err := e.st.Shop(t.Context(), demoShop)
	if err != nil || !bytes.Equal(after.YAML, before.YAML) {
		t.Error("the stored shop was not put back")
	}
	eng, _ := e.con.engine(demoShop)
	if strings.Contains(strings.Join(eng.Shop().FAQ("chat.thanks").Phrasings["en"], "|"), "ta very much") {
		t.Error("the running shop changed")
	}
	if a, _ := e.st.Audit(t.Context(), store.AuditFilter{}); len(a) != 0 {
		t.Errorf("a failed edit was audited: %+v", a)
	}
}
