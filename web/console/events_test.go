package console

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/media/mediatest"
)

// TestLiveEvents: an agent's event stream shows a caller's turn as it
// happens, only for the shop asked for, and ends when the console closes.
func TestLiveEvents(t *testing.T) {
	mediatest.CheckLeaks(t)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	amy := e.login("amy")
	req, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/console/live/events?shop="+demoShop, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := amy.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	go func() { // owned: ends when the body closes
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	e.reg.Begin(liveInfo("other", "another-shop"), nil) // filtered out
	e.ask("", "when will you ship my order")
	var got []string
	for ev := ""; !strings.Contains(ev, `"logistics.when_ship"`); {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stream ended early; got %v", got)
			}
			got = append(got, l)
			ev = l
			if strings.Contains(l, "another-shop") {
				t.Errorf("an update of another shop: %s", l)
			}
		case <-ctx.Done():
			t.Fatalf("no update for the caller's turn; got %v", got)
		}
	}
	if !strings.Contains(strings.Join(got, "\n"), "event: begin") {
		t.Errorf("no begin event: %v", got)
	}
	if err := e.con.Close(); err != nil {
		t.Fatal(err)
	}
	for range lines { // the server ends the stream
	}
	if ctx.Err() != nil {
		t.Fatal("the stream did not end on Close")
	}
	_ = e.con.Close()
}
