package stream

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
)

func TestPCMInReframes(t *testing.T) {
	p, err := newPCMIn(8000, 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int16, 160*7+50)
	for i := range want {
		want[i] = int16(i*37 - 20000)
	}
	b := make([]byte, 2*len(want))
	for i, s := range want {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	for _, n := range []int{1, 3, 0, 320, 7, 1001} { // odd splits cut samples in half
		n = min(n, len(b))
		p.write(b[:n])
		b = b[n:]
	}
	p.write(b)
	p.in.Close()
	var got []int16
	for seq := uint64(0); ; seq++ {
		f, err := p.in.ReadFrame(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(); err != nil || f.Seq != seq || f.At != media.FrameAt(seq) {
			t.Fatalf("frame %d: %v seq %d at %v", seq, err, f.Seq, f.At)
		}
		got = append(got, f.Samples...)
	}
	if len(got) != 160*7 {
		t.Fatalf("%d samples, want the 7 whole frames (%d)", len(got), 160*7)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
		}
	}
}

func TestInboxDropsOldest(t *testing.T) {
	in := NewInbox(3)
	for i := range 5 {
		in.Push(media.Frame{Samples: []int16{int16(i)}, Rate: 8000, Seq: uint64(i)})
	}
	if in.Dropped() != 2 {
		t.Errorf("dropped %d, want 2", in.Dropped())
	}
	in.Close()
	if in.Push(media.Frame{}) {
		t.Error("push after close accepted")
	}
	for _, want := range []uint64{2, 3, 4} {
		f, err := in.ReadFrame(context.Background())
		if err != nil || f.Seq != want || f.Samples[0] != int16(want) {
			t.Fatalf("frame %+v %v, want seq %d", f, err, want)
		}
	}
	if _, err := in.ReadFrame(context.Background()); !errors.Is(err, io.EOF) {
		t.Errorf("after drain: %v, want EOF", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := NewInbox(1).ReadFrame(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("empty inbox: %v, want the context's error", err)
	}
}

func TestOutboxQueue(t *testing.T) {
	o := NewOutbox(nil, OutboxConfig{MaxControl: 3, MaxAudio: 2})
	o.Audio(2, []byte("a1"))
	if err := o.Control(1, []byte("c1")); err != nil {
		t.Fatal(err)
	}
	o.Audio(2, []byte("a2"))
	o.Audio(2, []byte("a3")) // drops a1
	if o.Dropped() != 1 {
		t.Errorf("dropped %d", o.Dropped())
	}
	order := func() []string {
		var s []string
		for _, it := range o.items {
			s = append(s, string(it.data))
		}
		return s
	}
	if got := order(); len(got) != 3 || got[0] != "c1" || got[1] != "a2" || got[2] != "a3" {
		t.Errorf("queue %v, want [c1 a2 a3]", got)
	}
	if n := o.FlushAudio(); n != 2 {
		t.Errorf("flushed %d", n)
	}
	o.Control(1, []byte("c2"))
	o.Control(1, []byte("c3"))
	if err := o.Control(1, []byte("c4")); !errors.Is(err, ErrOutboxFull) {
		t.Errorf("4th control: %v, want ErrOutboxFull", err)
	}
	if err := o.Control(1, []byte("c5")); !errors.Is(err, ErrClosed) {
		t.Errorf("after overflow: %v, want ErrClosed", err)
	}
	if o.Audio(2, nil) {
		t.Error("audio accepted after close")
	}
}

func TestUsersLRU(t *testing.T) {
	u := newUsers(2)
	u.put("a", "1")
	u.put("b", "2")
	u.get("a")
	u.put("c", "3") // b is the least recent
	if _, ok := u.get("b"); ok {
		t.Error("b kept")
	}
	if s, ok := u.get("a"); !ok || s != "1" {
		t.Error("a lost")
	}
	u.forget("a")
	if u.len() != 1 {
		t.Errorf("len %d", u.len())
	}
}

// BenchmarkPCMIn: one 20 ms binary message of 16 kHz audio decoded,
// framed and queued, and read back by the answerer's side.
func BenchmarkPCMIn(b *testing.B) {
	p, err := newPCMIn(16000, 100)
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 640)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p.write(msg)
		if _, err := p.in.ReadFrame(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
