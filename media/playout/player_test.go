package playout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/media/vad"
)

const ms = time.Millisecond

type rig struct {
	t   *testing.T
	ctx context.Context
	clk *mediatest.Clock
	rec *mediatest.Recorder
	p   *Player
}

// newRig starts a Player on a virtual clock with a leak check and a deadline.
func newRig(t *testing.T, opts ...Option) *rig {
	t.Helper()
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	clk := mediatest.NewClock()
	rec := &mediatest.Recorder{Clock: clk}
	p, err := New(rec, 8000, append([]Option{WithClock(clk)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return &rig{t: t, ctx: ctx, clk: clk, rec: rec, p: p}
}

// settle waits until the player is waiting for its next tick or is idle.
func (r *rig) settle() {
	r.t.Helper()
	for r.clk.Waiters() == 0 && r.p.Pending() > 0 {
		if r.ctx.Err() != nil {
			r.t.Fatal("player never settled")
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// tick settles, then moves virtual time one frame on.
func (r *rig) tick() {
	r.settle()
	r.clk.Advance(media.FrameDuration)
}

// frame is a frame at 8 kHz whose first sample is the marker m.
func frame(m int16) media.Frame {
	s := make([]int16, 160)
	s[0] = m
	return media.Frame{Samples: s, Rate: 8000}
}

func TestPacing(t *testing.T) {
	r := newRig(t)
	for i := range 50 {
		if err := r.p.Enqueue(frame(int16(i))); err != nil {
			t.Fatal(err)
		}
	}
	t0 := r.clk.Now()
	for r.p.Pending() > 0 {
		r.tick()
	}
	if err := r.p.Drain(r.ctx); err != nil {
		t.Fatal(err)
	}
	got := r.rec.Frames()
	if len(got) != 50 {
		t.Fatalf("%d frames written, want 50", len(got))
	}
	for i, w := range got {
		want := t0.Add(time.Duration(i) * media.FrameDuration)
		if !w.When.Equal(want) || w.Frame.Samples[0] != int16(i) || w.Frame.Seq != uint64(i) || w.Frame.At != time.Duration(i)*media.FrameDuration {
			t.Fatalf("frame %d: marker %d seq %d at %v written %v, want at %v", i, w.Frame.Samples[0], w.Frame.Seq, w.Frame.At, w.When.Sub(t0), want.Sub(t0))
		}
	}
	if s := r.p.Stats(); s.Played != 50 || s.Dropped != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestQueueDropsOldest(t *testing.T) {
	r := newRig(t, WithQueueFrames(5))
	r.p.Enqueue(frame(100)) // taken at once and written
	r.settle()
	for i := range 10 {
		r.p.Enqueue(frame(int16(i)))
	}
	for r.p.Pending() > 0 {
		r.tick()
	}
	var markers []int16
	for _, w := range r.rec.Frames() {
		markers = append(markers, w.Frame.Samples[0])
	}
	if fmt.Sprint(markers) != "[100 5 6 7 8 9]" {
		t.Fatalf("played %v, want the first and the newest five", markers)
	}
	if s := r.p.Stats(); s.Dropped != 5 {
		t.Fatalf("dropped %d, want 5", s.Dropped)
	}
}

// endless is a Reader of numbered frames that never ends.
func endless() media.Reader {
	var i int16
	return media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		i++
		return frame(i), ctx.Err()
	})
}

func TestPlayStops(t *testing.T) {
	tests := []struct {
		name  string
		stop  func(p *Player)
		want  error
		inter uint64
	}{
		{"interrupt", (*Player).Interrupt, ErrInterrupted, 1},
		{"flush", (*Player).Flush, ErrFlushed, 0},
		{"dtmf", func(p *Player) { p.Observe(media.Event{Kind: media.DTMF, Digit: '5'}) }, ErrInterrupted, 1},
		{"barge-in", func(p *Player) { p.Observe(media.Event{Kind: media.VoiceSustained}) }, ErrInterrupted, 1},
		{"close", func(p *Player) { p.Close() }, media.ErrClosed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, WithQueueFrames(5))
			errc := make(chan error, 1)
			go func() { errc <- r.p.Play(r.ctx, endless()) }()
			for r.p.Pending() < 5 { // five queued (the first frame is out)
				r.settle()
				time.Sleep(100 * time.Microsecond)
			}
			tt.stop(r.p)
			select {
			case err := <-errc:
				if !errors.Is(err, tt.want) {
					t.Fatalf("Play = %v, want %v", err, tt.want)
				}
			case <-r.ctx.Done():
				t.Fatal("Play did not return")
			}
			if s := r.p.Stats(); s.Interrupts != tt.inter || (tt.want != media.ErrClosed && s.Discarded != 5) {
				t.Fatalf("stats %+v", s)
			}
			// Nothing more is written after the stop.
			n := len(r.rec.Frames())
			for range 5 {
				r.clk.Advance(media.FrameDuration)
			}
			r.settle()
			if m := len(r.rec.Frames()); m != n {
				t.Fatalf("%d frames written after the stop", m-n)
			}
		})
	}
}

func TestDTMFCanBeIgnored(t *testing.T) {
	r := newRig(t, WithDTMFInterrupts(false))
	for i := range 10 {
		r.p.Enqueue(frame(int16(i)))
	}
	r.settle()
	r.p.Observe(media.Event{Kind: media.DTMF, Digit: '#'})
	r.p.Observe(media.Event{Kind: media.VoiceStart}) // not a barge-in on its own
	for r.p.Pending() > 0 {
		r.tick()
	}
	if n := len(r.rec.Frames()); n != 10 {
		t.Fatalf("%d frames played, want 10", n)
	}
}

func TestCloseIdempotentAndErrors(t *testing.T) {
	mediatest.CheckLeaks(t)
	boom := errors.New("line dropped")
	clk := mediatest.NewClock()
	p, err := New(media.WriterFunc(func(context.Context, media.Frame) error { return boom }), 8000, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	p.Enqueue(frame(1))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Drain(ctx); err != nil && !errors.Is(err, media.ErrClosed) {
		t.Fatal(err)
	}
	if err := p.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close = %v, want the write error", err)
	}
	if err := p.Close(); !errors.Is(err, boom) {
		t.Fatalf("second Close = %v", err)
	}
	if err := p.Enqueue(frame(2)); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("Enqueue after Close = %v", err)
	}
	if err := p.Enqueue(media.Frame{Rate: 16000, Samples: make([]int16, 320)}); !errors.Is(err, media.ErrRateMismatch) {
		t.Fatalf("16 kHz frame: %v", err)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name string
		rate int
		opts []Option
		want error
	}{
		{"bad rate", 11025, nil, media.ErrBadRate},
		{"nil clock", 8000, []Option{WithClock(nil)}, ErrBadOption},
		{"empty queue", 8000, []Option{WithQueueFrames(0)}, ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(&media.Buffer{}, tt.rate, tt.opts...); !errors.Is(err, tt.want) {
				t.Fatalf("New = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRealClock(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var buf media.Buffer
	p, err := New(&buf, 8000)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := time.Now()
	src, _ := media.NewSliceReader(8000, mediatest.Sine(8000, 440, 8000, 200*ms))
	if err := p.Play(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	// 10 frames: the first at once, the last 180 ms later.
	if el := time.Since(start); el < 175*ms || el > time.Second {
		t.Fatalf("10 frames took %v", el)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func dBFS(db float64) float64 { return 32768 * math.Pow(10, db/20) }

// TestBargeIn runs the caller's audio through the real VAD in lockstep with
// the player's virtual clock: caller frame k is heard at the end of tick k.
// Backchannels and coughs must not stop a 3 s answer; talking must stop it
// within 100 ms of the VAD reporting sustained voice.
func TestBargeIn(t *testing.T) {
	room := func(d time.Duration, seed uint64) []int16 { return mediatest.Noise(8000, dBFS(-65), d, seed) }
	speech := func(d time.Duration, seed uint64) []int16 {
		return mediatest.Mix(mediatest.SpeechLike(8000, dBFS(-20), d, seed), room(d, seed+1))
	}
	cough := func(d time.Duration, seed uint64) []int16 { return mediatest.Noise(8000, dBFS(-18), d, seed) }
	tests := []struct {
		name      string
		caller    []int16
		interrupt bool
	}{
		{"silence", room(3*time.Second, 1), false},
		{"cough 150ms", mediatest.Concat(room(500*ms, 2), cough(150*ms, 3), room(2500*ms, 4)), false},
		{"嗯 200ms", mediatest.Concat(room(500*ms, 5), speech(200*ms, 6), room(2500*ms, 7)), false},
		{"mhm 250ms twice", mediatest.Concat(room(500*ms, 8), speech(250*ms, 9), room(600*ms, 10), speech(250*ms, 11), room(1500*ms, 12)), false},
		{"caller talks 1s", mediatest.Concat(room(500*ms, 13), speech(time.Second, 14), room(1500*ms, 15)), true},
		{"caller talks 400ms", mediatest.Concat(room(800*ms, 16), speech(400*ms, 17), room(1500*ms, 18)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			det, err := vad.New(vad.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var voiceStart, sustained time.Duration = -1, -1
			l := vad.NewListener(mediatest.NewFramesReader(8000, tt.caller), det, nil, func(ev media.Event) {
				switch ev.Kind {
				case media.VoiceStart:
					if voiceStart < 0 {
						voiceStart = ev.At
					}
				case media.VoiceSustained:
					sustained = ev.At + media.FrameDuration // known at the end of that frame
				}
				r.p.Observe(ev)
			})
			for i := range 150 { // the bot's 3 s answer
				r.p.Enqueue(frame(int16(i)))
			}
			t0 := r.clk.Now()
			for {
				r.tick()
				r.settle()
				if _, err := l.ReadFrame(r.ctx); err != nil {
					break
				}
			}
			w := r.rec.Frames()
			stopped := w[len(w)-1].When.Add(media.FrameDuration).Sub(t0) // end of the last frame out
			if !tt.interrupt {
				if len(w) != 150 || r.p.Stats().Interrupts != 0 {
					t.Fatalf("interrupted: %d of 150 frames played, stats %+v", len(w), r.p.Stats())
				}
				return
			}
			if sustained < 0 || r.p.Stats().Interrupts != 1 {
				t.Fatalf("not interrupted: sustained %v, stats %+v", sustained, r.p.Stats())
			}
			t.Logf("voice began %v, VAD sustained at %v, playout stopped %v (%v after the report, %v after voice onset); %d frames dropped",
				voiceStart, sustained, stopped, stopped-sustained, stopped-voiceStart, r.p.Stats().Discarded)
			if stopped-sustained > 100*ms {
				t.Fatalf("playout stopped %v after the barge-in report, want <= 100ms", stopped-sustained)
			}
		})
	}
}

func BenchmarkEnqueue(b *testing.B) {
	clk := mediatest.NewClock() // never advanced: the goroutine stays parked
	p, err := New(media.WriterFunc(func(context.Context, media.Frame) error { return nil }), 16000, WithClock(clk), WithQueueFrames(50))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	f := media.Frame{Samples: make([]int16, 320), Rate: 16000}
	b.ReportAllocs()
	for b.Loop() {
		p.Enqueue(f)
	}
}

// TestDrainAfterWriteError: a write error with frames still queued ends a
// waiting Drain at once instead of leaving it to its context.
func TestDrainAfterWriteError(t *testing.T) {
	mediatest.CheckLeaks(t)
	boom := errors.New("line dropped")
	release := make(chan struct{})
	p, err := New(media.WriterFunc(func(context.Context, media.Frame) error { <-release; return boom }), 8000)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range 5 {
		_ = p.Enqueue(frame(int16(i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	time.AfterFunc(100*time.Millisecond, func() { close(release) }) // the line drops while Drain waits
	start := time.Now()
	if err := p.Drain(ctx); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("Drain = %v, want ErrClosed", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Drain returned after %v", d)
	}
}
