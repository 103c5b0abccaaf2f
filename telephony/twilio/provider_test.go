package twilio_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/twilio"
)

const token = "provider-token-0123456789"

func testConfig() twilio.Config {
	cfg := twilio.DefaultConfig()
	cfg.Devices = []stream.Device{{Token: token, Name: "twilio", Shop: ""}}
	return cfg
}

func server(t testing.TB, ans telephony.Answerer, cfg twilio.Config, opts ...twilio.Option) (*twilio.Handler, string) {
	t.Helper()
	opts = append([]twilio.Option{twilio.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	h, err := twilio.New(ans, cfg, opts...)
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

// provider plays the telephony provider: it opens the stream, sends the
// protocol's messages, and collects what the server sends (read on its
// own goroutine, joined at cleanup).
type provider struct {
	t     testing.TB
	ws    *websocket.Conn
	sid   string
	msgs  chan pmsg
	done  chan struct{}
	chunk int
	media int // media messages received
	got   []twilio.Message
}

type pmsg struct {
	m   twilio.Message
	raw []byte
	err error
}

func dialProvider(t testing.TB, url string) *provider {
	t.Helper()
	p, resp, err := tryDial(url)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial: %v (HTTP %d)", err, code)
	}
	p.t = t
	t.Cleanup(p.close)
	return p
}

func tryDial(url string) (*provider, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		return nil, resp, err
	}
	p := &provider{ws: ws, sid: "MZ0123456789abcdef0123456789abcdef", msgs: make(chan pmsg, 1<<14), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			_, b, err := ws.ReadMessage()
			var m twilio.Message
			if err == nil {
				err = json.Unmarshal(b, &m)
			}
			p.msgs <- pmsg{m, b, err}
			if err != nil {
				return
			}
		}
	}()
	return p, resp, nil
}

func (p *provider) close() {
	p.ws.Close()
	for {
		select {
		case <-p.done:
			return
		case <-p.msgs:
		}
	}
}

func (p *provider) send(v any) {
	p.t.Helper()
	var b []byte
	if s, ok := v.(string); ok {
		b = []byte(s)
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			p.t.Fatal(err)
		}
	}
	p.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := p.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		p.t.Fatalf("send: %v", err)
	}
}

func (p *provider) connect(params map[string]string) {
	p.t.Helper()
	p.send(`{"event":"connected","protocol":"Call","version":"1.0.0"}`)
	p.send(map[string]any{"event": "start", "sequenceNumber": "1", "streamSid": p.sid,
		"start": map[string]any{"streamSid": p.sid, "accountSid": "AC0123", "callSid": "CA0123456789",
			"tracks":           []string{"inbound"},
			"customParameters": params,
			"mediaFormat":      map[string]any{"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})
}

// sendAudio sends 8 kHz samples as media messages of 20 ms.
func (p *provider) sendAudio(samples []int16) {
	p.t.Helper()
	for i := 0; i < len(samples); i += 160 {
		p.sendChunk(samples[i:min(i+160, len(samples))], p.sid)
	}
}

func (p *provider) sendChunk(samples []int16, sid string) {
	p.t.Helper()
	p.chunk++
	p.send(map[string]any{"event": "media", "sequenceNumber": fmt.Sprint(p.chunk + 1), "streamSid": sid,
		"media": map[string]any{"track": "inbound", "chunk": fmt.Sprint(p.chunk), "timestamp": fmt.Sprint(p.chunk * 20),
			"payload": base64.StdEncoding.EncodeToString(codec.PCMU.Encode(nil, samples))}})
}

var errTimeout = errors.New("provider: timed out")

// next returns the next non-media message, counting (and checking) media
// on the way.
func (p *provider) next(d time.Duration) (twilio.Message, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		m, isMedia, err := p.readOne(timer.C)
		if err != nil || !isMedia {
			return m, err
		}
	}
}

// readOne takes one server message; media is checked and counted.
func (p *provider) readOne(timeout <-chan time.Time) (twilio.Message, bool, error) {
	var m pmsg
	select {
	case m = <-p.msgs:
	case <-timeout:
		return twilio.Message{}, false, errTimeout
	}
	if m.err != nil {
		p.msgs <- m // keep reporting the end
		return twilio.Message{}, false, m.err
	}
	p.got = append(p.got, m.m)
	if m.m.StreamSid != p.sid {
		p.t.Errorf("server message for stream %q, want %q: %s", m.m.StreamSid, p.sid, m.raw)
	}
	if m.m.Event != twilio.EventMedia {
		return m.m, false, nil
	}
	a, err := base64.StdEncoding.DecodeString(m.m.Media.Payload)
	if err != nil || len(a) != 160 {
		p.t.Errorf("media payload: %d bytes, %v; want 160 bytes of μ-law", len(a), err)
	}
	p.media++
	return m.m, true, nil
}

func (p *provider) expect(event string, d time.Duration) twilio.Message {
	p.t.Helper()
	m, err := p.next(d)
	if err != nil {
		p.t.Fatalf("waiting for %s (%d media so far): %v", event, p.media, err)
	}
	if m.Event != event {
		p.t.Fatalf("got %s, want %s", m.Event, event)
	}
	return m
}

// mediaUntil reads until n media messages have arrived in all. With
// marksOK, marks on the way are fine (the bot's speech paused); any other
// message fails the test.
func (p *provider) mediaUntil(n int, d time.Duration, marksOK ...bool) {
	p.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for p.media < n {
		m, isMedia, err := p.readOne(timer.C)
		if err != nil {
			p.t.Fatalf("waiting for %d media (have %d): %v", n, p.media, err)
		}
		if !isMedia && !(m.Event == twilio.EventMark && len(marksOK) > 0 && marksOK[0]) {
			p.t.Fatalf("got %s %+v while waiting for media (have %d of %d)", m.Event, m.Mark, p.media, n)
		}
	}
}

// until reads until a message of event ev arrives, skipping others.
func (p *provider) until(ev string, d time.Duration) twilio.Message {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for {
		m, err := p.next(time.Until(deadline))
		if err != nil {
			p.t.Fatalf("waiting for %s (%d media so far): %v", ev, p.media, err)
		}
		if m.Event == ev {
			return m
		}
	}
}

// quiet reads until nothing has arrived for gap (the bot is silent), for
// at most d.
func (p *provider) quiet(gap, d time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		timer := time.NewTimer(gap)
		_, _, err := p.readOne(timer.C)
		timer.Stop()
		if err == errTimeout {
			return
		}
		if err != nil {
			p.t.Fatalf("waiting for quiet: %v", err)
		}
	}
	p.t.Fatalf("the bot kept talking for %v", d)
}

// closed waits for the server's close frame and returns its code.
func (p *provider) closed(d time.Duration) int {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for {
		_, err := p.next(time.Until(deadline))
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil {
			p.t.Fatalf("want a close frame, got %v", err)
		}
	}
}

func leakCheck(t *testing.T) { mediatest.CheckLeaks(t) }
