package twilio_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
	"github.com/callbee/callbee/telephony/twilio"
)

// feeder is the provider's media clock: every 20 ms it sends the next
// 160 samples of what the caller says, silence when nothing is queued,
// from its own goroutine (the only writer while it runs).
type feeder struct {
	p      *provider
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex // guards queue, said, err
	queue  []int16
	said   time.Time // when the last queued sample went out
	err    error
}

func startFeeder(p *provider) *feeder {
	ctx, cancel := context.WithCancel(context.Background())
	f := &feeder{p: p, cancel: cancel}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		chunk := make([]int16, 160)
		for n := 1; ; n++ {
			clear(chunk)
			f.mu.Lock()
			k := copy(chunk, f.queue)
			f.queue = f.queue[k:]
			if k > 0 && len(f.queue) == 0 {
				f.said = time.Now()
			}
			f.mu.Unlock()
			msg := fmt.Sprintf(`{"event":"media","sequenceNumber":"%d","streamSid":%q,"media":{"track":"inbound","chunk":"%d","timestamp":"%d","payload":%q}}`,
				n+2, p.sid, n, n*20, base64.StdEncoding.EncodeToString(codec.PCMU.Encode(nil, chunk)))
			p.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := p.ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				f.mu.Lock()
				f.err = err
				f.mu.Unlock()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return f
}

func (f *feeder) say(s []int16) {
	f.mu.Lock()
	f.queue = append(f.queue, s...)
	f.said = time.Time{}
	f.mu.Unlock()
}

// saidAt is when the queued speech finished going out (zero before).
func (f *feeder) saidAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.said
}

func (f *feeder) stop() error {
	f.cancel()
	f.wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// replyWatch collects reply events with their arrival time.
type replyWatch struct {
	mu      sync.Mutex // guards replies, heard
	replies []voice.Event
	heard   []string      // transcripts
	got     chan struct{} // 1-buffered: a reply arrived
}

func (w *replyWatch) observe(_ telephony.Call, ev voice.Event) {
	if ev.Kind == voice.EventTranscript {
		w.mu.Lock()
		w.heard = append(w.heard, ev.Text+ev.DTMF)
		w.mu.Unlock()
	}
	if ev.Kind != voice.EventReply {
		return
	}
	w.mu.Lock()
	w.replies = append(w.replies, ev)
	w.mu.Unlock()
	select {
	case w.got <- struct{}{}:
	default:
	}
}

func (w *replyWatch) last() voice.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.replies[len(w.replies)-1]
}

// TestDemoCall: a provider calls the demo shop and the caller talks out
// loud (espeak-ng, μ-law, real time): "hello" over the welcome, then a
// question once the bot is quiet — its reply must be the right FAQ, spoken
// back as media followed by a mark — then talks over that answer: the
// server must send clear.
func TestDemoCall(t *testing.T) {
	if testing.Short() {
		t.Skip("real speech engines")
	}
	leakCheck(t)
	sb := switchboardtest.Demo(t)
	hello := switchboardtest.Speak(t, "en-us", "hello there", 8000, 0, 0)
	question := switchboardtest.Speak(t, "en-us", "when do you ship", 8000, 0, 0)
	w := &replyWatch{got: make(chan struct{}, 1)}
	h, url := server(t, sb, testConfig(), twilio.WithObserver(w.observe))
	p := dialProvider(t, url+"?token="+token)
	p.connect(map[string]string{"lang": "en", "caller": "+15550100"})
	f := startFeeder(p)
	defer f.stop()
	waitReply := func(what string) voice.Event {
		t.Helper()
		select {
		case <-w.got:
			return w.last()
		case <-time.After(30 * time.Second):
			t.Fatalf("no reply to %s", what)
		}
		return voice.Event{}
	}
	p.mediaUntil(25, 20*time.Second, true) // the welcome is being spoken (a slow synthesiser may pause it: marks)
	f.say(hello)                           // over it
	waitReply("hello")
	p.quiet(time.Second, 30*time.Second) // the greeting's answer is over

	f.say(question)
	rep := waitReply("the question")
	t.Logf("reply %q %v ms after the question's audio was sent", rep.Text, time.Since(f.saidAt()).Milliseconds())
	if rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != "logistics.when_ship" {
		w.mu.Lock()
		heard := w.heard
		w.mu.Unlock()
		t.Fatalf("heard %q; reply %+v, want logistics.when_ship; door stats %+v", heard, rep.Reply, h.Stats())
	}
	p.mediaUntil(p.media+25, 10*time.Second, true) // the answer is being spoken
	f.say(hello)                                   // barge-in
	if m := p.until(twilio.EventClear, 20*time.Second); m.StreamSid != p.sid {
		t.Fatalf("clear = %+v", m)
	}
	if err := f.stop(); err != nil {
		t.Fatal(err)
	}
	p.send(`{"event":"stop","sequenceNumber":"9999","streamSid":"` + p.sid + `","stop":{"accountSid":"AC0123","callSid":"CA0123456789"}}`)
	p.closed(30 * time.Second)
	// Two clears: the caller talked over the welcome, then over the answer.
	if st := h.Stats(); st.Clears != 2 || st.Marks < 1 || st.WrongStream != 0 || st.BadMessages != 0 {
		t.Errorf("stats = %+v", st)
	}
}
