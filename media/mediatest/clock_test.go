package mediatest

import (
	"context"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := NewClock()
	t0 := c.Now()
	a := c.After(30 * time.Millisecond)
	b := c.After(10 * time.Millisecond)
	if err := c.BlockUntil(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c.Advance(20 * time.Millisecond)
	select {
	case got := <-b:
		if got.Sub(t0) != 20*time.Millisecond {
			t.Fatalf("fired at %v", got.Sub(t0))
		}
	default:
		t.Fatal("10ms timer did not fire at 20ms")
	}
	select {
	case <-a:
		t.Fatal("30ms timer fired at 20ms")
	default:
	}
	c.Advance(10 * time.Millisecond)
	<-a
	if c.Waiters() != 0 {
		t.Fatalf("%d waiters left", c.Waiters())
	}
	<-c.After(0)
}
