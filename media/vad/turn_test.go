package vad

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

const ms = time.Millisecond

type emitted struct {
	ev   media.Event
	when time.Duration // stream time of the frame that produced it
	wait time.Duration // Turn.Wait() when it was produced
}

// runTurn feeds sig through a Listener (Detector + Turn) in 20 ms frames:
// frame timestamps are the only clock, so this runs in virtual time.
func runTurn(t *testing.T, rate int, sig []int16, cfg TurnConfig) ([]emitted, *Turn) {
	t.Helper()
	det, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	turn, err := NewTurn(cfg, DefaultHangover)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := media.NewSliceReader(rate, sig)
	var out []emitted
	l := NewListener(src, det, turn, func(ev media.Event) {
		if ev.Kind == media.SpeechStart || ev.Kind == media.SpeechEnd {
			out = append(out, emitted{ev, -1, turn.Wait()})
		}
	})
	for {
		f, err := l.ReadFrame(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		// Events for this frame were delivered inside ReadFrame: stamp them.
		for i := len(out) - 1; i >= 0 && out[i].when < 0; i-- {
			out[i].when = f.End()
		}
	}
	return out, turn
}

// speaker builds turns of phrases separated by pauses, turns separated by
// gap, over quiet room noise. It returns the signal and the end of each
// turn's last phrase.
func speaker(rate int, turns int, phrases []time.Duration, pause, gap time.Duration, seed uint64) ([]int16, []time.Duration) {
	var parts []part
	var ends []time.Duration
	var at time.Duration
	parts = append(parts, part{500 * ms, -65, 0})
	at += 500 * ms
	for range turns {
		for i, p := range phrases {
			if i > 0 {
				parts = append(parts, part{pause, -65, 0})
				at += pause
			}
			parts = append(parts, part{p, -65, -20})
			at += p
		}
		ends = append(ends, at)
		parts = append(parts, part{gap, -65, 0})
		at += gap
	}
	sig, _ := build(rate, parts, seed)
	return sig, ends
}

func count(evs []emitted, k media.EventKind) int {
	n := 0
	for _, e := range evs {
		if e.ev.Kind == k {
			n++
		}
	}
	return n
}

func TestTurnFastSpeaker(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		sig, ends := speaker(rate, 3, []time.Duration{400 * ms, 300 * ms, 500 * ms, 350 * ms}, 200*ms, 2500*ms, 3)
		evs, turn := runTurn(t, rate, sig, DefaultTurnConfig())
		if got := count(evs, media.SpeechEnd); got != 3 {
			t.Fatalf("%d Hz: %d turn ends, want 3: %v", rate, got, evs)
		}
		i := 0
		for _, e := range evs {
			if e.ev.Kind != media.SpeechEnd {
				continue
			}
			lastVoiced := (ends[i] - 1) / media.FrameDuration * media.FrameDuration // frame holding the last sample
			if d := e.ev.At - lastVoiced; d > 0 || d < -150*ms {
				t.Errorf("%d Hz turn %d: last voiced frame at %v, speech ended at %v", rate, i, e.ev.At, ends[i])
			}
			latency := e.when - ends[i]
			t.Logf("%d Hz turn %d: end-of-turn wait %v, detected %v after the speech stopped", rate, i, e.wait, latency)
			if latency > e.wait+60*ms || e.wait > 500*ms {
				t.Errorf("%d Hz turn %d: detected %v after speech end with wait %v", rate, i, latency, e.wait)
			}
			i++
		}
		if turn.Wait() > 500*ms {
			t.Errorf("fast speaker's wait grew to %v", turn.Wait())
		}
	}
}

func TestTurnSlowSpeakerAdapts(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		// An elderly caller: phrases with 900 ms pauses to think.
		sig, _ := speaker(rate, 4, []time.Duration{800 * ms, 700 * ms, 900 * ms}, 900*ms, 3*time.Second, 5)
		evs, turn := runTurn(t, rate, sig, DefaultTurnConfig())
		// Split the SpeechEnd events by caller turn (turns start 3 s apart).
		perTurn := make([]int, 4)
		turnLen := 800*ms + 700*ms + 900*ms + 2*900*ms + 3*time.Second
		for _, e := range evs {
			if e.ev.Kind == media.SpeechEnd {
				perTurn[min(3, int((e.ev.At-500*ms)/turnLen))]++
			}
		}
		t.Logf("%d Hz: turn ends per caller turn %v; wait learned %v (pause %v)", rate, perTurn, turn.Wait(), turn.Pause())
		if perTurn[0] < 2 {
			t.Errorf("first turn: %d ends; with the default wait the 900 ms pauses should cut it", perTurn[0])
		}
		for i := 2; i < 4; i++ {
			if perTurn[i] != 1 {
				t.Errorf("turn %d still cut into %d pieces after learning", i, perTurn[i])
			}
		}
		if w := turn.Wait(); w < 950*ms || w > DefaultMaxSilence {
			t.Errorf("learned wait %v, want between 950ms and %v", w, DefaultMaxSilence)
		}
	}
}

func TestTurnWaitBounded(t *testing.T) {
	tests := []struct {
		name  string
		pause time.Duration
		want  func(w time.Duration) bool
	}{
		{"pauses just under max", 1400 * ms, func(w time.Duration) bool { return w == DefaultMaxSilence }},
		{"pauses over max are not learned", 2500 * ms, func(w time.Duration) bool { return w == DefaultMinSilence }},
		{"tiny pauses keep the minimum", 120 * ms, func(w time.Duration) bool { return w == DefaultMinSilence }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, _ := speaker(8000, 3, []time.Duration{600 * ms, 600 * ms}, tt.pause, 4*time.Second, 9)
			_, turn := runTurn(t, 8000, sig, DefaultTurnConfig())
			if !tt.want(turn.Wait()) {
				t.Fatalf("wait %v (pause %v)", turn.Wait(), turn.Pause())
			}
		})
	}
}

func TestTurnAnsweredIsNotAPause(t *testing.T) {
	turn, err := NewTurn(DefaultTurnConfig(), DefaultHangover)
	if err != nil {
		t.Fatal(err)
	}
	voice := func(at time.Duration, kind media.EventKind) {
		f := media.Frame{Rate: 8000, Samples: make([]int16, 160), At: at}
		turn.Update(f, Result{Voiced: kind != media.VoiceEnd, Event: media.Event{Kind: kind, At: at}})
	}
	silence := func(from, to time.Duration) {
		for at := from; at < to; at += media.FrameDuration {
			turn.Update(media.Frame{Rate: 8000, Samples: make([]int16, 160), At: at}, Result{})
		}
	}
	voice(0, media.VoiceStart)
	voice(500*ms, media.VoiceEnd)
	silence(520*ms, 1200*ms) // the turn ends after the default wait
	if turn.InTurn() {
		t.Fatal("turn did not end")
	}
	turn.Answered()
	voice(1300*ms, media.VoiceStart) // a quick reply to the bot: 780 ms later
	if turn.Pause() != 0 {
		t.Fatalf("learned a pause of %v from a reply to the bot", turn.Pause())
	}
}

func TestTurnCap(t *testing.T) {
	cfg := DefaultTurnConfig()
	cfg.MaxUtterance = 5 * time.Second
	sig, _ := build(8000, []part{{300 * ms, -65, 0}, {12 * time.Second, -65, -20}, {2 * time.Second, -65, 0}}, 11)
	evs, _ := runTurn(t, 8000, sig, cfg)
	var capped, ends, starts int
	for _, e := range evs {
		switch {
		case e.ev.Kind == media.SpeechStart:
			starts++
		case e.ev.Capped:
			capped++
			if d := e.ev.Duration; d < 4900*ms || d > 5100*ms {
				t.Errorf("capped turn lasted %v, want ~5s", d)
			}
		default:
			ends++
		}
	}
	if capped != 2 || ends != 1 || starts != 3 {
		t.Fatalf("starts %d, capped ends %d, silence ends %d; want 3, 2, 1: %v", starts, capped, ends, evs)
	}
}

func TestTurnConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*TurnConfig)
		ok   bool
	}{
		{"default", func(*TurnConfig) {}, true},
		{"min too small", func(c *TurnConfig) { c.MinSilence = 10 * ms }, false},
		{"max below min", func(c *TurnConfig) { c.MaxSilence = 200 * ms }, false},
		{"no cap", func(c *TurnConfig) { c.MaxUtterance = 0 }, false},
		{"negative margin", func(c *TurnConfig) { c.PauseMargin = -ms }, false},
		{"min below hangover", func(c *TurnConfig) { c.MinSilence = 120 * ms; c.MinPause = 50 * ms }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultTurnConfig()
			tt.mod(&c)
			_, err := NewTurn(c, DefaultHangover)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadConfig)) {
				t.Fatalf("NewTurn = %v, ok want %v", err, tt.ok)
			}
		})
	}
}

func BenchmarkListener(b *testing.B) {
	frames := mediatest.Frames(8000, mediatest.SpeechLike(8000, 3000, time.Second, 1))
	det, _ := New(DefaultConfig())
	turn, _ := NewTurn(DefaultTurnConfig(), DefaultHangover)
	i := 0
	src := media.ReaderFunc(func(context.Context) (media.Frame, error) { i++; return frames[i%len(frames)], nil })
	l := NewListener(src, det, turn, func(media.Event) {})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.ReadFrame(ctx)
	}
}
