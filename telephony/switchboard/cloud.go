package switchboard

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/ttscache"
)

// Cloud is the Speech of cloud engines (Google Cloud Speech-to-Text and
// Text-to-Speech, or any asr.Recognizer and tts.Synthesizer): one
// recogniser for every shop, with the shop's questions, product names and
// aliases as phrase hints, and one cached synthesiser.
type Cloud struct {
	rec   asr.Recognizer
	cache *ttscache.Cache

	mu     sync.Mutex // guards warmed, hints
	warmed map[warmKey]bool
	hints  map[*kb.Shop][]string
}

var _ Speech = (*Cloud)(nil)

// NewCloud returns the Speech of rec and syn. Close frees the cache, not
// rec or syn (their owner closes them).
func NewCloud(rec asr.Recognizer, syn tts.Synthesizer) (*Cloud, error) {
	if rec == nil || syn == nil {
		return nil, errors.New("switchboard: cloud speech needs a recogniser and a synthesiser")
	}
	c, err := ttscache.New(syn)
	if err != nil {
		return nil, err
	}
	return &Cloud{rec: rec, cache: c, warmed: map[warmKey]bool{}, hints: map[*kb.Shop][]string{}}, nil
}

// Recognition runs the call at the door's rate (16 kHz for wideband doors:
// the services take 8 or 16 kHz best), one search per turn with the shop's
// phrase hints.
func (c *Cloud) Recognition(_ context.Context, shop *kb.Shop, lang string, doorRate int) (Recognition, error) {
	rate := media.Rate8k
	if doorRate >= media.Rate16k {
		rate = media.Rate16k
	}
	return Recognition{Recognizer: &hinted{rec: c.rec, hints: c.shopHints(shop, lang)}, Rate: rate}, nil
}

// shopHints are the phrases a shop's callers are likely to say: its FAQ
// questions, product names and aliases.
func (c *Cloud) shopHints(shop *kb.Shop, lang string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.hints[shop]; ok {
		return h
	}
	var h []string
	for _, q := range shop.ActiveFAQs() {
		if s := q.Question.Get(lang); s != "" {
			h = append(h, s)
		}
	}
	for _, p := range shop.Products {
		if s := p.Title.Get(lang); s != "" {
			h = append(h, s)
		}
		h = append(h, p.Aliases.Get(lang)...)
	}
	c.hints[shop] = h
	return h
}

// Synthesizer is the cached synthesiser (its own rate; the session
// converts).
func (c *Cloud) Synthesizer(context.Context, int) (tts.Synthesizer, error) { return c.cache, nil }

// Warm synthesises texts in the background once per shop and language.
func (c *Cloud) Warm(shop *kb.Shop, lang string, rate int, texts func() []string) {
	k := warmKey{shop, lang, 0}
	c.mu.Lock()
	done := c.warmed[k]
	c.warmed[k] = true
	c.mu.Unlock()
	if !done {
		_, _ = c.cache.Warm(context.Background(), tts.DefaultVoice(lang), texts())
	}
}

// Close frees the cache.
func (c *Cloud) Close() error { return c.cache.Close() }

// hinted runs one recognition per turn: a cloud service has no separate
// grammar and LM searches, so the voice session's second search gets an
// empty stream (asr.Pick then takes the real one), and every stream carries
// the shop's phrase hints.
type hinted struct {
	rec   asr.Recognizer
	hints []string
}

func (h *hinted) Start(ctx context.Context, o asr.Options) (asr.Stream, error) {
	if o.Search == asr.SearchLM {
		return &emptyStream{}, nil
	}
	o.Hints = append(append([]string(nil), o.Hints...), h.hints...)
	st, err := h.rec.Start(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("cloud recognition: %w", err)
	}
	return st, nil
}

// emptyStream hears nothing.
type emptyStream struct{}

func (emptyStream) WriteFrame(context.Context, media.Frame) error { return nil }
func (emptyStream) Partial() asr.Result                           { return asr.Result{} }
func (emptyStream) Final(context.Context) (asr.Result, error)     { return asr.Result{}, nil }
func (emptyStream) Close() error                                  { return nil }
