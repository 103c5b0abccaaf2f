package stream

import "errors"

var (
	// ErrBadConfig: a Config value is missing or out of range.
	ErrBadConfig = errors.New("invalid stream config")
	// ErrBadMessage: a client message is not valid JSON, has an unknown
	// type or a field out of range. The error event's code says which.
	ErrBadMessage = errors.New("bad stream message")
	// ErrClosed: the handler or connection was closed.
	ErrClosed = errors.New("stream closed")
	// ErrOutboxFull: the control queue of a connection overflowed; the
	// connection is closed rather than lose an event silently.
	ErrOutboxFull = errors.New("stream outbox full")
)

// Codes of error events ({"type":"error","code":...}) and of the HTTP
// refusals before the upgrade.
const (
	CodeBadJSON        = "bad_json"         // not a JSON object
	CodeUnknownType    = "unknown_type"     // "type" missing or not one of the message types
	CodeBadField       = "bad_field"        // a field is missing or out of range
	CodeTooLarge       = "too_large"        // message over Config.MaxMessageBytes
	CodeNotStarted     = "not_started"      // a message that needs "start" first
	CodeAlreadyStarted = "already_started"  // a second "start"
	CodeBadAudio       = "bad_audio_format" // unsupported encoding, rate or channels
	CodeWrongMode      = "wrong_mode"       // audio in a text session, text in an audio session
	CodeForbiddenShop  = "forbidden_shop"   // the device token may not use this shop
	CodeUnknownShop    = "unknown_shop"     // no brain for the shop
	CodeBusy           = "busy"             // too many pending text messages
	CodeIdle           = "idle"             // nothing received for Config.IdleTimeout
	CodeCallFailed     = "call_failed"      // the answerer failed
	CodeBrainFailed    = "brain_failed"     // the brain failed on a text turn
	CodeUnauthorized   = "unauthorized"     // HTTP 401: missing or unknown device token
	CodeTooManyConns   = "too_many_connections"
	CodeOverloaded     = "overloaded" // HTTP 503: Config.MaxSessions reached
)
