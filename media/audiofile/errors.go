package audiofile

import "errors"

var (
	// ErrNotWAV: the bytes are not a RIFF/WAVE file.
	ErrNotWAV = errors.New("not a WAV file")
	// ErrMalformed: the file's structure is broken (truncated, chunk sizes
	// past the end, a missing fmt or data chunk).
	ErrMalformed = errors.New("malformed audio file")
	// ErrUnsupported: a well-formed file in a format this package does not
	// decode (float or compressed WAV, unusual bit depths or rates).
	ErrUnsupported = errors.New("unsupported audio format")
	// ErrTooLarge: the file is bigger than MaxFileSize.
	ErrTooLarge = errors.New("audio file too large")
	// ErrUnknownFormat: Decode could not tell WAV from MP3.
	ErrUnknownFormat = errors.New("unknown audio file format")
)
