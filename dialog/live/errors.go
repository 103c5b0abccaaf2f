package live

import "errors"

// Errors of the registry. They are wrapped with the session id; test with errors.Is.
var (
	// ErrUnknownSession: the registry has no such session.
	ErrUnknownSession = errors.New("live: unknown session")
	// ErrHeld: another agent holds the session.
	ErrHeld = errors.New("live: session is held by another agent")
	// ErrNotHeld: the session is not held (Say needs a holder).
	ErrNotHeld = errors.New("live: session is not held by this agent")
	// ErrNoSink: the session's door cannot take an agent's words.
	ErrNoSink = errors.New("live: the door of this session cannot take agent replies")
	// ErrEnded: the session has ended.
	ErrEnded = errors.New("live: session has ended")
)
