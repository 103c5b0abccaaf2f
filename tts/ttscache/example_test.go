package ttscache_test

import (
	"context"
	"errors"
	"io"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/espeak"
	"github.com/callbee/callbee/tts/ttscache"
)

// A shop loads: warm its fixed texts, then speak a reply with the session's
// speech settings, frame by frame, into the call's playout.
func Example() {
	ctx := context.Background()
	engine, err := espeak.New(espeak.WithOutputRate(media.Rate8k))
	if err != nil {
		return
	}
	defer engine.Close()
	cache, err := ttscache.New(engine, ttscache.WithMaxBytes(32<<20))
	if err != nil {
		return
	}
	defer cache.Close()

	voice := tts.DefaultVoice(tts.LangZh)
	warmed, _ := cache.Warm(ctx, voice, []string{"您好，欢迎致电。", "请问有什么可以帮您？"})
	<-warmed // a server would not wait

	// The brain's reply carries speech {rate, volume}; "slower" gave 0.8.
	s, err := cache.Synthesize(ctx, "您好，欢迎致电。", voice.WithSpeech(0.8, 1))
	if err != nil {
		return
	}
	defer s.Close()
	var playout media.Buffer // the call's playout writer
	for {
		f, err := s.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return
		}
		playout.WriteFrame(ctx, f)
	}
}
