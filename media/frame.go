// Package media owns the audio currency of callbee: mono PCM16 frames with
// their sample rate, timestamp and sequence number, the small Reader and
// Writer interfaces that move them, events that travel next to audio (DTMF
// digits, voice activity, turn ends), and the Clock that paces real time.
//
// Everything on the voice path (resampling in media/resample, G.711 in
// media/codec, voice activity and end of turn in media/vad, files in
// media/audiofile, playout with barge-in in media/playout) wraps a Reader or
// a Writer of these frames. Raw bytes never cross a package boundary without
// the format beside them.
//
// The standard frame is 20 ms (FrameDuration): 160 samples at 8 kHz, 320 at
// 16 kHz, 960 at 48 kHz. Opus is not here yet: it needs cgo and libopus.
package media

import (
	"fmt"
	"time"
)

// FrameDuration is the length of a standard frame.
const FrameDuration = 20 * time.Millisecond

// framesPerSecond is 1 s / FrameDuration.
const framesPerSecond = int(time.Second / FrameDuration)

// Common sample rates on the voice path.
const (
	Rate8k  = 8000  // narrowband telephony (G.711)
	Rate16k = 16000 // wideband; ASR models
	Rate48k = 48000 // WebRTC / Opus
)

// MaxRate is the highest sample rate a Frame may carry.
const MaxRate = 192000

// Frame is a run of mono signed 16-bit PCM samples at Rate samples per
// second. At is the stream time of the first sample (time since the stream
// started, not wall-clock time); Seq counts frames from 0 in the stream that
// produced them. Standard frames hold exactly FrameDuration of audio; the
// last frame of a file may be shorter only where a reader documents it.
//
// A Frame does not own its Samples: a receiver that keeps them past the call
// that delivered the frame must Clone it.
type Frame struct {
	Samples []int16
	Rate    int
	At      time.Duration
	Seq     uint64
}

// SamplesPerFrame is the number of samples in a standard frame at rate.
// It is 0 when rate does not divide into whole 20 ms frames.
func SamplesPerFrame(rate int) int {
	if rate <= 0 || rate%framesPerSecond != 0 {
		return 0
	}
	return rate / framesPerSecond
}

// ValidRate reports whether rate can carry standard frames.
func ValidRate(rate int) bool {
	return rate > 0 && rate <= MaxRate && SamplesPerFrame(rate) > 0
}

// Duration is the length of the audio in the frame.
func (f Frame) Duration() time.Duration {
	if f.Rate <= 0 {
		return 0
	}
	return time.Duration(len(f.Samples)) * time.Second / time.Duration(f.Rate)
}

// End is the stream time just after the frame's last sample.
func (f Frame) End() time.Duration { return f.At + f.Duration() }

// Clone returns a copy of f that owns its samples.
func (f Frame) Clone() Frame {
	f.Samples = append([]int16(nil), f.Samples...)
	return f
}

// Validate reports whether f is a standard frame.
func (f Frame) Validate() error {
	if !ValidRate(f.Rate) {
		return fmt.Errorf("media: frame rate %d: %w", f.Rate, ErrBadRate)
	}
	if n := SamplesPerFrame(f.Rate); len(f.Samples) != n {
		return fmt.Errorf("media: frame has %d samples, want %d at %d Hz: %w", len(f.Samples), n, f.Rate, ErrFrameSize)
	}
	return nil
}

// FrameAt is the stream time of frame number seq in a stream of standard frames.
func FrameAt(seq uint64) time.Duration { return time.Duration(seq) * FrameDuration }
