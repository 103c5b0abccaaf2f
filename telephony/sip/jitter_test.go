package sip

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// frameOf is 20 ms at 8 kHz holding v in every sample.
func frameOf(v int16) []int16 {
	s := make([]int16, 160)
	for i := range s {
		s[i] = v
	}
	return s
}

// readNow reads a frame that must already be due.
func readNow(t *testing.T, jb *jitterBuffer) media.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	f, err := jb.ReadFrame(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

func TestJitterBuffer(t *testing.T) {
	const delay = 40 * time.Millisecond
	type step struct {
		write []int // packet numbers to write now (value k+1 at position k*160)
		read  int16 // expected value of the frame read after advancing 20 ms (-1: no read)
	}
	tests := []struct {
		name      string
		steps     []step
		concealed uint64
		late      uint64
	}{
		{name: "in order", steps: []step{
			{write: []int{0}, read: -1}, {write: []int{1}, read: 1}, {write: []int{2}, read: 2}, {write: []int{3}, read: 3}, {read: 4},
		}},
		{name: "loss", steps: []step{
			{write: []int{0}, read: -1}, {write: []int{1}, read: 1}, {read: 2}, {write: []int{3}, read: 0}, {read: 4},
		}, concealed: 1},
		{name: "reorder", steps: []step{
			{write: []int{0}, read: -1}, {write: []int{2}, read: 1}, {write: []int{1}, read: 2}, {write: []int{3}, read: 3}, {read: 4},
		}},
		{name: "duplicate", steps: []step{
			{write: []int{0, 0}, read: -1}, {write: []int{1, 1}, read: 1}, {write: []int{2}, read: 2}, {read: 3},
		}},
		{name: "late packet, then one frame more delay", steps: []step{
			{write: []int{0}, read: -1}, {read: 1}, {read: 0}, {write: []int{1, 2}, read: -1}, {write: []int{3}, read: 3}, {read: 4},
		}, concealed: 1, late: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := mediatest.NewClock()
			jb := newJitterBuffer(clk, 8000, delay, 0)
			// The first packet arrives at 0; frame k is due at delay + k*20ms.
			for i, st := range tc.steps {
				for _, k := range st.write {
					jb.write(int64(k)*160, frameOf(int16(k+1)), false)
				}
				clk.Advance(20 * time.Millisecond)
				if st.read < 0 {
					continue
				}
				f := readNow(t, jb)
				if f.Samples[0] != st.read || f.Samples[159] != st.read {
					t.Errorf("step %d: frame holds %d, want %d", i, f.Samples[0], st.read)
				}
				if f.Rate != 8000 || len(f.Samples) != 160 {
					t.Errorf("step %d: frame %d Hz %d samples", i, f.Rate, len(f.Samples))
				}
			}
			if jb.concealed != tc.concealed || jb.late != tc.late {
				t.Errorf("concealed %d late %d, want %d %d", jb.concealed, jb.late, tc.concealed, tc.late)
			}
		})
	}
}

func TestJitterBufferSilenceBeforeRTPAndTimeout(t *testing.T) {
	clk := mediatest.NewClock()
	jb := newJitterBuffer(clk, 8000, 40*time.Millisecond, time.Second)
	for i := range 3 {
		clk.Advance(20 * time.Millisecond)
		f := readNow(t, jb)
		if f.Seq != uint64(i) || f.At != media.FrameAt(uint64(i)) || mediatest.RMS(f.Samples) != 0 {
			t.Errorf("frame %d: seq %d at %v rms %.0f", i, f.Seq, f.At, mediatest.RMS(f.Samples))
		}
	}
	clk.Advance(2 * time.Second)
	if _, err := jb.ReadFrame(context.Background()); !errors.Is(err, ErrMediaTimeout) {
		t.Errorf("after 2 s without RTP: %v, want ErrMediaTimeout", err)
	}
}

func TestJitterBufferClose(t *testing.T) {
	clk := mediatest.NewClock()
	jb := newJitterBuffer(clk, 8000, 40*time.Millisecond, 0)
	errc := make(chan error, 1)
	go func() {
		_, err := jb.ReadFrame(context.Background())
		errc <- err
	}()
	jb.close(io.EOF)
	select {
	case err := <-errc:
		if !errors.Is(err, io.EOF) {
			t.Errorf("got %v, want io.EOF", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ReadFrame did not return after close")
	}
}

func TestJitterBufferStalledReader(t *testing.T) {
	clk := mediatest.NewClock()
	jb := newJitterBuffer(clk, 8000, 40*time.Millisecond, 0)
	for k := range 300 { // 6 s while the reader stalls: the ring grows, nothing is lost
		jb.write(int64(k)*160, frameOf(int16(k+1)), false)
		clk.Advance(20 * time.Millisecond)
	}
	if jb.overflow != 0 || jb.grown == 0 {
		t.Fatalf("overflow %d grown %d, want growth and no loss", jb.overflow, jb.grown)
	}
	for want := int16(1); want <= 298; want++ { // all late: due at once
		if f := readNow(t, jb); f.Samples[0] != want {
			t.Fatalf("frame holds %d, want %d", f.Samples[0], want)
		}
	}
}

func TestJitterBufferOverflow(t *testing.T) {
	clk := mediatest.NewClock()
	jb := newJitterBuffer(clk, 8000, 40*time.Millisecond, 0)
	for k := range 500 { // 10 s at once: more than the ring may grow to
		jb.write(int64(k)*160, frameOf(int16(k+1)), false)
	}
	if jb.overflow == 0 {
		t.Fatal("no overflow counted")
	}
	// The buffer keeps its largest capacity (8 s, less a frame) of the
	// newest audio, and all but the jitter delay is due at once.
	for want := int16(102); want <= 499; want++ {
		f := readNow(t, jb)
		if f.Samples[0] != want {
			t.Fatalf("frame holds %d, want %d", f.Samples[0], want)
		}
	}
	clk.Advance(20 * time.Millisecond)
	if f := readNow(t, jb); f.Samples[0] != 500 {
		t.Errorf("last frame after the delay: %d", f.Samples[0])
	}
}

func TestExtenderWrap(t *testing.T) {
	var e extender
	pos, restart := e.position(7, 0xFFFFFF00, 0)
	if pos != 0 || !restart {
		t.Fatalf("first: %d %v", pos, restart)
	}
	for i, ts := range []uint32{0xFFFFFFA0, 0x40, 0xE0, 0xFFFFFFF0 /* late */} {
		want := []int64{0xA0, 0x140, 0x1E0, 0xF0}[i]
		if got, _ := e.position(7, ts, 0); got != want {
			t.Errorf("ts %#x: pos %#x, want %#x", ts, got, want)
		}
	}
	if got, restart := e.position(8, 5, 1000); got != 1000 || !restart {
		t.Errorf("new SSRC: %d %v, want 1000 true", got, restart)
	}
}

func TestRxStats(t *testing.T) {
	var s rxStats
	t0 := time.Unix(0, 0)
	seqs := []uint16{65533, 65534, 1, 2, 3} // 65535 and 0 lost, across the wrap
	for i, q := range seqs {
		s.update(1, q, uint32(i)*160, t0.Add(time.Duration(i)*20*time.Millisecond), 8000)
	}
	if got := s.lost(); got != 2 {
		t.Errorf("lost %d, want 2", got)
	}
	if s.jitter > 1 {
		t.Errorf("jitter %.1f for perfectly timed packets", s.jitter)
	}
	s.update(1, 4, 5*160, t0.Add(200*time.Millisecond), 8000) // 100 ms late
	if s.jitter < 40 {
		t.Errorf("jitter %.1f after a 100 ms late packet, want > 40 ts units", s.jitter)
	}
}
