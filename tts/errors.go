package tts

import "errors"

var (
	// ErrLanguage: the voice's language is not one the engine speaks.
	ErrLanguage = errors.New("unsupported language")
	// ErrClosed: the stream or engine was closed.
	ErrClosed = errors.New("closed")
	// ErrEmptyText: there is nothing to say.
	ErrEmptyText = errors.New("empty text")
)
