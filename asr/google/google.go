// Package google is callbee's cloud recogniser: Google Cloud Speech-to-Text
// v1 streaming recognition (cloud.google.com/go/speech/apiv1) behind
// asr.Recognizer.
//
// Each asr.Stream is one StreamingRecognize call: the first request carries
// the StreamingRecognitionConfig (encoding LINEAR16, or MULAW for 8 kHz when
// Config.MuLaw8k is set; the stream's rate; the language code mapped from
// asr.Options.Lang by Config.Languages; the model from Config.Models; the
// turn's phrase hints from asr.Options.Hints as a SpeechContext; interim
// results on; single utterance per Config.SingleUtterance), then the audio
// in Config.Chunk pieces. Interim results become Partial; the final result
// (with the service's confidence) is what Final returns.
//
// Credentials are found the Google way (application default credentials:
// GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, the metadata server)
// unless client options say otherwise; New passes its option.ClientOption
// values to the client unchanged. Tests use the real client against the
// fake server in asr/google/googletest.
package google

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	speech "cloud.google.com/go/speech/apiv1"
	"cloud.google.com/go/speech/apiv1/speechpb"
	"google.golang.org/api/option"

	"github.com/callbee/callbee/asr"
)

// Engine names this recogniser in asr.Result.Engine.
const Engine = "google"

// Limits of the Speech-to-Text v1 API on phrase hints
// (cloud.google.com/speech-to-text/quotas): phrases per request, characters
// per phrase, characters over all phrases.
const (
	MaxPhrases     = 5000
	MaxPhraseChars = 100
	MaxHintChars   = 100000
)

// MaxChunkBytes is the largest audio_content the API accepts in one
// streaming request (25 KB).
const MaxChunkBytes = 25600

// DefaultChunk is how much audio goes into each request: Google recommends
// about 100 ms as the trade-off between latency and efficiency.
const DefaultChunk = 100 * time.Millisecond

// DefaultMaxHints bounds the phrase hints sent per stream: enough for a
// small shop's questions and product names, far below MaxPhrases.
const DefaultMaxHints = 500

// DigitsClass is the class token added to the hints of an
// asr.SearchDigits turn (order numbers, phone digits).
const DigitsClass = "$OOV_CLASS_DIGIT_SEQUENCE"

// Models that accept single_utterance (the API rejects the flag with any
// other model); "" lets the service choose. phone_call also needs
// use_enhanced, which Start sets.
const (
	ModelAuto             = ""
	ModelCommandAndSearch = "command_and_search"
	ModelPhoneCall        = "phone_call"
)

// Config is the recogniser's configuration (the asr.google section of the
// YAML config).
type Config struct {
	// Languages maps asr.LangZH / asr.LangEN to BCP-47 language codes.
	Languages map[string]string `yaml:"languages"`
	// Models maps a language (asr.LangZH, asr.LangEN) to a model name;
	// a missing language uses ModelAuto.
	Models map[string]string `yaml:"models"`
	// MaxHints bounds the phrase hints per stream (at most MaxPhrases).
	MaxHints int `yaml:"max_hints"`
	// HintBoost is the SpeechContext boost (0: the service's default).
	HintBoost float32 `yaml:"hint_boost"`
	// SingleUtterance ends recognition when the caller stops speaking
	// (END_OF_SINGLE_UTTERANCE); only ModelAuto, ModelCommandAndSearch and
	// ModelPhoneCall allow it.
	SingleUtterance bool `yaml:"single_utterance"`
	// MuLaw8k sends 8 kHz audio as G.711 μ-law (half the bytes of
	// LINEAR16, the telephone's own quality); other rates always go as
	// LINEAR16.
	MuLaw8k bool `yaml:"mulaw_8k"`
	// Chunk is the audio per request (a multiple of media.FrameDuration).
	Chunk time.Duration `yaml:"chunk"`
}

// DefaultConfig: Mandarin as cmn-Hans-CN with the automatic model, English
// as en-US with the enhanced phone_call model, DefaultMaxHints, single
// utterance, LINEAR16, DefaultChunk.
func DefaultConfig() Config {
	return Config{
		Languages:       map[string]string{asr.LangZH: "cmn-Hans-CN", asr.LangEN: "en-US"},
		Models:          map[string]string{asr.LangZH: ModelAuto, asr.LangEN: ModelPhoneCall},
		MaxHints:        DefaultMaxHints,
		SingleUtterance: true,
		Chunk:           DefaultChunk,
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	for _, lang := range []string{asr.LangZH, asr.LangEN} {
		if strings.TrimSpace(c.Languages[lang]) == "" {
			return fmt.Errorf("asr google: no language code for %q: %w", lang, ErrBadConfig)
		}
	}
	if c.SingleUtterance {
		for lang, m := range c.Models {
			switch m {
			case ModelAuto, ModelCommandAndSearch, ModelPhoneCall:
			default:
				return fmt.Errorf("asr google: model %q for %q does not allow single_utterance (use %q, %q or none): %w",
					m, lang, ModelCommandAndSearch, ModelPhoneCall, ErrBadConfig)
			}
		}
	}
	if c.MaxHints < 0 || c.MaxHints > MaxPhrases {
		return fmt.Errorf("asr google: max_hints %d outside 0..%d: %w", c.MaxHints, MaxPhrases, ErrBadConfig)
	}
	if c.HintBoost < 0 || c.HintBoost > 20 {
		return fmt.Errorf("asr google: hint_boost %g outside 0..20: %w", c.HintBoost, ErrBadConfig)
	}
	if c.Chunk <= 0 || c.Chunk%(20*time.Millisecond) != 0 || c.Chunk > time.Second/2 {
		return fmt.Errorf("asr google: chunk %v: want a multiple of 20ms up to 500ms: %w", c.Chunk, ErrBadConfig)
	}
	return nil
}

// Recognizer starts Google streaming recognitions. It is safe for
// concurrent use.
type Recognizer struct {
	client *speech.Client
	cfg    Config
	closed atomic.Bool
}

var _ asr.Recognizer = (*Recognizer)(nil)

// New validates cfg and creates a Speech client with opts (none: the
// service's endpoint and application default credentials). Close releases
// the client.
func New(ctx context.Context, cfg Config, opts ...option.ClientOption) (*Recognizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := speech.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("asr google: client: %w", err)
	}
	return &Recognizer{client: c, cfg: cfg}, nil
}

// Close closes the client: streams still open fail. Safe to call twice.
func (r *Recognizer) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("asr google: close: %w", err)
	}
	return nil
}

// Start opens a StreamingRecognize call for one utterance and sends its
// configuration. ctx bounds the whole stream (cancel it at hang-up).
func (r *Recognizer) Start(ctx context.Context, o asr.Options) (asr.Stream, error) {
	if r.closed.Load() {
		return nil, fmt.Errorf("asr google: start: %w", asr.ErrClosed)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	sc := r.streamingConfig(o)
	return startStream(ctx, r, o, sc)
}

// StreamingConfig is the configuration Start sends for o (exported for
// logs and tests).
func (r *Recognizer) StreamingConfig(o asr.Options) *speechpb.StreamingRecognitionConfig {
	return r.streamingConfig(o)
}

func (r *Recognizer) streamingConfig(o asr.Options) *speechpb.StreamingRecognitionConfig {
	rc := &speechpb.RecognitionConfig{
		Encoding:                   speechpb.RecognitionConfig_LINEAR16,
		SampleRateHertz:            int32(o.Rate),
		AudioChannelCount:          1,
		LanguageCode:               r.cfg.Languages[o.Lang],
		MaxAlternatives:            1,
		EnableAutomaticPunctuation: false,
		Model:                      r.cfg.Models[o.Lang],
	}
	if r.useMuLaw(o.Rate) {
		rc.Encoding = speechpb.RecognitionConfig_MULAW
	}
	if rc.Model == ModelPhoneCall {
		rc.UseEnhanced = true
	}
	var extra []string
	if o.SearchOrDefault() == asr.SearchDigits {
		extra = append(extra, DigitsClass)
	}
	if phrases := Phrases(append(extra, o.Hints...), r.cfg.MaxHints); len(phrases) > 0 {
		rc.SpeechContexts = []*speechpb.SpeechContext{{Phrases: phrases, Boost: r.cfg.HintBoost}}
	}
	return &speechpb.StreamingRecognitionConfig{
		Config:          rc,
		InterimResults:  true,
		SingleUtterance: r.cfg.SingleUtterance,
	}
}

func (r *Recognizer) useMuLaw(rate int) bool { return r.cfg.MuLaw8k && rate == 8000 }

// Phrases cleans hints for a SpeechContext: trimmed, inner whitespace
// collapsed, duplicates and phrases over MaxPhraseChars dropped, at most max
// phrases (and MaxHintChars characters) in their original order.
func Phrases(hints []string, max int) []string {
	max = min(max, MaxPhrases)
	seen := make(map[string]bool, len(hints))
	var out []string
	total := 0
	for _, h := range hints {
		if len(out) >= max {
			break
		}
		h = strings.Join(strings.Fields(h), " ")
		n := utf8.RuneCountInString(h)
		if n == 0 || n > MaxPhraseChars || seen[h] {
			continue
		}
		if total+n > MaxHintChars {
			break
		}
		seen[h] = true
		total += n
		out = append(out, h)
	}
	return out
}
