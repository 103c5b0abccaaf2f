package webrtc

import (
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/codec/opus"
	"github.com/callbee/callbee/media/mediatest"
)

// TestReceiver feeds packets of 20 ms with faults and checks the frames
// that come out: gaps up to maxConcealFrames are filled, duplicates and
// late packets dropped, sequence numbers wrap.
func TestReceiver(t *testing.T) {
	tone := mediatest.Frames(media.Rate48k, mediatest.Sine(media.Rate48k, 440, 8000, time.Second))
	enc, err := opus.NewEncoder(media.Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	var packets [][]byte
	for _, f := range tone {
		p, err := enc.EncodeFrame(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, p)
	}
	type pkt struct {
		seq uint16
		i   int // index into packets
	}
	seqs := func(start uint16, idx ...int) []pkt {
		out := make([]pkt, len(idx))
		for k, i := range idx {
			out[k] = pkt{start + uint16(i), i}
		}
		return out
	}
	tests := []struct {
		name       string
		in         []pkt
		wantFrames int
		lost, late uint64
	}{
		{"in order", seqs(100, 0, 1, 2, 3, 4), 5, 0, 0},
		{"one lost", seqs(100, 0, 1, 3, 4), 5, 1, 0},
		{"three lost", seqs(100, 0, 1, 5, 6), 7, 3, 0},
		{"long gap not filled", seqs(100, 0, 1, 12, 13), 4, 10, 0},
		{"duplicate", seqs(100, 0, 1, 1, 2), 3, 0, 1},
		{"reordered late packet dropped", seqs(100, 0, 2, 1, 3), 4, 1, 1},
		{"sequence wrap", seqs(65534, 0, 1, 2, 3), 4, 0, 0},
		{"padding packet is no gap", []pkt{{100, 0}, {101, -1}, {102, 1}}, 2, 0, 0},
		{"wrap with loss", seqs(65534, 0, 1, 3), 4, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var frames [][]int16
			r, err := newReceiver(CodecOpus, media.Rate48k, func(s []int16) { frames = append(frames, s) })
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.in {
				var payload []byte // i < 0: a padding-only packet
				if p.i >= 0 {
					payload = packets[p.i]
				}
				if err := r.packet(p.seq, payload); err != nil {
					t.Fatal(err)
				}
			}
			if len(frames) != tt.wantFrames || r.lost != tt.lost || r.late != tt.late {
				t.Errorf("frames %d lost %d late %d, want %d %d %d", len(frames), r.lost, r.late, tt.wantFrames, tt.lost, tt.late)
			}
			for i, f := range frames {
				if len(f) != 960 {
					t.Fatalf("frame %d has %d samples", i, len(f))
				}
			}
		})
	}
}

func TestReceiverPCMU(t *testing.T) {
	tone := mediatest.Sine(media.Rate8k, 440, 8000, 200*time.Millisecond)
	payload := codec.PCMU.Encode(nil, tone) // one 200 ms packet, cut into 20 ms frames
	for _, rate := range []int{media.Rate8k, media.Rate48k} {
		var got []int16
		r, err := newReceiver(CodecPCMU, rate, func(s []int16) { got = append(got, s...) })
		if err != nil {
			t.Fatal(err)
		}
		if err := r.packet(1, payload); err != nil {
			t.Fatal(err)
		}
		// The resampler holds back its filter delay; all but one frame comes out.
		if min := (len(tone)*rate/media.Rate8k)*9/10 - media.SamplesPerFrame(rate); len(got) < min {
			t.Errorf("%d Hz: %d samples out of a 200 ms packet, want >= %d", rate, len(got), min)
		}
		if rms := mediatest.RMS(got); rms < 4000 {
			t.Errorf("%d Hz: RMS %.0f, want a 440 Hz tone at ~5600", rate, rms)
		}
	}
}

func TestReceiverBadPayload(t *testing.T) {
	r, err := newReceiver(CodecOpus, media.Rate48k, func([]int16) { t.Error("frame from garbage") })
	if err != nil {
		t.Fatal(err)
	}
	if err := r.packet(1, []byte{0x03, 0x00}); err == nil {
		t.Fatal("garbage decoded")
	}
	if r.bad != 1 {
		t.Errorf("bad = %d", r.bad)
	}
}

func TestQueuesDropOldest(t *testing.T) {
	in := newInbound(media.Rate8k)
	for i := range inQueueFrames + 5 {
		in.push([]int16{int16(i)})
	}
	if got := in.dropped.Load(); got != 5 {
		t.Errorf("inbound dropped %d, want 5", got)
	}
	f, err := in.ReadFrame(t.Context())
	if err != nil || f.Samples[0] != 5 {
		t.Errorf("first frame %v %v, want the 6th pushed", f.Samples, err)
	}
	in.close()
	n := 1
	for {
		if _, err := in.ReadFrame(t.Context()); err != nil {
			break
		}
		n++
	}
	if n != inQueueFrames {
		t.Errorf("read %d frames before EOF, want %d", n, inQueueFrames)
	}

	out := newOutbound(media.Rate8k)
	for range outQueueFrames + 3 {
		if err := out.WriteFrame(t.Context(), media.Frame{Samples: make([]int16, 160), Rate: media.Rate8k}); err != nil {
			t.Fatal(err)
		}
	}
	if got := out.dropped.Load(); got != 3 {
		t.Errorf("outbound dropped %d, want 3", got)
	}
	if err := out.WriteFrame(t.Context(), media.Frame{Samples: make([]int16, 960), Rate: media.Rate48k}); err == nil {
		t.Error("48 kHz frame accepted by an 8 kHz call")
	}
	out.flush()
	if out.next() != nil {
		t.Error("flush left audio queued")
	}
}
