package tts

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/callbee/callbee/media"
)

// ProduceFunc synthesises audio into p until done. It must return soon
// after ctx is cancelled or p.Push returns ErrClosed.
type ProduceFunc func(ctx context.Context, p *Pipe) error

// goStream is a Stream whose audio comes from an owned producer goroutine.
type goStream struct {
	p      *Pipe
	cancel context.CancelFunc
	done   chan struct{} // closed when the producer has returned
	once   sync.Once
}

var _ Stream = (*goStream)(nil)

// NewStream starts produce in a goroutine owned by the returned Stream and
// returns at once. The producer runs under a context derived from ctx (so
// cancelling ctx stops it) and writes into a Pipe at rate with the given
// ahead limit (DefaultAhead when 0). Its error, if any, reaches the reader
// after the audio it produced; Close cancels it and waits for it.
func NewStream(ctx context.Context, rate int, ahead time.Duration, produce ProduceFunc) (Stream, error) {
	p, err := NewPipe(rate, ahead)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	s := &goStream{p: p, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		err := produce(pctx, p)
		if err == nil {
			err = pctx.Err() // a cancelled producer must not look finished
		}
		if errors.Is(err, ErrClosed) {
			err = nil
		}
		p.Finish(err)
	}()
	return s, nil
}

func (s *goStream) Rate() int { return s.p.Rate() }

func (s *goStream) ReadFrame(ctx context.Context) (media.Frame, error) { return s.p.ReadFrame(ctx) }

func (s *goStream) Close() error {
	s.once.Do(func() {
		s.p.Close()
		s.cancel()
	})
	<-s.done
	return nil
}
