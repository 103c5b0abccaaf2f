package siptest

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// Echo is a telephony.Answerer for door tests: it records the caller's
// audio and keys, writes every caller frame back (when Echo is set) and
// ends the call itself after HangupAfter of audio (0: waits for the
// caller's hang-up).
type Echo struct {
	Echo        bool
	HangupAfter time.Duration
	// Say, when set, is spoken to the caller (8 kHz) from the start of
	// the call, beside the reading.
	Say []int16

	mu      sync.Mutex // guards the fields below
	calls   []telephony.Call
	samples []int16
	digits  []rune
	frames  int
	errs    []error
	active  int
	said    int   // frames of Say written
	sayErr  error // why Say stopped early
}

var _ telephony.Answerer = (*Echo)(nil)

// Answer runs one call.
func (e *Echo) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	e.mu.Lock()
	e.calls = append(e.calls, c)
	e.active++
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.active--
		e.mu.Unlock()
	}()
	kctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if dtmf != nil {
		wg.Go(func() {
			for {
				ev, err := dtmf.Next(kctx)
				if err != nil {
					return
				}
				e.mu.Lock()
				e.digits = append(e.digits, ev.Digit)
				e.mu.Unlock()
			}
		})
	}
	if e.Say != nil {
		wg.Go(func() { e.say(kctx, c.Rate, out) })
	}
	defer wg.Wait()
	defer cancel()
	var got time.Duration
	for {
		f, err := in.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			return telephony.Result{Session: c.ID}, nil
		}
		if err != nil {
			e.mu.Lock()
			e.errs = append(e.errs, err)
			e.mu.Unlock()
			return telephony.Result{Session: c.ID}, err
		}
		if f.Validate() != nil || f.Rate != c.Rate {
			return telephony.Result{}, errors.New("siptest: bad frame from the door")
		}
		e.mu.Lock()
		e.samples = append(e.samples, f.Samples...)
		e.frames++
		e.mu.Unlock()
		if e.Echo {
			if err := out.WriteFrame(ctx, f); err != nil {
				return telephony.Result{Session: c.ID}, err
			}
		}
		got += f.Duration()
		if e.HangupAfter > 0 && got >= e.HangupAfter {
			return telephony.Result{Session: c.ID}, nil
		}
	}
}

// Calls are the calls answered so far.
func (e *Echo) Calls() []telephony.Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]telephony.Call(nil), e.calls...)
}

// Samples is all caller audio read so far (8 kHz for G.711 calls).
func (e *Echo) Samples() []int16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int16(nil), e.samples...)
}

// Digits are the keys pressed so far, in order.
func (e *Echo) Digits() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return string(e.digits)
}

// Frames is the number of frames read.
func (e *Echo) Frames() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.frames
}

// Active is the number of calls in Answer now.
func (e *Echo) Active() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active
}

func (e *Echo) say(ctx context.Context, rate int, out media.Writer) {
	for i, f := range mediatestFrames(rate, e.Say) {
		if err := out.WriteFrame(ctx, f); err != nil {
			e.mu.Lock()
			e.sayErr = err
			e.mu.Unlock()
			return
		}
		e.mu.Lock()
		e.said = i + 1
		e.mu.Unlock()
	}
}

// mediatestFrames cuts samples into standard frames (the last one padded).
func mediatestFrames(rate int, samples []int16) []media.Frame {
	n := media.SamplesPerFrame(rate)
	var out []media.Frame
	for i, seq := 0, uint64(0); i < len(samples); i, seq = i+n, seq+1 {
		f := make([]int16, n)
		copy(f, samples[i:min(i+n, len(samples))])
		out = append(out, media.Frame{Samples: f, Rate: rate, At: media.FrameAt(seq), Seq: seq})
	}
	return out
}

// Said is how many frames of Say went out, and the error that stopped it.
func (e *Echo) Said() (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.said, e.sayErr
}
