package google_test

import (
	"context"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/google"
	"github.com/callbee/callbee/asr/google/googletest"
	"github.com/callbee/callbee/media/mediatest"
)

// BenchmarkWriteFrame is the per-frame cost of streaming caller audio to
// the (fake) service: encoding plus a gRPC send per Config.Chunk.
func BenchmarkWriteFrame(b *testing.B) {
	for _, tc := range []struct {
		name  string
		rate  int
		mulaw bool
	}{{"16k-linear16", 16000, false}, {"8k-linear16", 8000, false}, {"8k-mulaw", 8000, true}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := googletest.Serve(b, &googletest.Speech{DiscardAudio: true})
			ctx := context.Background()
			cfg := google.DefaultConfig()
			cfg.MuLaw8k = tc.mulaw
			r, err := google.New(ctx, cfg, opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			s, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: tc.rate})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			frames := mediatest.Frames(tc.rate, mediatest.Sine(tc.rate, 440, 8000, time.Second))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.WriteFrame(ctx, frames[i%len(frames)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
