// Package ttstest holds test doubles for tts: Synth, a deterministic
// synthesiser that speaks tones instead of words, with a configurable
// synthesis delay and a call counter.
package ttstest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
)

// Synth is a fake tts.Synthesizer. Each rune of text becomes PerRune of a
// tone (its frequency depends on the rune, its amplitude on Voice.Volume,
// its length on Voice.Rate), produced after Delay of "synthesis" per
// sentence. Equal inputs give identical audio. Set the fields before use.
type Synth struct {
	SampleRate int           // default media.Rate16k
	PerRune    time.Duration // audio per rune at rate 1; default 60 ms
	Delay      time.Duration // time before each sentence's audio

	calls atomic.Int64
}

var _ tts.Synthesizer = (*Synth)(nil)

// Name identifies the fake for caches.
func (s *Synth) Name() string { return "ttstest" }

// Calls is the number of Synthesize calls so far.
func (s *Synth) Calls() int { return int(s.calls.Load()) }

// Synthesize implements tts.Synthesizer.
func (s *Synth) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Stream, error) {
	s.calls.Add(1)
	if err := v.Validate(); err != nil {
		return nil, err
	}
	sentences := tts.Sentences(text, v.Lang)
	if len(sentences) == 0 {
		return nil, fmt.Errorf("ttstest: %w", tts.ErrEmptyText)
	}
	rate := s.SampleRate
	if rate == 0 {
		rate = media.Rate16k
	}
	per := s.PerRune
	if per == 0 {
		per = 60 * time.Millisecond
	}
	v = v.Normalized()
	n := int(float64(rate) * per.Seconds() / v.Rate)
	amp := min(8000*v.Volume, 32000)
	return tts.NewStream(ctx, rate, 0, func(ctx context.Context, p *tts.Pipe) error {
		for _, sent := range sentences {
			if err := p.WaitRoom(ctx); err != nil {
				return err
			}
			if s.Delay > 0 {
				t := time.NewTimer(s.Delay)
				select {
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				case <-t.C:
				}
			}
			buf := make([]int16, 0, n*utf8.RuneCountInString(sent))
			for _, r := range strings.TrimSpace(sent) {
				f := 200 + float64(r%64)*20
				for i := range n {
					buf = append(buf, int16(amp*math.Sin(2*math.Pi*f*float64(i)/float64(rate))))
				}
			}
			if err := p.Push(buf); err != nil {
				return err
			}
		}
		return nil
	})
}
