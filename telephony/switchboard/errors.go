package switchboard

import "errors"

var (
	// ErrUnknownShop: the call names a shop that is not served.
	ErrUnknownShop = errors.New("unknown shop")
	// ErrNoLanguage: the shop does not speak the language asked for.
	ErrNoLanguage = errors.New("language not offered by the shop")
	// ErrClosed: the switchboard or its speech engines were closed.
	ErrClosed = errors.New("switchboard closed")
)
