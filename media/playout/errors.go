package playout

import "errors"

var (
	// ErrInterrupted: the caller talked over the bot (barge-in, a DTMF key,
	// or Interrupt) and the rest of the audio was dropped.
	ErrInterrupted = errors.New("playout interrupted")
	// ErrFlushed: Flush dropped the audio being played.
	ErrFlushed = errors.New("playout flushed")
	// ErrBadOption: an option value is out of range.
	ErrBadOption = errors.New("invalid playout option")
)
