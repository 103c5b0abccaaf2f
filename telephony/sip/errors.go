package sip

import "errors"

var (
	// ErrBadConfig: a Config value is missing or out of range.
	ErrBadConfig = errors.New("sip: bad config")
	// ErrBadOption: an Option was given a bad value.
	ErrBadOption = errors.New("sip: bad option")
	// ErrClosed: the server is closed.
	ErrClosed = errors.New("sip: server closed")
	// ErrBadSDP: an SDP body could not be parsed.
	ErrBadSDP = errors.New("sip: bad SDP")
	// ErrNoCommonCodec: the offer has no audio codec we accept (488).
	ErrNoCommonCodec = errors.New("sip: no common codec")
	// ErrBadEvent: an RFC 4733 payload or a SIP INFO DTMF body is malformed.
	ErrBadEvent = errors.New("sip: bad telephone event")
	// ErrCallEnded: the call is over (the caller hung up or the server closed).
	ErrCallEnded = errors.New("sip: call ended")
	// ErrCapacity: Config.MaxCalls calls are up, or the server is draining.
	ErrCapacity = errors.New("sip: at capacity")
	// ErrRegister: the registrar refused the registration.
	ErrRegister = errors.New("sip: registration refused")
	// ErrMediaTimeout: no RTP arrived for Config.MediaTimeout.
	ErrMediaTimeout = errors.New("sip: no media")
)

var (
	errShortRTP = errors.New("short packet")
	errBadRTP   = errors.New("malformed packet")
)
