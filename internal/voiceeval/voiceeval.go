// Package voiceeval measures how well callers are understood when they
// speak instead of type: it wraps the brain so that every caller text of a
// dev set (internal/devset) is first spoken by espeak-ng, optionally
// squeezed into the telephone band, and recognised by the shop's
// recogniser the way a voice session does (domain grammar and shop LM in
// parallel, picked by confidence; the digits search while the brain waits
// for an order number), before the brain sees the transcript. The dev set's
// own scoring then applies unchanged, and the recognition error rate of
// every utterance is kept.
//
// What it leaves out: voice activity and end-of-turn detection (each
// utterance is one recognition stream, as a clean file turn would be) and
// playout; the voice session's own tests cover those.
package voiceeval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"unicode"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
)

// Spoken is a devset.Brain that speaks and recognises each caller text
// before passing the transcript to the real brain. Safe for one evaluation
// at a time per session id; sessions may run concurrently.
type Spoken struct {
	Brain devset.Brain
	Rec   asr.Recognizer
	Pick  asr.PickFunc
	// Read, when set, rescores each turn's hypotheses as a voice session
	// does (voice.Reader of the brain, asr.Rescore).
	Read asr.ReadFunc
	// Syn speaks the caller (a plain voice: rate and pitch Caller).
	Syn tts.Synthesizer
	// Rate is the rate of the recogniser's model (8000 or 16000).
	Rate int
	// Telephone band-limits the caller to 300-3400 Hz (a phone line).
	Telephone bool
	// Caller is the voice the caller speaks with (Lang is set per turn).
	Caller tts.Voice

	mu    sync.Mutex // guards asks, langs, heard
	asks  map[string]string
	langs map[string]string
	heard []Heard
}

// Heard is one utterance: what was said and what was recognised.
type Heard struct {
	Lang, Said, Heard string
	Errors, Units     int // word (en) or character (zh) edits, reference length
}

var _ devset.Brain = (*Spoken)(nil)

// Start starts a session on the real brain.
func (s *Spoken) Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error) {
	w, err := s.Brain.Start(ctx, o)
	if err == nil {
		s.mu.Lock()
		if s.langs == nil {
			s.langs = map[string]string{}
		}
		s.langs[w.Session] = w.Lang
		s.mu.Unlock()
	}
	return w, err
}

// Handle speaks and recognises in.Text, then lets the brain answer the
// transcript. Keypad input passes through.
func (s *Spoken) Handle(ctx context.Context, sid string, in dialog.Input) (dialog.Reply, error) {
	if in.Text != "" {
		s.mu.Lock()
		asks, lang := s.asks[sid], s.langs[sid]
		s.mu.Unlock()
		if lang == "" {
			lang = langOf(in.Text)
		}
		text, err := s.hear(ctx, lang, in.Text, asks)
		if err != nil {
			return dialog.Reply{}, err
		}
		e, n := asrtest.Errors(lang, in.Text, text)
		s.mu.Lock()
		s.heard = append(s.heard, Heard{Lang: lang, Said: in.Text, Heard: text, Errors: e, Units: n})
		s.mu.Unlock()
		if text == "" {
			text = "嗯" // nothing recognised: the brain hears a filler (a miss)
			if lang == "en" {
				text = "um"
			}
		}
		in.Text = text
	}
	r, err := s.Brain.Handle(ctx, sid, in)
	if err == nil {
		s.mu.Lock()
		if s.asks == nil {
			s.asks = map[string]string{}
		}
		s.asks[sid] = ""
		if r.AsksFor != nil {
			s.asks[sid] = *r.AsksFor
		}
		s.mu.Unlock()
	}
	return r, err
}

// hear speaks text and recognises it with the searches a voice session
// would use after a reply asking for asks.
func (s *Spoken) hear(ctx context.Context, lang, text, asks string) (string, error) {
	v := s.Caller
	v.Lang = lang
	st, err := s.Syn.Synthesize(ctx, text, v)
	if err != nil {
		return "", fmt.Errorf("voiceeval: speak %q: %w", text, err)
	}
	var buf media.Buffer
	_, err = media.Copy(ctx, &buf, st)
	err = errors.Join(err, st.Close())
	if err != nil {
		return "", fmt.Errorf("voiceeval: speak %q: %w", text, err)
	}
	if buf.Rate != s.Rate {
		return "", fmt.Errorf("voiceeval: caller audio at %d Hz, recogniser at %d Hz: %w", buf.Rate, s.Rate, media.ErrRateMismatch)
	}
	pcm := buf.Samples
	if s.Telephone {
		pcm = TelephoneBand(pcm, s.Rate)
	}
	o := asr.Options{Lang: lang, Rate: s.Rate}
	var stream asr.Stream
	if asks == "order_number" {
		o.Search = asr.SearchDigits
		stream, err = s.Rec.Start(ctx, o)
	} else {
		dom, lm := o, o
		dom.Search, lm.Search = asr.SearchDomain, asr.SearchLM
		stream, err = asr.StartAll(ctx, s.Rec, s.Pick, dom, lm)
	}
	if err != nil {
		return "", fmt.Errorf("voiceeval: recognise: %w", err)
	}
	defer stream.Close()
	sil := make([]int16, s.Rate/5) // 200 ms of lead and tail, as a turn's pre-roll gives
	pcm = append(append(append([]int16(nil), sil...), pcm...), sil...)
	r, err := media.NewSliceReader(s.Rate, pcm)
	if err != nil {
		return "", err
	}
	if _, err := media.Copy(ctx, stream, r); err != nil {
		return "", fmt.Errorf("voiceeval: recognise: %w", err)
	}
	res, err := stream.Final(ctx)
	if err != nil {
		return "", fmt.Errorf("voiceeval: recognise: %w", err)
	}
	return asr.Rescore(res, s.Read, asr.DefaultRescore(lang)).Text, nil
}

// Heard returns every utterance so far.
func (s *Spoken) Heard() []Heard {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Heard(nil), s.heard...)
}

// ErrorRate is the word (en) or character (zh) error rate of lang's
// utterances, in percent.
func ErrorRate(hs []Heard, lang string) float64 {
	e, n := 0, 0
	for _, h := range hs {
		if h.Lang == lang {
			e += h.Errors
			n += h.Units
		}
	}
	if n == 0 {
		return 0
	}
	return math.Round(1000*float64(e)/float64(n)) / 10
}

// langOf guesses the language of a dev set text: Chinese when it holds Han
// characters.
func langOf(s string) string {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return "zh"
		}
	}
	return "en"
}

// TelephoneBand returns pcm through a 300 Hz high-pass (second order,
// Butterworth) at rate; the upper edge comes from the 8 kHz rate itself.
func TelephoneBand(pcm []int16, rate int) []int16 {
	const fc, q = 300.0, math.Sqrt2 / 2
	w := 2 * math.Pi * fc / float64(rate)
	alpha := math.Sin(w) / (2 * q)
	cw := math.Cos(w)
	a0 := 1 + alpha
	b0, b1, b2 := (1+cw)/2/a0, -(1+cw)/a0, (1+cw)/2/a0
	a1, a2 := -2*cw/a0, (1-alpha)/a0
	out := make([]int16, len(pcm))
	var x1, x2, y1, y2 float64
	for i, s := range pcm {
		x := float64(s)
		y := b0*x + b1*x1 + b2*x2 - a1*y1 - a2*y2
		x2, x1, y2, y1 = x1, x, y1, y
		out[i] = int16(max(-32768, min(32767, math.Round(y))))
	}
	return out
}
