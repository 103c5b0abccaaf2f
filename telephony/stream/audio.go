package stream

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/callbee/callbee/media"
)

// Inbox is the bounded queue of caller frames between a door's reader and
// the answerer: Push never blocks (the oldest frame is dropped and counted
// when full); ReadFrame waits, and returns io.EOF once the inbox is closed
// and drained. telephony/twilio uses it too.
type Inbox struct {
	max   int
	ready chan struct{} // 1-buffered: "something changed"

	mu     sync.Mutex // guards q, closed, free, last
	q      []media.Frame
	closed bool
	free   [][]int16 // sample buffers to reuse
	last   []int16   // samples of the frame ReadFrame returned last

	dropped atomic.Uint64
}

var _ media.Reader = (*Inbox)(nil)

// NewInbox returns an inbox holding at most max frames.
func NewInbox(max int) *Inbox {
	if max <= 0 {
		max = DefaultInboundFrames
	}
	return &Inbox{max: max, ready: make(chan struct{}, 1)}
}

func (b *Inbox) signal() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// Push queues a copy of f. It reports false after Close.
func (b *Inbox) Push(f media.Frame) bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	if len(b.q) >= b.max {
		b.free = append(b.free, b.q[0].Samples)
		copy(b.q, b.q[1:])
		b.q = b.q[:len(b.q)-1]
		b.dropped.Add(1)
	}
	var buf []int16
	if n := len(b.free); n > 0 {
		buf, b.free = b.free[n-1], b.free[:n-1]
	}
	f.Samples = append(buf[:0], f.Samples...)
	b.q = append(b.q, f)
	b.mu.Unlock()
	b.signal()
	return true
}

// Close ends the stream: ReadFrame drains what is queued, then io.EOF.
// Safe twice.
func (b *Inbox) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.signal()
}

// ReadFrame returns the oldest queued frame; its samples are valid until
// the next call.
func (b *Inbox) ReadFrame(ctx context.Context) (media.Frame, error) {
	for {
		b.mu.Lock()
		if b.last != nil && len(b.free) < b.max {
			b.free = append(b.free, b.last)
		}
		b.last = nil
		if len(b.q) > 0 {
			f := b.q[0]
			copy(b.q, b.q[1:])
			b.q[len(b.q)-1] = media.Frame{}
			b.q = b.q[:len(b.q)-1]
			b.last = f.Samples
			b.mu.Unlock()
			return f, nil
		}
		closed := b.closed
		b.mu.Unlock()
		if closed {
			return media.Frame{}, io.EOF
		}
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-b.ready:
		}
	}
}

// Dropped counts frames dropped because the inbox was full.
func (b *Inbox) Dropped() uint64 { return b.dropped.Load() }

// pcmIn turns binary messages of PCM16LE of any length into standard frames.
type pcmIn struct {
	framer  *media.Framer
	in      *Inbox
	carry   byte
	carried bool
	buf     []int16
	frames  uint64 // frames queued so far
}

func newPCMIn(rate, maxFrames int) (*pcmIn, error) {
	fr, err := media.NewFramer(rate)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	return &pcmIn{framer: fr, in: NewInbox(maxFrames)}, nil
}

// write decodes data (a trailing odd byte waits for the next message) and
// queues every whole frame. It returns the number of frames queued.
func (p *pcmIn) write(data []byte) int {
	p.buf = p.buf[:0]
	if p.carried && len(data) > 0 {
		p.buf = append(p.buf, int16(binary.LittleEndian.Uint16([]byte{p.carry, data[0]})))
		data, p.carried = data[1:], false
	}
	for len(data) >= 2 {
		p.buf = append(p.buf, int16(binary.LittleEndian.Uint16(data)))
		data = data[2:]
	}
	if len(data) == 1 {
		p.carry, p.carried = data[0], true
	}
	p.framer.Push(p.buf)
	n := 0
	for {
		f, ok := p.framer.Next(false)
		if !ok {
			return n
		}
		p.in.Push(f)
		p.frames++
		n++
	}
}

// encodePCM returns f's samples as PCM16LE bytes.
func encodePCM(f media.Frame) []byte {
	b := make([]byte, 2*len(f.Samples))
	for i, s := range f.Samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}
