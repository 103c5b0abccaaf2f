package dialog

import "errors"

// Errors the brain returns; doors map them to protocol status codes.
var (
	ErrUnknownSession = errors.New("dialog: unknown session")
	ErrBadInput       = errors.New("dialog: bad input")
	ErrBadLang        = errors.New("dialog: unsupported language")
	ErrShopMismatch   = errors.New("dialog: session belongs to another shop")
	ErrSessionEnded   = errors.New("dialog: session has ended")
)

// MaxTextLen is the longest caller text accepted in one turn (runes).
const MaxTextLen = 2000
