// Package ttscache keeps synthesised speech so that answers a shop gives
// again and again (the welcome, card questions, static FAQ answers) start
// playing with zero synthesis time. The Cache wraps a tts.Synthesizer and is
// one itself; audio is keyed by engine, voice (language, rate, volume,
// pitch) and text, bounded by bytes with least-recently-used eviction, and
// Warm synthesises a list of texts in the background when a shop loads.
package ttscache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/tts"
)

// DefaultMaxBytes bounds a cache made without WithMaxBytes: 64 MiB holds
// about 25 minutes of 22.05 kHz speech (a few hundred answers).
const DefaultMaxBytes = 64 << 20

// MaxWarmQueue bounds the texts waiting to be warmed.
const MaxWarmQueue = 10000

// Key identifies one synthesised text. Voice multipliers are normalised
// (tts.Voice.Normalized), the text trimmed.
type Key struct {
	Engine string
	Voice  tts.Voice
	Text   string
}

// namer is what the cache uses of an engine that can name itself
// (espeak.Engine includes its voices and output rate in the name).
type namer interface{ Name() string }

type entry struct {
	key     Key
	rate    int
	samples []int16 // immutable once stored
}

func (e *entry) bytes() int64 { return int64(2*len(e.samples)) + int64(len(e.key.Text)) + 64 }

// Stats counts the cache's work.
type Stats struct {
	Hits, Misses, Evictions int64
	Entries                 int
	Bytes                   int64
}

// Cache is a tts.Synthesizer that serves repeated texts from memory. It is
// safe for concurrent use. Close stops warming.
type Cache struct {
	syn      tts.Synthesizer
	engine   string
	maxBytes int64

	mu        sync.Mutex // guards lru, items, bytes, evictions, warmQueue, closed
	lru       *list.List // of *entry, most recent first
	items     map[Key]*list.Element
	bytes     int64
	evictions int64
	warmQueue []warmJob
	closed    bool

	hits, misses atomic.Int64

	wake   chan struct{} // cap 1: warm work queued
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the warm goroutine has returned
}

var (
	_ tts.Synthesizer = (*Cache)(nil)
	_ tts.Stream      = (*cachedStream)(nil)
	_ tts.Stream      = (*teeStream)(nil)
)

// Option configures a Cache.
type Option func(*Cache) error

// WithMaxBytes bounds the audio kept (samples at 2 bytes each, plus a small
// overhead per entry).
func WithMaxBytes(n int64) Option {
	return func(c *Cache) error {
		if n <= 0 {
			return fmt.Errorf("ttscache: max bytes %d: %w", n, ErrBadOption)
		}
		c.maxBytes = n
		return nil
	}
}

// WithEngine names the engine in the keys. The default is the engine's
// Name() when it has one, else its Go type.
func WithEngine(name string) Option {
	return func(c *Cache) error {
		if name == "" {
			return fmt.Errorf("ttscache: empty engine name: %w", ErrBadOption)
		}
		c.engine = name
		return nil
	}
}

// New returns a cache in front of syn and starts its warm goroutine.
func New(syn tts.Synthesizer, opts ...Option) (*Cache, error) {
	if syn == nil {
		return nil, fmt.Errorf("ttscache: nil synthesizer: %w", ErrBadOption)
	}
	c := &Cache{
		syn: syn, maxBytes: DefaultMaxBytes,
		lru: list.New(), items: map[Key]*list.Element{},
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if n, ok := syn.(namer); ok {
		c.engine = n.Name()
	} else {
		c.engine = fmt.Sprintf("%T", syn)
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.warmLoop()
	return c, nil
}

// Close stops warming (batches not finished report tts.ErrClosed), waits
// for the warm goroutine and makes later misses and Warm calls fail with
// tts.ErrClosed; hits are still served. Streams already returned keep working. It is safe
// to call twice.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	pending := c.warmQueue
	c.warmQueue = nil
	c.mu.Unlock()
	c.cancel()
	<-c.done
	// The warm goroutine has returned: answer the batches it never reached.
	for _, j := range pending {
		if j.reply != nil {
			j.reply <- errors.Join(append(*j.errs, fmt.Errorf("ttscache: warm: %w", tts.ErrClosed))...)
			close(j.reply)
		}
	}
	return nil
}

// KeyFor is the key text spoken with v has in this cache.
func (c *Cache) KeyFor(text string, v tts.Voice) Key {
	return Key{Engine: c.engine, Voice: v.Normalized(), Text: strings.TrimSpace(text)}
}

// Contains reports whether text spoken with v is cached.
func (c *Cache) Contains(text string, v tts.Voice) bool {
	k := c.KeyFor(text, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.items[k]
	return ok
}

// Stats returns the current counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions,
		Entries: len(c.items), Bytes: c.bytes}
}

// Synthesize serves text from the cache, with no synthesis at all, or
// streams it from the engine while recording it; a miss that is read to the
// end is stored.
func (c *Cache) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Stream, error) {
	k := c.KeyFor(text, v)
	if e, ok := c.get(k); ok {
		c.hits.Add(1)
		return newCachedStream(e)
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("ttscache: synthesize: %w", tts.ErrClosed)
	}
	c.misses.Add(1)
	s, err := c.syn.Synthesize(ctx, text, v)
	if err != nil {
		return nil, err
	}
	return &teeStream{Stream: s, c: c, key: k}, nil
}

func (c *Cache) get(k Key) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*entry), true
}

// put stores e unless it alone exceeds the bound, evicting the least
// recently used entries to make room.
func (c *Cache) put(e *entry) {
	size := e.bytes()
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if el, ok := c.items[e.key]; ok {
		c.removeLocked(el)
	}
	for c.bytes+size > c.maxBytes && c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back())
		c.evictions++
	}
	c.items[e.key] = c.lru.PushFront(e)
	c.bytes += size
}

func (c *Cache) removeLocked(el *list.Element) {
	e := c.lru.Remove(el).(*entry)
	delete(c.items, e.key)
	c.bytes -= e.bytes()
}

// cachedStream plays stored samples; it copies each frame, so a reader that
// changes a frame's samples cannot change the cache.
type cachedStream struct {
	r    *media.SliceReader
	rate int
}

func newCachedStream(e *entry) (tts.Stream, error) {
	r, err := media.NewSliceReader(e.rate, e.samples)
	if err != nil {
		return nil, fmt.Errorf("ttscache: %w", err)
	}
	return &cachedStream{r: r, rate: e.rate}, nil
}

func (s *cachedStream) ReadFrame(ctx context.Context) (media.Frame, error) { return s.r.ReadFrame(ctx) }
func (s *cachedStream) Rate() int                                          { return s.rate }
func (s *cachedStream) Close() error                                       { return nil }

// teeStream records the frames of a miss and stores them at io.EOF.
type teeStream struct {
	tts.Stream
	c       *Cache
	key     Key
	samples []int16
	rate    int
	failed  bool // an error or an oversize text: do not store
}

func (t *teeStream) ReadFrame(ctx context.Context) (media.Frame, error) {
	f, err := t.Stream.ReadFrame(ctx)
	switch {
	case err == nil:
		if !t.failed {
			t.rate = f.Rate
			t.samples = append(t.samples, f.Samples...)
			if int64(2*len(t.samples)) > t.c.maxBytes {
				t.failed, t.samples = true, nil
			}
		}
	case errors.Is(err, io.EOF):
		if !t.failed && len(t.samples) > 0 {
			t.c.put(&entry{key: t.key, rate: t.rate, samples: t.samples})
		}
		t.failed, t.samples = true, nil // store once
	default:
		t.failed, t.samples = true, nil
	}
	return f, err
}
