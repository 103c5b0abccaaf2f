package voice

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/media"
)

// MaxQueuedASRFrames bounds the caller frames waiting for a recognition
// stream (60 s of audio, more than MaxUtterance); frames past it are dropped
// and counted.
const MaxQueuedASRFrames = 3000

// fileQueuedASRFrames is the queue of file-driven calls, whose caller waits
// for the recogniser instead.
const fileQueuedASRFrames = 5

// feeder is a recognition stream run on its own goroutine, so the listener
// never waits on the engine: starting a stream can take long under load (a
// new decoder compiles its grammars) and decoding costs CPU. The listener
// hands frames over without blocking; the feeder starts the stream and
// writes them in order. It is an asr.Stream: WriteFrame from the listener,
// then Final and Close from the worker.
type feeder struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when run has written every frame (or failed)

	mu     sync.Mutex // guards frames against a send after close, closed
	frames chan media.Frame
	closed bool
	wait   bool // WriteFrame waits for room instead of dropping

	// Set by run before done closes.
	st  asr.Stream
	err error

	cur     atomic.Pointer[asr.Stream] // the started stream, for Partial
	dropped atomic.Int64
}

var _ asr.Stream = (*feeder)(nil)

// startFeeder starts a stream with start on a goroutine of its own.
// It queues at most max frames. With wait, a full queue makes WriteFrame
// wait instead of dropping: for calls driven from files faster than real
// time (FastClock), where the caller can wait for the recogniser and must,
// or the whole utterance would queue up and be decoded after its end.
func startFeeder(ctx context.Context, start func(context.Context) (asr.Stream, error), max int, wait bool) *feeder {
	ctx, cancel := context.WithCancel(ctx)
	f := &feeder{cancel: cancel, done: make(chan struct{}), frames: make(chan media.Frame, max), wait: wait}
	go f.run(ctx, start)
	return f
}

func (f *feeder) run(ctx context.Context, start func(context.Context) (asr.Stream, error)) {
	defer close(f.done)
	st, err := start(ctx)
	if err != nil {
		f.err = err
		for range f.frames { // until the turn ends
		}
		return
	}
	f.st = st
	f.cur.Store(&st)
	for fr := range f.frames {
		if f.err != nil {
			continue
		}
		if err := st.WriteFrame(ctx, fr); err != nil {
			f.err = err
		}
	}
}

// WriteFrame queues a copy of fr. It never blocks, unless the feeder was
// started with wait.
func (f *feeder) WriteFrame(ctx context.Context, fr media.Frame) error {
	fr.Samples = append([]int16(nil), fr.Samples...)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return asr.ErrFinished
	}
	if f.wait { // only the writer sends; end() waits for the lock, and run keeps draining
		select {
		case f.frames <- fr:
		case <-ctx.Done():
			return ctx.Err()
		case <-f.done:
			f.dropped.Add(1) // the stream failed and stopped reading
		}
		return nil
	}
	select {
	case f.frames <- fr:
	default:
		f.dropped.Add(1)
	}
	return nil
}

// Partial is the started stream's current hypothesis (empty before it starts).
func (f *feeder) Partial() asr.Result {
	if p := f.cur.Load(); p != nil {
		return (*p).Partial()
	}
	return asr.Result{}
}

// end stops taking frames.
func (f *feeder) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.frames)
	}
}

// Final waits until every queued frame is written, then ends the utterance.
func (f *feeder) Final(ctx context.Context) (asr.Result, error) {
	f.end()
	select {
	case <-f.done:
	case <-ctx.Done():
		return asr.Result{}, ctx.Err()
	}
	if f.err != nil {
		return asr.Result{}, fmt.Errorf("voice: recognition: %w", f.err)
	}
	// Frames dropped past MaxQueuedASRFrames (Dropped) cost words, not
	// the turn: what was heard is still the best guess.
	return f.st.Final(ctx)
}

// Dropped is the number of caller frames the stream could not take.
func (f *feeder) Dropped() int64 { return f.dropped.Load() }

// Close stops the stream and waits for its goroutine.
func (f *feeder) Close() error {
	f.cancel()
	f.end()
	<-f.done
	if f.st != nil {
		return f.st.Close()
	}
	return nil
}
