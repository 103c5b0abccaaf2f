package espeak

import (
	"context"
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
