package twilio

import "errors"

var (
	// ErrBadConfig: a Config value is missing or out of range.
	ErrBadConfig = errors.New("invalid twilio config")
	// ErrBadMessage: a provider message is not valid JSON, has an unknown
	// event, or a field out of range.
	ErrBadMessage = errors.New("bad media streams message")
	// ErrWrongStream: a message names another stream than the one started.
	ErrWrongStream = errors.New("message for another stream")
)
