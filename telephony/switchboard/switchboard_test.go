package switchboard_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/switchboard"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

func TestAnswer(t *testing.T) {
	tests := []struct {
		name, lang, voice, text string
		doorRate                int
		faq                     string
	}{
		{"en phone 8k", "en", "en-us", "when will you ship my order", media.Rate8k, "logistics.when_ship"},
		{"zh browser 48k", "zh", "cmn-latn-pinyin", "什么时候发货", media.Rate48k, "logistics.when_ship"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var mu sync.Mutex
			var kinds []voice.EventKind
			var observed int
			sb := switchboardtest.Demo(t, switchboard.WithClock(&voice.FastClock{}),
				switchboard.WithTurnObserver(func(telephony.Call, string, voice.Turn) { observed++ }))
			in, err := media.NewSliceReader(tt.doorRate, switchboardtest.Speak(t, tt.voice, tt.text, tt.doorRate, time.Second, 2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var out media.Buffer
			res, err := sb.Answer(ctx, telephony.Call{Door: telephony.DoorSIP, Lang: tt.lang, Rate: tt.doorRate,
				OnEvent: func(ev voice.Event) { mu.Lock(); kinds = append(kinds, ev.Kind); mu.Unlock() }},
				in, nil, &out)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Turns) != 1 {
				t.Fatalf("%d turns, want 1: %+v", len(res.Turns), res.Turns)
			}
			tr := res.Turns[0]
			if tr.Reply.FAQ == nil || *tr.Reply.FAQ != tt.faq {
				t.Errorf("transcript %q: faq %v, want %s", tr.Transcript, tr.Reply.FAQ, tt.faq)
			}
			if res.Session == "" || observed != 1 {
				t.Errorf("session %q, observed %d turns", res.Session, observed)
			}
			if out.Rate != tt.doorRate || len(out.Samples) < tt.doorRate { // welcome + answer: seconds of audio
				t.Errorf("bot audio: %d samples at %d Hz, want seconds at %d Hz", len(out.Samples), out.Rate, tt.doorRate)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(kinds) < 4 || kinds[0] != voice.EventWelcome || kinds[len(kinds)-1] != voice.EventEnd {
				t.Errorf("events %v", kinds)
			}
		})
	}
}

func TestAnswerErrors(t *testing.T) {
	sb := switchboardtest.Demo(t)
	ctx := context.Background()
	in := media.ReaderFunc(func(context.Context) (media.Frame, error) { return media.Frame{}, io.EOF })
	var out media.Buffer
	if _, err := sb.Answer(ctx, telephony.Call{Shop: "nope", Rate: media.Rate8k}, in, nil, &out); !errors.Is(err, switchboard.ErrUnknownShop) {
		t.Errorf("unknown shop: %v", err)
	}
	if _, err := sb.Answer(ctx, telephony.Call{Rate: 11025}, in, nil, &out); !errors.Is(err, media.ErrBadRate) {
		t.Errorf("bad rate: %v", err)
	}
	if _, err := sb.Answer(ctx, telephony.Call{Rate: media.Rate8k, Lang: "fr"}, in, nil, &out); !errors.Is(err, switchboard.ErrNoLanguage) {
		t.Errorf("bad lang: %v", err)
	}
	if _, ok := sb.Brain(""); !ok {
		t.Error("no default brain")
	}
	if _, ok := sb.Brain("nope"); ok {
		t.Error("brain of an unknown shop")
	}
}

func TestStoreTraces(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "cb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := dialog.New(kbtest.DemoShop(t), st)
	if err != nil {
		t.Fatal(err)
	}
	sp := switchboard.NewOffline(switchboard.WithLanguages("en"))
	defer sp.Close()
	sb, err := switchboard.New(switchboard.Engines{e}, sp, switchboard.WithClock(&voice.FastClock{}),
		switchboard.WithTurnObserver(switchboard.StoreTraces(st, slog.New(slog.NewTextHandler(testWriter{t}, nil)))))
	if err != nil {
		t.Fatal(err)
	}
	in, err := media.NewSliceReader(media.Rate16k,
		switchboardtest.Speak(t, "en-us", "when will you ship my order", media.Rate16k, time.Second, 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out media.Buffer
	res, err := sb.Answer(ctx, telephony.Call{Door: telephony.DoorWebRTC, Lang: "en", Rate: media.Rate16k}, in, nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	turns, err := st.Turns(ctx, res.Session)
	if err != nil || len(turns) != 1 {
		t.Fatalf("turns %+v, %v", turns, err)
	}
	if turns[0].ResponseUS <= 0 || len(turns[0].Trace) == 0 {
		t.Errorf("turn %d saved without its trace (response %d µs, trace %s); the call's turn: reply turn %d, trace %v, err %v",
			turns[0].Seq, turns[0].ResponseUS, turns[0].Trace, res.Turns[0].Reply.Turn, res.Turns[0].Trace.Offsets(), res.Turns[0].Err)
	}
	lat, err := st.ResponseLatency(ctx, store.LatencyFilter{Channel: telephony.DoorWebRTC})
	if err != nil || lat.N != 1 || lat.P50 != time.Duration(turns[0].ResponseUS)*time.Microsecond {
		t.Errorf("latency %+v, %v", lat, err)
	}
}

// TestControls: a door's controls reach the running call — a text turn is
// answered like a spoken one, a person's words are spoken.
func TestControls(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sb := switchboardtest.Demo(t, switchboard.WithClock(&voice.FastClock{}))
	hangup := make(chan struct{})
	var seq uint64
	silence := make([]int16, media.SamplesPerFrame(media.Rate8k))
	in := media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		select {
		case <-hangup:
			return media.Frame{}, io.EOF
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		f := media.Frame{Samples: silence, Rate: media.Rate8k, At: media.FrameAt(seq), Seq: seq}
		seq++
		return f, nil
	})
	controls := make(chan telephony.Controls, 1)
	var mu sync.Mutex
	var agentSaid bool
	call := telephony.Call{Door: telephony.DoorWebRTC, Lang: "en", Rate: media.Rate8k,
		OnStart: func(c telephony.Controls) { controls <- c },
		OnEvent: func(ev voice.Event) {
			switch ev.Kind {
			case voice.EventAgent:
				mu.Lock()
				agentSaid = true
				mu.Unlock()
			case voice.EventTurn:
				close(hangup) // one turn is enough
			}
		}}
	type result struct {
		res telephony.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := sb.Answer(ctx, call, in, nil, &media.Buffer{})
		done <- result{res, err}
	}()
	c := <-controls
	if err := c.Say(ctx, "Hello, this is Lin from the shop."); err != nil {
		t.Fatal(err)
	}
	if err := c.Submit(dialog.Input{Text: "when will you ship my order"}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.res.Turns) != 1 || r.res.Turns[0].Reply.FAQ == nil || *r.res.Turns[0].Reply.FAQ != "logistics.when_ship" {
		t.Fatalf("turns %+v", r.res.Turns)
	}
	mu.Lock()
	defer mu.Unlock()
	if !agentSaid {
		t.Error("the person's words were not spoken")
	}
}

// testWriter sends log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
