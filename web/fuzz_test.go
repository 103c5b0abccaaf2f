package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary bodies to the endpoints that decode JSON: the
// server must never panic, never answer 500 and always answer JSON.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{
		`{"shop":"alpha","lang":"zh","channel":"text","caller":"x"}`,
		`{"shop":"beta"}`, `{"text":"你好"}`, `{"dtmf":"1#"}`, `{"text":"a","dtmf":"2"}`,
		``, `{`, `null`, `[]`, `{"shop":null}`, `{"text":"\ud800"}`, `{"shop":"alpha"}{}`, "\xff\xfe",
	} {
		f.Add(uint8(0), s)
		f.Add(uint8(1), s)
	}
	fx := newFixture(f)
	rec := httptest.NewRecorder()
	fx.srv.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/sessions", strings.NewReader(`{"shop":"alpha","session":"fz"}`)))
	if rec.Code != 201 {
		f.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := "/api/v1/sessions"
		if which%2 == 1 {
			path = "/api/v1/sessions/fz/messages"
		}
		w := httptest.NewRecorder()
		fx.srv.ServeHTTP(w, httptest.NewRequest("POST", path, strings.NewReader(body)))
		if w.Code >= 500 {
			t.Fatalf("POST %s %q: status %d %s", path, body, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("POST %s %q: body is not JSON: %q", path, body, w.Body)
		}
	})
}
