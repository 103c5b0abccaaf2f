package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// withSynchronous overrides PRAGMA synchronous; benchmarks only, to show what FULL costs.
func withSynchronous(mode string) Option {
	return func(c *config) error { c.synchronous = mode; return nil }
}

// BenchmarkCommitTurn measures one durable turn write (turn + session state) on a real file. With
// synchronous=FULL every commit waits for an fsync of the WAL, so the figure is the disk's fsync rate.
func BenchmarkCommitTurn(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			s := openTest(b, withSynchronous(sync))
			ctx := context.Background()
			mustSession(b, s, "bench", "demo")
			w := simpleTurn("bench", 1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.CommitTurn(ctx, w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
		})
	}
}

// BenchmarkCommitTurnParallel measures many sessions committing at once (they queue on the writer).
func BenchmarkCommitTurnParallel(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	const sessions = 64
	for i := range sessions {
		mustSession(b, s, fmt.Sprintf("p%d", i), "demo")
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("p%d", next.Add(1)%sessions)
		w := simpleTurn(id, 1)
		for pb.Next() {
			if _, err := s.CommitTurn(ctx, w); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
}

// BenchmarkTurns measures reading a 20-turn transcript.
func BenchmarkTurns(b *testing.B) {
	s := openTest(b, withSynchronous("OFF"))
	ctx := context.Background()
	mustSession(b, s, "t", "demo")
	for i := range 20 {
		if _, err := s.CommitTurn(ctx, simpleTurn("t", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if turns, err := s.Turns(ctx, "t"); err != nil || len(turns) != 20 {
			b.Fatal(len(turns), err)
		}
	}
}
