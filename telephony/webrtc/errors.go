package webrtc

import "errors"

var (
	// ErrBadMessage: a signalling message that is not JSON, too large, of an
	// unknown type, or with a field out of range.
	ErrBadMessage = errors.New("bad signalling message")
	// ErrBadConfig: a Config value out of range.
	ErrBadConfig = errors.New("bad webrtc config")
	// ErrNoCodec: the offer holds neither Opus nor PCMU audio.
	ErrNoCodec = errors.New("no common audio codec")
	// ErrTooMany: a per-IP or door-wide limit was reached.
	ErrTooMany = errors.New("too many calls")
	// ErrProtocol: a message arrived out of order (an offer before start,
	// a second start, a control before the call is up).
	ErrProtocol = errors.New("signalling out of order")
	// ErrUnknownCall: a resume named a call that is over or never was, or
	// its token did not match.
	ErrUnknownCall = errors.New("unknown call")
	// ErrClosed: the door is closed.
	ErrClosed = errors.New("webrtc door closed")
)
