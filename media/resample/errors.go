package resample

import "errors"

var (
	// ErrBadOption: an option value is out of range.
	ErrBadOption = errors.New("invalid resampler option")
	// ErrTooComplex: the rate pair needs a filter table above the limit.
	ErrTooComplex = errors.New("rate ratio too complex")
)
