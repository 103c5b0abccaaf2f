package espeak

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
)

var benchTexts = []struct{ name, lang, text string }{
	{"en", tts.LangEn, longEn},
	{"zh", tts.LangZh, "您好，欢迎致电小蜜蜂服装店。我们的订单一般在两天内发货，偏远地区需要三到五天。七天内可以无理由退货，退货运费由我们承担。请问还有什么可以帮您？"},
}

// BenchmarkTimeToFirstAudio: Synthesize until the first 20 ms frame is in
// hand, uncached (see tts/ttscache for the cached figure).
func BenchmarkTimeToFirstAudio(b *testing.B) {
	for _, bt := range benchTexts {
		for _, rate := range []int{0, media.Rate8k} {
			name := bt.name + "/native"
			var opts []Option
			if rate != 0 {
				name = bt.name + "/8k"
				opts = append(opts, WithOutputRate(rate))
			}
			b.Run(name, func(b *testing.B) {
				e := newEngine(b, opts...)
				ctx := context.Background()
				v := tts.DefaultVoice(bt.lang)
				b.ReportAllocs()
				for b.Loop() {
					s, err := e.Synthesize(ctx, bt.text, v)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.ReadFrame(ctx); err != nil {
						b.Fatal(err)
					}
					s.Close()
				}
			})
		}
	}
}

// BenchmarkRTF synthesises a whole answer: rtf is synthesis time over the
// audio's duration (1 would be real time).
func BenchmarkRTF(b *testing.B) {
	for _, bt := range benchTexts {
		b.Run(bt.name, func(b *testing.B) {
			e := newEngine(b)
			ctx := context.Background()
			v := tts.DefaultVoice(bt.lang)
			var audio time.Duration
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				s, err := e.Synthesize(ctx, bt.text, v)
				if err != nil {
					b.Fatal(err)
				}
				got, rate, err := tts.ReadAll(ctx, s)
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
				audio += time.Duration(len(got)) * time.Second / time.Duration(rate)
			}
			b.ReportMetric(float64(time.Since(start))/float64(audio), "rtf")
			b.ReportMetric(audio.Seconds()/float64(b.N), "audio-s/op")
		})
	}
}

// BenchmarkTimeToFirstAudioBusy measures time to first audio of a new
// answer while other streams synthesise: "paced" streams are read at real
// time like calls' playout (synthesis pauses at the ahead limit), "flat"
// streams are read as fast as possible (the worst case; on 2 cores the Go
// side of 40 such readers also competes for CPU). p50-ms and p95-ms are
// percentiles over the iterations.
func BenchmarkTimeToFirstAudioBusy(b *testing.B) {
	for _, mode := range []string{"paced", "flat"} {
		for _, busy := range []int{4, 40} {
			b.Run(fmt.Sprint(mode, "/", busy), func(b *testing.B) {
				e := newEngine(b)
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for i := range busy {
					wg.Go(func() { busyStream(ctx, e, i, mode == "paced") })
				}
				time.Sleep(100 * time.Millisecond)
				v := tts.DefaultVoice(tts.LangEn)
				var lat []time.Duration
				b.ReportAllocs()
				for b.Loop() {
					start := time.Now()
					s, err := e.Synthesize(ctx, longEn, v)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.ReadFrame(ctx); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					s.Close()
					if mode == "paced" {
						time.Sleep(5 * time.Millisecond) // answers do not arrive back to back
					}
				}
				cancel()
				wg.Wait()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			})
		}
	}
}

// busyStream speaks answers one after another until ctx ends, reading a
// frame every FrameDuration when paced.
func busyStream(ctx context.Context, e *Engine, i int, paced bool) {
	bt := benchTexts[i%len(benchTexts)]
	var tick <-chan time.Time
	if paced {
		t := time.NewTicker(media.FrameDuration)
		defer t.Stop()
		tick = t.C
	}
	for ctx.Err() == nil {
		s, err := e.Synthesize(ctx, bt.text, tts.DefaultVoice(bt.lang))
		if err != nil {
			return
		}
		for err == nil {
			_, err = s.ReadFrame(ctx)
			if tick != nil && err == nil {
				select {
				case <-tick:
				case <-ctx.Done():
				}
			}
		}
		s.Close()
	}
}
