package ttscache

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/espeak"
)

const answerZh = "您好，欢迎致电小蜜蜂服装店。我们的订单一般在两天内发货，偏远地区需要三到五天。请问还有什么可以帮您？"

func newEspeak(t testing.TB, opts ...espeak.Option) *espeak.Engine {
	t.Helper()
	e, err := espeak.New(opts...)
	if err != nil {
		t.Fatalf("espeak.New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestEspeakHit: with the real engine (whose audio varies a little from run
// to run) a hit replays exactly what the first synthesis produced.
func TestEspeakHit(t *testing.T) {
	e := newEspeak(t, espeak.WithOutputRate(media.Rate8k))
	c := newCache(t, e)
	v := tts.DefaultVoice(tts.LangZh)
	done, err := c.Warm(context.Background(), v, []string{answerZh})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a := readAll(t, c, answerZh, v)
	start := time.Now()
	b := readAll(t, c, answerZh, v)
	took := time.Since(start)
	if !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("hits differ (%d and %d samples)", len(a), len(b))
	}
	t.Logf("%.1f s of audio read from the cache in %v", float64(len(b))/media.Rate8k, took)
	if s := c.Stats(); s.Hits != 2 || s.Misses != 1 {
		t.Errorf("stats %+v", s)
	}
	if k := c.KeyFor(answerZh, v); k.Engine != e.Name() {
		t.Errorf("engine in key %q, want %q", k.Engine, e.Name())
	}
}

// BenchmarkTimeToFirstAudio compares the first 20 ms frame of an answer
// from the cache with the same answer synthesised by espeak-ng (8 kHz).
func BenchmarkTimeToFirstAudio(b *testing.B) {
	e := newEspeak(b, espeak.WithOutputRate(media.Rate8k))
	v := tts.DefaultVoice(tts.LangZh)
	ctx := context.Background()
	first := func(b *testing.B, s tts.Synthesizer) {
		b.ReportAllocs()
		for b.Loop() {
			st, err := s.Synthesize(ctx, answerZh, v)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.ReadFrame(ctx); err != nil {
				b.Fatal(err)
			}
			st.Close()
		}
	}
	b.Run("uncached", func(b *testing.B) { first(b, e) })
	b.Run("cached", func(b *testing.B) {
		c := newCache(b, e)
		readAll(b, c, answerZh, v)
		first(b, c)
	})
}

// BenchmarkHitFrame is the per-frame cost of playing from the cache.
func BenchmarkHitFrame(b *testing.B) {
	c := newCache(b, newEspeak(b))
	v := tts.DefaultVoice(tts.LangZh)
	readAll(b, c, answerZh, v)
	ctx := context.Background()
	st, _ := c.Synthesize(ctx, answerZh, v)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.ReadFrame(ctx); err != nil {
			st.Close()
			st, _ = c.Synthesize(ctx, answerZh, v)
		}
	}
	st.Close()
}
