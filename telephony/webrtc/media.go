package webrtc

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/codec/opus"
	"github.com/callbee/callbee/media/resample"
)

// Queue bounds on the media path (frames of 20 ms).
const (
	// inQueueFrames is caller audio waiting for the voice loop (3 s): it
	// covers the Answerer's start (recogniser and voice set up while the
	// caller may already talk) and stalls of a loaded machine; 288 KB per
	// call at 48 kHz.
	inQueueFrames = 150
	// outQueueFrames is bot audio waiting for its 20 ms send slot (1 s).
	// The voice loop paces its playout already, so this stays near empty;
	// it absorbs the two clocks' phase and scheduling jitter.
	outQueueFrames = 50
	// maxConcealFrames is the longest gap (in packets) filled by FEC/PLC;
	// longer gaps are left out (the caller's audio just resumes).
	maxConcealFrames = 5
)

// Codec names on the wire (SDP encoding names).
const (
	CodecOpus = opus.Name
	CodecPCMU = "PCMU"
)

// inbound is the caller's audio as a media.Reader: the RTP reader pushes
// decoded frames, the voice loop reads them. Push drops the oldest frame
// when the reader falls behind.
type inbound struct {
	rate    int
	frames  chan []int16
	done    chan struct{}
	closed  atomic.Bool
	seq     uint64 // frames read; only the reading goroutine touches it
	dropped atomic.Uint64
	read    atomic.Uint64 // frames handed out, for keypad event times
}

var _ media.Reader = (*inbound)(nil)

func newInbound(rate int) *inbound {
	return &inbound{rate: rate, frames: make(chan []int16, inQueueFrames), done: make(chan struct{})}
}

// push queues one frame's samples (the queue keeps s). One goroutine pushes.
func (in *inbound) push(s []int16) {
	select {
	case in.frames <- s:
		return
	default:
	}
	select {
	case <-in.frames:
		in.dropped.Add(1)
	default:
	}
	select {
	case in.frames <- s:
	default:
		in.dropped.Add(1)
	}
}

// close ends the stream: ReadFrame returns what is queued, then io.EOF.
func (in *inbound) close() {
	if in.closed.CompareAndSwap(false, true) {
		close(in.done)
	}
}

// at is the stream time of the caller audio read so far.
func (in *inbound) at() int64 { return int64(in.read.Load()) }

func (in *inbound) frame(s []int16) media.Frame {
	f := media.Frame{Samples: s, Rate: in.rate, At: media.FrameAt(in.seq), Seq: in.seq}
	in.seq++
	in.read.Store(in.seq)
	return f
}

// ReadFrame returns the caller's next frame, or io.EOF after hang-up.
func (in *inbound) ReadFrame(ctx context.Context) (media.Frame, error) {
	select {
	case s := <-in.frames:
		return in.frame(s), nil
	default:
	}
	select {
	case s := <-in.frames:
		return in.frame(s), nil
	case <-in.done:
		select {
		case s := <-in.frames:
			return in.frame(s), nil
		default:
			return media.Frame{}, io.EOF
		}
	case <-ctx.Done():
		return media.Frame{}, ctx.Err()
	}
}

// receiver turns RTP payloads of one codec into 20 ms frames at the call's
// rate: it orders by sequence number, drops duplicates and late packets,
// and fills short gaps (Opus: FEC from the next packet, else PLC; PCMU:
// silence).
type receiver struct {
	rate   int
	opus   *opus.Decoder // nil for PCMU
	up     *resample.Resampler
	framer *media.Framer
	emit   func([]int16)

	started bool
	last    uint16
	scratch []int16
	tmp     []int16

	packets, lost, concealed, late, bad, padding uint64
}

func newReceiver(codecName string, rate int, emit func([]int16)) (*receiver, error) {
	fr, err := media.NewFramer(rate)
	if err != nil {
		return nil, fmt.Errorf("webrtc: receiver: %w", err)
	}
	r := &receiver{rate: rate, framer: fr, emit: emit}
	switch codecName {
	case CodecOpus:
		if r.opus, err = opus.NewDecoder(rate); err != nil {
			return nil, fmt.Errorf("webrtc: receiver: %w", err)
		}
	case CodecPCMU:
		if rate != codec.G711Rate {
			if r.up, err = resample.New(codec.G711Rate, rate); err != nil {
				return nil, fmt.Errorf("webrtc: receiver: %w", err)
			}
		}
	default:
		return nil, fmt.Errorf("webrtc: receiver codec %q: %w", codecName, ErrNoCodec)
	}
	return r, nil
}

// packet takes one RTP packet's sequence number and payload. It returns an
// error for a payload that does not decode (the packet is skipped).
func (r *receiver) packet(seq uint16, payload []byte) error {
	r.packets++
	if len(payload) == 0 {
		// Padding only (RTP padding, RFC 3550 section 5.1): browsers send
		// these as bandwidth probes. They use up a sequence number but
		// carry no audio, so they are neither decoded nor a gap.
		if r.started && seq-r.last < 0x8000 {
			r.last = seq
		}
		r.padding++
		return nil
	}
	if r.started {
		d := seq - r.last // wraps (RFC 3550 section A.1)
		if d == 0 || d >= 0x8000 {
			r.late++
			return nil
		}
		if gap := int(d) - 1; gap > 0 {
			r.lost += uint64(gap)
			if gap <= maxConcealFrames {
				r.conceal(gap, payload)
			}
		}
	}
	r.started, r.last = true, seq
	var err error
	if r.opus != nil {
		r.tmp, err = r.opus.Decode(r.tmp[:0], payload)
	} else {
		r.tmp = codec.PCMU.Decode(r.tmp[:0], payload)
	}
	if err != nil {
		r.bad++
		return err
	}
	r.push(r.tmp)
	return nil
}

func (r *receiver) conceal(gap int, next []byte) {
	n := media.SamplesPerFrame(r.rate)
	for i := 1; i <= gap; i++ {
		r.concealed++
		if r.opus == nil {
			r.framer.Push(make([]int16, n))
			continue
		}
		var nx []byte
		if i == gap {
			nx = next
		}
		f, err := r.opus.Conceal(r.scratch, nx, 0, 0)
		if err != nil {
			r.framer.Push(make([]int16, n))
			continue
		}
		r.scratch = f.Samples
		r.framer.Push(f.Samples)
	}
	r.drain()
}

func (r *receiver) push(s []int16) {
	if r.up != nil {
		s = r.up.Process(nil, s)
	}
	r.framer.Push(s)
	r.drain()
}

func (r *receiver) drain() {
	for {
		f, ok := r.framer.Next(false)
		if !ok {
			return
		}
		r.emit(append([]int16(nil), f.Samples...))
	}
}

// frameEncoder is what the sender needs of a codec (opus.Encoder, codec.G711).
type frameEncoder interface {
	EncodeFrame(dst []byte, f media.Frame) ([]byte, error)
}

var (
	_ frameEncoder = (*opus.Encoder)(nil)
	_ frameEncoder = codec.PCMU
)

// outbound is the bot's audio as a media.Writer: frames wait in a bounded
// queue (oldest dropped) for the sender's 20 ms slots.
type outbound struct {
	rate    int
	n       int
	q       chan []int16
	dropped atomic.Uint64
	closed  atomic.Bool
}

var _ media.Writer = (*outbound)(nil)

func newOutbound(rate int) *outbound {
	return &outbound{rate: rate, n: media.SamplesPerFrame(rate), q: make(chan []int16, outQueueFrames)}
}

// WriteFrame queues a copy of f for sending.
func (o *outbound) WriteFrame(ctx context.Context, f media.Frame) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.closed.Load() {
		return fmt.Errorf("webrtc: bot audio: %w", media.ErrClosed)
	}
	if f.Rate != o.rate {
		return fmt.Errorf("webrtc: bot audio at %d Hz, call at %d Hz: %w", f.Rate, o.rate, media.ErrRateMismatch)
	}
	if len(f.Samples) != o.n {
		return fmt.Errorf("webrtc: bot frame of %d samples: %w", len(f.Samples), media.ErrFrameSize)
	}
	s := append([]int16(nil), f.Samples...)
	select {
	case o.q <- s:
		return nil
	default:
	}
	select {
	case <-o.q:
		o.dropped.Add(1)
	default:
	}
	select {
	case o.q <- s:
	default:
		o.dropped.Add(1)
	}
	return nil
}

// flush drops the queued audio (the caller barged in).
func (o *outbound) flush() {
	for {
		select {
		case <-o.q:
		default:
			return
		}
	}
}

// next returns the next queued frame, or nil.
func (o *outbound) next() []int16 {
	select {
	case s := <-o.q:
		return s
	default:
		return nil
	}
}
