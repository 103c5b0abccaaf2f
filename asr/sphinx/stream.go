package sphinx

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/resample"
)

var _ asr.Stream = (*stream)(nil)

// Warm-up of fresh decoders (see beginLocked).
const (
	coldAudio = 3 * time.Second        // audio a decoder must have seen to be warm
	warmAudio = 800 * time.Millisecond // caller audio held to warm a cold decoder
)

// stream is one utterance on a checked-out decoder.
type stream struct {
	eng    *engine
	opts   asr.Options
	search string
	rs     *resample.Resampler // nil when the input is at the model's rate

	// mu guards the fields below and serialises calls into the decoder
	// (pocketsphinx decoders are not thread-safe; Close may come from
	// another goroutine). It is held only around engine calls, never
	// around callbacks.
	mu       sync.Mutex
	dec      *decoder
	buf      []int16
	pending  []int16 // model-rate audio held for a cold decoder's warm-up
	started  bool    // the decoder is in the utterance
	writes   int
	audio    time.Duration
	cpu      time.Duration
	finished bool

	noise uint32 // comfort-noise generator state

	partial atomic.Pointer[asr.Result]
}

// floorAmp is the peak of the comfort noise added to every sample (uniform,
// RMS ~ floorAmp/1.7, about -66 dBFS). pocketsphinx's noise tracking and
// cepstral mean break down on digital silence: 30 ms of exact zeros before
// a word turned "when will you ship" into "two two" (espeak-ng speech);
// a floor like a quiet line's restores it and is lost in any real line noise.
const floorAmp = 32

// addFloor adds comfort noise to s in place (xorshift32 state in, out).
func addFloor(s []int16, state uint32) uint32 {
	if state == 0 {
		state = 0x9E3779B9
	}
	for i, v := range s {
		state ^= state << 13
		state ^= state >> 17
		state ^= state << 5
		n := int32(state%(2*floorAmp+1)) - floorAmp
		x := int32(v) + n
		s[i] = int16(max(-32768, min(32767, x)))
	}
	return state
}

func newStream(e *engine, d *decoder, o asr.Options, search string) (*stream, error) {
	s := &stream{eng: e, dec: d, opts: o, search: search}
	if o.Rate != e.model.Rate {
		rs, err := resample.New(o.Rate, e.model.Rate)
		if err != nil {
			e.put(d)
			return nil, fmt.Errorf("sphinx: resample %d -> %d: %w", o.Rate, e.model.Rate, err)
		}
		s.rs = rs
	}
	s.partial.Store(&asr.Result{Lang: o.Lang, Engine: Engine, Model: e.model.Name, Search: search})
	return s, nil
}

// WriteFrame decodes f, which must be at the stream's rate.
func (s *stream) WriteFrame(ctx context.Context, f media.Frame) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.Rate != s.opts.Rate {
		return fmt.Errorf("sphinx: stream at %d Hz got %d Hz: %w", s.opts.Rate, f.Rate, media.ErrRateMismatch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dec == nil:
		return fmt.Errorf("sphinx: write: %w", asr.ErrClosed)
	case s.finished:
		return fmt.Errorf("sphinx: write: %w", asr.ErrFinished)
	}
	if s.rs != nil {
		s.buf = s.rs.Process(s.buf[:0], f.Samples)
	} else {
		s.buf = append(s.buf[:0], f.Samples...)
	}
	samples := s.buf
	s.noise = addFloor(samples, s.noise)
	t0 := time.Now()
	var err error
	switch {
	case s.started:
		err = s.dec.process(samples)
	case s.dec.decoded < coldAudio:
		s.pending = append(s.pending, samples...)
		if len(s.pending) >= s.eng.model.Rate*int(warmAudio/time.Millisecond)/1000 {
			err = s.beginLocked()
		}
	default:
		if err = s.beginLocked(); err == nil {
			err = s.dec.process(samples)
		}
	}
	s.writes++
	var hyp string
	update := s.started && s.writes%partialEvery == 0
	if update {
		hyp = s.dec.hyp()
	}
	s.cpu += time.Since(t0)
	s.audio += f.Duration()
	if err != nil {
		return err
	}
	if update {
		r := s.result(hyp, 0, nil)
		s.partial.Store(&r)
	}
	return nil
}

// Partial is the hypothesis as of the last few frames.
func (s *stream) Partial() asr.Result { return *s.partial.Load() }

// Final ends the utterance.
func (s *stream) Final(ctx context.Context) (asr.Result, error) {
	if err := ctx.Err(); err != nil {
		return asr.Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dec == nil:
		return asr.Result{}, fmt.Errorf("sphinx: final: %w", asr.ErrClosed)
	case s.finished:
		return asr.Result{}, fmt.Errorf("sphinx: final: %w", asr.ErrFinished)
	}
	s.finished = true
	t0 := time.Now()
	if !s.started {
		if err := s.beginLocked(); err != nil {
			return asr.Result{}, err
		}
	}
	h, err := s.dec.end()
	s.cpu += time.Since(t0)
	if err != nil {
		return asr.Result{}, err
	}
	r := s.result(h.text, h.prob, h.words)
	r.Acoustic = h.acoustic
	for _, t := range h.nbest {
		r.NBest = append(r.NBest, s.text(t))
	}
	if h.partial {
		r.Confidence = 0
	}
	s.partial.Store(&r)
	return r, nil
}

// beginLocked starts the utterance. A cold decoder (less than coldAudio
// decoded since it was created) still has the model's initial cepstral
// mean, which ruins its first utterances; it is first warmed by decoding
// the held audio (this caller's own speech) in throwaway utterances until
// it has seen coldAudio, then the held audio is decoded for real.
func (s *stream) beginLocked() error {
	for s.dec.decoded < coldAudio && len(s.pending) > 0 {
		if err := s.dec.start(s.search); err != nil {
			return err
		}
		err := s.dec.process(s.pending)
		s.dec.abort()
		if err != nil {
			return err
		}
	}
	if err := s.dec.start(s.search); err != nil {
		return err
	}
	s.started = true
	err := s.dec.process(s.pending)
	s.pending = s.pending[:0]
	return err
}

// result builds a Result; the caller holds mu.
func (s *stream) result(hyp string, conf float64, words []asr.Word) asr.Result {
	return asr.Result{
		Text: s.text(hyp), Confidence: conf, Words: words, Lang: s.opts.Lang,
		Engine: Engine, Model: s.eng.model.Name, Search: s.search, Audio: s.audio, CPU: s.cpu,
	}
}

// text turns a hypothesis into display text: Chinese without spaces and
// spelled letters ("X." -> "X").
func (s *stream) text(hyp string) string {
	f := strings.Fields(hyp)
	out := f[:0]
	for _, w := range f {
		if !isFiller(w) {
			out = append(out, baseWord(w))
		}
	}
	if s.opts.Lang != asr.LangZH {
		return strings.Join(out, " ")
	}
	return strings.ReplaceAll(strings.Join(out, ""), ".", "")
}

// Close returns the decoder to the pool. Safe twice.
func (s *stream) Close() error {
	s.mu.Lock()
	d := s.dec
	s.dec = nil
	if d != nil {
		d.abort() // discard an unfinished utterance so the decoder is reusable
	}
	s.mu.Unlock()
	if d != nil {
		s.eng.put(d)
	}
	return nil
}
