package webrtc

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	pion "github.com/pion/webrtc/v4"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
)

// newTestDoor serves a loopback door on 127.0.0.1:0; both are closed at
// the end of the test (door first: it closes the sockets).
func newTestDoor(t testing.TB, ans telephony.Answerer, cfg Config) (*Door, *httptest.Server) {
	t.Helper()
	cfg.LoopbackOnly = true
	d, err := New(ans, cfg, WithLogger(slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("door close: %v", err)
		}
		srv.Close()
	})
	return d, srv
}

// periodicity is the normalised autocorrelation of s at one period of a
// hz tone: ~1 for that tone (silent gaps do not lower it), low for noise
// or other pitches.
func periodicity(s []int16, rate int, hz float64) float64 {
	lag := int(math.Round(float64(rate) / hz))
	var num, den float64
	for i := 0; i+lag < len(s); i++ {
		a, b := float64(s[i]), float64(s[i+lag])
		num += a * b
		den += (a*a + b*b) / 2
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// loudest returns the 0.5 s window of s with the highest RMS.
func loudest(s []int16, rate int) []int16 {
	w := rate / 2
	best, at := 0.0, 0
	for i := 0; i+w <= len(s); i += rate / 50 {
		if r := mediatest.RMS(s[i : i+w]); r > best {
			best, at = r, i
		}
	}
	if len(s) < w {
		return s
	}
	return s[at : at+w]
}

func TestCall(t *testing.T) {
	tests := []struct {
		codec string
		rate  int
	}{{CodecOpus, media.Rate48k}, {CodecPCMU, media.Rate8k}}
	for _, tt := range tests {
		t.Run(tt.codec, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			ans := &fakeAnswerer{}
			_, srv := newTestDoor(t, ans, Config{})
			c := dialClient(t, wsURL(srv), tt.codec)
			c.call("demo", "en")
			ready := c.wait(EvReady, 10*time.Second)
			if ready.Codec != tt.codec || ready.Call == "" || ready.Token == "" {
				t.Fatalf("ready %+v, want codec %s with call and token", ready, tt.codec)
			}
			if ev := c.wait(EvWelcome, 5*time.Second); ev.Text != "hello" || ev.Session != "fake-session" {
				t.Fatalf("welcome %+v", ev)
			}
			// The caller says something loud for 0.6 s.
			if err := c.speak(ctx, tt.rate, mediatest.Sine(tt.rate, 300, 6000, 600*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			reply := c.wait(EvReply, 5*time.Second)
			if reply.FAQ != "fake.tone" || reply.Text != "I heard a tone" {
				t.Fatalf("reply %+v, want the fake FAQ", reply)
			}
			// By now the bot's 1 s tone has been sent.
			time.Sleep(300 * time.Millisecond)
			got := loudest(c.botAudio(), tt.rate)
			rms, p440, p300 := mediatest.RMS(got), periodicity(got, tt.rate, 440), periodicity(got, tt.rate, 300)
			t.Logf("bot audio: %d samples, loudest 0.5 s RMS %.0f, periodicity at 440 Hz %.2f, at 300 Hz %.2f", len(c.botAudio()), rms, p440, p300)
			if rms < 2000 || p440 < 0.9 || p300 > 0.5 {
				t.Errorf("bot audio RMS %.0f, periodicity %.2f at 440 Hz and %.2f at 300 Hz: want the 440 Hz tone", rms, p440, p300)
			}
			c.send(Message{Type: MsgHangup})
			if ev := c.wait(EvEnd, 5*time.Second); ev.Reason != "caller hung up" {
				t.Errorf("end %+v, want reason caller hung up", ev)
			}
			calls, frames, eof, _ := ans.snapshot()
			if len(calls) != 1 || calls[0].Rate != tt.rate || calls[0].Shop != "demo" || calls[0].Lang != "en" || calls[0].Door != "webrtc" {
				t.Errorf("answerer saw calls %+v", calls)
			}
			if !eof || frames < 25 {
				t.Errorf("answerer: eof %v after %d caller frames", eof, frames)
			}
		})
	}
}

func TestControls(t *testing.T) {
	mediatest.CheckLeaks(t)
	ans := &fakeAnswerer{}
	_, srv := newTestDoor(t, ans, Config{})
	c := dialClient(t, wsURL(srv), CodecOpus)
	c.send(Message{Type: MsgControl, Action: ActionRepeat})
	if ev := c.wait(EvError, 5*time.Second); ev.Code != "protocol" {
		t.Fatalf("control before start: %+v, want a protocol error", ev)
	}
	c.call("demo", "en")
	c.wait(EvWelcome, 10*time.Second)
	for _, m := range []Message{
		{Type: MsgControl, Action: ActionRepeat},
		{Type: MsgControl, Action: ActionHuman},
		{Type: MsgControl, Action: ActionCard, Key: "3"},
	} {
		c.send(m)
		if ev := c.wait(EvReply, 5*time.Second); ev.Type == "" {
			t.Fatalf("no reply to %+v", m)
		}
	}
	if _, _, _, keys := ans.snapshot(); keys != "*03" {
		t.Errorf("keys %q, want *03", keys)
	}
	// The bot asks for an order number: a button's key ends the entry.
	c.send(Message{Type: MsgControl, Action: ActionCard, Key: "9"})
	c.wait(EvReply, 5*time.Second)
	c.send(Message{Type: MsgControl, Action: ActionHuman})
	c.wait(EvReply, 5*time.Second)
	var keys string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, _, _, keys = ans.snapshot(); len(keys) >= 6 { // the '#' follows the reply to '0'
			break
		}
	}
	if keys != "*0390#" {
		t.Errorf("keys %q, want *0390# (0 then # while an order number is asked for)", keys)
	}
	// The fake answerer has no text path: slower is refused, not faked.
	c.send(Message{Type: MsgControl, Action: ActionSlower})
	if ev := c.wait(EvError, 5*time.Second); ev.Code != "protocol" {
		t.Errorf("slower without a text path: %+v", ev)
	}
}

func TestSignallingErrors(t *testing.T) {
	mediatest.CheckLeaks(t)
	_, srv := newTestDoor(t, &fakeAnswerer{}, Config{})
	tests := []struct {
		name string
		msg  string
		code string
	}{
		{"not json", "hello", "bad_message"},
		{"unknown type", `{"type":"dial"}`, "bad_message"},
		{"offer before start", `{"type":"offer","sdp":"v=0"}`, "protocol"},
		{"candidate before start", `{"type":"candidate","candidate":{"candidate":""}}`, "protocol"},
		{"resume unknown call", `{"type":"resume","call":"nope","token":"nope"}`, "unknown_call"},
	}
	c := dialClient(t, wsURL(srv), CodecOpus)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.ws.WriteMessage(websocket.TextMessage, []byte(tt.msg)); err != nil {
				t.Fatal(err)
			}
			if ev := c.wait(EvError, 5*time.Second); ev.Code != tt.code {
				t.Errorf("got %+v, want code %s", ev, tt.code)
			}
		})
	}
	t.Run("garbage offer", func(t *testing.T) {
		c.send(Message{Type: MsgStart, Shop: "demo"})
		c.send(Message{Type: MsgOffer, SDP: "v=0 nonsense"})
		if ev := c.wait(EvError, 5*time.Second); ev.Code != "bad_message" {
			t.Errorf("got %+v, want bad_message", ev)
		}
	})
	t.Run("socket closed after bad messages", func(t *testing.T) {
		c2 := dialClient(t, wsURL(srv), CodecOpus)
		for range maxBadInARow {
			if err := c2.ws.WriteMessage(websocket.BinaryMessage, []byte{1}); err != nil {
				break
			}
		}
		deadline := time.After(5 * time.Second)
		for {
			select {
			case _, ok := <-c2.events:
				if !ok {
					return
				}
			case <-deadline:
				t.Fatal("socket still open")
			}
		}
	})
}

func TestPerIPLimit(t *testing.T) {
	mediatest.CheckLeaks(t)
	_, srv := newTestDoor(t, &fakeAnswerer{}, Config{MaxCallsPerIP: 1})
	dialClient(t, wsURL(srv), CodecOpus)
	_, resp, err := websocket.DefaultDialer.Dial(wsURL(srv), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second socket: err %v resp %v, want 429", err, resp)
	}
	resp.Body.Close()
}

func TestMaxCalls(t *testing.T) {
	mediatest.CheckLeaks(t)
	_, srv := newTestDoor(t, &fakeAnswerer{}, Config{MaxCalls: 1})
	c1 := dialClient(t, wsURL(srv), CodecOpus)
	c1.send(Message{Type: MsgStart})
	c2 := dialClient(t, wsURL(srv), CodecOpus)
	time.Sleep(100 * time.Millisecond) // c1's start is handled
	c2.send(Message{Type: MsgStart})
	if ev := c2.wait(EvError, 5*time.Second); ev.Code != "too_many" {
		t.Fatalf("second call: %+v, want too_many", ev)
	}
}

func TestConnectTimeout(t *testing.T) {
	mediatest.CheckLeaks(t)
	_, srv := newTestDoor(t, &fakeAnswerer{}, Config{ConnectTimeout: 300 * time.Millisecond})
	c := dialClient(t, wsURL(srv), CodecOpus)
	c.send(Message{Type: MsgStart})
	if ev := c.wait(EvError, 5*time.Second); ev.Code != "timeout" {
		t.Fatalf("got %+v, want a timeout error", ev)
	}
	if ev := c.wait(EvEnd, 5*time.Second); ev.Reason != "media did not connect" {
		t.Fatalf("got %+v", ev)
	}
}

// TestResume drops the socket mid-call: media carries on, a new socket
// resumes the call with its token and gets the events it missed.
func TestResume(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ans := &fakeAnswerer{}
	d, srv := newTestDoor(t, ans, Config{ResumeWindow: 5 * time.Second})
	c := dialClient(t, wsURL(srv), CodecOpus)
	c.call("demo", "en")
	ready := c.wait(EvReady, 10*time.Second)
	if ready.Call == "" {
		t.Fatal("no ready event")
	}
	_ = c.ws.Close() // the network blips; the peer connection stays up
	time.Sleep(200 * time.Millisecond)
	if d.Calls() != 1 {
		t.Fatalf("%d calls after the socket dropped, want 1", d.Calls())
	}
	// Caller audio still arrives while no socket is attached.
	if err := c.speak(ctx, media.Rate48k, mediatest.Sine(media.Rate48k, 300, 6000, 600*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	bad := dialClient(t, wsURL(srv), CodecOpus)
	bad.send(Message{Type: MsgResume, Call: ready.Call, Token: "wrong"})
	if ev := bad.wait(EvError, 5*time.Second); ev.Code != "unknown_call" {
		t.Fatalf("resume with a wrong token: %+v", ev)
	}
	c2 := dialClient(t, wsURL(srv), CodecOpus)
	c2.send(Message{Type: MsgResume, Call: ready.Call, Token: ready.Token})
	ev, _ := c2.waitAny(5*time.Second, EvReply)
	if ev.FAQ != "fake.tone" {
		t.Fatalf("after resume: %+v, want the reply made while detached", ev)
	}
	// The page restarts ICE on the same peer connection through the new socket.
	c2.setPeer(c.peer()) // the answer arrives on c2's socket; c2's reader applies it to c's peer
	offer, err := c.pc.CreateOffer(&pion.OfferOptions{ICERestart: true})
	if err != nil {
		t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	before := len(c.botAudio())
	c2.send(Message{Type: MsgOffer, SDP: c.pc.LocalDescription().SDP})
	if ev := c2.wait(EvAnswer, 5*time.Second); ev.SDP == "" {
		t.Fatal("no answer to the ICE restart")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(c.botAudio()) < before+48000 && time.Now().Before(deadline) { // 1 s more of bot audio
		time.Sleep(50 * time.Millisecond)
	}
	if got := len(c.botAudio()) - before; got < 48000 {
		t.Errorf("after the ICE restart: %d samples of bot audio in 5 s", got)
	}
	if st := c.pc.ConnectionState(); st != pion.PeerConnectionStateConnected {
		t.Errorf("after the ICE restart the connection is %s", st)
	}
	c2.send(Message{Type: MsgHangup})
	if ev := c2.wait(EvEnd, 5*time.Second); ev.Reason != "caller hung up" {
		t.Errorf("end %+v", ev)
	}
}

// TestResumeWindowEnds: no socket comes back, the call ends.
func TestResumeWindowEnds(t *testing.T) {
	mediatest.CheckLeaks(t)
	ans := &fakeAnswerer{}
	d, srv := newTestDoor(t, ans, Config{ResumeWindow: 300 * time.Millisecond})
	c := dialClient(t, wsURL(srv), CodecOpus)
	c.call("demo", "en")
	c.wait(EvReady, 10*time.Second)
	_ = c.ws.Close()
	deadline := time.Now().Add(5 * time.Second)
	for d.Calls() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := d.Calls(); n != 0 {
		t.Fatalf("%d calls after the resume window", n)
	}
	if _, _, eof, _ := ans.snapshot(); !eof {
		t.Error("answerer did not see the hang-up")
	}
}

func TestDoorClose(t *testing.T) {
	mediatest.CheckLeaks(t)
	ans := &fakeAnswerer{}
	d, srv := newTestDoor(t, ans, Config{})
	c := dialClient(t, wsURL(srv), CodecOpus)
	c.call("demo", "en")
	c.wait(EvReady, 10*time.Second)
	done := make(chan error, 1)
	go func() { done <- d.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if d.Calls() != 0 {
		t.Error("calls left after Close")
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := websocket.DefaultDialer.Dial(wsURL(srv), nil); err == nil {
		t.Error("socket accepted after Close")
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(nil, Config{}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("nil answerer: %v", err)
	}
	if _, err := New(&fakeAnswerer{}, Config{UDPPortMin: 5}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("bad ports: %v", err)
	}
	if _, err := New(&fakeAnswerer{}, Config{}, WithLogger(nil)); !errors.Is(err, ErrBadConfig) {
		t.Errorf("nil logger: %v", err)
	}
}

// testLog sends the door's log lines to t.Log.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
