package twilio_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/stream/streamtest"
	"github.com/callbee/callbee/telephony/twilio"
)

func tone(d time.Duration) []int16    { return mediatest.Sine(8000, 300, 6000, d) }
func silence(d time.Duration) []int16 { return mediatest.Silence(8000, d) }

// events records observed call events.
type events struct {
	mu  sync.Mutex // guards evs
	evs []voice.Event
}

func (e *events) observe(_ telephony.Call, ev voice.Event) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) replies() []voice.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []voice.Event
	for _, ev := range e.evs {
		if ev.Kind == voice.EventReply {
			out = append(out, ev)
		}
	}
	return out
}

func TestCall(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("logistics.when_ship")
	var evs events
	h, url := server(t, ans, testConfig(), twilio.WithObserver(evs.observe))
	p := dialProvider(t, url+"?token="+token)
	p.connect(map[string]string{"shop": "alpha", "lang": "zh", "caller": "+8613800000000", "callee": "400-100-2026"})
	p.sendAudio(silence(200 * time.Millisecond)) // the welcome plays out (5 frames)
	p.mediaUntil(5, 5*time.Second)
	if m := p.expect(twilio.EventMark, 5*time.Second); m.Mark == nil || m.Mark.Name != "callbee-1" {
		t.Fatalf("mark after the welcome = %+v", m)
	}
	p.send(map[string]any{"event": "mark", "streamSid": p.sid, "mark": map[string]string{"name": "callbee-1"}})
	p.sendAudio(tone(400 * time.Millisecond))
	p.sendAudio(silence(1200 * time.Millisecond)) // end of turn (200 ms) + the answer (25 frames)
	p.mediaUntil(30, 5*time.Second)
	if m := p.expect(twilio.EventMark, 5*time.Second); m.Mark.Name != "callbee-2" {
		t.Fatalf("mark after the answer = %+v", m)
	}
	p.send(map[string]any{"event": "dtmf", "streamSid": p.sid, "sequenceNumber": "99", "dtmf": map[string]string{"track": "inbound_track", "digit": "7"}})
	p.sendAudio(silence(100 * time.Millisecond))
	p.send(map[string]any{"event": "stop", "streamSid": p.sid, "stop": map[string]string{"accountSid": "AC0123", "callSid": "CA0123456789"}})
	if code := p.closed(5 * time.Second); code != websocket.CloseNormalClosure {
		t.Errorf("close code %d", code)
	}
	c := ans.LastCall()
	got := [...]any{c.Door, c.ID, c.Shop, c.Lang, c.Caller, c.Callee, c.Rate}
	want := [...]any{telephony.DoorTwilio, "CA0123456789", "alpha", "zh", "+8613800000000", "400-100-2026", 8000}
	if got != want {
		t.Errorf("call = %v, want %v", got, want)
	}
	reps := evs.replies()
	if len(reps) != 2 || *reps[0].Reply.FAQ != "logistics.when_ship" || reps[1].Reply.Text != "answer to 7" {
		t.Errorf("replies = %+v", reps)
	}
	if st := h.Stats(); st.Marks < 2 || st.MarksPlayed != 1 || st.BadMessages != 0 || st.Clears != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestBargeIn: caller audio during the bot's answer makes the server send
// clear (after the media it had sent), and no more of that answer.
func TestBargeIn(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	ans.AnswerFrames = 200
	h, url := server(t, ans, testConfig())
	p := dialProvider(t, url+"?token="+token)
	p.connect(nil)
	p.sendAudio(silence(200 * time.Millisecond))
	p.sendAudio(tone(400 * time.Millisecond))
	p.sendAudio(silence(400 * time.Millisecond)) // the answer starts after 200 ms of it
	p.mediaUntil(10, 5*time.Second)
	p.sendAudio(tone(100 * time.Millisecond)) // talk over it
	for {
		m, err := p.next(5 * time.Second)
		if err != nil {
			t.Fatalf("no clear after barge-in: %v (%d media)", err, p.media)
		}
		if m.Event == twilio.EventClear {
			break
		}
	}
	before := p.media
	p.sendAudio(silence(200 * time.Millisecond)) // no answer is speaking: no media
	p.send(`{"event":"stop","streamSid":"` + p.sid + `"}`)
	p.closed(5 * time.Second)
	// the second turn (the barge-in) gets its own answer after 200 ms of
	// silence; what arrived after clear is that answer's start, never the
	// rest of the first one (at most the 10 frames the silence paces)
	if after := p.media - before; after > 10 {
		t.Errorf("%d media after clear", after)
	}
	if st := h.Stats(); st.Clears != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// TestWrongStream: messages naming another stream are refused; the call
// goes on.
func TestWrongStream(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	var evs events
	h, url := server(t, ans, testConfig(), twilio.WithObserver(evs.observe))
	p := dialProvider(t, url+"?token="+token)
	p.connect(nil)
	for i := 0; i < 40; i++ { // a whole turn on the wrong stream: never heard
		p.sendChunk(tone(20*time.Millisecond), "MZ-other")
	}
	p.send(`{"event":"dtmf","streamSid":"MZ-other","dtmf":{"digit":"1"}}`)
	p.send(`{"event":"stop","streamSid":"MZ-other"}`) // not our stop either
	p.sendAudio(silence(600 * time.Millisecond))
	p.send(`{"event":"stop","streamSid":"` + p.sid + `"}`)
	p.closed(5 * time.Second)
	if st := h.Stats(); st.WrongStream != 42 {
		t.Errorf("WrongStream = %d, want 42", st.WrongStream)
	}
	if r := evs.replies(); len(r) != 0 {
		t.Errorf("replies to another stream's audio: %+v", r)
	}
}

// TestBadMessages: malformed messages are counted and dropped; the stream
// stays up.
func TestBadMessages(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	var evs events
	h, url := server(t, ans, testConfig(), twilio.WithObserver(evs.observe))
	p := dialProvider(t, url+"?token="+token)
	p.send(`{"event":"media","streamSid":"MZ1","media":{"payload":""}}`) // before start
	p.connect(nil)
	for _, m := range []string{
		`nonsense`,
		`{"event":"dance"}`,
		`{"event":"media","streamSid":"` + p.sid + `","media":{"payload":"!!!"}}`,
		`{"event":"media","streamSid":"` + p.sid + `"}`,
		`{"event":"dtmf","streamSid":"` + p.sid + `","dtmf":{"digit":"12"}}`,
		`{"event":"mark","streamSid":"` + p.sid + `","mark":{}}`,
		`{"event":"start","streamSid":"` + p.sid + `","start":{"streamSid":"` + p.sid + `","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`,
	} {
		p.send(m)
	}
	p.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	p.send(`{"event":"dtmf","streamSid":"` + p.sid + `","dtmf":{"digit":"4"}}`)
	p.sendAudio(silence(100 * time.Millisecond))
	deadline := time.Now().Add(5 * time.Second)
	for len(evs.replies()) == 0 && time.Now().Before(deadline) {
		p.sendAudio(silence(20 * time.Millisecond))
		time.Sleep(5 * time.Millisecond)
	}
	if r := evs.replies(); len(r) != 1 || r[0].Reply.Text != "answer to 4" {
		t.Fatalf("replies = %+v, want the key's answer", r)
	}
	if st := h.Stats(); st.BadMessages != 9 {
		t.Errorf("BadMessages = %d, want 9", st.BadMessages)
	}
}

func TestTokens(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	cfg := testConfig()
	cfg.Devices = append(cfg.Devices, stream.Device{Token: "shop-bound-token-0123456789", Name: "bound", Shop: "alpha"})
	_, url := server(t, ans, cfg)
	if _, resp, _ := tryDial(url + "?token=wrong"); resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad URL token: %v, want 401", resp)
	}
	t.Run("parameter", func(t *testing.T) {
		p := dialProvider(t, url)
		p.connect(map[string]string{"token": token, "shop": "beta"})
		p.sendAudio(silence(100 * time.Millisecond))
		p.mediaUntil(5, 5*time.Second)
		if got := ans.LastCall().Shop; got != "beta" {
			t.Errorf("shop %q", got)
		}
	})
	for _, tc := range []struct {
		name, url string
		params    map[string]string
	}{
		{"missing", url, map[string]string{"shop": "alpha"}},
		{"wrong parameter", url, map[string]string{"token": "nope"}},
		{"shop not allowed", url + "?token=shop-bound-token-0123456789", map[string]string{"shop": "beta"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dialProvider(t, tc.url)
			calls := ans.Calls()
			p.connect(tc.params)
			if code := p.closed(5 * time.Second); code != websocket.ClosePolicyViolation {
				t.Errorf("close code %d, want 1008", code)
			}
			if ans.Calls() != calls {
				t.Error("a call was answered")
			}
		})
	}
}

func TestLimits(t *testing.T) {
	leakCheck(t)
	cfg := testConfig()
	cfg.MaxMessageBytes, cfg.MaxConnsPerIP, cfg.IdleTimeout = 2048, 2, 300*time.Millisecond
	h, url := server(t, streamtest.NewAnswerer("x"), cfg)
	p := dialProvider(t, url+"?token="+token)
	p.connect(nil)
	p.send(`{"event":"mark","streamSid":"` + p.sid + `","mark":{"name":"` + string(make([]byte, 3000)) + `"}}`)
	if code := p.closed(5 * time.Second); code != websocket.CloseMessageTooBig {
		t.Errorf("oversize: close code %d, want 1009", code)
	}
	p.close()
	deadline := time.Now().Add(5 * time.Second)
	for h.Gate().Open() > 0 && time.Now().Before(deadline) { // the server side ends a moment later
		time.Sleep(10 * time.Millisecond)
	}
	a := dialProvider(t, url+"?token="+token)
	dialProvider(t, url+"?token="+token)
	if _, resp, _ := tryDial(url + "?token=" + token); resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third stream from one address: %v, want 429", resp)
	}
	a.connect(nil) // then silence: the idle timeout closes it
	if code := a.closed(5 * time.Second); code != websocket.ClosePolicyViolation {
		t.Errorf("idle: close code %d", code)
	}
}
