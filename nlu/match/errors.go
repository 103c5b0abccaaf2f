package match

import "errors"

// Named errors.
var (
	// ErrNilShop says New or LeaveOneOut was given no shop.
	ErrNilShop = errors.New("match: nil shop")
	// ErrUnknownFAQ says AddPhrasing named a FAQ the shop does not have.
	ErrUnknownFAQ = errors.New("match: unknown faq")
	// ErrEmptyText says a phrasing normalized to nothing.
	ErrEmptyText = errors.New("match: empty text")
	// ErrLang says a language is not one the shop format carries.
	ErrLang = errors.New("match: unsupported language")
	// ErrBadOption says an Option was given an invalid value.
	ErrBadOption = errors.New("match: bad option")
)
