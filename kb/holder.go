package kb

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Holder holds the current shop of a running bot. Readers call Shop on every
// question; Reload and Replace validate a new file first and keep the old
// shop on any error, so a bad file never replaces a good one.
//
// A reloaded shop takes its pack subscriptions from the new file; Export the
// current shop first to keep live subscription changes.
type Holder struct {
	cur atomic.Pointer[Shop]

	mu    sync.Mutex // serialises Reload/Replace/Set and guards check
	check func(*Shop) error
}

// HolderOption configures a Holder.
type HolderOption func(*Holder)

// WithCheck runs check on every new shop after validation and before it
// replaces the current one (for example building a matcher from it); an error
// keeps the old shop.
func WithCheck(check func(*Shop) error) HolderOption {
	return func(h *Holder) { h.check = check }
}

// NewHolder returns a Holder serving s, which may be nil until the first
// successful Reload or Replace.
func NewHolder(s *Shop, opts ...HolderOption) *Holder {
	h := &Holder{}
	for _, o := range opts {
		o(h)
	}
	if s != nil {
		h.cur.Store(s)
	}
	return h
}

// Shop returns the current shop, or nil if none was ever loaded.
func (h *Holder) Shop() *Shop { return h.cur.Load() }

// Reload loads the shop file at path and, if it is valid, makes it current.
// On any error the current shop stays and the error is returned (a
// *ValidationError for a bad file).
func (h *Holder) Reload(path string) error {
	s, err := Load(path)
	if err != nil {
		return err
	}
	return h.Set(s)
}

// Replace parses data (named name in problems) and, if it is valid, makes it
// current. On any error the current shop stays.
func (h *Holder) Replace(name string, data []byte) error {
	s, err := Parse(name, data)
	if err != nil {
		return err
	}
	return h.Set(s)
}

// Set makes an already validated shop current, after the WithCheck hook.
func (h *Holder) Set(s *Shop) error {
	if s == nil {
		return fmt.Errorf("kb: holder: %w", ErrNoShop)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.check != nil {
		if err := h.check(s); err != nil {
			return fmt.Errorf("kb: holder: new shop %s rejected: %w", s.ID(), err)
		}
	}
	h.cur.Store(s)
	return nil
}
