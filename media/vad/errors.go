package vad

import "errors"

// ErrBadConfig: a configuration value is out of range or inconsistent.
var ErrBadConfig = errors.New("invalid vad config")
