package kb

import (
	"errors"
	"strconv"
	"strings"
)

// Named errors. A *ValidationError matches ErrInvalid with errors.Is, and also
// ErrTooLarge when the file broke one of the size limits.
var (
	// ErrInvalid says a shop file failed validation.
	ErrInvalid = errors.New("kb: invalid shop file")
	// ErrTooLarge says a shop file is over one of the size limits (MaxFileSize,
	// MaxFAQs, MaxStringLen ...).
	ErrTooLarge = errors.New("kb: shop file too large")
	// ErrNoShop says a Holder holds no shop yet.
	ErrNoShop = errors.New("kb: no shop loaded")
)

// Problem is one thing wrong with a shop file, with where it is.
type Problem struct {
	File  string // file name as given to Parse or Load
	Line  int    // 1-based line, 0 if unknown
	Field string // field path like faqs[3].related; empty for file-level problems
	Msg   string
}

// String renders the problem as "file:line: field: msg".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError holds every problem found in a shop file, in file order.
type ValidationError struct {
	Problems []Problem
	// Omitted counts problems beyond MaxProblems that were not kept.
	Omitted  int
	tooLarge bool
}

// Error renders one problem per line.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return ErrInvalid.Error()
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	if e.Omitted > 0 {
		b.WriteString("\n... and ")
		b.WriteString(strconv.Itoa(e.Omitted))
		b.WriteString(" more problems")
	}
	return b.String()
}

// Unwrap lets errors.Is match ErrInvalid (always) and ErrTooLarge (when a
// size limit was broken).
func (e *ValidationError) Unwrap() []error {
	if e.tooLarge {
		return []error{ErrInvalid, ErrTooLarge}
	}
	return []error{ErrInvalid}
}

// UnknownError says an id names nothing in the shop.
type UnknownError struct {
	Kind string
	ID   string
}

func (e *UnknownError) Error() string { return "kb: unknown " + e.Kind + " " + strconv.Quote(e.ID) }
