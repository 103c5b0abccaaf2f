package asr

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/callbee/callbee/media"
)

// DefaultTrust is the confidence from which Pick takes a stricter search's
// result over a looser one, and below which a caller should confirm what
// it heard.
const DefaultTrust = 0.5

// Pick chooses one result among results of several searches on the same
// audio, given in priority order (strictest first, e.g. SearchDomain then
// SearchLM): the first non-empty result whose confidence is at least trust
// wins; when none is trusted, the most confident non-empty one does. The
// others are returned in its Alternatives, best first.
func Pick(results []Result, trust float64) Result {
	if len(results) == 0 {
		return Result{}
	}
	best := -1
	for i, r := range results {
		if r.Text != "" && r.Confidence >= trust {
			best = i
			break
		}
	}
	if best < 0 {
		for i, r := range results {
			if r.Text == "" {
				continue
			}
			if best < 0 || r.Confidence > results[best].Confidence {
				best = i
			}
		}
	}
	if best < 0 {
		best = 0
	}
	out := results[best]
	out.Alternatives = nil
	for i, r := range results {
		if i != best {
			r.Alternatives = nil
			out.Alternatives = append(out.Alternatives, r)
		}
	}
	sort.SliceStable(out.Alternatives, func(i, j int) bool {
		return out.Alternatives[i].Confidence > out.Alternatives[j].Confidence
	})
	return out
}

// PickFunc chooses one result among the results of several searches on the
// same audio, given in priority order.
type PickFunc func(results []Result) Result

// PickBy is Pick with a fixed trust level.
func PickBy(trust float64) PickFunc {
	return func(rs []Result) Result { return Pick(rs, trust) }
}

// multi fans audio out to several streams and picks at Final.
type multi struct {
	streams []Stream
	pick    PickFunc
}

var _ Stream = (*multi)(nil)

// StartAll starts one stream per options (in priority order) on r and
// returns a Stream that writes every frame to all of them; its Final returns
// pick(results) (PickBy(DefaultTrust) when pick is nil; engines may offer a
// calibrated one, e.g. sphinx.Pick). A typical turn runs SearchDomain and
// SearchLM.
func StartAll(ctx context.Context, r Recognizer, pick PickFunc, opts ...Options) (Stream, error) {
	if len(opts) == 0 {
		return nil, fmt.Errorf("asr: start all: %w", ErrNoStreams)
	}
	if pick == nil {
		pick = PickBy(DefaultTrust)
	}
	m := &multi{pick: pick}
	for _, o := range opts {
		s, err := r.Start(ctx, o)
		if err != nil {
			return nil, errors.Join(err, m.Close())
		}
		m.streams = append(m.streams, s)
	}
	return m, nil
}

func (m *multi) WriteFrame(ctx context.Context, f media.Frame) error {
	for _, s := range m.streams {
		if err := s.WriteFrame(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// Partial is the first stream's partial hypothesis.
func (m *multi) Partial() Result { return m.streams[0].Partial() }

// Final finishes every stream concurrently and picks one result.
func (m *multi) Final(ctx context.Context) (Result, error) {
	res := make([]Result, len(m.streams))
	errs := make([]error, len(m.streams))
	var wg sync.WaitGroup
	for i, s := range m.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = s.Final(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	return m.pick(res), nil
}

func (m *multi) Close() error {
	var errs []error
	for _, s := range m.streams {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
