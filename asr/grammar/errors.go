package grammar

import "errors"

var (
	// ErrNoDict: the pronunciation dictionary is missing or empty.
	ErrNoDict = errors.New("no pronunciation dictionary")
	// ErrEmpty: nothing in the shop could be spoken with the dictionary.
	ErrEmpty = errors.New("no recognisable sentences")
	// ErrLang: the language is neither zh nor en.
	ErrLang = errors.New("unsupported language")
)
