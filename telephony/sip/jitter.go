package sip

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/callbee/callbee/media"
)

// Jitter buffer sizes.
const (
	// maxJitterDelay bounds Config.JitterDelay.
	maxJitterDelay = 300 * time.Millisecond
	// jitterCapacity is how much audio the buffer holds ahead of playout
	// at first; it grows (doubling) to jitterMaxCapacity when the reader
	// stalls (an Answerer loading a recogniser on its first turn), so that
	// nothing the caller says is lost to a slow start.
	jitterCapacity    = time.Second
	jitterMaxCapacity = 8 * time.Second
	// jitterSlack is how far a packet's timestamp may jump from the
	// playout position, after a pause in the stream, before the playout
	// schedule restarts at it; and how far behind a reader of silence
	// (before the first packet) may fall before its schedule restarts.
	jitterSlack = 200 * time.Millisecond
)

// jitterBuffer is the caller's side of a call: RTP payloads decoded to
// PCM are written at their RTP timestamp position, and ReadFrame plays
// them out as standard 8 kHz frames on a fixed schedule (first packet's
// arrival + delay), one every 20 ms of the clock; a reader that falls
// behind gets the buffered frames at once until it catches up (the
// buffer holds up to jitterCapacity). Missing audio (loss, a
// late packet, silence suppression, no RTP at all yet) plays as silence,
// so the reader always sees real time pass. Late packets are dropped;
// reordered ones within the delay are put in place; duplicates overwrite
// themselves. Each late packet adds a frame to the delay, up to
// maxJitterDelay. Write and ReadFrame may be called from different
// goroutines.
type jitterBuffer struct {
	clock    media.Clock
	rate     int
	n        int   // samples per frame
	slack    int64 // samples
	maxDelay int64 // samples
	maxCap   int64 // samples the ring may grow to
	timeout  time.Duration

	mu       sync.Mutex // guards the fields below
	ring     []int16    // len cap; sample at position p is ring[p%cap]
	filled   []bool     // per frame slot of ring: some audio was written there
	anchored bool
	delay    int64     // samples of playout delay; grows on late packets
	readPos  int64     // next position to play
	high     int64     // end of the highest position written
	schedAt  time.Time // wall time at which schedPos is due
	schedPos int64
	preroll  time.Time // before anchoring: when the next silence frame is due
	lastIn   time.Time // last write (or start)
	seq      uint64
	err      error // set by close: returned once buffered audio is gone
	out      []int16

	// counters, guarded by mu
	late, overflow, concealed, frames, grown uint64

	done chan struct{} // closed by close

	// onBehind, when set, is told when a frame is read this late (a
	// stalled reader); it is called with the mutex held and must be quick.
	onBehind func(time.Duration)
}

func newJitterBuffer(clock media.Clock, rate int, delay, timeout time.Duration) *jitterBuffer {
	n := media.SamplesPerFrame(rate)
	c := int(int64(rate) * int64(jitterCapacity) / int64(time.Second))
	now := clock.Now()
	return &jitterBuffer{
		clock:    clock,
		rate:     rate,
		n:        n,
		delay:    int64(rate) * int64(delay) / int64(time.Second),
		slack:    int64(rate) * int64(jitterSlack) / int64(time.Second),
		maxDelay: int64(rate) * int64(maxJitterDelay) / int64(time.Second),
		maxCap:   int64(rate) * int64(jitterMaxCapacity) / int64(time.Second),
		timeout:  timeout,
		ring:     make([]int16, c),
		filled:   make([]bool, c/n),
		out:      make([]int16, n),
		preroll:  now.Add(media.FrameDuration),
		lastIn:   now,
		done:     make(chan struct{}),
	}
}

// growLocked doubles the ring until it holds need samples (up to maxCap),
// keeping the audio between readPos and high in place.
func (j *jitterBuffer) growLocked(need int64) {
	old, oldFilled := j.ring, j.filled
	c := int64(len(old))
	for c < need && c < j.maxCap {
		c *= 2
	}
	c = min(c, j.maxCap) / int64(j.n) * int64(j.n)
	j.ring = make([]int16, c)
	j.filled = make([]bool, c/int64(j.n))
	for p := j.readPos; p < j.high; p++ {
		j.ring[p%c] = old[p%int64(len(old))]
	}
	for p := j.readPos; p < j.high; p += int64(j.n) {
		j.filled[j.slot(p)] = oldFilled[int(p/int64(j.n))%len(oldFilled)]
	}
	j.grown++
}

// slot is the frame slot of ring that holds position p.
func (j *jitterBuffer) slot(p int64) int {
	return int(p/int64(j.n)) % len(j.filled)
}

// dur converts samples to time.
func (j *jitterBuffer) dur(samples int64) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(j.rate)
}

// anchorLocked restarts the playout schedule with pos due delay from now.
func (j *jitterBuffer) anchorLocked(pos int64, now time.Time) {
	clear(j.ring)
	clear(j.filled)
	j.anchored = true
	j.readPos, j.high = pos, pos
	j.schedPos, j.schedAt = pos, now.Add(j.dur(j.delay))
}

// write puts samples at stream position pos (RTP timestamp units since the
// stream's first packet, extended past wrap-around). restart marks the
// start of a talkspurt (RTP marker bit) or a new source.
func (j *jitterBuffer) write(pos int64, samples []int16, restart bool) {
	now := j.clock.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastIn = now
	end := pos + int64(len(samples))
	capacity := int64(len(j.ring))
	empty := j.high <= j.readPos
	switch {
	case !j.anchored:
		j.anchorLocked(pos, now)
	case empty && (restart || j.readPos-pos > j.delay+j.slack || pos-j.readPos > j.delay+j.slack):
		// A new talkspurt or source after a gap, or a timestamp jump: play
		// it after the delay.
		j.anchorLocked(pos, now)
	case end <= j.readPos:
		j.late++
		// Adapt: the network's jitter is more than the delay. Play a
		// frame later from now on (up to maxJitterDelay).
		if j.delay+int64(j.n) <= j.maxDelay {
			j.delay += int64(j.n)
			j.schedAt = j.schedAt.Add(media.FrameDuration)
		}
		return
	case pos-j.high > j.delay+j.slack && pos-j.readPos >= j.maxCap-int64(j.n):
		// A timestamp jump far ahead of anything buffered.
		j.overflow++
		j.anchorLocked(pos, now)
	}
	if need := end - j.readPos + int64(j.n); need > capacity && capacity < j.maxCap {
		j.growLocked(need)
		capacity = int64(len(j.ring))
	}
	if pos < j.readPos { // partly late
		samples = samples[j.readPos-pos:]
		pos = j.readPos
	}
	if over := end - j.readPos - (capacity - int64(j.n)); over > 0 {
		// Too far ahead of playout (the reader has not started yet or
		// stalled): drop the oldest audio, whole frames. The reader gets
		// what is left at once, so no lasting delay builds up.
		skip := (over + int64(j.n) - 1) / int64(j.n) * int64(j.n)
		for p := j.readPos; p < j.readPos+skip; p++ {
			j.ring[p%capacity] = 0
		}
		for p := j.readPos; p < j.readPos+skip; p += int64(j.n) {
			j.filled[j.slot(p)] = false
		}
		j.readPos += skip
		j.overflow += uint64(skip / int64(j.n))
		// What is left is due at once but for the last delay's worth.
		j.schedPos, j.schedAt = end-j.delay, now
		if pos < j.readPos {
			if end <= j.readPos {
				return
			}
			samples = samples[j.readPos-pos:]
			pos = j.readPos
		}
	}
	for i, s := range samples {
		j.ring[(pos+int64(i))%capacity] = s
	}
	for p := pos; p < end; p += int64(j.n) {
		j.filled[j.slot(p)] = true
	}
	j.filled[j.slot(end-1)] = true
	if end > j.high {
		j.high = end
	}
}

// close ends the stream: ReadFrame returns err (io.EOF at hang-up).
func (j *jitterBuffer) close(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	j.err = err
	close(j.done)
}

// ReadFrame returns the next 20 ms of caller audio when it is due.
func (j *jitterBuffer) ReadFrame(ctx context.Context) (media.Frame, error) {
	for {
		j.mu.Lock()
		if j.err != nil {
			err := j.err
			j.mu.Unlock()
			return media.Frame{}, err
		}
		now := j.clock.Now()
		if j.timeout > 0 && now.Sub(j.lastIn) > j.timeout {
			j.mu.Unlock()
			return media.Frame{}, fmt.Errorf("sip: no RTP for %v: %w", j.timeout, ErrMediaTimeout)
		}
		due := j.preroll
		if j.anchored {
			due = j.schedAt.Add(j.dur(j.readPos - j.schedPos))
		}
		if !now.Before(due) {
			if behind := now.Sub(due); behind > jitterSlack && j.onBehind != nil {
				j.onBehind(behind)
			}
			f := j.takeLocked(now)
			j.mu.Unlock()
			return f, nil
		}
		j.mu.Unlock()
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-j.done:
		case <-j.clock.After(due.Sub(now)):
		}
	}
}

// takeLocked plays out one frame.
func (j *jitterBuffer) takeLocked(now time.Time) media.Frame {
	if !j.anchored {
		clear(j.out)
		j.preroll = j.preroll.Add(media.FrameDuration)
		if now.Sub(j.preroll) > jitterSlack { // the reader fell behind
			j.preroll = now
		}
	} else {
		capacity := int64(len(j.ring))
		if sl := j.slot(j.readPos); !j.filled[sl] {
			j.concealed++
		} else {
			j.filled[sl] = false
		}
		for i := range j.out {
			p := (j.readPos + int64(i)) % capacity
			j.out[i] = j.ring[p]
			j.ring[p] = 0
		}
		j.readPos += int64(j.n)
	}
	f := media.Frame{Samples: j.out, Rate: j.rate, At: media.FrameAt(j.seq), Seq: j.seq}
	j.seq++
	j.frames++
	return f
}

// streamTime is the stream time of the next frame to play.
func (j *jitterBuffer) streamTime() time.Duration {
	j.mu.Lock()
	defer j.mu.Unlock()
	return media.FrameAt(j.seq)
}

var _ media.Reader = (*jitterBuffer)(nil)
