package ttscache

import "errors"

var (
	// ErrBadOption: an option or constructor argument is out of range.
	ErrBadOption = errors.New("invalid cache option")
	// ErrQueueFull: Warm was given more texts than the warm queue holds
	// (MaxWarmQueue).
	ErrQueueFull = errors.New("warm queue full")
)
