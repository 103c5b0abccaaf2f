// Package playout plays the bot's audio to a caller in real time with
// barge-in. A Player owns one goroutine that takes frames from a bounded
// queue and writes one every media.FrameDuration to a media.Writer, paced by
// a media.Clock. When the caller talks over the bot (a media.VoiceSustained
// event: voice longer than a backchannel or a cough) or presses a key, the
// queue is dropped at once: at most the frame being written still goes out,
// so playout stops within one frame (20 ms) of the report.
package playout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callbee/callbee/media"
)

// DefaultQueueFrames is the queue size: 30 s of audio, enough for a long
// answer synthesised faster than real time.
const DefaultQueueFrames = 1500

// Option configures a Player.
type Option func(*Player) error

// WithClock paces playout by c instead of the system clock.
func WithClock(c media.Clock) Option {
	return func(p *Player) error {
		if c == nil {
			return fmt.Errorf("playout: nil clock: %w", ErrBadOption)
		}
		p.clock = c
		return nil
	}
}

// WithQueueFrames bounds the queue (at least 1 frame, at most 1 hour). When
// full, Enqueue drops the oldest frame and counts it; Play waits.
func WithQueueFrames(n int) Option {
	return func(p *Player) error {
		if n < 1 || n > 180000 {
			return fmt.Errorf("playout: queue of %d frames: %w", n, ErrBadOption)
		}
		p.size = n
		return nil
	}
}

// WithDTMFInterrupts sets whether a keypad digit interrupts playout (on by default).
func WithDTMFInterrupts(on bool) Option {
	return func(p *Player) error { p.dtmf = on; return nil }
}

// Stats counts what a Player did.
type Stats struct {
	Played     uint64 // frames written
	Dropped    uint64 // frames dropped because the queue was full
	Discarded  uint64 // frames dropped by Interrupt, barge-in or Flush
	Interrupts uint64 // interruptions that dropped audio
}

// Player writes queued frames to a Writer in real time. Its methods are safe
// for concurrent use.
type Player struct {
	w     media.Writer
	rate  int
	clock media.Clock
	size  int
	dtmf  bool
	start time.Time

	mu      sync.Mutex // guards the fields below
	ring    []media.Frame
	head, n int
	writing bool  // a frame is taken and not yet written
	gen     int64 // bumped by every Interrupt/Flush
	cause   error // why gen last changed
	closed  bool
	err     error // first write error

	wake  chan struct{} // 1-buffered: frames queued or state changed
	space chan struct{} // 1-buffered: room in the queue, or gen changed
	idle  chan struct{} // 1-buffered: queue empty and nothing being written
	done  chan struct{} // closed by Close
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
	once  sync.Once

	played, dropped, discarded, interrupts atomic.Uint64
}

// New starts a Player writing rate-Hz frames to w.
func New(w media.Writer, rate int, opts ...Option) (*Player, error) {
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("playout: rate %d: %w", rate, media.ErrBadRate)
	}
	p := &Player{
		w: w, rate: rate, clock: media.SystemClock{}, size: DefaultQueueFrames, dtmf: true,
		wake: make(chan struct{}, 1), space: make(chan struct{}, 1), idle: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	for _, o := range opts {
		if err := o(p); err != nil {
			return nil, err
		}
	}
	p.ring = make([]media.Frame, p.size)
	for i := range p.ring {
		p.ring[i].Samples = make([]int16, 0, media.SamplesPerFrame(rate))
	}
	p.start = p.clock.Now()
	p.ctx, p.stop = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.run()
	return p, nil
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Enqueue copies f into the queue without blocking. When the queue is full
// the oldest frame is dropped and counted. f must be at the Player's rate.
func (p *Player) Enqueue(f media.Frame) error {
	if f.Rate != p.rate {
		return fmt.Errorf("playout: %d Hz frame for a %d Hz player: %w", f.Rate, p.rate, media.ErrRateMismatch)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fmt.Errorf("playout: %w", media.ErrClosed)
	}
	if p.n == p.size {
		p.head = (p.head + 1) % p.size
		p.n--
		p.dropped.Add(1)
	}
	p.pushLocked(f)
	p.mu.Unlock()
	signal(p.wake)
	return nil
}

func (p *Player) pushLocked(f media.Frame) {
	slot := &p.ring[(p.head+p.n)%p.size]
	slot.Samples = append(slot.Samples[:0], f.Samples...)
	slot.Rate, slot.At, slot.Seq = f.Rate, f.At, f.Seq
	p.n++
}

// Play queues every frame of r, waiting for room when the queue is full, and
// returns when r is exhausted (nil; the audio may still be playing: see
// Drain), when the audio is interrupted (ErrInterrupted) or flushed
// (ErrFlushed), on ctx's error, or after Close (media.ErrClosed).
func (p *Player) Play(ctx context.Context, r media.Reader) error {
	p.mu.Lock()
	gen := p.gen
	p.mu.Unlock()
	for {
		f, err := r.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if f.Rate != p.rate {
			return fmt.Errorf("playout: %d Hz frame for a %d Hz player: %w", f.Rate, p.rate, media.ErrRateMismatch)
		}
		if err := p.put(ctx, f, gen); err != nil {
			return err
		}
	}
}

// put queues f, waiting for room, unless the audio of generation gen was
// interrupted or flushed.
func (p *Player) put(ctx context.Context, f media.Frame, gen int64) error {
	for {
		p.mu.Lock()
		var err error
		switch {
		case p.closed:
			err = errors.Join(fmt.Errorf("playout: %w", media.ErrClosed), p.err)
		case p.gen != gen:
			err = p.cause
		case p.n < p.size:
			p.pushLocked(f)
			p.mu.Unlock()
			signal(p.wake)
			return nil
		}
		p.mu.Unlock()
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.space:
		case <-p.done:
		}
	}
}

// Observe takes a caller event: media.VoiceSustained (the caller talks over
// the bot) and, unless disabled, media.DTMF interrupt playout; other events
// are ignored. It never blocks.
func (p *Player) Observe(ev media.Event) {
	switch {
	case ev.Kind == media.VoiceSustained, ev.Kind == media.DTMF && p.dtmf:
		p.discard(ErrInterrupted)
	}
}

// Interrupt drops all queued audio at once (barge-in).
func (p *Player) Interrupt() { p.discard(ErrInterrupted) }

// Flush drops all queued audio without counting an interruption.
func (p *Player) Flush() { p.discard(ErrFlushed) }

func (p *Player) discard(cause error) {
	p.mu.Lock()
	n := p.n
	active := n > 0 || p.writing
	p.head, p.n = 0, 0
	p.gen++
	p.cause = cause
	empty := !p.writing
	p.mu.Unlock()
	p.discarded.Add(uint64(n))
	if cause == ErrInterrupted && active {
		p.interrupts.Add(1)
	}
	signal(p.space)
	if empty {
		signal(p.idle)
	}
}

// Pending is the number of frames queued or being written.
func (p *Player) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.n
	if p.writing {
		n++
	}
	return n
}

// Drain waits until everything queued has been written.
func (p *Player) Drain(ctx context.Context) error {
	for {
		p.mu.Lock()
		empty, closed := p.n == 0 && !p.writing, p.closed
		p.mu.Unlock()
		if empty {
			return nil
		}
		if closed {
			return fmt.Errorf("playout: %w", media.ErrClosed)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.idle:
		case <-p.done:
		}
	}
}

// Stats returns the counters.
func (p *Player) Stats() Stats {
	return Stats{Played: p.played.Load(), Dropped: p.dropped.Load(), Discarded: p.discarded.Load(), Interrupts: p.interrupts.Load()}
}

// Close stops playout, drops what is queued, and waits for the goroutine.
// It returns the first write error, if any. Safe to call twice.
func (p *Player) Close() error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.discarded.Add(uint64(p.n))
		p.head, p.n = 0, 0
		p.mu.Unlock()
		close(p.done)
		p.stop()
	})
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// run is the playout goroutine: one frame per FrameDuration while there is
// audio; idle (no timer) when there is none.
func (p *Player) run() {
	defer p.wg.Done()
	cur := media.Frame{Samples: make([]int16, 0, media.SamplesPerFrame(p.rate))}
	var next time.Time // when the next frame is due; zero when idle
	var seq uint64
	for {
		if !next.IsZero() {
			if d := next.Sub(p.clock.Now()); d > 0 {
				select {
				case <-p.clock.After(d):
				case <-p.done:
					return
				}
			}
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		if p.n == 0 {
			p.mu.Unlock()
			signal(p.idle)
			next = time.Time{}
			select {
			case <-p.wake:
				continue
			case <-p.done:
				return
			}
		}
		slot := &p.ring[p.head]
		cur.Samples = append(cur.Samples[:0], slot.Samples...)
		p.head = (p.head + 1) % p.size
		p.n--
		p.writing = true
		p.mu.Unlock()
		signal(p.space)

		now := p.clock.Now()
		cur.Rate, cur.Seq, cur.At = p.rate, seq, now.Sub(p.start)
		seq++
		err := p.w.WriteFrame(p.ctx, cur)

		p.mu.Lock()
		p.writing = false
		empty := p.n == 0
		if err != nil && !p.closed {
			p.err = fmt.Errorf("playout: write: %w", err)
			p.closed = true
		}
		stop := p.closed
		p.mu.Unlock()
		if err == nil {
			p.played.Add(1)
		}
		if empty || stop {
			signal(p.idle) // a Drain waiting re-checks: drained, or closed by the error
		}
		if stop {
			signal(p.space) // and so does a Play waiting for room
			return
		}
		if next.IsZero() || now.Sub(next) > media.FrameDuration {
			next = now // start, or fell behind (slow writer): resynchronise
		}
		next = next.Add(media.FrameDuration)
	}
}
