package codec

import "errors"

// ErrUnknownCodec: an encoding name this package does not implement.
var ErrUnknownCodec = errors.New("unknown codec")
