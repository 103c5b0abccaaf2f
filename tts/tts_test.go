package tts

import (
	"context"
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

func TestVoice(t *testing.T) {
	tests := []struct {
		name string
		got  Voice
		want Voice
	}{
		{"zero is normal", Voice{Lang: LangEn}.Normalized(), Voice{Lang: LangEn, Rate: 1, Volume: 1, Pitch: 1}},
		{"clamped", Voice{Lang: LangEn, Rate: 0.01, Volume: 9, Pitch: math.NaN()}.Normalized(),
			Voice{Lang: LangEn, Rate: MinMultiplier, Volume: MaxMultiplier, Pitch: 1}},
		{"rounded", Voice{Lang: LangZh, Rate: 0.8500001}.Normalized(), Voice{Lang: LangZh, Rate: 0.85, Volume: 1, Pitch: 1}},
		{"elderly default", DefaultVoice(LangZh), Voice{Lang: LangZh, Rate: ElderlyRate, Volume: ElderlyVolume, Pitch: ElderlyPitch}},
		{"slower and louder", DefaultVoice(LangZh).WithSpeech(0.8, 1.25),
			Voice{Lang: LangZh, Rate: 0.68, Volume: 1.44, Pitch: 1}},
		{"speech 1 keeps default", DefaultVoice(LangEn).WithSpeech(1, 1), DefaultVoice(LangEn)},
		{"speech 0 keeps default", DefaultVoice(LangEn).WithSpeech(0, 0), DefaultVoice(LangEn)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
	if DefaultVoice(LangEn).Rate >= 1 {
		t.Error("the elderly default is not slower than normal")
	}
	for _, lang := range []string{"", "es", "ZH"} {
		if err := (Voice{Lang: lang}).Validate(); !errors.Is(err, ErrLanguage) {
			t.Errorf("Validate(%q) = %v", lang, err)
		}
	}
}

func TestPipe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const rate = media.Rate8k
	n := media.SamplesPerFrame(rate)

	t.Run("frames and padding", func(t *testing.T) {
		p, err := NewPipe(rate, 0)
		if err != nil {
			t.Fatal(err)
		}
		in := mediatest.Sine(rate, 440, 8000, 50*time.Millisecond) // 2.5 frames
		p.Push(in[:100])
		p.Push(in[100:])
		p.Finish(nil)
		var got []int16
		for seq := uint64(0); ; seq++ {
			f, err := p.ReadFrame(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Validate(); err != nil || f.Seq != seq || f.At != media.FrameAt(seq) {
				t.Fatalf("frame %d: %v seq %d at %v", seq, err, f.Seq, f.At)
			}
			got = append(got, f.Samples...)
		}
		if len(got) != 3*n {
			t.Fatalf("%d samples, want %d", len(got), 3*n)
		}
		for i, v := range in {
			if got[i] != v {
				t.Fatalf("sample %d: %d, want %d", i, got[i], v)
			}
		}
		for _, v := range got[len(in):] {
			if v != 0 {
				t.Fatal("padding is not silence")
			}
		}
	})
	t.Run("writer error after audio", func(t *testing.T) {
		p, _ := NewPipe(rate, 0)
		boom := errors.New("boom")
		p.Push(make([]int16, n))
		p.Finish(boom)
		if _, err := p.ReadFrame(ctx); err != nil {
			t.Fatalf("first frame: %v", err)
		}
		if _, err := p.ReadFrame(ctx); !errors.Is(err, boom) {
			t.Fatalf("after the audio: %v, want boom", err)
		}
	})
	t.Run("ahead bound", func(t *testing.T) {
		p, _ := NewPipe(rate, 100*time.Millisecond)
		p.Push(make([]int16, 5*n))
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer wcancel()
		if err := p.WaitRoom(wctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitRoom with 100 ms buffered: %v, want to wait", err)
		}
		p.ReadFrame(ctx)
		if err := p.WaitRoom(ctx); err != nil {
			t.Fatalf("WaitRoom after a read: %v", err)
		}
	})
	t.Run("reader closes", func(t *testing.T) {
		p, _ := NewPipe(rate, 0)
		p.Close()
		p.Close()
		if err := p.Push(make([]int16, n)); !errors.Is(err, ErrClosed) {
			t.Errorf("Push: %v", err)
		}
		if err := p.WaitRoom(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("WaitRoom: %v", err)
		}
		if _, err := p.ReadFrame(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("ReadFrame: %v", err)
		}
	})
	t.Run("read waits for ctx", func(t *testing.T) {
		p, _ := NewPipe(rate, 0)
		rctx, rcancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer rcancel()
		if _, err := p.ReadFrame(rctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ReadFrame on an empty pipe: %v", err)
		}
	})
	t.Run("bad rate", func(t *testing.T) {
		if _, err := NewPipe(22051, 0); !errors.Is(err, media.ErrBadRate) {
			t.Errorf("NewPipe: %v", err)
		}
	})
}

func TestStream(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const rate = media.Rate16k
	n := media.SamplesPerFrame(rate)

	t.Run("close stops a blocked producer", func(t *testing.T) {
		stopped := make(chan struct{})
		s, err := NewStream(ctx, rate, 20*time.Millisecond, func(ctx context.Context, p *Pipe) error {
			defer close(stopped)
			for {
				if err := p.WaitRoom(ctx); err != nil {
					return err
				}
				if err := p.Push(make([]int16, n)); err != nil {
					return err
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadFrame(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
		select {
		case <-stopped:
		default:
			t.Error("Close returned before the producer stopped")
		}
		s.Close()
	})
	t.Run("cancelled producer is not a clean end", func(t *testing.T) {
		pctx, pcancel := context.WithCancel(ctx)
		s, _ := NewStream(pctx, rate, 0, func(ctx context.Context, p *Pipe) error {
			p.Push(make([]int16, n))
			pcancel()
			return nil // a producer that ignores ctx
		})
		defer s.Close()
		if _, _, err := ReadAll(ctx, s); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadAll: %v, want context.Canceled", err)
		}
	})
	t.Run("rate", func(t *testing.T) {
		s, _ := NewStream(ctx, rate, 0, func(context.Context, *Pipe) error { return nil })
		defer s.Close()
		if s.Rate() != rate {
			t.Errorf("Rate %d", s.Rate())
		}
		if got, _, err := ReadAll(ctx, s); err != nil || len(got) != 0 {
			t.Errorf("empty stream: %d samples, %v", len(got), err)
		}
	})
}

func BenchmarkSentences(b *testing.B) {
	text := "您好！您的订单已经从杭州仓库发出了快递，预计后天到达。如果有问题，请随时联系我们。"
	b.ReportAllocs()
	for b.Loop() {
		Sentences(text, LangZh)
	}
}

// BenchmarkPipe is the per-frame cost of moving audio through a Pipe.
func BenchmarkPipe(b *testing.B) {
	ctx := context.Background()
	p, _ := NewPipe(22050, time.Hour)
	chunk := make([]int16, 882) // espeak-ng delivers 40 ms buffers
	b.ReportAllocs()
	for b.Loop() {
		p.Push(chunk)
		p.ReadFrame(ctx)
		p.ReadFrame(ctx)
	}
}
