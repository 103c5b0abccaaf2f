package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// runParallel runs fn(i) for i in [0, n) on n goroutines, failing the test if they do not finish
// before the deadline. Errors come back over a channel: only the test goroutine calls t.Fatal.
func runParallel(t *testing.T, ctx context.Context, n int, fn func(ctx context.Context, i int) error) {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx, i); err != nil {
				errs <- fmt.Errorf("goroutine %d: %w", i, err)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("goroutines did not finish before the deadline: %v", ctx.Err())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestConcurrentCommitTurn(t *testing.T) {
	const (
		workers = 20
		perG    = 5
	)
	tests := []struct {
		name     string
		sessions int // sessions shared round-robin by the workers
	}{
		{"different sessions", workers},
		{"same session", 1},
		{"four sessions", 4},
	}
	const nReaders = 2
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), WithLogger(quietLog))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := range tt.sessions {
				mustSession(t, s, fmt.Sprintf("s%d", i), "demo")
			}

			// Readers run alongside the writers: WAL lets them, and they must never see SQLITE_BUSY.
			readCtx, stopReads := context.WithCancel(ctx)
			var readers sync.WaitGroup
			readErrs := make(chan error, 2)
			for range nReaders {
				readers.Add(1)
				go func() {
					defer readers.Done()
					for readCtx.Err() == nil {
						if _, err := s.Turns(readCtx, "s0"); err != nil && readCtx.Err() == nil {
							readErrs <- err
							return
						}
						if _, err := s.Sessions(readCtx, SessionFilter{Active: true}); err != nil && readCtx.Err() == nil {
							readErrs <- err
							return
						}
					}
				}()
			}

			seqs := make([][]int, workers)
			runParallel(t, ctx, workers, func(ctx context.Context, i int) error {
				id := fmt.Sprintf("s%d", i%tt.sessions)
				for j := range perG {
					w := simpleTurn(id, j)
					if j%5 == 0 {
						w.Handoff = &Handoff{Kind: HandoffLive, Reason: "request"}
					}
					ids, err := s.CommitTurn(ctx, w)
					if err != nil {
						return err
					}
					seqs[i] = append(seqs[i], ids.Seq)
				}
				return nil
			})
			stopReads()
			readers.Wait()
			close(readErrs)
			for err := range readErrs {
				t.Errorf("reader: %v", err)
			}

			// Per session: seqs returned are unique, and stored seqs are exactly 1..n.
			perSession := workers * perG / tt.sessions
			returned := map[string]map[int]bool{}
			for i, ss := range seqs {
				id := fmt.Sprintf("s%d", i%tt.sessions)
				if returned[id] == nil {
					returned[id] = map[int]bool{}
				}
				for _, q := range ss {
					if returned[id][q] {
						t.Errorf("%s: seq %d returned twice", id, q)
					}
					returned[id][q] = true
				}
			}
			for i := range tt.sessions {
				id := fmt.Sprintf("s%d", i)
				turns, err := s.Turns(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if len(turns) != perSession || len(returned[id]) != perSession {
					t.Errorf("%s: %d stored, %d returned, want %d", id, len(turns), len(returned[id]), perSession)
				}
				for k, tu := range turns {
					if tu.Seq != k+1 {
						t.Errorf("%s: turn %d has seq %d, want dense 1..n", id, k, tu.Seq)
						break
					}
				}
			}
			hs, err := s.Handoffs(ctx, HandoffFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if want := workers * ((perG + 4) / 5); len(hs) != want {
				t.Errorf("%d handoffs, want %d", len(hs), want)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
