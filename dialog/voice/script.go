package voice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callbee/callbee/media"
)

// Defaults of a Script.
const (
	// DefaultLead is the silence a scripted caller leaves after the bot
	// finished before speaking.
	DefaultLead = 300 * time.Millisecond
	// DefaultTrail is the most silence a scripted caller leaves after a turn
	// for end-of-turn to fire (it stops as soon as it does).
	DefaultTrail = 1500 * time.Millisecond
)

// Script is a media.Reader that plays a caller who takes turns politely:
// it waits until the session is idle (welcome or last answer played), leaves
// Lead of silence, says the next turn, then stays silent until the session
// detects the end of the turn (at most Trail), and so on; after the last
// turn is answered it returns io.EOF. Frames are paced by the clock, so on a
// FastClock the call runs faster than real time with true latencies. Stream
// time follows the clock: time spent waiting for the bot is skipped over
// as silence.
type Script struct {
	sess        *Session
	clock       media.Clock
	rate        int
	turns       [][]int16
	Lead, Trail time.Duration

	n     int
	buf   []int16
	seq   uint64
	start time.Time
	begun bool

	i      int           // next turn
	phase  int           // phaseWait, phaseLead, phaseSpeak, phaseTrail
	pos    int           // sample position in the current turn
	left   time.Duration // silence left in the lead or trail
	ended0 int           // TurnsEnded before the current turn
}

const (
	phaseWait = iota
	phaseLead
	phaseSpeak
	phaseTrail
)

var _ media.Reader = (*Script)(nil)

// NewScript plays turns (mono PCM16 at rate, one slice per caller turn) to sess.
func NewScript(sess *Session, clock media.Clock, rate int, turns [][]int16) (*Script, error) {
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("voice: script rate %d: %w", rate, media.ErrBadRate)
	}
	n := media.SamplesPerFrame(rate)
	return &Script{sess: sess, clock: clock, rate: rate, turns: turns, Lead: DefaultLead, Trail: DefaultTrail,
		n: n, buf: make([]int16, n)}, nil
}

// ReadFrame returns the caller's next frame, waiting for the bot between turns.
func (sc *Script) ReadFrame(ctx context.Context) (media.Frame, error) {
	for {
		switch sc.phase {
		case phaseWait:
			if err := sc.sess.WaitIdle(ctx); err != nil {
				if errors.Is(err, ErrCallEnded) {
					return media.Frame{}, io.EOF
				}
				return media.Frame{}, err
			}
			if sc.i >= len(sc.turns) {
				return media.Frame{}, io.EOF
			}
			if sc.begun { // the time the bot spoke passed as silence on the line
				if now := sc.clock.Now().Sub(sc.start); now > media.FrameAt(sc.seq) {
					sc.seq = uint64(now / media.FrameDuration)
				}
			}
			sc.phase, sc.left = phaseLead, sc.Lead
		case phaseLead:
			if sc.left <= 0 {
				sc.phase, sc.pos, sc.ended0 = phaseSpeak, 0, sc.sess.TurnsEnded()
				continue
			}
			sc.left -= media.FrameDuration
			clear(sc.buf)
			return sc.emit(ctx)
		case phaseSpeak:
			t := sc.turns[sc.i]
			if sc.pos >= len(t) {
				sc.phase, sc.left = phaseTrail, sc.Trail
				continue
			}
			k := copy(sc.buf, t[sc.pos:])
			clear(sc.buf[k:])
			sc.pos += k
			return sc.emit(ctx)
		case phaseTrail:
			if sc.left <= 0 || sc.sess.TurnsEnded() > sc.ended0 {
				sc.phase = phaseWait
				sc.i++
				continue
			}
			sc.left -= media.FrameDuration
			clear(sc.buf)
			return sc.emit(ctx)
		}
	}
}

// emit paces and returns the frame in buf.
func (sc *Script) emit(ctx context.Context) (media.Frame, error) {
	if !sc.begun {
		sc.begun, sc.start = true, sc.clock.Now()
	}
	at := media.FrameAt(sc.seq)
	if d := sc.start.Add(at).Sub(sc.clock.Now()); d > 0 {
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-sc.clock.After(d):
		}
	}
	f := media.Frame{Samples: sc.buf, Rate: sc.rate, At: at, Seq: sc.seq}
	sc.seq++
	return f, nil
}
