package media

import "errors"

var (
	// ErrBadRate: the sample rate is not positive, too high, or does not
	// divide into whole 20 ms frames.
	ErrBadRate = errors.New("unsupported sample rate")
	// ErrFrameSize: a frame does not hold exactly FrameDuration of audio.
	ErrFrameSize = errors.New("frame is not 20 ms")
	// ErrRateMismatch: a frame arrived at a rate the receiver was not set up for.
	ErrRateMismatch = errors.New("sample rate mismatch")
	// ErrBadDigit: a DTMF digit or RFC 4733 event code outside 0-9 * # A-D.
	ErrBadDigit = errors.New("invalid DTMF digit")
	// ErrClosed: the receiver was closed.
	ErrClosed = errors.New("closed")
)
