package sip

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
)

var (
	benchAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
	benchNow  = time.Unix(1000, 0)
)

func newBenchReceiver() *receiver {
	c := &Call{keys: media.NewEventQueue(0)}
	var pa portAlloc
	sess, _ := pa.open(net.IPv4(127, 0, 0, 1))
	_ = sess.Close()
	return &receiver{
		sess:   sess,
		call:   c,
		law:    codec.PCMU,
		audio:  0,
		event:  101,
		jb:     newJitterBuffer(media.SystemClock{}, 8000, 40*time.Millisecond, 0),
		log:    slog.New(slog.DiscardHandler),
		remote: benchAddr.IP,
	}
}

func BenchmarkSendPath(b *testing.B) {
	// One 20 ms bot frame: encode PCMU, RTP header, one sendto on loopback.
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	go func() { // drain so the socket buffer never fills
		buf := make([]byte, 2000)
		for {
			if _, _, err := sink.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	var pa portAlloc
	sess, err := pa.open(net.IPv4(127, 0, 0, 1))
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	sess.remote.Store(sink.LocalAddr().(*net.UDPAddr))
	s := &sender{clock: &frameClock{t: time.Unix(0, 0)}, law: codec.PCMU, sess: sess, call: &Call{}}
	f := media.Frame{Samples: mediatest.Sine(8000, 440, 8000, media.FrameDuration), Rate: 8000}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.WriteFrame(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// frameClock moves 20 ms at every Now: a writer on it is never early.
type frameClock struct{ t time.Time }

func (c *frameClock) Now() time.Time {
	c.t = c.t.Add(media.FrameDuration)
	return c.t
}

func (c *frameClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}
