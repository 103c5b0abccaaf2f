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

// BenchmarkTimeToFirstAudioBusy measures time to first audio while other
// streams synthesise flat out (the worst case: real callers read at real
// time and their synthesis pauses at the ahead limit). p95-ms is the 95th
// percentile over the iterations.
func BenchmarkTimeToFirstAudioBusy(b *testing.B) {
	for _, busy := range []int{4, 40} {
		b.Run(fmt.Sprint(busy), func(b *testing.B) {
			e := newEngine(b)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for i := range busy {
				wg.Go(func() {
					bt := benchTexts[i%len(benchTexts)]
					for ctx.Err() == nil {
						s, err := e.Synthesize(ctx, bt.text, tts.DefaultVoice(bt.lang))
						if err != nil {
							return
						}
						tts.ReadAll(ctx, s)
						s.Close()
					}
				})
			}
			time.Sleep(50 * time.Millisecond)
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
			}
			cancel()
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
