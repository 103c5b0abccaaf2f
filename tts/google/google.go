// Package google is callbee's cloud synthesiser: Google Cloud Text-to-Speech
// (cloud.google.com/go/texttospeech/apiv1, SynthesizeSpeech) behind
// tts.Synthesizer.
//
// Text is synthesised one sentence per request (tts.Sentences), in order,
// into the stream's tts.Pipe, so the first sentence plays while the rest are
// still being synthesised. The voice is chosen per language (Config.Voices);
// the tts.Voice multipliers become the request's AudioConfig (AudioConfigFor:
// rate → speaking_rate, volume → volume_gain_db = 20·log10(v), pitch →
// semitones, each clamped to the API's limits). Audio is asked for as
// LINEAR16 at the output rate (the WAV header the service adds is removed)
// or as MP3 (decoded with media/audiofile, downmixed to mono); anything not
// at the output rate is resampled with media/resample.
//
// Credentials are found the Google way (application default credentials)
// unless client options say otherwise; New passes its option.ClientOption
// values to the client unchanged. Tests use the real client against the
// fake server in tts/google/googletest.
package google

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	texttospeech "cloud.google.com/go/texttospeech/apiv1"
	"cloud.google.com/go/texttospeech/apiv1/texttospeechpb"
	"google.golang.org/api/option"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
)

// Limits of AudioConfig in the Text-to-Speech v1 API.
const (
	MinSpeakingRate = 0.25
	MaxSpeakingRate = 2.0
	MinVolumeGainDB = -96.0
	MaxVolumeGainDB = 16.0
	MinPitch        = -20.0 // semitones
	MaxPitch        = 20.0
)

// MaxInputBytes is the largest text the API takes per request.
const MaxInputBytes = 5000

// Output encodings (Config.Encoding).
const (
	EncodingLinear16 = "linear16"
	EncodingMP3      = "mp3"
)

// DefaultTimeout bounds one sentence's request (the client library's own
// default is 300 s, far too long for a caller on the line).
const DefaultTimeout = 10 * time.Second

// VoiceConfig selects a Google voice.
type VoiceConfig struct {
	// LanguageCode is the BCP-47 code, e.g. "cmn-CN" or "en-US".
	LanguageCode string `yaml:"language_code"`
	// Name is a voice name, e.g. "cmn-CN-Standard-A"; empty lets the
	// service pick one for the language.
	Name string `yaml:"name"`
}

// Config is the synthesiser's configuration (the tts.google section of the
// YAML config).
type Config struct {
	// Voices maps tts.LangZh and tts.LangEn to a voice.
	Voices map[string]VoiceConfig `yaml:"voices"`
	// Encoding is EncodingLinear16 or EncodingMP3.
	Encoding string `yaml:"encoding"`
	// Rate is the sample rate of the streams' frames.
	Rate int `yaml:"rate"`
	// Timeout bounds each sentence's request.
	Timeout time.Duration `yaml:"timeout"`
	// Ahead bounds how far synthesis runs ahead of the reader
	// (tts.DefaultAhead when 0).
	Ahead time.Duration `yaml:"ahead"`
}

// DefaultConfig: Mandarin cmn-CN-Standard-A, English en-US-Standard-C,
// LINEAR16 at 16 kHz, DefaultTimeout, tts.DefaultAhead.
func DefaultConfig() Config {
	return Config{
		Voices: map[string]VoiceConfig{
			tts.LangZh: {LanguageCode: "cmn-CN", Name: "cmn-CN-Standard-A"},
			tts.LangEn: {LanguageCode: "en-US", Name: "en-US-Standard-C"},
		},
		Encoding: EncodingLinear16,
		Rate:     media.Rate16k,
		Timeout:  DefaultTimeout,
		Ahead:    tts.DefaultAhead,
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	for _, lang := range []string{tts.LangZh, tts.LangEn} {
		if strings.TrimSpace(c.Voices[lang].LanguageCode) == "" {
			return fmt.Errorf("tts google: no language code for %q: %w", lang, ErrBadConfig)
		}
	}
	switch c.Encoding {
	case EncodingLinear16, EncodingMP3:
	default:
		return fmt.Errorf("tts google: encoding %q (want %q or %q): %w", c.Encoding, EncodingLinear16, EncodingMP3, ErrBadConfig)
	}
	if !media.ValidRate(c.Rate) || c.Rate < 8000 || c.Rate > 48000 {
		return fmt.Errorf("tts google: rate %d (want 8000..48000 in whole 20 ms frames): %w", c.Rate, ErrBadConfig)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("tts google: timeout %v: %w", c.Timeout, ErrBadConfig)
	}
	if c.Ahead < 0 {
		return fmt.Errorf("tts google: ahead %v: %w", c.Ahead, ErrBadConfig)
	}
	return nil
}

// Synthesizer speaks with Google Text-to-Speech. It is safe for concurrent
// use.
type Synthesizer struct {
	client *texttospeech.Client
	cfg    Config
	closed atomic.Bool
}

var _ tts.Synthesizer = (*Synthesizer)(nil)

// New validates cfg and creates a Text-to-Speech client with opts (none:
// the service's endpoint and application default credentials).
func New(ctx context.Context, cfg Config, opts ...option.ClientOption) (*Synthesizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := texttospeech.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tts google: client: %w", err)
	}
	return &Synthesizer{client: c, cfg: cfg}, nil
}

// Rate is the sample rate of every stream's frames.
func (s *Synthesizer) Rate() int { return s.cfg.Rate }

// Name identifies the engine, its voices, encoding and rate (a cache key
// part, see tts/ttscache).
func (s *Synthesizer) Name() string {
	v := func(lang string) string {
		vc := s.cfg.Voices[lang]
		if vc.Name != "" {
			return vc.Name
		}
		return vc.LanguageCode
	}
	return fmt.Sprintf("google/en=%s,zh=%s/%s/%d", v(tts.LangEn), v(tts.LangZh), s.cfg.Encoding, s.cfg.Rate)
}

// Close closes the client; streams still synthesising fail. Safe to call
// twice.
func (s *Synthesizer) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("tts google: close: %w", err)
	}
	return nil
}

// Synthesize starts synthesising text with v and returns its stream at
// once; one request per sentence, in order.
func (s *Synthesizer) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Stream, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("tts google: synthesize: %w", tts.ErrClosed)
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	sentences := tts.Sentences(text, v.Lang)
	if len(sentences) == 0 {
		return nil, fmt.Errorf("tts google: synthesize: %w", tts.ErrEmptyText)
	}
	for _, sent := range sentences {
		if len(sent) > MaxInputBytes {
			return nil, fmt.Errorf("tts google: a sentence of %d bytes exceeds %d: %w", len(sent), MaxInputBytes, ErrRejected)
		}
	}
	ac := s.audioConfig(v)
	vc := s.cfg.Voices[v.Lang]
	voice := &texttospeechpb.VoiceSelectionParams{LanguageCode: vc.LanguageCode, Name: vc.Name}
	return tts.NewStream(ctx, s.cfg.Rate, s.cfg.Ahead, func(ctx context.Context, p *tts.Pipe) error {
		dec := newDecoder(s.cfg.Rate)
		for i, sent := range sentences {
			if err := p.WaitRoom(ctx); err != nil {
				return err
			}
			samples, err := s.synthOne(ctx, sent, voice, ac, dec, i == len(sentences)-1)
			if err != nil {
				return err
			}
			if err := p.Push(samples); err != nil {
				return err
			}
		}
		return nil
	})
}

// synthOne synthesises one sentence and returns its samples at the output
// rate.
func (s *Synthesizer) synthOne(ctx context.Context, text string, voice *texttospeechpb.VoiceSelectionParams,
	ac *texttospeechpb.AudioConfig, dec *decoder, last bool) ([]int16, error) {
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	resp, err := s.client.SynthesizeSpeech(rctx, &texttospeechpb.SynthesizeSpeechRequest{
		Input:       &texttospeechpb.SynthesisInput{InputSource: &texttospeechpb.SynthesisInput_Text{Text: text}},
		Voice:       voice,
		AudioConfig: ac,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, mapErr(ctx, "synthesize", err)
		}
		return nil, mapErr(rctx, "synthesize", err)
	}
	return dec.decode(ctx, resp.GetAudioContent(), ac, last)
}

func (s *Synthesizer) audioConfig(v tts.Voice) *texttospeechpb.AudioConfig {
	ac := AudioConfigFor(v)
	if s.cfg.Encoding == EncodingMP3 {
		// MP3 comes at the voice's natural rate (MPEG rates); we resample.
		ac.AudioEncoding = texttospeechpb.AudioEncoding_MP3
	} else {
		ac.AudioEncoding = texttospeechpb.AudioEncoding_LINEAR16
		ac.SampleRateHertz = int32(s.cfg.Rate)
	}
	return ac
}

// AudioConfigFor maps v's multipliers to the API: speaking_rate = rate,
// volume_gain_db = 20·log10(volume), pitch = 12·log2(pitch) semitones, each
// clamped to the API's limits and rounded to 1/100. The encoding and rate
// are left for the caller.
func AudioConfigFor(v tts.Voice) *texttospeechpb.AudioConfig {
	v = v.Normalized()
	r2 := func(x float64) float64 { return math.Round(x*100) / 100 }
	return &texttospeechpb.AudioConfig{
		SpeakingRate: r2(min(max(v.Rate, MinSpeakingRate), MaxSpeakingRate)),
		VolumeGainDb: r2(min(max(20*math.Log10(v.Volume), MinVolumeGainDB), MaxVolumeGainDB)),
		Pitch:        r2(min(max(12*math.Log2(v.Pitch), MinPitch), MaxPitch)),
	}
}
