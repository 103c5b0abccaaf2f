package ttscache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/ttstest"
)

var en = tts.Voice{Lang: tts.LangEn}

func newCache(t testing.TB, syn tts.Synthesizer, opts ...Option) *Cache {
	t.Helper()
	c, err := New(syn, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readAll(t testing.TB, s tts.Synthesizer, text string, v tts.Voice) []int16 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := s.Synthesize(ctx, text, v)
	if err != nil {
		t.Fatalf("Synthesize(%q): %v", text, err)
	}
	defer st.Close()
	got, _, err := tts.ReadAll(ctx, st)
	if err != nil {
		t.Fatalf("ReadAll(%q): %v", text, err)
	}
	return got
}

func TestHit(t *testing.T) {
	mediatest.CheckLeaks(t)
	syn := &ttstest.Synth{Delay: 50 * time.Millisecond}
	c := newCache(t, syn)
	miss := readAll(t, c, "We ship within two days.", en)
	start := time.Now()
	hit := readAll(t, c, "  We ship within two days. ", en)
	if d := time.Since(start); d > 20*time.Millisecond {
		t.Errorf("hit took %v", d)
	}
	if !slices.Equal(hit, miss) {
		t.Error("hit audio differs from the miss")
	}
	if syn.Calls() != 1 {
		t.Errorf("engine called %d times, want 1", syn.Calls())
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 1 || s.Entries != 1 || s.Bytes < int64(2*len(miss)) {
		t.Errorf("stats %+v", s)
	}
}

func TestKey(t *testing.T) {
	syn := &ttstest.Synth{}
	c := newCache(t, syn)
	readAll(t, c, "Hello.", en)
	tests := []struct {
		name string
		text string
		v    tts.Voice
		hit  bool
	}{
		{"same", "Hello.", en, true},
		{"zero multipliers are 1", "Hello.", tts.Voice{Lang: tts.LangEn, Rate: 1, Volume: 1, Pitch: 1}, true},
		{"text", "Hello!", en, false},
		{"lang", "Hello.", tts.Voice{Lang: tts.LangZh}, false},
		{"rate", "Hello.", tts.Voice{Lang: tts.LangEn, Rate: 0.8}, false},
		{"volume", "Hello.", tts.Voice{Lang: tts.LangEn, Volume: 1.25}, false},
		{"pitch", "Hello.", tts.Voice{Lang: tts.LangEn, Pitch: 1.1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Contains(tt.text, tt.v); got != tt.hit {
				t.Errorf("Contains = %v, want %v", got, tt.hit)
			}
		})
	}
	other := newCache(t, syn, WithEngine("other"))
	if k1, k2 := c.KeyFor("Hello.", en), other.KeyFor("Hello.", en); k1 == k2 {
		t.Errorf("engines share key %+v", k1)
	}
}

func TestNotStored(t *testing.T) {
	mediatest.CheckLeaks(t)
	syn := &ttstest.Synth{}
	c := newCache(t, syn, WithMaxBytes(200_000))
	ctx := context.Background()

	t.Run("closed before the end", func(t *testing.T) {
		s, err := c.Synthesize(ctx, "One. Two. Three.", en)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadFrame(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if c.Contains("One. Two. Three.", en) {
			t.Error("partial audio was cached")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		s, err := c.Synthesize(cctx, "Cancelled text.", en)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		cancel()
		if _, _, err := tts.ReadAll(ctx, s); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadAll: %v", err)
		}
		if c.Contains("Cancelled text.", en) {
			t.Error("cancelled audio was cached")
		}
	})
	t.Run("larger than the cache", func(t *testing.T) {
		long := strings.Repeat("Far too long for this cache. ", 10)
		readAll(t, c, long, en)
		if c.Contains(long, en) {
			t.Error("oversize audio was cached")
		}
	})
	t.Run("engine error", func(t *testing.T) {
		if _, err := c.Synthesize(ctx, "hola", tts.Voice{Lang: "es"}); !errors.Is(err, tts.ErrLanguage) {
			t.Errorf("got %v", err)
		}
	})
}

func TestLRU(t *testing.T) {
	syn := &ttstest.Synth{}
	// Each two-rune text is 2 × 60 ms at 16 kHz = 1920 samples = 3840 bytes
	// plus overhead; room for three.
	one := int64(3840 + 2 + 64)
	c := newCache(t, syn, WithMaxBytes(3*one+10))
	for _, s := range []string{"aa", "bb", "cc"} {
		readAll(t, c, s, en)
	}
	readAll(t, c, "aa", en) // aa is now the most recent
	readAll(t, c, "dd", en) // evicts bb
	for _, tt := range []struct {
		text string
		want bool
	}{{"aa", true}, {"bb", false}, {"cc", true}, {"dd", true}} {
		if got := c.Contains(tt.text, en); got != tt.want {
			t.Errorf("Contains(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	if s := c.Stats(); s.Evictions != 1 || s.Entries != 3 || s.Bytes > 3*one+10 {
		t.Errorf("stats %+v", s)
	}
}

func TestReaderCannotChangeCache(t *testing.T) {
	c := newCache(t, &ttstest.Synth{})
	want := readAll(t, c, "Hello.", en)
	ctx := context.Background()
	s, err := c.Synthesize(ctx, "Hello.", en)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.ReadFrame(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clear(f.Samples)
	s.Close()
	if got := readAll(t, c, "Hello.", en); !slices.Equal(got, want) {
		t.Error("changing a frame changed the cached audio")
	}
}

func TestWarm(t *testing.T) {
	mediatest.CheckLeaks(t)
	syn := &ttstest.Synth{Delay: 5 * time.Millisecond}
	c := newCache(t, syn)
	zh := tts.DefaultVoice(tts.LangZh)
	texts := []string{"您好，欢迎致电。", "请问有什么可以帮您？", "", "我们两天内发货。"}
	done, err := c.Warm(context.Background(), zh, texts)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("warm: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("warm did not finish")
	}
	calls := syn.Calls()
	if calls != 3 {
		t.Errorf("engine called %d times, want 3", calls)
	}
	for _, text := range texts[:2] {
		readAll(t, c, text, zh)
	}
	if syn.Calls() != calls {
		t.Error("warmed texts were synthesised again")
	}
	// A second Warm of the same texts does no work.
	done, _ = c.Warm(context.Background(), zh, texts)
	if err := <-done; err != nil || syn.Calls() != calls {
		t.Errorf("rewarm: %v, %d calls", err, syn.Calls())
	}
}

func TestWarmCancelAndClose(t *testing.T) {
	mediatest.CheckLeaks(t)
	syn := &ttstest.Synth{Delay: 200 * time.Millisecond}
	c, err := New(syn)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"One.", "Two.", "Three."}

	ctx, cancel := context.WithCancel(context.Background())
	done, err := c.Warm(ctx, en, texts)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled warm: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled warm did not finish")
	}

	first, _ := c.Warm(context.Background(), en, texts)
	second, _ := c.Warm(context.Background(), tts.Voice{Lang: tts.LangZh}, []string{"一。", "二。"})
	start := time.Now()
	c.Close()
	c.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	for i, ch := range []<-chan error{first, second} {
		if err := <-ch; !errors.Is(err, tts.ErrClosed) {
			t.Errorf("batch %d after Close: %v", i, err)
		}
	}
	if _, err := c.Warm(context.Background(), en, texts); !errors.Is(err, tts.ErrClosed) {
		t.Errorf("Warm after Close: %v", err)
	}
	if _, err := c.Synthesize(context.Background(), "Uncached.", en); !errors.Is(err, tts.ErrClosed) {
		t.Errorf("miss after Close: %v", err)
	}
}

func TestWarmQueueFull(t *testing.T) {
	c := newCache(t, &ttstest.Synth{Delay: time.Second})
	texts := make([]string, MaxWarmQueue+1)
	for i := range texts {
		texts[i] = fmt.Sprint("text ", i)
	}
	if _, err := c.Warm(context.Background(), en, texts); !errors.Is(err, ErrQueueFull) {
		t.Errorf("got %v, want ErrQueueFull", err)
	}
}

func TestConcurrent(t *testing.T) {
	mediatest.CheckLeaks(t)
	syn := &ttstest.Synth{Delay: time.Millisecond}
	c := newCache(t, syn, WithMaxBytes(100_000))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	texts := []string{"a.", "bb.", "ccc.", "dddd.", "eeeee."}
	want := map[string][]int16{}
	for _, s := range texts {
		want[s] = readAll(t, syn, s, en)
	}
	done, err := c.Warm(ctx, en, texts)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 16*20)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				text := texts[(w+i)%len(texts)]
				s, err := c.Synthesize(ctx, text, en)
				if err != nil {
					errs <- err
					return
				}
				got, _, err := tts.ReadAll(ctx, s)
				s.Close()
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(got, want[text]) {
					errs <- fmt.Errorf("worker %d: wrong audio for %q", w, text)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := <-done; err != nil {
		t.Errorf("warm: %v", err)
	}
	if s := c.Stats(); s.Bytes > 100_000 {
		t.Errorf("cache holds %d bytes, bound 100000", s.Bytes)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(nil); !errors.Is(err, ErrBadOption) {
		t.Errorf("nil synthesizer: %v", err)
	}
	if _, err := New(&ttstest.Synth{}, WithMaxBytes(0)); !errors.Is(err, ErrBadOption) {
		t.Errorf("zero bytes: %v", err)
	}
	if _, err := New(&ttstest.Synth{}, WithEngine("")); !errors.Is(err, ErrBadOption) {
		t.Errorf("empty engine: %v", err)
	}
}
