package switchboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/sphinx"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/espeak"
	"github.com/callbee/callbee/tts/ttscache"
)

// Offline is the Speech of the offline engines: one pocketsphinx recogniser
// per shop (compiled on the shop's first call, replaced when the shop is
// reloaded) and one espeak-ng synthesiser with a cache per output rate.
type Offline struct {
	modelsDir string
	langs     []string
	log       *slog.Logger

	mu     sync.Mutex // guards the fields below
	closed bool
	recs   map[string]*recEntry // by shop id
	syns   map[int]*ttscache.Cache
	engs   []*espeak.Engine
	warmed map[warmKey]bool
}

// recEntry is one shop's recogniser; ready is closed once rec or err is set.
type recEntry struct {
	shop  *kb.Shop
	ready chan struct{}
	rec   *sphinx.Sphinx
	err   error
}

type warmKey struct {
	shop *kb.Shop
	lang string
	rate int
}

var _ Speech = (*Offline)(nil)

// OfflineOption configures NewOffline.
type OfflineOption func(*Offline)

// WithModelsDir sets where the pocketsphinx models are (config models_dir;
// the sphinx package's default when empty).
func WithModelsDir(dir string) OfflineOption { return func(o *Offline) { o.modelsDir = dir } }

// WithLanguages limits the recogniser models loaded per shop.
func WithLanguages(langs ...string) OfflineOption {
	return func(o *Offline) { o.langs = langs }
}

// WithSpeechLogger sets the logger.
func WithSpeechLogger(l *slog.Logger) OfflineOption {
	return func(o *Offline) {
		if l != nil {
			o.log = l
		}
	}
}

// NewOffline returns the offline engines. Nothing is loaded until a call
// needs it (or Prepare is called).
func NewOffline(opts ...OfflineOption) *Offline {
	o := &Offline{log: slog.New(slog.DiscardHandler), recs: map[string]*recEntry{},
		syns: map[int]*ttscache.Cache{}, warmed: map[warmKey]bool{}}
	for _, fn := range opts {
		fn(o)
	}
	return o
}

// Prepare compiles shop's recogniser now instead of on its first call.
func (o *Offline) Prepare(ctx context.Context, shop *kb.Shop) error {
	_, err := o.sphinx(ctx, shop)
	return err
}

// sphinx returns shop's recogniser, compiling it once per loaded shop. A
// reloaded shop (a new *kb.Shop with the same id) gets a new recogniser and
// the old one is closed; streams still running on it finish first.
func (o *Offline) sphinx(ctx context.Context, shop *kb.Shop) (*sphinx.Sphinx, error) {
	id := shop.ID()
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, ErrClosed
	}
	e := o.recs[id]
	var old *sphinx.Sphinx
	if e == nil || e.shop != shop {
		if e != nil {
			select {
			case <-e.ready:
				old = e.rec
			default: // still compiling: its builder closes it (see below)
			}
		}
		e = &recEntry{shop: shop, ready: make(chan struct{})}
		o.recs[id] = e
		o.mu.Unlock()
		if old != nil {
			_ = old.Close()
		}
		opts := []sphinx.Option{sphinx.WithLogger(o.log)}
		if o.modelsDir != "" {
			opts = append(opts, sphinx.WithModelsDir(o.modelsDir))
		}
		if len(o.langs) > 0 {
			opts = append(opts, sphinx.WithLanguages(o.langs...))
		}
		e.rec, e.err = sphinx.New(shop, opts...)
		if e.err != nil {
			e.err = fmt.Errorf("shop %s: %w", id, e.err)
		}
		close(e.ready)
		o.mu.Lock()
		stale := o.recs[id] != e || o.closed
		o.mu.Unlock()
		if stale && e.rec != nil { // replaced or closed while compiling
			_ = e.rec.Close()
			return nil, ErrClosed
		}
		return e.rec, e.err
	}
	o.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.ready:
	}
	return e.rec, e.err
}

// Recognition picks the model for lang at doorRate: 16 kHz when the door
// carries wideband audio and a 16 kHz model exists, else 8 kHz (the 16 kHz
// model fails on narrowband audio, and upsampling doubles its errors).
func (o *Offline) Recognition(ctx context.Context, shop *kb.Shop, lang string, doorRate int) (Recognition, error) {
	rec, err := o.sphinx(ctx, shop)
	if err != nil {
		return Recognition{}, err
	}
	rate := 0
	for _, m := range rec.Models() {
		if m.Lang != lang {
			continue
		}
		switch {
		case m.Rate == media.Rate16k && doorRate >= media.Rate16k:
			rate = media.Rate16k
		case rate == 0:
			rate = m.Rate
		}
	}
	if rate == 0 {
		return Recognition{}, fmt.Errorf("no %s model: %w", lang, asr.ErrUnsupported)
	}
	return Recognition{Recognizer: rec, Rate: rate, Pick: sphinx.Pick(asr.DefaultTrust)}, nil
}

// Synthesizer returns the cached espeak-ng synthesiser at rate.
func (o *Offline) Synthesizer(_ context.Context, rate int) (tts.Synthesizer, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, ErrClosed
	}
	if c := o.syns[rate]; c != nil {
		return c, nil
	}
	eng, err := espeak.New(espeak.WithOutputRate(rate))
	if err != nil {
		return nil, err
	}
	c, err := ttscache.New(eng)
	if err != nil {
		return nil, errors.Join(err, eng.Close())
	}
	o.engs = append(o.engs, eng)
	o.syns[rate] = c
	return c, nil
}

// Warm synthesises texts for the default voice of lang at rate in the
// cache's background goroutine, once per shop, language and rate.
func (o *Offline) Warm(shop *kb.Shop, lang string, rate int, texts func() []string) {
	k := warmKey{shop, lang, rate}
	o.mu.Lock()
	if o.warmed[k] || o.closed {
		o.mu.Unlock()
		return
	}
	o.warmed[k] = true
	o.mu.Unlock()
	syn, err := o.Synthesizer(context.Background(), rate)
	if err != nil {
		o.log.Warn("warm", "err", err)
		return
	}
	// The cache owns the batch's goroutine; Close abandons it.
	if _, err := syn.(*ttscache.Cache).Warm(context.Background(), tts.DefaultVoice(lang), texts()); err != nil {
		o.log.Warn("warm", "shop", shop.ID(), "lang", lang, "err", err)
	}
}

// Close frees every engine. Calls still running fail or finish with what
// they hold.
func (o *Offline) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	recs, syns, engs := o.recs, o.syns, o.engs
	o.recs, o.syns, o.engs = nil, nil, nil
	o.mu.Unlock()
	var errs []error
	for _, e := range recs {
		select {
		case <-e.ready:
			if e.rec != nil {
				errs = append(errs, e.rec.Close())
			}
		default: // the builder sees closed and frees it
		}
	}
	for _, c := range syns {
		errs = append(errs, c.Close())
	}
	for _, e := range engs {
		errs = append(errs, e.Close())
	}
	return errors.Join(errs...)
}
