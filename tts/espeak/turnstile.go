package espeak

import (
	"context"
	"slices"
	"sync"
)

// turnstile is the lock around libespeak-ng. Waiters are served in arrival
// order, urgent ones first: a stream whose reader is about to run dry (its
// first sentence, or less than urgentBuffered left) goes ahead of streams
// that are only synthesising ahead. So a new answer's first audio waits for
// at most the sentence being synthesised now plus other urgent sentences,
// not for every busy stream's next sentence. Waiting honours ctx.
type turnstile struct {
	mu     sync.Mutex // guards held, urgent and normal
	held   bool
	urgent []chan struct{} // closed to hand the lock over
	normal []chan struct{}
}

func (t *turnstile) acquire(ctx context.Context, urgent bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	if !t.held {
		t.held = true
		t.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if urgent {
		t.urgent = append(t.urgent, ch)
	} else {
		t.normal = append(t.normal, ch)
	}
	t.mu.Unlock()

	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	n, u := len(t.normal), len(t.urgent)
	t.normal = slices.DeleteFunc(t.normal, func(c chan struct{}) bool { return c == ch })
	t.urgent = slices.DeleteFunc(t.urgent, func(c chan struct{}) bool { return c == ch })
	removed := len(t.normal) < n || len(t.urgent) < u
	t.mu.Unlock()
	if !removed { // handed over just as ctx ended: pass it on
		t.release()
	}
	return ctx.Err()
}

func (t *turnstile) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	var next chan struct{}
	switch {
	case len(t.urgent) > 0:
		next, t.urgent = t.urgent[0], t.urgent[1:]
	case len(t.normal) > 0:
		next, t.normal = t.normal[0], t.normal[1:]
	default:
		t.held = false
		return
	}
	close(next) // the lock stays held: it passes to next
}
