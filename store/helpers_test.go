package store

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testClock is a settable clock that advances one millisecond per reading, so times are distinct.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { c.t = c.t.Add(time.Millisecond); return c.t }

// t0 is the start of test time, deliberately not UTC, to check that stored times come back in UTC.
var t0 = time.Date(2026, 11, 25, 20, 0, 0, 0, time.FixedZone("CST", 8*3600))

// quietLog discards the store's logs in tests.
var quietLog = slog.New(slog.DiscardHandler)

// openTest opens a store on a fresh file in t.TempDir and closes it at cleanup.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db", "callbee.db")
	opts = append([]Option{WithLogger(quietLog)}, opts...)
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// checkGoroutines fails the test if goroutines started during it are still running at cleanup.
// Call it first so its cleanup runs after the others (cleanups run last-in first-out).
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		n := runtime.NumGoroutine()
		for n > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			n = runtime.NumGoroutine()
		}
		if n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
		}
	})
}

// mustSession creates a session or fails the test.
func mustSession(t testing.TB, s *Store, id, shop string) Session {
	t.Helper()
	se := Session{ID: id, ShopID: shop, Lang: "zh", Channel: "text", Mode: "bot-first", State: json.RawMessage(`{"n":0}`)}
	if err := s.CreateSession(context.Background(), se); err != nil {
		t.Fatalf("CreateSession(%s): %v", id, err)
	}
	return se
}

// simpleTurn is a plausible turn write for a session.
func simpleTurn(session string, i int) TurnWrite {
	return TurnWrite{
		SessionID: session,
		State:     json.RawMessage(fmt.Sprintf(`{"n":%d,"product":"tee-01","slots":{"size":"M"}}`, i)),
		Turn: Turn{
			Lang:       "zh",
			UserText:   "这件T恤有M码吗",
			Reply:      json.RawMessage(`{"text":"有的，M码有货。","faq":"size-stock","confidence":0.91,"emotion":"neutral"}`),
			FAQ:        "size-stock",
			Action:     "answer",
			Confidence: 0.91,
			Emotion:    "neutral",
			LatencyUS:  1234,
		},
	}
}

// jsonEq reports whether a and b hold equal JSON (nil equals nil only).
func jsonEq(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimSpace(err.Error())
}

func itoa(n int64) string { return fmt.Sprint(n) }
