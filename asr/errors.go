package asr

import "errors"

var (
	// ErrUnsupported: the engine has no model for the language, rate or search.
	ErrUnsupported = errors.New("unsupported recognition options")
	// ErrClosed: the stream or recogniser was closed.
	ErrClosed = errors.New("closed")
	// ErrFinished: audio was written after Final.
	ErrFinished = errors.New("utterance already finished")
	// ErrNoStreams: StartAll was given no options.
	ErrNoStreams = errors.New("no streams")
)
