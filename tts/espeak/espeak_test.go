package espeak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/tts"
)

const (
	sentenceEn = "Your order was shipped yesterday and should arrive within two days."
	sentenceZh = "您的订单昨天已经发货，预计两天内送达。"
	longEn     = "Thank you for calling. We ship every order within two working days. " +
		"Returns are free within thirty days of delivery. You can change the size of an item before it ships. " +
		"If you need anything else, just ask me, and I will do my best to help you."
)

func newEngine(t testing.TB, opts ...Option) *Engine {
	t.Helper()
	e, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func synth(t testing.TB, e *Engine, text string, v tts.Voice) []int16 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := e.Synthesize(ctx, text, v)
	if err != nil {
		t.Fatalf("Synthesize(%q): %v", text, err)
	}
	defer s.Close()
	samples, _, err := tts.ReadAll(ctx, s)
	if err != nil {
		t.Fatalf("ReadAll(%q): %v", text, err)
	}
	return samples
}

func seconds(n, rate int) float64 { return float64(n) / float64(rate) }

func TestSynthesize(t *testing.T) {
	mediatest.CheckLeaks(t)
	e := newEngine(t)
	if e.Rate() != 22050 || e.NativeRate() != 22050 {
		t.Fatalf("rate %d native %d, want 22050", e.Rate(), e.NativeRate())
	}
	tests := []struct {
		name, lang, text string
		minSec, maxSec   float64
	}{
		{"en", tts.LangEn, sentenceEn, 2.5, 8},
		{"zh", tts.LangZh, sentenceZh, 2.5, 9},
		{"zh digits", tts.LangZh, "订单号是12345。", 1, 6},
		{"en short", tts.LangEn, "Yes.", 0.2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := synth(t, e, tt.text, tts.DefaultVoice(tt.lang))
			sec := seconds(len(got), e.Rate())
			rms := mediatest.RMS(got)
			t.Logf("%q: %.2f s, RMS %.0f", tt.text, sec, rms)
			if sec < tt.minSec || sec > tt.maxSec {
				t.Errorf("duration %.2f s, want %.1f-%.1f s", sec, tt.minSec, tt.maxSec)
			}
			if rms < 500 {
				t.Errorf("RMS %.0f: audio is (nearly) silent", rms)
			}
			clipped := 0
			for _, v := range got {
				if v == 32767 || v == -32768 {
					clipped++
				}
			}
			if frac := float64(clipped) / float64(len(got)); frac > 0.001 {
				t.Errorf("%.3f%% of samples clipped", 100*frac)
			}
		})
	}
}

// TestChineseIsNotSpelledAsEnglish guards the voice choice: Debian's cmn
// voice reads many characters as English letters, which makes the audio
// much longer than Mandarin syllables would be; cmn-latn-pinyin does not.
func TestChineseVoice(t *testing.T) {
	e := newEngine(t)
	per := seconds(len(synth(t, e, "我们两天内发货", tts.Voice{Lang: tts.LangZh})), e.Rate()) / 7
	t.Logf("%.2f s per character", per)
	if per > 0.45 {
		t.Errorf("%.2f s per Chinese character: the voice does not read Mandarin syllables", per)
	}
}

func TestRateChangesDuration(t *testing.T) {
	e := newEngine(t)
	var prev float64
	for _, rate := range []float64{0.6, 1, 1.6} {
		for _, lang := range []string{tts.LangEn} {
			d := seconds(len(synth(t, e, sentenceEn, tts.Voice{Lang: lang, Rate: rate})), e.Rate())
			t.Logf("rate %.1f: %.2f s", rate, d)
			if prev != 0 && d >= prev*0.85 {
				t.Errorf("rate %.1f: %.2f s, want clearly shorter than %.2f s", rate, d, prev)
			}
			prev = d
		}
	}
	// The elderly default is slower than normal; "slower" slows it further.
	normal := len(synth(t, e, sentenceZh, tts.Voice{Lang: tts.LangZh}))
	elderly := len(synth(t, e, sentenceZh, tts.DefaultVoice(tts.LangZh)))
	slower := len(synth(t, e, sentenceZh, tts.DefaultVoice(tts.LangZh).WithSpeech(0.8, 1)))
	if !(normal < elderly && elderly < slower) {
		t.Errorf("samples normal %d, elderly %d, slower %d: want increasing", normal, elderly, slower)
	}
}

func TestVolumeChangesRMS(t *testing.T) {
	e := newEngine(t)
	var prev float64
	for _, vol := range []float64{0.5, 1, 1.5} {
		rms := mediatest.RMS(synth(t, e, sentenceEn, tts.Voice{Lang: tts.LangEn, Volume: vol}))
		t.Logf("volume %.1f: RMS %.0f", vol, rms)
		if prev != 0 && rms < prev*1.2 {
			t.Errorf("volume %.1f: RMS %.0f, want clearly above %.0f", vol, rms, prev)
		}
		prev = rms
	}
}

func TestPitch(t *testing.T) {
	e := newEngine(t)
	lo := synth(t, e, sentenceEn, tts.Voice{Lang: tts.LangEn, Pitch: 0.5})
	hi := synth(t, e, sentenceEn, tts.Voice{Lang: tts.LangEn, Pitch: 1.5})
	if slices.Equal(lo, hi) {
		t.Error("pitch multiplier does not change the audio")
	}
}

func TestFirstAudioBeforeTheEnd(t *testing.T) {
	mediatest.CheckLeaks(t)
	e := newEngine(t, WithAhead(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	s, err := e.Synthesize(ctx, longEn, tts.DefaultVoice(tts.LangEn))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.ReadFrame(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	if err := f.Validate(); err != nil {
		t.Errorf("first frame: %v", err)
	}
	samples, _, err := tts.ReadAll(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	all := time.Since(start)
	t.Logf("first audio after %v, all %.1f s of audio after %v", first, seconds(len(samples), e.Rate()), all)
	if first > all/3 {
		t.Errorf("first audio after %v of %v: not streaming", first, all)
	}
}

func TestFramesAreStandard(t *testing.T) {
	for _, rate := range []int{0, media.Rate8k, media.Rate16k, media.Rate48k} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			var opts []Option
			if rate != 0 {
				opts = append(opts, WithOutputRate(rate))
			}
			e := newEngine(t, opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// Two streams in turn: the second reuses the first's resampler.
			for range 2 {
				s, err := e.Synthesize(ctx, "Hello. How can I help?", tts.Voice{Lang: tts.LangEn})
				if err != nil {
					t.Fatal(err)
				}
				for seq := uint64(0); ; seq++ {
					f, err := s.ReadFrame(ctx)
					if err != nil {
						if !errors.Is(err, io.EOF) {
							t.Fatal(err)
						}
						if seq == 0 {
							t.Fatal("no frames")
						}
						break
					}
					if f.Rate != e.Rate() {
						t.Fatalf("frame %d at %d Hz, stream %d Hz", seq, f.Rate, e.Rate())
					}
					if err := f.Validate(); err != nil {
						t.Fatalf("frame %d: %v", seq, err)
					}
					if f.Seq != seq || f.At != media.FrameAt(seq) {
						t.Fatalf("frame %d: seq %d at %v", seq, f.Seq, f.At)
					}
				}
				s.Close()
				if _, err := s.ReadFrame(ctx); !errors.Is(err, tts.ErrClosed) {
					t.Errorf("ReadFrame after Close: %v", err)
				}
			}
		})
	}
}

func TestOutputRate(t *testing.T) {
	native := newEngine(t)
	ref := seconds(len(synth(t, native, sentenceEn, tts.Voice{Lang: tts.LangEn})), native.Rate())
	for _, rate := range []int{media.Rate8k, media.Rate16k} {
		e := newEngine(t, WithOutputRate(rate))
		got := synth(t, e, sentenceEn, tts.Voice{Lang: tts.LangEn})
		if d := seconds(len(got), rate); d < ref-0.05 || d > ref+0.05 {
			t.Errorf("%d Hz: %.3f s of audio, native %.3f s", rate, d, ref)
		}
		if rms := mediatest.RMS(got); rms < 500 {
			t.Errorf("%d Hz: RMS %.0f", rate, rms)
		}
	}
}

func TestCancel(t *testing.T) {
	mediatest.CheckLeaks(t)
	e := newEngine(t)
	long := strings.Repeat(longEn+" ", 10)

	t.Run("ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := e.Synthesize(ctx, long, tts.Voice{Lang: tts.LangEn})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer rcancel()
		if _, err := s.ReadFrame(rctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		start := time.Now()
		var err2 error
		for err2 == nil {
			_, err2 = s.ReadFrame(rctx)
		}
		if !errors.Is(err2, context.Canceled) {
			t.Errorf("after cancel: %v, want context.Canceled", err2)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("stream ended %v after cancel", d)
		}
	})
	t.Run("close", func(t *testing.T) {
		s, err := e.Synthesize(context.Background(), long, tts.Voice{Lang: tts.LangEn})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s.Close()
		s.Close()
		if d := time.Since(start); d > time.Second {
			t.Errorf("Close took %v", d)
		}
		if _, err := s.ReadFrame(context.Background()); !errors.Is(err, tts.ErrClosed) {
			t.Errorf("ReadFrame after Close: %v", err)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s, err := e.Synthesize(ctx, sentenceEn, tts.Voice{Lang: tts.LangEn})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, _, err := tts.ReadAll(context.Background(), s); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadAll: %v, want context.Canceled", err)
		}
	})
}

// similar reports whether two syntheses of one text match in length (within
// 5%) and loudness (10%). espeak-ng is not bit-exact from run to run
// (its noise sources are random), so audio is compared by these measures;
// streams mixed up between callers would differ by whole sentences.
func similar(a, b []int16) bool {
	la, lb := float64(len(a)), float64(len(b))
	ra, rb := mediatest.RMS(a), mediatest.RMS(b)
	return la > lb*0.95 && la < lb*1.05 && ra > rb*0.9 && ra < rb*1.1
}

// TestConcurrent runs many streams at once (run it with -race): each must
// get the audio a lone stream gets.
func TestConcurrent(t *testing.T) {
	mediatest.CheckLeaks(t)
	e := newEngine(t)
	texts := []struct{ text, lang string }{
		{"We ship within two days. Returns are free.", tts.LangEn},
		{"您好！请问有什么可以帮您？", tts.LangZh},
		{"Your order number is 4 2 7.", tts.LangEn},
		{"退货运费由我们承担。", tts.LangZh},
	}
	want := make([][]int16, len(texts))
	for i, x := range texts {
		want[i] = synth(t, e, x.text, tts.DefaultVoice(x.lang))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const workers = 16
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			i := w % len(texts)
			v := tts.DefaultVoice(texts[i].lang)
			if w%3 == 0 {
				v = v.WithSpeech(0.8, 1.25) // different parameters in between
			}
			s, err := e.Synthesize(ctx, texts[i].text, v)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			got, _, err := tts.ReadAll(ctx, s)
			if err != nil {
				errs <- err
				return
			}
			if w%3 != 0 && !similar(got, want[i]) {
				errs <- fmt.Errorf("worker %d: %d samples RMS %.0f, a lone stream %d samples RMS %.0f: %s",
					w, len(got), mediatest.RMS(got), len(want[i]), mediatest.RMS(want[i]), texts[i].text)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestErrors(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		text string
		v    tts.Voice
		want error
	}{
		{"unknown language", "hola", tts.Voice{Lang: "es"}, tts.ErrLanguage},
		{"empty text", " \n", tts.Voice{Lang: tts.LangEn}, tts.ErrEmptyText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.Synthesize(ctx, tt.text, tt.v); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := New(WithVoice(tts.LangEn, "no-such-voice")); !errors.Is(err, ErrVoice) {
		t.Errorf("unknown voice: %v, want ErrVoice", err)
	}
	if _, err := New(WithOutputRate(11)); !errors.Is(err, ErrBadOption) {
		t.Errorf("bad rate: %v, want ErrBadOption", err)
	}
	e.Close()
	e.Close()
	if _, err := e.Synthesize(ctx, "hi", tts.Voice{Lang: tts.LangEn}); !errors.Is(err, tts.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	// The library still works for other engines after a bad voice.
	if got := synth(t, newEngine(t), "Still working.", tts.Voice{Lang: tts.LangEn}); len(got) == 0 {
		t.Error("no audio after a failed voice")
	}
}

// TestPauses: sentences are separated by a pause, and the answer does not
// end with one.
func TestPauses(t *testing.T) {
	e := newEngine(t)
	silentEnd := func(s []int16) float64 {
		j := len(s)
		for j > 0 && s[j-1] < 300 && s[j-1] > -300 {
			j--
		}
		return seconds(len(s)-j, e.Rate())
	}
	v := tts.DefaultVoice(tts.LangEn)
	one := synth(t, e, "We ship within two days.", v)
	if d := silentEnd(one); d > 0.15 {
		t.Errorf("answer ends with %.2f s of silence", d)
	}
	first := len(one)
	two := synth(t, e, "We ship within two days. Returns are free.", v)
	second := len(synth(t, e, "Returns are free.", v))
	if gap := seconds(len(two)-first-second, e.Rate()); gap < 0.15 {
		t.Errorf("sentences separated by %.2f s", gap)
	}
}
