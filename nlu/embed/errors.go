package embed

import "errors"

var (
	// ErrNotFound means no embedding file is installed where Default looks
	// (run scripts/fetch-embeddings.sh). The product works without one.
	ErrNotFound = errors.New("embed: embedding file not installed")

	// ErrFormat means the file is not an embedding file of a version this
	// package reads (bad magic or unknown version).
	ErrFormat = errors.New("embed: not a callbee embedding file")

	// ErrCorrupt means the file has the right magic but inconsistent
	// sizes, offsets or values.
	ErrCorrupt = errors.New("embed: corrupt embedding file")

	// ErrInvalidTable means Write was given a table it cannot encode
	// (no dims, wrong vector length, duplicate or empty word, unknown
	// language, too many words).
	ErrInvalidTable = errors.New("embed: invalid table")
)
