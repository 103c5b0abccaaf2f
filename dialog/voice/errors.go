package voice

import "errors"

var (
	// ErrBadConfig: a Config value is missing or out of range.
	ErrBadConfig = errors.New("invalid voice session config")
	// ErrRunning: Run was called on a session that already ran.
	ErrRunning = errors.New("voice session already ran")
	// ErrCallEnded: the call hung up (or its source ended) while waiting.
	ErrCallEnded = errors.New("call ended")
	// ErrNothingHeard: a caller turn ended but the recogniser heard no words.
	ErrNothingHeard = errors.New("nothing recognised")
	// ErrTurnDropped: a caller turn was dropped because the turn queue was full.
	ErrTurnDropped = errors.New("turn dropped: queue full")
)
