// Package sphinx is the offline speech recogniser: CMU pocketsphinx (the
// 0.8/5prealpha C API in Debian's libpocketsphinx3) through cgo, behind
// asr.Recognizer. Each language and rate has an acoustic model (FindModels):
// Debian's 16 kHz US English, and 8 kHz English and Mandarin from the models
// directory; audio at other rates is resampled down to the nearest model
// (never up). The searches are compiled from the shop by asr/grammar and all
// loaded into every decoder; a stream picks one (asr.SearchDomain,
// asr.SearchLM, asr.SearchDigits, asr.SearchYesNo). Options.Hints are
// ignored: the grammar already holds the shop's wording.
//
// Decoders are not thread-safe and take 40-90 ms to create, so each model
// keeps a pool of idle decoders (WithPool): a stream checks one out at Start
// and returns it at Close. A decoder holds 11-14 MB (Mandarin, English).
//
// Two things this package does that plain pocketsphinx does not, both
// measured on espeak-ng speech:
//   - comfort noise (addFloor): 30 ms of digital silence before speech made
//     the decoder hear "when will you ship" as "two two";
//   - warm-up of fresh decoders (stream.beginLocked): their first utterances
//     decode with the model's initial cepstral mean; decoding the caller's
//     first 0.8 s in throwaway passes first cut Mandarin CER 26% -> 15%.
//
// Grammar results carry a posterior of 1 whatever was said; Calibrate (and
// Pick, for asr.StartAll) derive a usable confidence from the LM search run
// on the same audio. LM results also carry the search's n-best hypotheses
// (asr.Result.NBest, WithNBest) for a listener to choose from (asr.Rescore).
//
// Measured (TestRecognizeShop; espeak-ng voices, 20 canonical demo-shop
// questions and 8 paraphrases per language; WER for English, CER for
// Chinese; real callers will do worse):
//
//	condition  questions    domain  lm     picked  RTF(domain, lm)
//	en 16 kHz  in grammar     1%     5%     1%     0.04, 0.07
//	en 16 kHz  paraphrases   79%    54%    65%
//	en 8 kHz   in grammar    10%    40%    25%     0.04, 0.04
//	en 8 kHz   paraphrases   96%    79%    81%
//	zh 8 kHz   in grammar    15%    62%    21%     0.05, 0.05
//	zh 8 kHz   paraphrases   70%    66%    70%
//	zh 16 kHz  in grammar    27%    54%    15%     (resampled to 8 kHz)
//	zh 16 kHz  paraphrases   61%    67%    59%
package sphinx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/grammar"
	"github.com/callbee/callbee/kb"
)

// Engine is the name in asr.Result.Engine.
const Engine = "sphinx"

// Pool defaults.
const (
	DefaultMaxIdle = 8 // idle decoders kept per model
	DefaultPrewarm = 1 // decoders created per model by New
	DefaultNBest   = 8 // further n-gram hypotheses per result
)

// partialEvery is how many writes pass between partial hypotheses.
const partialEvery = 10

var _ asr.Recognizer = (*Sphinx)(nil)

// Option configures New.
type Option func(*config) error

type config struct {
	modelsDir string
	log       *slog.Logger
	maxIdle   int
	prewarm   int
	langs     []string
	args      []string
	nbest     int
}

// WithDecoderArgs adds pocketsphinx command-line arguments to every
// decoder (e.g. "-lw", "8"), after the model's own.
func WithDecoderArgs(args ...string) Option {
	return func(c *config) error {
		if len(args)%2 != 0 {
			return fmt.Errorf("sphinx: decoder args %q: not name/value pairs", args)
		}
		c.args = append(c.args, args...)
		return nil
	}
}

// WithNBest sets how many further hypotheses of the n-gram search a result
// carries in asr.Result.NBest (DefaultNBest; 0 turns them off).
func WithNBest(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("sphinx: n-best %d: invalid", n)
		}
		c.nbest = n
		return nil
	}
}

// WithModelsDir sets the models directory (config models_dir); the default
// is DefaultModelsDir().
func WithModelsDir(dir string) Option {
	return func(c *config) error { c.modelsDir = dir; return nil }
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("sphinx: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithPool sets the idle decoders kept per model and how many New creates.
func WithPool(maxIdle, prewarm int) Option {
	return func(c *config) error {
		if maxIdle < 0 || prewarm < 0 || prewarm > maxIdle {
			return fmt.Errorf("sphinx: pool %d idle, %d prewarm: invalid", maxIdle, prewarm)
		}
		c.maxIdle, c.prewarm = maxIdle, prewarm
		return nil
	}
}

// WithLanguages limits the languages loaded (default: every language with a model).
func WithLanguages(langs ...string) Option {
	return func(c *config) error { c.langs = langs; return nil }
}

// Sphinx is a pocketsphinx recogniser compiled for one shop. It is safe for
// concurrent use; Close frees it.
type Sphinx struct {
	log     *slog.Logger
	tmp     string             // dictionaries and LMs written for the decoders
	engines map[string]*engine // by model name
	models  []Model
	sets    map[string]*grammar.Set // by language
	closed  atomic.Bool
}

// New compiles the shop's grammars for every installed model and creates
// the first decoders.
func New(shop *kb.Shop, opts ...Option) (*Sphinx, error) {
	cfg := config{log: slog.Default(), maxIdle: DefaultMaxIdle, prewarm: DefaultPrewarm, modelsDir: DefaultModelsDir(), nbest: DefaultNBest}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	models := FindModels(cfg.modelsDir)
	if len(cfg.langs) > 0 {
		var keep []Model
		for _, m := range models {
			for _, l := range cfg.langs {
				if m.Lang == l {
					keep = append(keep, m)
				}
			}
		}
		models = keep
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("sphinx: models dir %q: %w", cfg.modelsDir, ErrNoModel)
	}
	tmp, err := os.MkdirTemp("", "callbee-sphinx-")
	if err != nil {
		return nil, fmt.Errorf("sphinx: %w", err)
	}
	s := &Sphinx{log: cfg.log.With("component", "asr", "engine", Engine), tmp: tmp,
		engines: map[string]*engine{}, models: models, sets: map[string]*grammar.Set{}}
	dicts := map[string]*grammar.Dict{}
	for _, m := range models {
		d := dicts[m.Dict]
		if d == nil {
			if d, err = grammar.LoadDict(m.Dict); err != nil {
				return nil, errors.Join(err, s.Close())
			}
			dicts[m.Dict] = d
		}
		key := m.Lang + "|" + m.Dict
		set := s.sets[key]
		if set == nil {
			if set, err = grammar.Compile(shop, m.Lang, d); err != nil {
				return nil, errors.Join(err, s.Close())
			}
			s.sets[key] = set
			s.sets[m.Lang] = set
			if set.Stats.Dropped > 0 {
				s.log.Info("words without pronunciation dropped", "lang", m.Lang, "tokens", set.Stats.Dropped, "words", set.Stats.Missing)
			}
		}
		e := &engine{model: m, set: set, maxIdle: cfg.maxIdle, args: cfg.args, nbest: cfg.nbest,
			dictPath: filepath.Join(tmp, m.Name+".dic"), lmPath: filepath.Join(tmp, m.Name+".lm")}
		if err := os.WriteFile(e.dictPath, []byte(set.Dict), 0o644); err != nil {
			return nil, errors.Join(err, s.Close())
		}
		if err := os.WriteFile(e.lmPath, []byte(set.LM), 0o644); err != nil {
			return nil, errors.Join(err, s.Close())
		}
		s.engines[m.Name] = e
		for range cfg.prewarm {
			d, err := e.newDecoder()
			if err != nil {
				return nil, errors.Join(err, s.Close())
			}
			e.put(d)
		}
	}
	return s, nil
}

// Models lists the models loaded.
func (s *Sphinx) Models() []Model { return append([]Model(nil), s.models...) }

// Grammar returns the compiled set for lang (nil if none).
func (s *Sphinx) Grammar(lang string) *grammar.Set { return s.sets[lang] }

// PoolStats describes one model's decoders.
type PoolStats struct {
	Created int64         // decoders ever created
	Live    int64         // decoders not yet freed (idle + in use)
	Idle    int           // decoders waiting in the pool
	Setup   time.Duration // mean time to create a decoder
}

// Stats reports each model's pool, by model name.
func (s *Sphinx) Stats() map[string]PoolStats {
	out := map[string]PoolStats{}
	for name, e := range s.engines {
		out[name] = e.stats()
	}
	return out
}

// Start checks a decoder out for one utterance.
func (s *Sphinx) Start(ctx context.Context, o asr.Options) (asr.Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("sphinx: start: %w", asr.ErrClosed)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	search := o.SearchOrDefault()
	m, err := pickModel(s.models, o.Lang, o.Rate)
	if err != nil {
		return nil, err
	}
	e := s.engines[m.Name]
	if _, ok := e.set.Grammars[search]; !ok && search != asr.SearchLM {
		return nil, fmt.Errorf("sphinx: search %q: %w", search, asr.ErrUnsupported)
	}
	d, err := e.get()
	if err != nil {
		return nil, err
	}
	return newStream(e, d, o, search)
}

// Close frees the idle decoders; decoders still in streams are freed when
// those streams close. Safe twice.
func (s *Sphinx) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	for _, e := range s.engines {
		e.close()
	}
	return os.RemoveAll(s.tmp)
}

// engine is one model's decoder pool.
type engine struct {
	model            Model
	set              *grammar.Set
	dictPath, lmPath string
	maxIdle          int
	args             []string // extra decoder arguments
	nbest            int      // n-best hypotheses of the n-gram search

	mu     sync.Mutex // guards idle and closed
	idle   []*decoder
	closed bool

	created, live, setupNanos atomic.Int64
}

func (e *engine) newDecoder() (*decoder, error) {
	t0 := time.Now()
	d, err := newDecoder(e.model, e.dictPath, e.set.Grammars, e.lmPath, e.args)
	if err != nil {
		return nil, err
	}
	d.nbest = e.nbest
	e.setupNanos.Add(int64(time.Since(t0)))
	e.created.Add(1)
	e.live.Add(1)
	return d, nil
}

// get returns an idle decoder or creates one (outside the lock).
func (e *engine) get() (*decoder, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, fmt.Errorf("sphinx: %w", asr.ErrClosed)
	}
	if n := len(e.idle); n > 0 {
		d := e.idle[n-1]
		e.idle = e.idle[:n-1]
		e.mu.Unlock()
		return d, nil
	}
	e.mu.Unlock()
	return e.newDecoder()
}

// put returns d to the pool, or frees it when the pool is full or closed.
func (e *engine) put(d *decoder) {
	e.mu.Lock()
	if !e.closed && len(e.idle) < e.maxIdle {
		e.idle = append(e.idle, d)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	e.free(d)
}

func (e *engine) free(d *decoder) {
	d.free()
	e.live.Add(-1)
}

func (e *engine) close() {
	e.mu.Lock()
	idle := e.idle
	e.idle, e.closed = nil, true
	e.mu.Unlock()
	for _, d := range idle {
		e.free(d)
	}
}

func (e *engine) stats() PoolStats {
	e.mu.Lock()
	idle := len(e.idle)
	e.mu.Unlock()
	st := PoolStats{Created: e.created.Load(), Live: e.live.Load(), Idle: idle}
	if st.Created > 0 {
		st.Setup = time.Duration(e.setupNanos.Load() / st.Created)
	}
	return st
}
