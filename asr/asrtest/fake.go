package asrtest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/media"
)

// Fake is a Recognizer that returns scripted results in order, one per
// stream, for tests of the packages that use asr. The zero value returns
// empty results. Safe for concurrent use.
type Fake struct {
	mu      sync.Mutex // guards Results, Started
	Results []asr.Result
	Started []asr.Options
}

var (
	_ asr.Recognizer = (*Fake)(nil)
	_ asr.Stream     = (*fakeStream)(nil)
)

// Start records opts and returns a stream whose Final is the next result.
func (f *Fake) Start(ctx context.Context, opts asr.Options) (asr.Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Started = append(f.Started, opts)
	var r asr.Result
	if len(f.Results) > 0 {
		r, f.Results = f.Results[0], f.Results[1:]
	}
	r.Lang, r.Search = opts.Lang, opts.SearchOrDefault()
	return &fakeStream{res: r, rate: opts.Rate}, nil
}

type fakeStream struct {
	mu     sync.Mutex // guards all fields
	res    asr.Result
	rate   int
	frames int
	closed bool
}

func (s *fakeStream) WriteFrame(ctx context.Context, f media.Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return asr.ErrClosed
	}
	if f.Rate != s.rate {
		return media.ErrRateMismatch
	}
	s.frames++
	s.res.Audio += f.Duration()
	return nil
}

// Partial is the final result's first words, one more per 400 ms of audio
// written, as a streaming recogniser's hypothesis grows.
func (s *fakeStream) Partial() asr.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	words := strings.Fields(s.res.Text)
	n := min(len(words), int(s.res.Audio/(400*time.Millisecond)))
	return asr.Result{Text: strings.Join(words[:n], " "), Lang: s.res.Lang, Search: s.res.Search}
}

func (s *fakeStream) Final(ctx context.Context) (asr.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return asr.Result{}, asr.ErrClosed
	}
	return s.res, nil
}

func (s *fakeStream) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
