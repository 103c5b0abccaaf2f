package espeak

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitQueued waits until n acquirers are queued.
func waitQueued(t *testing.T, ts *turnstile, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ts.mu.Lock()
		q := len(ts.urgent) + len(ts.normal)
		ts.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTurnstileOrder(t *testing.T) {
	var ts turnstile
	ctx := context.Background()
	if err := ts.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	arrivals := []struct {
		name   string
		urgent bool
	}{{"n1", false}, {"u1", true}, {"n2", false}, {"u2", true}}
	for i, a := range arrivals {
		wg.Go(func() {
			if err := ts.acquire(ctx, a.urgent); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, a.name)
			mu.Unlock()
			ts.release()
		})
		waitQueued(t, &ts, i+1)
	}
	ts.release()
	wg.Wait()
	if want := []string{"u1", "u2", "n1", "n2"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if ts.held {
		t.Error("still held after everyone released")
	}
}

func TestTurnstileCancel(t *testing.T) {
	var ts turnstile
	if err := ts.acquire(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ts.acquire(ctx, true) }()
	waitQueued(t, &ts, 1)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("acquire: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled acquire did not return")
	}
	waitQueued(t, &ts, 0)
	ts.release()
	if err := ts.acquire(context.Background(), false); err != nil {
		t.Fatalf("lock not free after the cancelled waiter left: %v", err)
	}
	ts.release()
	if err := ts.acquire(ctx, false); !errors.Is(err, context.Canceled) {
		t.Errorf("acquire with a done ctx: %v", err)
	}
}

// TestTurnstileStress: mutual exclusion under cancellation races (-race).
func TestTurnstileStress(t *testing.T) {
	var ts turnstile
	var inside, overlaps atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 200 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*time.Microsecond)
				if err := ts.acquire(ctx, (w+i)%2 == 0); err == nil {
					if inside.Add(1) > 1 {
						overlaps.Add(1)
					}
					runtime.Gosched()
					inside.Add(-1)
					ts.release()
				}
				cancel()
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d times two holders at once", n)
	}
	if ts.held || len(ts.urgent)+len(ts.normal) != 0 {
		t.Errorf("left held=%v with %d waiters", ts.held, len(ts.urgent)+len(ts.normal))
	}
}
