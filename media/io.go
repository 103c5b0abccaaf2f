package media

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Reader delivers frames in stream order. ReadFrame returns io.EOF after the
// last frame. The returned frame's samples are valid until the next call.
type Reader interface {
	ReadFrame(ctx context.Context) (Frame, error)
}

// Writer accepts frames in stream order. It must not keep f.Samples after
// it returns.
type Writer interface {
	WriteFrame(ctx context.Context, f Frame) error
}

// ReaderFunc adapts a function to a Reader.
type ReaderFunc func(ctx context.Context) (Frame, error)

// ReadFrame calls fn.
func (fn ReaderFunc) ReadFrame(ctx context.Context) (Frame, error) { return fn(ctx) }

// WriterFunc adapts a function to a Writer.
type WriterFunc func(ctx context.Context, f Frame) error

// WriteFrame calls fn.
func (fn WriterFunc) WriteFrame(ctx context.Context, f Frame) error { return fn(ctx, f) }

var (
	_ Reader = ReaderFunc(nil)
	_ Writer = WriterFunc(nil)
	_ Reader = (*SliceReader)(nil)
	_ Writer = (*Buffer)(nil)
)

// Copy writes every frame of r to w until r returns io.EOF (Copy then
// returns nil), an error, or ctx is done. It returns the frames copied.
func Copy(ctx context.Context, w Writer, r Reader) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		f, err := r.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := w.WriteFrame(ctx, f); err != nil {
			return n, err
		}
		n++
	}
}

// SliceReader reads a sample slice as standard frames. The last frame is
// padded with silence to a full frame.
type SliceReader struct {
	rate    int
	samples []int16
	pos     int
	seq     uint64
	buf     []int16
}

// NewSliceReader frames samples at rate. It does not copy samples.
func NewSliceReader(rate int, samples []int16) (*SliceReader, error) {
	if !ValidRate(rate) {
		return nil, fmt.Errorf("media: slice reader rate %d: %w", rate, ErrBadRate)
	}
	return &SliceReader{rate: rate, samples: samples, buf: make([]int16, SamplesPerFrame(rate))}, nil
}

// ReadFrame returns the next frame or io.EOF.
func (s *SliceReader) ReadFrame(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if s.pos >= len(s.samples) {
		return Frame{}, io.EOF
	}
	n := copy(s.buf, s.samples[s.pos:])
	clear(s.buf[n:])
	s.pos += n
	f := Frame{Samples: s.buf, Rate: s.rate, At: FrameAt(s.seq), Seq: s.seq}
	s.seq++
	return f, nil
}

// Buffer is a Writer that keeps everything written to it, for tests, files
// and prompts. All frames must share one rate. The zero value is ready.
type Buffer struct {
	Rate    int
	Samples []int16
	Frames  int
}

// WriteFrame appends f's samples.
func (b *Buffer) WriteFrame(_ context.Context, f Frame) error {
	if b.Rate == 0 {
		b.Rate = f.Rate
	}
	if f.Rate != b.Rate {
		return fmt.Errorf("media: buffer at %d Hz got a %d Hz frame: %w", b.Rate, f.Rate, ErrRateMismatch)
	}
	b.Samples = append(b.Samples, f.Samples...)
	b.Frames++
	return nil
}

// Framer cuts a stream of sample chunks of any length into standard frames,
// numbering them from 0. Decoders use it to turn file blocks into frames.
type Framer struct {
	rate    int
	n       int
	pending []int16
	out     []int16
	seq     uint64
}

// NewFramer returns a Framer for rate.
func NewFramer(rate int) (*Framer, error) {
	if !ValidRate(rate) {
		return nil, fmt.Errorf("media: framer rate %d: %w", rate, ErrBadRate)
	}
	n := SamplesPerFrame(rate)
	return &Framer{rate: rate, n: n, out: make([]int16, n)}, nil
}

// Push appends samples to the pending audio.
func (fr *Framer) Push(samples []int16) { fr.pending = append(fr.pending, samples...) }

// Buffered is the number of pending samples.
func (fr *Framer) Buffered() int { return len(fr.pending) }

// Next returns the next full frame, if one is pending. With flush set, a
// partial frame is padded with silence and returned. The frame's samples are
// valid until the next call.
func (fr *Framer) Next(flush bool) (Frame, bool) {
	if len(fr.pending) == 0 || (len(fr.pending) < fr.n && !flush) {
		return Frame{}, false
	}
	k := copy(fr.out, fr.pending)
	clear(fr.out[k:])
	rest := copy(fr.pending, fr.pending[k:])
	fr.pending = fr.pending[:rest]
	f := Frame{Samples: fr.out, Rate: fr.rate, At: FrameAt(fr.seq), Seq: fr.seq}
	fr.seq++
	return f, true
}
