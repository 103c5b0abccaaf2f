package resample

import (
	"context"
	"fmt"

	"github.com/callbee/callbee/media"
)

// Reader resamples the frames of another Reader to a fixed output rate. The
// resampler is set up from the first frame's rate; a later change of rate
// resets the filter (a new stream). Timestamps and sequence numbers pass
// through.
type Reader struct {
	src  media.Reader
	rate int
	opts []Option
	rs   *Resampler
	out  []int16
}

// Writer resamples frames to a fixed rate before writing them to dst.
type Writer struct {
	dst  media.Writer
	rate int
	opts []Option
	rs   *Resampler
	out  []int16
}

var (
	_ media.Reader = (*Reader)(nil)
	_ media.Writer = (*Writer)(nil)
)

// NewReader returns a Reader yielding src's frames at rate Hz.
func NewReader(src media.Reader, rate int, opts ...Option) (*Reader, error) {
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("resample: reader rate %d: %w", rate, media.ErrBadRate)
	}
	return &Reader{src: src, rate: rate, opts: opts}, nil
}

// NewWriter returns a Writer that writes frames to dst at rate Hz.
func NewWriter(dst media.Writer, rate int, opts ...Option) (*Writer, error) {
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("resample: writer rate %d: %w", rate, media.ErrBadRate)
	}
	return &Writer{dst: dst, rate: rate, opts: opts}, nil
}

func convert(rs **Resampler, f media.Frame, rate int, opts []Option, out []int16) (media.Frame, []int16, error) {
	if f.Rate == rate {
		return f, out, nil
	}
	if *rs == nil || (*rs).InRate() != f.Rate {
		r, err := New(f.Rate, rate, opts...)
		if err != nil {
			return media.Frame{}, out, err
		}
		*rs = r
	}
	out = (*rs).Process(out[:0], f.Samples)
	f.Samples = out
	f.Rate = rate
	return f, out, nil
}

// ReadFrame returns the next frame at the output rate.
func (r *Reader) ReadFrame(ctx context.Context) (media.Frame, error) {
	f, err := r.src.ReadFrame(ctx)
	if err != nil {
		return media.Frame{}, err
	}
	f, r.out, err = convert(&r.rs, f, r.rate, r.opts, r.out)
	return f, err
}

// WriteFrame resamples f and writes it.
func (w *Writer) WriteFrame(ctx context.Context, f media.Frame) error {
	f, out, err := convert(&w.rs, f, w.rate, w.opts, w.out)
	w.out = out
	if err != nil {
		return err
	}
	return w.dst.WriteFrame(ctx, f)
}
