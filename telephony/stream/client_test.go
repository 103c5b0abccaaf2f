package stream_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/stream"
)

// Tokens of the test devices.
const (
	tokSpeaker = "speaker-token-0123456789"
	tokShop    = "shop-only-token-0123456789"
)

func testConfig() stream.Config {
	cfg := stream.DefaultConfig()
	cfg.Devices = []stream.Device{
		{Token: tokSpeaker, Name: "speaker"},
		{Token: tokShop, Name: "kiosk", Shop: "alpha"},
	}
	return cfg
}

// server starts the handler on a loopback httptest server; both are
// closed at the end of the test, the handler first (it owns hijacked
// connections the server does not track).
func server(t testing.TB, ans telephony.Answerer, brains telephony.Brains, cfg stream.Config) (*stream.Handler, string) {
	t.Helper()
	h, err := stream.New(ans, brains, cfg, stream.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
		ts.Close()
	})
	return h, "ws" + strings.TrimPrefix(ts.URL, "http")
}

// client is a test peer: a speaker or livestream bridge. A reader
// goroutine (stopped by closing the connection, joined at cleanup) feeds
// msgs; the test goroutine consumes them.
type client struct {
	t     testing.TB
	ws    *websocket.Conn
	msgs  chan msg
	done  chan struct{}
	audio [][]byte // binary messages received
	evs   []stream.Event
}

// msg is one message read, or the read error that ended the reader.
type msg struct {
	kind int
	data []byte
	err  error
}

func dial(t testing.TB, url, token string) *client {
	t.Helper()
	c, resp, err := tryDial(url, token)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial: %v (HTTP %d)", err, code)
	}
	c.t = t
	t.Cleanup(c.close)
	return c
}

func tryDial(url, token string) (*client, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, hdr)
	if err != nil {
		return nil, resp, err
	}
	c := &client{ws: ws, msgs: make(chan msg, 1<<14), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			kind, b, err := ws.ReadMessage()
			c.msgs <- msg{kind, b, err}
			if err != nil {
				return
			}
		}
	}()
	return c, resp, nil
}

// close closes the connection and joins the reader.
func (c *client) close() {
	c.ws.Close()
	for {
		select {
		case <-c.done:
			return
		case <-c.msgs: // unblock a reader stuck on a full channel
		}
	}
}

func (c *client) sendJSON(v any) {
	c.t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatal(err)
		}
	}
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *client) sendPCM(samples []int16) {
	c.t.Helper()
	b := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	c.sendBinary(b)
}

func (c *client) sendBinary(b []byte) {
	c.t.Helper()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		c.t.Fatalf("send audio: %v", err)
	}
}

// next returns the next event, collecting binary audio on the way. It
// fails the test after d.
func (c *client) next(d time.Duration) stream.Event {
	c.t.Helper()
	ev, err := c.tryNext(d)
	if err != nil {
		c.t.Fatalf("after %d events %s: %v", len(c.evs), c.types(), err)
	}
	return ev
}

var errTimeout = errors.New("test client: timed out")

func (c *client) tryNext(d time.Duration) (stream.Event, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		ev, isEvent, err := c.readOne(timer.C)
		if err != nil || isEvent {
			return ev, err
		}
	}
}

// readOne takes one message: an event, or bot audio (kept in c.audio).
func (c *client) readOne(timeout <-chan time.Time) (ev stream.Event, isEvent bool, err error) {
	var m msg
	select {
	case m = <-c.msgs:
	case <-timeout:
		return stream.Event{}, false, errTimeout
	}
	if m.err != nil {
		c.msgs <- m // keep reporting the end
		return stream.Event{}, false, m.err
	}
	if m.kind == websocket.BinaryMessage {
		c.audio = append(c.audio, m.data)
		return stream.Event{}, false, nil
	}
	if err := json.Unmarshal(m.data, &ev); err != nil {
		return stream.Event{}, false, err
	}
	c.evs = append(c.evs, ev)
	return ev, true, nil
}

// audioQuiet reads until no message has arrived for gap (the bot has
// finished speaking), for at most d.
func (c *client) audioQuiet(gap, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		timer := time.NewTimer(gap)
		_, _, err := c.readOne(timer.C)
		timer.Stop()
		if errors.Is(err, errTimeout) {
			return
		}
		if err != nil {
			c.t.Fatalf("waiting for the bot to finish: %v", err)
		}
	}
	c.t.Fatalf("the bot kept talking for %v", d)
}

// audioUntil reads until n bot audio messages have arrived in all.
func (c *client) audioUntil(n int, d time.Duration) {
	c.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for len(c.audio) < n {
		if _, _, err := c.readOne(timer.C); err != nil {
			c.t.Fatalf("waiting for %d bot audio messages (have %d): %v", n, len(c.audio), err)
		}
	}
}

// until reads events until one of type typ arrives.
func (c *client) until(typ string, d time.Duration) stream.Event {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ev := c.next(time.Until(deadline))
		if ev.Type == typ {
			return ev
		}
	}
}

func (c *client) expect(typ string) stream.Event {
	c.t.Helper()
	ev := c.next(5 * time.Second)
	if ev.Type != typ {
		c.t.Fatalf("got event %+v, want type %q", ev, typ)
	}
	return ev
}

func (c *client) expectError(code string) stream.Event {
	c.t.Helper()
	ev := c.expect(stream.TypeError)
	if ev.Code != code {
		c.t.Fatalf("error %q (%s), want code %q", ev.Code, ev.Message, code)
	}
	return ev
}

// closed waits for the server's close and returns its code.
func (c *client) closed(d time.Duration) int {
	c.t.Helper()
	for {
		_, err := c.tryNext(d)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil {
			c.t.Fatalf("want a close frame, got %v", err)
		}
	}
}

func (c *client) types() []string {
	var out []string
	for _, e := range c.evs {
		out = append(out, e.Type)
	}
	return out
}

func leakCheck(t *testing.T) {
	mediatest.CheckLeaks(t)
}
