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

// pacer streams a question in real time (20 ms messages) and then
// silence, like a speaker's microphone, until stopped. It writes from its
// own goroutine; the test reads events.
type pacer struct {
	rate   int
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex // guards sentAt, err
	sentAt time.Time  // when the question's last sample went out
	err    error
}

func startPacer(ws *websocket.Conn, rate int, question []int16) *pacer {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pacer{rate: rate, cancel: cancel}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		n := rate / 50
		frame := make([]byte, 2*n)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i += n {
			clear(frame)
			if i < len(question) {
				for k, s := range question[i:min(i+n, len(question))] {
					binary.LittleEndian.PutUint16(frame[2*k:], uint16(s))
				}
			} else if i-n < len(question) {
				p.mu.Lock()
				p.sentAt = time.Now()
				p.mu.Unlock()
			}
			ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := ws.WriteMessage(websocket.BinaryMessage, frame); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *pacer) questionSent() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sentAt
}

func (p *pacer) stop() error {
	p.cancel()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
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
	}{
		{"en 16k", "en", "en-us", "when will you ship my order", 16000, "logistics.when_ship"},
		{"zh 8k", "zh", "cmn-latn-pinyin", "什么时候发货", 8000, "logistics.when_ship"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			sb := switchboardtest.Demo(t)
			q := switchboardtest.Speak(t, tc.voice, tc.text, tc.rate, 300*time.Millisecond, 0)
			_, url := server(t, sb, sb, testConfig())
			c := dial(t, url, tokSpeaker)
			c.sendJSON(map[string]any{"type": "start", "lang": tc.lang, "caller": "+8613800000000",
				"audio": map[string]any{"encoding": "pcm16le", "rate": tc.rate}})
			c.expect(stream.TypeReady)
			if w := c.until(stream.TypeWelcome, 20*time.Second); w.Session == "" || w.Text == "" {
				t.Errorf("welcome = %+v", w)
			}
			c.audioQuiet(400*time.Millisecond, 30*time.Second) // the welcome is spoken
			p := startPacer(c.ws, tc.rate, q)
			defer p.stop()
			tr := c.until(stream.TypeTranscript, 30*time.Second)
			rep := c.until(stream.TypeReply, 30*time.Second)
			replyAt := time.Now()
			audioBefore := len(c.audio)
			c.audioUntil(audioBefore+1, 10*time.Second)
			t.Logf("transcript %q; reply %q; reply event %d ms, first bot audio %d ms after the question's audio was sent",
				tr.Text, rep.Text, replyAt.Sub(p.questionSent()).Milliseconds(), time.Since(p.questionSent()).Milliseconds())
			if rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != tc.faq {
				t.Fatalf("transcript %q: reply %+v, want FAQ %s", tr.Text, rep.Reply, tc.faq)
			}
			c.audioUntil(audioBefore+25, 10*time.Second) // the answer is spoken: half a second of it
			if turn := c.until(stream.TypeTurn, 30*time.Second); turn.LatencyMS == nil || *turn.LatencyMS <= 0 || turn.StagesMS["first_audio"] <= 0 {
				t.Errorf("turn = %+v", turn)
			} else {
				t.Logf("turn latency %d ms, stages %v", *turn.LatencyMS, turn.StagesMS)
			}
			if err := p.stop(); err != nil {
				t.Fatal(err)
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
