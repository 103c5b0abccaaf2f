package sip

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseRTP(t *testing.T) {
	good := appendRTPHeader(nil, true, 0, 7, 1600, 0xdeadbeef)
	good = append(good, 1, 2, 3)
	var p rtpPacket
	if err := parseRTP(good, &p); err != nil {
		t.Fatal(err)
	}
	if !p.Marker || p.PT != 0 || p.Seq != 7 || p.Timestamp != 1600 || p.SSRC != 0xdeadbeef || !bytes.Equal(p.Payload, []byte{1, 2, 3}) {
		t.Errorf("%+v", p)
	}
	withCSRCExtPad := []byte{0xb1, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3 /*csrc*/, 9, 9, 9, 9 /*ext*/, 0xbe, 0xde, 0, 1, 1, 1, 1, 1 /*payload*/, 7, 7 /*pad*/, 0, 2}
	if err := parseRTP(withCSRCExtPad, &p); err != nil || !bytes.Equal(p.Payload, []byte{7, 7}) || p.PT != 8 {
		t.Errorf("csrc/ext/padding: %+v %v", p, err)
	}
	bad := map[string][]byte{
		"empty":            nil,
		"short":            good[:11],
		"version 1":        append([]byte{0x40}, good[1:]...),
		"no payload":       good[:12],
		"csrc cut":         {0x8f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5},
		"ext cut":          {0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 9, 1},
		"padding 0":        {0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5, 0},
		"padding > len":    {0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5, 40},
		"rtcp on rtp port": {0x80, 0xc8, 0, 6, 0, 0, 0, 1, 0, 0, 0, 1, 5},
	}
	for name, b := range bad {
		if err := parseRTP(b, &p); err == nil || !(errors.Is(err, errShortRTP) || errors.Is(err, errBadRTP)) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

// FuzzParseRTP: never panics; a parsed payload lies inside the datagram.
func FuzzParseRTP(f *testing.F) {
	f.Add(append(appendRTPHeader(nil, false, 0, 1, 2, 3), make([]byte, 160)...))
	f.Add([]byte{0xbf, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p rtpPacket
		if err := parseRTP(b, &p); err != nil {
			return
		}
		if len(p.Payload) == 0 || len(p.Payload) > len(b)-rtpHeaderSize || p.PT > 127 {
			t.Fatalf("payload %d of %d bytes, pt %d", len(p.Payload), len(b), p.PT)
		}
	})
}

func BenchmarkReceivePath(b *testing.B) {
	// One 20 ms PCMU packet: parse, classify, decode, into the jitter buffer.
	r := newBenchReceiver()
	pkt := append(appendRTPHeader(nil, false, 0, 1, 0, 42), make([]byte, 160)...)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for i := 0; b.Loop(); i++ {
		seq, ts := uint16(i), uint32(i)*160
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		r.datagram(pkt, benchAddr, benchNow)
		if i%4 == 3 { // keep the buffer from overflowing: play out what came
			r.jb.mu.Lock()
			r.jb.readPos = r.jb.high - 160
			r.jb.mu.Unlock()
		}
	}
}
