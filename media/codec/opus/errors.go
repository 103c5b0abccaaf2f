package opus

import "errors"

var (
	// ErrBadPayload: the bytes are not an Opus packet libopus can decode
	// (empty, oversized, or malformed per RFC 6716 section 3).
	ErrBadPayload = errors.New("bad opus payload")
	// ErrBadOption: an encoder option out of its range.
	ErrBadOption = errors.New("bad opus option")
)
