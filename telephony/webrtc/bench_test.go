package webrtc

import (
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec/opus"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/media/resample"
)

// BenchmarkMediaPath is one 20 ms frame through the door and back, as a
// browser call runs it: the caller's Opus packet is ordered and decoded
// (48 kHz), resampled to the recogniser's 16 kHz; a 16 kHz bot frame is
// resampled to 48 kHz and Opus-encoded with the door's settings.
func BenchmarkMediaPath(b *testing.B) {
	const rate = media.Rate48k
	enc, err := opus.NewEncoder(rate)
	if err != nil {
		b.Fatal(err)
	}
	var packets [][]byte
	for _, f := range mediatest.Frames(rate, mediatest.SpeechLike(rate, 3000, time.Second, 7)) {
		p, err := enc.EncodeFrame(nil, f)
		if err != nil {
			b.Fatal(err)
		}
		packets = append(packets, p)
	}
	down, err := resample.New(rate, media.Rate16k)
	if err != nil {
		b.Fatal(err)
	}
	up, err := resample.New(media.Rate16k, rate)
	if err != nil {
		b.Fatal(err)
	}
	botEnc, err := opus.NewEncoder(rate, opus.WithComplexity(5), opus.WithFEC(5))
	if err != nil {
		b.Fatal(err)
	}
	bot := mediatest.Frames(media.Rate16k, mediatest.SpeechLike(media.Rate16k, 3000, time.Second, 8))
	var in16, out48 []int16
	pkt := make([]byte, 0, opus.MaxPacketSize)
	r, err := newReceiver(CodecOpus, rate, func(s []int16) { in16 = down.Process(in16[:0], s) })
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := r.packet(uint16(i), packets[i%len(packets)]); err != nil {
			b.Fatal(err)
		}
		out48 = up.Process(out48[:0], bot[i%len(bot)].Samples)
		if len(out48) != 960 {
			continue // the resampler's first frames are its filter delay
		}
		if pkt, err = botEnc.EncodeFrame(pkt[:0], media.Frame{Samples: out48, Rate: rate}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallSetup is one browser call from socket open to media
// connected and hung up, over loopback with a fake answerer.
func BenchmarkCallSetup(b *testing.B) {
	ans := &fakeAnswerer{}
	d, srv := newTestDoor(b, ans, Config{})
	b.ReportAllocs()
	for b.Loop() {
		c := dialClient(b, wsURL(srv), CodecOpus)
		c.call("demo", "en")
		if ev := c.wait(EvReady, 10*time.Second); ev.Type != EvReady {
			b.Fatal("no ready event")
		}
		c.send(Message{Type: MsgHangup})
		if ev := c.wait(EvEnd, 10*time.Second); ev.Type != EvEnd {
			b.Fatal("no end event")
		}
		c.close()
	}
	b.StopTimer()
	for d.Calls() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
}
