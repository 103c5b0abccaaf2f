// Package asr owns speech recognition for callbee: the small Recognizer and
// Stream interfaces every engine implements (pocketsphinx in asr/sphinx,
// cloud engines later), the Result they produce, and the helpers that run
// several searches on the same audio and pick one result by confidence
// (StartAll, Pick).
//
// Audio reaches a Stream as media.Frame values (mono PCM16 at the rate the
// stream was started with), so a Stream is a media.Writer.
package asr

import (
	"context"
	"fmt"
	"time"

	"github.com/callbee/callbee/media"
)

// Languages a recogniser may be asked for (the shop's locales).
const (
	LangZH = "zh"
	LangEN = "en"
)

// Searches: what the recogniser listens for. Engines compile them from the
// shop (see asr/grammar); a dialog state picks one or several per turn.
const (
	// SearchDomain is a strict grammar of the shop's questions, phrasings,
	// product names, digits and yes/no. Very accurate in domain, poor on
	// paraphrases.
	SearchDomain = "domain"
	// SearchLM is a broader n-gram language model of the shop's wording.
	// Less accurate in domain, degrades gracefully on paraphrases.
	SearchLM = "lm"
	// SearchDigits listens for a digit string (order numbers, phone digits).
	SearchDigits = "digits"
	// SearchYesNo listens for yes, no and their usual variants.
	SearchYesNo = "yesno"
)

// Options start a Stream.
type Options struct {
	// Lang is LangZH or LangEN.
	Lang string
	// Rate is the sample rate of the frames that will be written
	// (media.Rate8k or media.Rate16k).
	Rate int
	// Search names what to listen for (SearchDomain when empty).
	Search string
	// Hints are phrases likely in this turn. Engines with phrase boosting
	// (cloud engines) use them; grammar-based engines may ignore them.
	Hints []string
}

// Validate reports whether o can start a stream.
func (o Options) Validate() error {
	switch o.Lang {
	case LangZH, LangEN:
	default:
		return fmt.Errorf("asr: language %q: %w", o.Lang, ErrUnsupported)
	}
	if !media.ValidRate(o.Rate) {
		return fmt.Errorf("asr: rate %d: %w", o.Rate, media.ErrBadRate)
	}
	return nil
}

// SearchOrDefault is o.Search, or SearchDomain when it is empty.
func (o Options) SearchOrDefault() string {
	if o.Search == "" {
		return SearchDomain
	}
	return o.Search
}

// Word is one recognised word with its place in the stream.
type Word struct {
	Text       string
	Start, End time.Duration // stream time
	Confidence float64       // 0..1 posterior, when the engine gives one
}

// Result is a recognition hypothesis.
type Result struct {
	Text       string  // words joined by spaces (Chinese: no spaces)
	Confidence float64 // 0..1; comparable between searches of one engine
	Words      []Word
	Lang       string
	Engine     string // e.g. "sphinx"
	Model      string // e.g. "en-us-16k"
	Search     string // the search that produced it
	// Acoustic is the engine's acoustic log-likelihood per frame of the
	// hypothesis (0 when unknown). It is comparable only between searches
	// of one engine on the same audio: a strict grammar forced onto words
	// that were not said scores well below a looser search.
	Acoustic float64
	// NBest are further hypotheses of the same search on the same audio,
	// best first, as display text (engines with a lattice; may be empty).
	NBest []string
	// Alternatives are the other searches' results when several ran on the
	// same audio (StartAll); best first.
	Alternatives []Result
	// Audio is the length of audio decoded; CPU is the engine time spent on it.
	Audio, CPU time.Duration
}

// RTF is the real-time factor of the decode (CPU time / audio time).
func (r Result) RTF() float64 {
	if r.Audio <= 0 {
		return 0
	}
	return float64(r.CPU) / float64(r.Audio)
}

// Recognizer starts recognition streams. Implementations are safe for
// concurrent use; each Stream is used by one caller.
type Recognizer interface {
	Start(ctx context.Context, opts Options) (Stream, error)
}

// Stream is one utterance being recognised. WriteFrame and Final are called
// from one goroutine; Partial and Close may be called from any. Close is
// safe twice and releases the engine's resources; a Stream must be closed
// even after Final.
type Stream interface {
	media.Writer
	// Partial is the current hypothesis (may change; cheap, never blocks
	// on the engine).
	Partial() Result
	// Final ends the utterance and returns the best hypothesis. Further
	// writes fail with ErrFinished.
	Final(ctx context.Context) (Result, error)
	Close() error
}
