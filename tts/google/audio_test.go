package google

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/texttospeech/apiv1/texttospeechpb"

	"github.com/callbee/callbee/tts/google/googletest"
)

// FuzzDecode: whatever bytes the service (or something pretending to be
// it) sends, decoding fails with an error, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add(googletest.WAV(16000, googletest.Sine(16000, 400, 8000, 40*time.Millisecond)), int32(16000), false)
	f.Add(googletest.WAV(24000, googletest.Sine(24000, 400, 8000, 40*time.Millisecond)), int32(0), false)
	f.Add(googletest.SilentMP3(2000), int32(0), true)
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"), int32(16000), false)
	f.Add([]byte{1, 2, 3}, int32(8000), false)
	f.Fuzz(func(t *testing.T, b []byte, rate int32, mp3 bool) {
		ac := &texttospeechpb.AudioConfig{AudioEncoding: texttospeechpb.AudioEncoding_LINEAR16, SampleRateHertz: rate}
		if mp3 {
			ac = &texttospeechpb.AudioConfig{AudioEncoding: texttospeechpb.AudioEncoding_MP3}
		}
		_, _ = newDecoder(16000).decode(context.Background(), b, ac, true)
	})
}

// BenchmarkDecode: one 2 s sentence of the service's audio to 16 kHz.
func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name string
		body []byte
		ac   *texttospeechpb.AudioConfig
	}{
		{"wav-16k", googletest.WAV(16000, googletest.Sine(16000, 400, 8000, 2*time.Second)),
			&texttospeechpb.AudioConfig{AudioEncoding: texttospeechpb.AudioEncoding_LINEAR16, SampleRateHertz: 16000}},
		{"wav-24k-resampled", googletest.WAV(24000, googletest.Sine(24000, 400, 8000, 2*time.Second)),
			&texttospeechpb.AudioConfig{AudioEncoding: texttospeechpb.AudioEncoding_LINEAR16}},
		{"mp3-48k-resampled", googletest.SilentMP3(96000),
			&texttospeechpb.AudioConfig{AudioEncoding: texttospeechpb.AudioEncoding_MP3}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := newDecoder(16000)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.decode(ctx, tc.body, tc.ac, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
