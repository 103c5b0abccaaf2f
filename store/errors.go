package store

import "errors"

// Errors returned by the store. They are wrapped with context; test with errors.Is.
var (
	// ErrNotFound: the shop, session, handoff, ticket or unresolved question does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: a session with that id already exists.
	ErrExists = errors.New("store: already exists")
	// ErrSessionEnded: CommitTurn was called for a session that has already ended.
	ErrSessionEnded = errors.New("store: session has ended")
	// ErrInvalid: an argument is missing or out of its allowed set (empty id, unknown status, bad JSON).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrSchemaTooNew: the database was migrated by a newer callbee than this binary; opening it
	// could corrupt data the newer schema depends on.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")
	// ErrClosed: the Store has been closed.
	ErrClosed = errors.New("store: closed")
)
