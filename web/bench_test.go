package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkMessage measures the API's own cost per caller turn (decoding,
// validation, routing, encoding) over a brain that answers at once.
func BenchmarkMessage(b *testing.B) {
	f := newFixture(b)
	f.srv = New(f.srv.brains, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/sessions", strings.NewReader(`{"shop":"alpha","session":"bench"}`)))
	if w.Code != 201 {
		b.Fatalf("start: %d %s", w.Code, w.Body)
	}
	body := `{"text":"我上周买的羽绒服什么时候能到"}`
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/sessions/bench/messages", strings.NewReader(body)))
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
