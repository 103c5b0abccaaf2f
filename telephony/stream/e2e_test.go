package stream_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

// mic is a speaker's microphone: every 20 ms it sends the next frame of
// what the caller says, silence when nothing is queued, from its own
// goroutine (the connection's only writer while it runs).
type mic struct {
	rate   int
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex // guards queue, said, err
	queue  []int16
	said   time.Time // when the last queued sample went out
	err    error
}

func startMic(ws *websocket.Conn, rate int) *mic {
	ctx, cancel := context.WithCancel(context.Background())
	m := &mic{rate: rate, cancel: cancel}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		n := rate / 50
		samples := make([]int16, n)
		frame := make([]byte, 2*n)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			clear(samples)
			m.mu.Lock()
			k := copy(samples, m.queue)
			m.queue = m.queue[k:]
			if k > 0 && len(m.queue) == 0 {
				m.said = time.Now()
			}
			m.mu.Unlock()
			for i, s := range samples {
				binary.LittleEndian.PutUint16(frame[2*i:], uint16(s))
			}
			ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := ws.WriteMessage(websocket.BinaryMessage, frame); err != nil {
				m.mu.Lock()
				m.err = err
				m.mu.Unlock()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// say queues speech.
func (m *mic) say(s []int16) {
	m.mu.Lock()
	m.queue = append(m.queue, s...)
	m.said = time.Time{}
	m.mu.Unlock()
}

// saidAt is when the queued speech finished going out (zero before).
func (m *mic) saidAt() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.said
}

func (m *mic) stop() error {
	m.cancel()
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// TestDemoSpokenQuestion: a speaker asks the demo shop a question out
// loud (espeak-ng) over the stream protocol; the reply event names the
// right FAQ and bot audio follows.
func TestDemoSpokenQuestion(t *testing.T) {
	if testing.Short() {
		t.Skip("real speech engines")
	}
	for _, tc := range []struct {
		name, lang, voice, text string
		rate                    int
		faq                     string
		typed, typedFAQ         string
	}{
		{"en 16k", "en", "en-us", "when will you ship my order", 16000, "logistics.when_ship", "which courier do you use", "logistics.courier"},
		{"zh 8k", "zh", "cmn-latn-pinyin", "什么时候发货", 8000, "logistics.when_ship", "你们用什么快递", "logistics.courier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			sb := switchboardtest.Demo(t)
			q := switchboardtest.Speak(t, tc.voice, tc.text, tc.rate, 300*time.Millisecond, 0)
			h, url := server(t, sb, sb, testConfig())
			defer func() { t.Logf("door stats %+v", h.Stats()) }()
			c := dial(t, url, tokSpeaker)
			c.sendJSON(map[string]any{"type": "start", "lang": tc.lang, "caller": "+8613800000000",
				"audio": map[string]any{"encoding": "pcm16le", "rate": tc.rate}})
			c.expect(stream.TypeReady)
			if w := c.until(stream.TypeWelcome, 20*time.Second); w.Session == "" || w.Text == "" {
				t.Errorf("welcome = %+v", w)
			}
			c.audioQuiet(400*time.Millisecond, 30*time.Second) // the welcome is spoken
			p := startMic(c.ws, tc.rate)
			defer p.stop()
			p.say(q)
			tr := c.until(stream.TypeTranscript, 30*time.Second)
			rep := c.until(stream.TypeReply, 30*time.Second)
			replyAt := time.Now()
			audioBefore := len(c.audio)
			c.audioUntil(audioBefore+1, 10*time.Second)
			t.Logf("transcript %q; reply %q; reply event %d ms, first bot audio %d ms after the question's audio was sent",
				tr.Text, rep.Text, replyAt.Sub(p.saidAt()).Milliseconds(), time.Since(p.saidAt()).Milliseconds())
			if rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != tc.faq {
				t.Fatalf("transcript %q: reply %+v, want FAQ %s", tr.Text, rep.Reply, tc.faq)
			}
			c.audioUntil(audioBefore+25, 10*time.Second) // the answer is spoken: half a second of it
			if turn := c.until(stream.TypeTurn, 30*time.Second); turn.LatencyMS == nil || *turn.LatencyMS <= 0 || turn.StagesMS["first_audio"] <= 0 {
				t.Errorf("turn = %+v", turn)
			} else {
				t.Logf("turn latency %d ms, stages %v", *turn.LatencyMS, turn.StagesMS)
			}
			if err := p.stop(); err != nil { // the test writes from here on
				t.Fatal(err)
			}
			// a line typed on the speaker's app is a turn of the same call
			c.sendJSON(map[string]string{"type": "text", "text": tc.typed})
			if tr := c.until(stream.TypeTranscript, 30*time.Second); tr.Text != tc.typed {
				t.Errorf("typed transcript %+v", tr)
			}
			if rep := c.until(stream.TypeReply, 30*time.Second); rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != tc.typedFAQ {
				t.Errorf("typed %q: reply %+v, want %s", tc.typed, rep.Reply, tc.typedFAQ)
			}
			c.sendJSON(`{"type":"stop"}`)
			c.until(stream.TypeEnd, 30*time.Second)
			c.closed(10 * time.Second)
		})
	}
}

// TestDemoTextQuestion: a livestream comment to the demo shop's brain.
func TestDemoTextQuestion(t *testing.T) {
	leakCheck(t)
	sb := switchboardtest.Demo(t)
	_, url := server(t, nil, sb, testConfig())
	c := dial(t, url, tokSpeaker)
	c.sendJSON(`{"type":"start","mode":"text","lang":"en"}`)
	c.expect(stream.TypeReady)
	c.sendJSON(`{"type":"text","user":"viewer7","text":"when will my order ship"}`)
	c.expect(stream.TypeWelcome)
	rep := c.expect(stream.TypeReply)
	if rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != "logistics.when_ship" || rep.User != "viewer7" {
		t.Fatalf("reply = %+v", rep)
	}
}
