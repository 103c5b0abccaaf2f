package stream_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/stream/streamtest"
)

func startAudio(rate int) map[string]any {
	return map[string]any{"type": "start", "shop": "alpha", "lang": "en", "caller": "kitchen",
		"audio": map[string]any{"encoding": "pcm16le", "rate": rate, "channels": 1}}
}

// speakTurn sends 400 ms of tone then 400 ms of silence at rate, in
// messages of odd, uneven sizes (the server re-frames them).
func speakTurn(c *client, rate int) {
	c.t.Helper()
	audio := mediatest.Concat(mediatest.Sine(rate, 300, 6000, 400*time.Millisecond),
		mediatest.Silence(rate, 400*time.Millisecond))
	sizes := []int{37, 160, 501, 13, 320, 999}
	b := make([]byte, 2*len(audio))
	for i, s := range audio {
		b[2*i], b[2*i+1] = byte(s), byte(uint16(s)>>8)
	}
	for i := 0; len(b) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(b))
		c.sendBinary(b[:n])
		b = b[n:]
	}
}

func TestAudioSession(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			leakCheck(t)
			ans := streamtest.NewAnswerer("logistics.when_ship")
			_, url := server(t, ans, nil, testConfig())
			c := dial(t, url, tokSpeaker)
			c.sendJSON(startAudio(rate))
			ready := c.expect(stream.TypeReady)
			if ready.Mode != stream.ModeAudio || ready.Rate != rate || ready.Call == "" {
				t.Fatalf("ready = %+v", ready)
			}
			c.expect(stream.TypeWelcome)
			for range 10 { // let the welcome play out
				c.sendPCM(make([]int16, rate/50))
			}
			speakTurn(c, rate)
			tr := c.until(stream.TypeTranscript, 5*time.Second)
			if tr.Final == nil || !*tr.Final || !strings.HasPrefix(tr.Text, "voiced ") {
				t.Errorf("transcript = %+v", tr)
			}
			rep := c.expect(stream.TypeReply)
			if rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != "logistics.when_ship" || rep.Reply.Confidence != 0.9 {
				t.Fatalf("reply = %+v", rep)
			}
			// keep streaming silence so the fake speaks its answer
			for range 30 {
				c.sendPCM(make([]int16, rate/50))
			}
			c.sendJSON(`{"type":"dtmf","digits":"5"}`)
			c.sendPCM(make([]int16, rate/50))
			if tr := c.until(stream.TypeTranscript, 5*time.Second); tr.DTMF != "5" {
				t.Errorf("dtmf transcript = %+v", tr)
			}
			c.sendJSON(`{"type":"text","text":"typed on the app"}`) // a typed turn in a voice call
			c.sendPCM(make([]int16, rate/50))
			if tr := c.until(stream.TypeTranscript, 5*time.Second); tr.Text != "typed on the app" {
				t.Errorf("typed transcript = %+v", tr)
			}
			if r := c.expect(stream.TypeReply); r.Text != "answer to typed on the app" {
				t.Errorf("typed reply = %+v", r)
			}
			c.sendJSON(`{"type":"stop"}`)
			end := c.until(stream.TypeEnd, 5*time.Second)
			if end.Text != "hangup" {
				t.Errorf("end = %+v", end)
			}
			if code := c.closed(5 * time.Second); code != websocket.CloseNormalClosure {
				t.Errorf("close code %d", code)
			}
			if len(c.audio) < 5+25 {
				t.Errorf("%d bot audio messages, want the welcome and an answer (30+)", len(c.audio))
			}
			for _, a := range c.audio {
				if len(a) != 2*rate/50 {
					t.Fatalf("bot audio message of %d bytes, want one 20 ms frame (%d)", len(a), 2*rate/50)
				}
			}
			call := ans.LastCall()
			if call.Door != telephony.DoorStream || call.Shop != "alpha" || call.Lang != "en" || call.Caller != "kitchen" || call.Rate != rate {
				t.Errorf("call = %+v", call)
			}
		})
	}
}

func TestTextSession(t *testing.T) {
	leakCheck(t)
	brains := streamtest.NewBrains()
	_, url := server(t, nil, brains, testConfig())
	c := dial(t, url, tokSpeaker)
	c.sendJSON(`{"type":"start","mode":"text","shop":"alpha","lang":"zh"}`)
	if r := c.expect(stream.TypeReady); r.Mode != stream.ModeText {
		t.Fatalf("ready = %+v", r)
	}
	sessions := map[string]string{}
	for _, m := range []struct{ user, text string }{{"ann", "hello"}, {"bob", "hi"}, {"ann", "again"}} {
		c.sendJSON(map[string]string{"type": "text", "user": m.user, "text": m.text})
		ev := c.next(5 * time.Second)
		if ev.Type == stream.TypeWelcome {
			if ev.User != m.user || len(ev.Cards) != 1 {
				t.Errorf("welcome = %+v", ev)
			}
			ev = c.next(5 * time.Second)
		}
		if ev.Type != stream.TypeReply || ev.User != m.user || ev.Reply == nil || *ev.Reply.FAQ != "echo" {
			t.Fatalf("reply = %+v", ev)
		}
		if want := "you said: " + m.text + " (" + m.user + ")"; ev.Text != want {
			t.Errorf("reply text %q, want %q", ev.Text, want)
		}
		if s, ok := sessions[m.user]; ok && s != ev.Session {
			t.Errorf("user %s moved from session %s to %s", m.user, s, ev.Session)
		}
		sessions[m.user] = ev.Session
	}
	if sessions["ann"] == sessions["bob"] || brains.Echo.Sessions() != 2 {
		t.Errorf("sessions %v (%d started), want one per user", sessions, brains.Echo.Sessions())
	}
	c.sendJSON(`{"type":"text","user":"ann","text":"agent"}`)
	c.expect(stream.TypeReply)
	if h := c.expect(stream.TypeHandoff); h.Reply == nil || !h.Reply.Handoff {
		t.Errorf("handoff = %+v", h)
	}
	c.sendJSON(`{"type":"dtmf","user":"bob","digits":"1#"}`)
	if r := c.expect(stream.TypeReply); !strings.Contains(r.Text, "1#") {
		t.Errorf("dtmf reply = %+v", r)
	}
	c.sendJSON(`{"type":"text","user":"bob","text":"fail"}`)
	if e := c.expectError(stream.CodeBrainFailed); e.User != "bob" {
		t.Errorf("error = %+v", e)
	}
	c.sendJSON(`{"type":"text","user":"bob","text":"bye"}`)
	if r := c.expect(stream.TypeReply); !r.Reply.EndCall {
		t.Errorf("bye = %+v", r)
	}
	c.sendJSON(`{"type":"text","user":"bob","text":"back"}`)
	c.expect(stream.TypeWelcome) // bob's session ended: a new one
	c.expect(stream.TypeReply)
	c.sendJSON(`{"type":"stop"}`)
	if e := c.expect(stream.TypeEnd); e.Text != "stop" {
		t.Errorf("end = %+v", e)
	}
	if code := c.closed(5 * time.Second); code != websocket.CloseNormalClosure {
		t.Errorf("close code %d", code)
	}
}

func TestTextUsersBounded(t *testing.T) {
	leakCheck(t)
	brains := streamtest.NewBrains()
	cfg := testConfig()
	cfg.MaxUsers = 2
	_, url := server(t, nil, brains, cfg)
	c := dial(t, url, tokSpeaker)
	c.sendJSON(`{"type":"start","mode":"text"}`)
	c.expect(stream.TypeReady)
	for _, u := range []string{"a", "b", "a", "c", "a", "b"} { // c evicts b (least recent); b comes back new
		c.sendJSON(map[string]string{"type": "text", "user": u, "text": "x"})
		c.until(stream.TypeReply, 5*time.Second)
	}
	if n := brains.Echo.Sessions(); n != 4 {
		t.Errorf("%d brain sessions, want 4 (a, b, c, b again)", n)
	}
}

// TestBadMessages: every malformed message gets an error event and the
// connection keeps working.
func TestBadMessages(t *testing.T) {
	leakCheck(t)
	h, url := server(t, streamtest.NewAnswerer("x"), streamtest.NewBrains(), testConfig())
	c := dial(t, url, tokSpeaker)
	for _, tc := range []struct{ msg, code string }{
		{`not json`, stream.CodeBadJSON},
		{`{"type":`, stream.CodeBadJSON},
		{`[1,2]`, stream.CodeBadJSON},
		{`{"type":"launch"}`, stream.CodeUnknownType},
		{`{}`, stream.CodeUnknownType},
		{`{"type":"text","text":"hi"}`, stream.CodeNotStarted},
		{`{"type":"dtmf","digits":"1"}`, stream.CodeNotStarted},
		{`{"type":"dtmf","digits":"x"}`, stream.CodeBadField},
		{`{"type":"start","audio":{"encoding":"pcm16le","rate":44100}}`, stream.CodeBadAudio},
		{`{"type":"start","audio":{"encoding":"opus","rate":48000}}`, stream.CodeBadAudio},
		{`{"type":"start","audio":{"encoding":"pcm16le","rate":16000,"channels":2}}`, stream.CodeBadAudio},
		{`{"type":"start"}`, stream.CodeBadAudio},
		{`{"type":"start","mode":"video"}`, stream.CodeBadField},
		{`{"type":"start","mode":"text","lang":"fr"}`, stream.CodeBadField},
		{`{"type":"start","mode":"text","shop":"` + streamtest.UnknownShop + `"}`, stream.CodeUnknownShop},
	} {
		c.sendJSON(tc.msg)
		c.expectError(tc.code)
	}
	c.sendBinary([]byte{1, 2, 3, 4})
	c.expectError(stream.CodeWrongMode)
	c.sendBinary([]byte{1, 2, 3, 4}) // reported once per connection
	c.sendJSON(`{"type":"ping"}`)
	c.expect(stream.TypePong)
	// still usable: a text session starts and answers
	c.sendJSON(`{"type":"start","mode":"text"}`)
	c.expect(stream.TypeReady)
	c.sendJSON(`{"type":"start","mode":"text"}`)
	c.expectError(stream.CodeAlreadyStarted)
	c.sendJSON(`{"type":"text","text":""}`)
	c.expectError(stream.CodeBadField)
	c.sendJSON(`{"type":"text","text":"` + strings.Repeat("字", 2001) + `"}`)
	c.expectError(stream.CodeBadField)
	c.sendPCM(make([]int16, 160))
	c.sendJSON(`{"type":"text","text":"still here"}`)
	c.until(stream.TypeReply, 5*time.Second)
	if n := h.Stats().BadMessages; n != 19 {
		t.Errorf("BadMessages = %d", n)
	}
}

func TestAuth(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	_, url := server(t, ans, streamtest.NewBrains(), testConfig())
	for _, tc := range []struct {
		name, url, token string
		want             int
	}{
		{"none", url, "", http.StatusUnauthorized},
		{"unknown", url, "not-a-device-token-000", http.StatusUnauthorized},
		{"unknown query", url + "?token=nope", "", http.StatusUnauthorized},
		{"header", url, tokSpeaker, http.StatusSwitchingProtocols},
		{"query", url + "?token=" + tokSpeaker, "", http.StatusSwitchingProtocols},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, resp, err := tryDial(tc.url, tc.token)
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("HTTP %d, want %d", resp.StatusCode, tc.want)
			}
			if c != nil {
				c.close()
			}
		})
	}
	// a device bound to a shop may not pick another
	c := dial(t, url, tokShop)
	c.sendJSON(`{"type":"start","mode":"text","shop":"beta"}`)
	c.expectError(stream.CodeForbiddenShop)
	start := startAudio(8000)
	delete(start, "shop")
	delete(start, "caller")
	c.sendJSON(start)
	c.expect(stream.TypeReady)
	c.expect(stream.TypeWelcome)
	if got := ans.LastCall().Shop; got != "alpha" {
		t.Errorf("shop %q, want the device's alpha", got)
	}
	if got := ans.LastCall().Caller; got != "kiosk" {
		t.Errorf("caller %q, want the device name", got)
	}
}

func TestConnectionLimits(t *testing.T) {
	leakCheck(t)
	cfg := testConfig()
	cfg.MaxConnsPerIP = 2
	h, url := server(t, nil, streamtest.NewBrains(), cfg)
	a, b := dial(t, url, tokSpeaker), dial(t, url, tokSpeaker)
	_, resp, err := tryDial(url, tokSpeaker)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection from one address: %v %v, want 429", resp, err)
	}
	a.sendJSON(`{"type":"stop"}`)
	a.expect(stream.TypeEnd)
	a.closed(5 * time.Second)
	a.close()
	deadline := time.Now().Add(5 * time.Second)
	for h.Gate().Open() > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c := dial(t, url, tokSpeaker) // a's place is free again
	c.sendJSON(`{"type":"ping"}`)
	c.expect(stream.TypePong)
	b.sendJSON(`{"type":"ping"}`)
	b.expect(stream.TypePong)

	cfg = testConfig()
	cfg.MaxSessions = 1
	_, url2 := server(t, nil, streamtest.NewBrains(), cfg)
	dial(t, url2, tokSpeaker)
	if _, resp, _ := tryDial(url2, tokSpeaker); resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("over MaxSessions: %v, want 503", resp)
	}
}

func TestOversize(t *testing.T) {
	leakCheck(t)
	cfg := testConfig()
	cfg.MaxMessageBytes, cfg.HardMessageBytes = 1000, 4000
	_, url := server(t, nil, streamtest.NewBrains(), cfg)
	c := dial(t, url, tokSpeaker)
	c.sendJSON(`{"type":"start","mode":"text","caller":"` + strings.Repeat("x", 1200) + `"}`)
	c.expectError(stream.CodeTooLarge)
	c.sendJSON(`{"type":"ping"}`) // still up
	c.expect(stream.TypePong)
	// the server closes in the middle of this message: the end of the
	// write may find the connection closing
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.ws.WriteMessage(websocket.BinaryMessage, make([]byte, 5000)); err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		t.Fatal(err)
	}
	c.expectError(stream.CodeTooLarge)
	if code := c.closed(5 * time.Second); code != websocket.CloseMessageTooBig {
		t.Errorf("close code %d, want 1009", code)
	}
}

func TestIdleTimeout(t *testing.T) {
	leakCheck(t)
	cfg := testConfig()
	cfg.IdleTimeout = 300 * time.Millisecond
	ans := streamtest.NewAnswerer("x")
	_, url := server(t, ans, nil, cfg)
	c := dial(t, url, tokSpeaker)
	c.sendJSON(startAudio(16000))
	c.expect(stream.TypeReady)
	began := time.Now()
	c.until(stream.TypeError, 5*time.Second) // nothing sent after start
	if e := c.evs[len(c.evs)-1]; e.Code != stream.CodeIdle {
		t.Fatalf("error = %+v, want idle", e)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("idle close after %v", d)
	}
	if code := c.closed(5 * time.Second); code != websocket.ClosePolicyViolation {
		t.Errorf("close code %d", code)
	}
}

func TestStartTimeout(t *testing.T) {
	leakCheck(t)
	cfg := testConfig()
	cfg.StartTimeout = 200 * time.Millisecond
	_, url := server(t, nil, streamtest.NewBrains(), cfg)
	c := dial(t, url, tokSpeaker)
	if e := c.expectError(stream.CodeIdle); !strings.Contains(e.Message, "start") {
		t.Errorf("error = %+v", e)
	}
	c.closed(5 * time.Second)
}

// TestClientGone: a client that vanishes mid-call ends the session.
func TestClientGone(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	h, url := server(t, ans, nil, testConfig())
	c := dial(t, url, tokSpeaker)
	c.sendJSON(startAudio(16000))
	c.expect(stream.TypeReady)
	c.sendPCM(make([]int16, 320))
	c.ws.NetConn().Close()
	deadline := time.Now().Add(5 * time.Second)
	for h.Gate().Open() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.Gate().Open(); n != 0 {
		t.Fatalf("%d connections still open", n)
	}
}

// TestHandlerClose: Close ends open connections with 1001.
func TestHandlerClose(t *testing.T) {
	leakCheck(t)
	h, url := server(t, streamtest.NewAnswerer("x"), nil, testConfig())
	c := dial(t, url, tokSpeaker)
	c.sendJSON(startAudio(8000))
	c.expect(stream.TypeReady)
	done := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.Close()
	}()
	code := c.closed(5 * time.Second)
	wg.Wait()
	close(done)
	if code != websocket.CloseGoingAway && code != websocket.CloseNormalClosure {
		t.Errorf("close code %d", code)
	}
	if _, resp, _ := tryDial(url, tokSpeaker); resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Close: %v, want 503", resp)
	}
}
