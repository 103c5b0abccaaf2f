package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestCommitBatch runs one group commit directly: a failing turn in the batch is rolled back to its
// savepoint and the others land, with seqs as if they had been committed one by one.
func TestCommitBatch(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustSession(t, s, "a", "demo")
	mustSession(t, s, "b", "demo")
	mustSession(t, s, "ended", "demo")
	if err := s.EndSession(ctx, "ended", time.Time{}); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	withHandoff := func(id string) TurnWrite {
		w := simpleTurn(id, 0)
		w.Handoff = &Handoff{Kind: HandoffLive}
		return w
	}
	tests := []struct {
		name    string
		ctx     context.Context
		w       TurnWrite
		wantSeq int
		wantErr error
	}{
		{"a first", ctx, simpleTurn("a", 1), 1, nil},
		{"unknown session", ctx, withHandoff("zzz"), 0, ErrNotFound},
		{"a second", ctx, withHandoff("a"), 2, nil},
		{"ended session", ctx, simpleTurn("ended", 1), 0, ErrSessionEnded},
		{"caller gave up", canceled, simpleTurn("a", 9), 0, context.Canceled},
		{"b first", ctx, simpleTurn("b", 1), 1, nil},
		{"a third", ctx, simpleTurn("a", 3), 3, nil},
	}
	batch := make([]*commitReq, len(tests))
	for i, tt := range tests {
		batch[i] = &commitReq{ctx: tt.ctx, w: tt.w, done: make(chan commitResult, 1)}
	}
	s.commitBatch(batch)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got commitResult
			select {
			case got = <-batch[i].done:
			default:
				t.Fatal("no answer")
			}
			if !errors.Is(got.err, tt.wantErr) || got.ids.Seq != tt.wantSeq {
				t.Errorf("result = %+v, %v; want seq %d, %v", got.ids, got.err, tt.wantSeq, tt.wantErr)
			}
		})
	}
	for id, want := range map[string]int{"a": 3, "b": 1, "ended": 0, "zzz": 0} {
		if turns, _ := s.Turns(ctx, id); len(turns) != want {
			t.Errorf("%s has %d turns, want %d", id, len(turns), want)
		}
	}
	if hs, _ := s.Handoffs(ctx, HandoffFilter{}); len(hs) != 1 || hs[0].SessionID != "a" {
		t.Errorf("handoffs = %+v, want only a's (zzz's was rolled back)", hs)
	}
}

// TestCommitBatchAllFail: a batch with nothing to write answers everyone and commits nothing.
func TestCommitBatchAllFail(t *testing.T) {
	s := openTest(t)
	batch := []*commitReq{
		{ctx: context.Background(), w: simpleTurn("x", 1), done: make(chan commitResult, 1)},
		{ctx: context.Background(), w: simpleTurn("y", 1), done: make(chan commitResult, 1)},
	}
	s.commitBatch(batch)
	for i, r := range batch {
		if got := <-r.done; !errors.Is(got.err, ErrNotFound) {
			t.Errorf("request %d: %v, want ErrNotFound", i, got.err)
		}
	}
	// The writer connection is usable afterwards.
	mustSession(t, s, "x", "demo")
	if _, err := s.CommitTurn(context.Background(), simpleTurn("x", 1)); err != nil {
		t.Fatal(err)
	}
}

// TestCloseDuringCommits closes the store while goroutines are committing: each call either succeeds
// (and its turn is on disk) or fails with ErrClosed; nothing hangs or leaks.
func TestCloseDuringCommits(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "close.db")
	s, err := Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	const workers = 20
	for i := range workers {
		mustSession(t, s, fmt.Sprintf("s%d", i), "demo")
	}
	ok := make([]int, workers)
	started := make(chan struct{}, workers)
	closeErr := make(chan error, 1)
	go func() {
		for range workers {
			<-started
		}
		time.Sleep(20 * time.Millisecond)
		closeErr <- s.Close()
	}()
	runParallel(t, ctx, workers, func(ctx context.Context, i int) error {
		started <- struct{}{}
		for {
			_, err := s.CommitTurn(ctx, simpleTurn(fmt.Sprintf("s%d", i), 0))
			if errors.Is(err, ErrClosed) {
				return nil
			}
			if err != nil {
				return err
			}
			ok[i]++
		}
	})
	if err := <-closeErr; err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range workers {
		turns, err := s.Turns(ctx, fmt.Sprintf("s%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if len(turns) != ok[i] {
			t.Errorf("s%d: %d turns stored, %d acknowledged", i, len(turns), ok[i])
		}
	}
}
