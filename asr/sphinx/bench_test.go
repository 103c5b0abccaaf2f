package sphinx

import (
	"context"
	"fmt"
	"testing"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/media"
)

// BenchmarkDecoderSetup measures creating a decoder with every search of
// the demo shop loaded (what the pool keeps off the call path).
func BenchmarkDecoderSetup(b *testing.B) {
	rec, _ := testRecognizer(b)
	for _, m := range rec.models {
		e := rec.engines[m.Name]
		b.Run(m.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := e.newDecoder()
				if err != nil {
					b.Fatal(err)
				}
				e.free(d)
			}
		})
	}
}

// BenchmarkRTF decodes a canonical question per model and search and
// reports the real-time factor (decode time / audio time) as "rtf".
func BenchmarkRTF(b *testing.B) {
	rec, shop := testRecognizer(b)
	for _, c := range []struct {
		lang string
		rate int
	}{{"en", 16000}, {"en", 8000}, {"zh", 8000}} {
		if _, err := pickModel(rec.models, c.lang, c.rate); err != nil {
			continue
		}
		q := shop.FAQ(shop.Shop.Cards[0]).Question[c.lang]
		samples := asrtest.Synth(b, q, c.lang, c.rate)
		audio := float64(len(samples)) / float64(c.rate)
		for _, search := range []string{asr.SearchDomain, asr.SearchLM, asr.SearchDigits} {
			b.Run(fmt.Sprintf("%s-%d/%s", c.lang, c.rate, search), func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					if _, err := asrtest.Recognize(ctx, rec, asr.Options{Lang: c.lang, Rate: c.rate, Search: search}, samples); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/audio, "rtf")
			})
		}
	}
}

// BenchmarkWriteFrame is the per-frame hot path: one 20 ms frame at 8 kHz
// into a started utterance.
func BenchmarkWriteFrame(b *testing.B) {
	rec, shop := testRecognizer(b)
	needModel(b, rec, "en", 8000)
	samples := asrtest.Synth(b, shop.FAQ(shop.Shop.Cards[0]).Question["en"], "en", 8000)
	frames := len(samples) / 160
	ctx := context.Background()
	st, err := rec.Start(ctx, asr.Options{Lang: "en", Rate: 8000, Search: asr.SearchDomain})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := media.Frame{Samples: samples[(i%frames)*160 : (i%frames+1)*160], Rate: 8000}
		if err := st.WriteFrame(ctx, f); err != nil {
			b.Fatal(err)
		}
		i++
		if i%500 == 0 { // keep utterances bounded
			b.StopTimer()
			st.Final(ctx)
			st.Close()
			st, _ = rec.Start(ctx, asr.Options{Lang: "en", Rate: 8000, Search: asr.SearchDomain})
			b.StartTimer()
		}
	}
}
