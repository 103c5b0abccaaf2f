package stream_test

import (
	"context"
	"encoding/json"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/stream/streamtest"
)

// TestAudioBargeIn: caller voice during the answer gets an interrupted
// event and the answer stops.
func TestAudioBargeIn(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	ans.WelcomeFrames, ans.AnswerFrames = 0, 500
	_, url := server(t, ans, nil, testConfig())
	c := dial(t, url, tokSpeaker)
	c.sendJSON(startAudio(8000))
	c.expect(stream.TypeReady)
	c.expect(stream.TypeWelcome)
	speakTurn(c, 8000)
	c.until(stream.TypeReply, 5*time.Second)
	for range 20 {
		c.sendPCM(make([]int16, 160))
	}
	c.audioUntil(10, 5*time.Second)
	c.sendPCM(mediatest.Sine(8000, 300, 6000, 20*time.Millisecond)) // talk over it
	c.until(stream.TypeSpeechStart, 5*time.Second)
	c.expect(stream.TypeInterrupted)
	n := len(c.audio)
	for range 20 { // the barge-in is a turn of its own: it gets an answer after 10 quiet frames
		c.sendPCM(make([]int16, 160))
	}
	c.until(stream.TypeReply, 5*time.Second)
	if len(c.audio) > n {
		t.Errorf("%d bot frames between interrupted and the next reply", len(c.audio)-n)
	}
}

// TestBackpressure: a client that stops reading loses the oldest bot
// audio, never an event; the server's reader and the call go on.
func TestBackpressure(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	ans.WelcomeFrames, ans.AnswerFrames = 0, 20000
	cfg := testConfig()
	cfg.InboundFrames = 4000 // this test is about the way out
	h, url := server(t, ans, nil, cfg)
	d := websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { // a small receive window, so the server's writes back up
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}).DialContext}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := d.DialContext(ctx, url+"?token="+tokSpeaker, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	start, _ := json.Marshal(startAudio(48000))
	write := func(kind int, b []byte) {
		t.Helper()
		if err := ws.WriteMessage(kind, b); err != nil {
			t.Fatal(err)
		}
	}
	write(websocket.TextMessage, start)
	frame := func(s []int16) []byte {
		b := make([]byte, 2*len(s))
		for i, v := range s {
			b[2*i], b[2*i+1] = byte(v), byte(uint16(v)>>8)
		}
		return b
	}
	loud, quiet := frame(mediatest.Sine(48000, 300, 6000, 20*time.Millisecond)), make([]byte, 1920)
	for range 20 {
		write(websocket.BinaryMessage, loud)
	}
	for range 2000 { // 40 s of audio in no time: the answer is 2000 frames, 3.8 MB
		write(websocket.BinaryMessage, quiet)
	}
	write(websocket.TextMessage, []byte(`{"type":"stop"}`))
	time.Sleep(200 * time.Millisecond) // not reading: the outbox fills and drops audio
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var types []string
	audio := 0
	for {
		kind, b, err := ws.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("read: %v after %v", err, types)
			}
			break
		}
		if kind == websocket.BinaryMessage {
			audio++
			continue
		}
		var ev stream.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
	}
	want := []string{"ready", "welcome", "speech_start", "transcript", "reply", "end"}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
	// every caller frame from the end of the turn (the 10th quiet frame) got
	// one bot frame, unless the caller frame was dropped on the way in
	st := h.Stats()
	t.Logf("%d bot frames received, %d dropped; %d caller frames dropped", audio, st.DroppedAudio, st.DroppedFrames)
	if st.DroppedAudio == 0 || uint64(audio)+st.DroppedAudio+st.DroppedFrames != 2000-9 {
		t.Errorf("%d bot frames received + %d dropped + %d caller frames dropped, want 1991", audio, st.DroppedAudio, st.DroppedFrames)
	}
}
