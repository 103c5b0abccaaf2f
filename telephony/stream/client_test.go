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

// client is a test peer: a speaker or livestream bridge.
type client struct {
	t     testing.TB
	ws    *websocket.Conn
	audio [][]byte // binary messages received
	evs   []stream.Event
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
	t.Cleanup(func() { c.ws.Close() })
	c.t = t
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
	return &client{ws: ws}, resp, nil
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

func (c *client) tryNext(d time.Duration) (stream.Event, error) {
	c.ws.SetReadDeadline(time.Now().Add(d))
	for {
		kind, b, err := c.ws.ReadMessage()
		if err != nil {
			return stream.Event{}, err
		}
		if kind == websocket.BinaryMessage {
			c.audio = append(c.audio, b)
			continue
		}
		var ev stream.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return stream.Event{}, err
		}
		c.evs = append(c.evs, ev)
		return ev, nil
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
