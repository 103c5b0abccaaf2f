package tts

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/callbee/callbee/media"
)

// DefaultAhead is how much synthesised audio a Pipe holds before its writer
// waits (WaitRoom): enough to keep playout fed while the next sentence is
// synthesised, little enough to bound memory per call.
const DefaultAhead = 4 * time.Second

// Pipe hands audio from one synthesis goroutine (the writer) to one reader
// as standard frames. Push never blocks, so an engine callback can call it
// while holding the engine's lock; the writer bounds the queue by calling
// WaitRoom (outside any lock) before each sentence, so at most the ahead
// limit plus one sentence is buffered. Nothing is dropped: speech with holes
// is worse than speech that starts a moment later.
type Pipe struct {
	rate  int
	n     int // samples per frame
	ahead int // samples buffered before WaitRoom waits

	mu     sync.Mutex // guards the fields below
	buf    []int16    // buf[off:] is unread audio
	off    int
	done   bool  // the writer finished (Finish)
	err    error // the writer's error, nil for io.EOF
	closed bool  // the reader closed
	seq    uint64
	out    []int16 // the frame handed to the reader; owned by the reader side

	readable chan struct{} // cap 1: audio or the end arrived
	room     chan struct{} // cap 1: the reader consumed audio or closed
}

// NewPipe returns a Pipe of frames at rate that lets the writer run ahead
// of the reader by ahead (DefaultAhead when 0).
func NewPipe(rate int, ahead time.Duration) (*Pipe, error) {
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("tts: pipe rate %d: %w", rate, media.ErrBadRate)
	}
	if ahead <= 0 {
		ahead = DefaultAhead
	}
	n := media.SamplesPerFrame(rate)
	return &Pipe{
		rate: rate, n: n,
		ahead:    int(int64(rate) * int64(ahead) / int64(time.Second)),
		out:      make([]int16, n),
		readable: make(chan struct{}, 1),
		room:     make(chan struct{}, 1),
	}, nil
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Rate is the sample rate of the pipe's frames.
func (p *Pipe) Rate() int { return p.rate }

// Push appends samples (copied) for the reader. It never blocks. It returns
// ErrClosed once the reader has closed, so the writer can stop.
func (p *Pipe) Push(samples []int16) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if p.off > 0 && p.off >= len(p.buf)/2 {
		k := copy(p.buf, p.buf[p.off:])
		p.buf = p.buf[:k]
		p.off = 0
	}
	p.buf = append(p.buf, samples...)
	p.mu.Unlock()
	signal(p.readable)
	return nil
}

// Buffered is the audio pushed but not yet read.
func (p *Pipe) Buffered() time.Duration {
	p.mu.Lock()
	n := len(p.buf) - p.off
	p.mu.Unlock()
	return time.Duration(n) * time.Second / time.Duration(p.rate)
}

// WaitRoom blocks until less than the ahead limit is buffered. It returns
// ErrClosed when the reader has closed, or ctx's error.
func (p *Pipe) WaitRoom(ctx context.Context) error {
	for {
		p.mu.Lock()
		closed, buffered := p.closed, len(p.buf)-p.off
		p.mu.Unlock()
		if closed {
			return ErrClosed
		}
		if buffered < p.ahead {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.room:
		}
	}
}

// Finish ends the stream: the reader gets the buffered audio, then err, or
// io.EOF when err is nil. Later calls are ignored.
func (p *Pipe) Finish(err error) {
	p.mu.Lock()
	if !p.done {
		p.done, p.err = true, err
	}
	p.mu.Unlock()
	signal(p.readable)
}

// ReadFrame returns the next standard frame, padding the last with silence.
// After the end it returns the writer's error or io.EOF.
func (p *Pipe) ReadFrame(ctx context.Context) (media.Frame, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return media.Frame{}, ErrClosed
		}
		avail := len(p.buf) - p.off
		if avail >= p.n || (p.done && avail > 0) {
			k := copy(p.out, p.buf[p.off:])
			clear(p.out[k:])
			p.off += k
			f := media.Frame{Samples: p.out, Rate: p.rate, At: media.FrameAt(p.seq), Seq: p.seq}
			p.seq++
			p.mu.Unlock()
			signal(p.room)
			return f, nil
		}
		if p.done {
			err := p.err
			p.mu.Unlock()
			if err == nil {
				err = io.EOF
			}
			return media.Frame{}, err
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-p.readable:
		}
	}
}

// Close is called by the reader: it drops the buffered audio and makes
// Push and WaitRoom return ErrClosed. It is safe to call twice.
func (p *Pipe) Close() error {
	p.mu.Lock()
	p.closed = true
	p.buf, p.off = nil, 0
	p.mu.Unlock()
	signal(p.room)
	return nil
}
