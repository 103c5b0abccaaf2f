// Package tts owns speech synthesis for callbee: the small Synthesizer
// interface every engine implements (espeak-ng in tts/espeak, Google Cloud
// later), the Voice a session speaks with (language plus rate, volume and
// pitch multipliers, with an elderly-friendly default), the Stream of
// standard media frames an engine yields while it is still synthesising,
// the sentence splitter that lets long answers start playing after their
// first sentence, and Pipe, the bounded hand-over between a synthesis
// goroutine and the reader of its frames.
//
// Caching of synthesised audio lives in tts/ttscache; test doubles in
// tts/ttstest.
package tts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/callbee/callbee/media"
)

// Synthesizer turns text into speech. Synthesize returns as soon as
// synthesis has started; the Stream yields standard frames (media.Frame,
// mono PCM16, FrameDuration each, the last one padded with silence) at the
// stream's Rate while the rest of the text is still being synthesised.
// Cancelling ctx stops synthesis; the stream then returns ctx's error.
// Implementations are safe for concurrent use.
type Synthesizer interface {
	Synthesize(ctx context.Context, text string, v Voice) (Stream, error)
}

// Stream is the audio of one Synthesize call. ReadFrame returns io.EOF
// after the last frame; a frame's samples are valid until the next call.
// Close stops synthesis if it is still running and waits for it; it is safe
// to call twice and must be called, even after io.EOF.
type Stream interface {
	media.Reader
	// Rate is the sample rate of every frame of the stream.
	Rate() int
	Close() error
}

// Languages a Voice may speak.
const (
	LangZh = "zh" // Mandarin Chinese
	LangEn = "en" // English
)

// Bounds of the Voice multipliers; Normalized clamps to them.
const (
	MinMultiplier = 0.25
	MaxMultiplier = 4.0
)

// The elderly-friendly defaults of DefaultVoice: somewhat slower than an
// engine's normal pace and a little louder, normal pitch. Many callers of
// small shops are elderly; the brain's "slower"/"louder" actions multiply
// on top of these (Voice.WithSpeech).
const (
	ElderlyRate   = 0.85
	ElderlyVolume = 1.15
	ElderlyPitch  = 1.0
)

// Voice is how a session speaks. Rate, Volume and Pitch are multipliers of
// the engine's normal speech (1 is normal; 0 means 1). Lang is LangZh or
// LangEn; the engine picks its voice for the language.
type Voice struct {
	Lang   string  `json:"lang"`
	Rate   float64 `json:"rate"`
	Volume float64 `json:"volume"`
	Pitch  float64 `json:"pitch"`
}

// DefaultVoice is the elderly-friendly voice for lang (ElderlyRate,
// ElderlyVolume, ElderlyPitch).
func DefaultVoice(lang string) Voice {
	return Voice{Lang: lang, Rate: ElderlyRate, Volume: ElderlyVolume, Pitch: ElderlyPitch}
}

// WithSpeech applies a session's speech settings (the brain's reply carries
// speech: {rate, volume}, 1.0 normal; "slower" lowers rate, "louder" raises
// volume) by multiplying them onto v. Zero leaves a field unchanged.
func (v Voice) WithSpeech(rate, volume float64) Voice {
	v = v.Normalized()
	if rate > 0 {
		v.Rate *= rate
	}
	if volume > 0 {
		v.Volume *= volume
	}
	return v.Normalized()
}

// Normalized replaces zero multipliers with 1, clamps them to
// [MinMultiplier, MaxMultiplier] and rounds them to 1/100 so that equal
// voices compare (and cache) equal.
func (v Voice) Normalized() Voice {
	v.Rate = normMul(v.Rate)
	v.Volume = normMul(v.Volume)
	v.Pitch = normMul(v.Pitch)
	return v
}

func normMul(x float64) float64 {
	if x == 0 || math.IsNaN(x) {
		return 1
	}
	x = min(max(x, MinMultiplier), MaxMultiplier)
	return math.Round(x*100) / 100
}

// Validate reports whether v names a supported language.
func (v Voice) Validate() error {
	switch v.Lang {
	case LangZh, LangEn:
		return nil
	}
	return fmt.Errorf("tts: voice language %q: %w", v.Lang, ErrLanguage)
}

// ReadAll reads s to the end and returns its samples and rate. It does not
// close s.
func ReadAll(ctx context.Context, s Stream) ([]int16, int, error) {
	var out []int16
	for {
		f, err := s.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			return out, s.Rate(), nil
		}
		if err != nil {
			return out, s.Rate(), err
		}
		out = append(out, f.Samples...)
	}
}
