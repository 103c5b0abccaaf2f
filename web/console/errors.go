package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
)

// Errors of the console.
var (
	ErrUnknownShop = errors.New("console: unknown shop")
	ErrNoEngine    = errors.New("console: the shop's brain does not support this")
)

// Error codes in {"error": ..., "code": ...} bodies (the web package's shape).
const (
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeCSRF            = "csrf"
	CodeRateLimited     = "rate_limited"
	CodeBadRequest      = "bad_request"
	CodeBadJSON         = "bad_json"
	CodeNotFound        = "not_found"
	CodeConflict        = "conflict"
	CodeInvalidShop     = "invalid_shop"
	CodeTooLarge        = "body_too_large"
	CodeUnsupported     = "unsupported_media_type"
	CodeUnavailable     = "unavailable"
	CodeInternal        = "internal"
)

// ErrorBody is the JSON body of every error response. Problems lists a shop
// file's validation problems (file, line, field, message) for the page.
type ErrorBody struct {
	Error    string    `json:"error"`
	Code     string    `json:"code"`
	Problems []Problem `json:"problems,omitempty"`
}

// Problem is one kb validation problem.
type Problem struct {
	File  string `json:"file"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"msg"`
}

// apiError is an error with its HTTP status and code.
type apiError struct {
	status int
	code   string
	msg    string
	retry  int // Retry-After seconds, 0 for none
}

func (e *apiError) Error() string { return e.msg }

func bad(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: CodeBadRequest, msg: msg}
}
func notFound(msg string) *apiError {
	return &apiError{status: http.StatusNotFound, code: CodeNotFound, msg: msg}
}
func conflict(msg string) *apiError {
	return &apiError{status: http.StatusConflict, code: CodeConflict, msg: msg}
}

// statusOf maps an error to its status, code, public message and problems.
func statusOf(err error) (int, ErrorBody, int) {
	var (
		ae *apiError
		ve *kb.ValidationError
		ue *kb.UnknownError
	)
	switch {
	case errors.As(err, &ae):
		return ae.status, ErrorBody{Error: ae.msg, Code: ae.code}, ae.retry
	case errors.As(err, &ve):
		b := ErrorBody{Error: "the shop file would not be valid", Code: CodeInvalidShop}
		for _, p := range ve.Problems {
			b.Problems = append(b.Problems, Problem{File: p.File, Line: p.Line, Field: p.Field, Msg: p.Msg})
		}
		return http.StatusUnprocessableEntity, b, 0
	case errors.As(err, &ue):
		return http.StatusNotFound, ErrorBody{Error: ue.Error(), Code: CodeNotFound}, 0
	case errors.Is(err, ErrUnknownShop):
		return http.StatusNotFound, ErrorBody{Error: "unknown shop", Code: CodeNotFound}, 0
	case errors.Is(err, store.ErrNotFound), errors.Is(err, live.ErrUnknownSession), errors.Is(err, dialog.ErrUnknownSession):
		return http.StatusNotFound, ErrorBody{Error: "not found", Code: CodeNotFound}, 0
	case errors.Is(err, store.ErrExists):
		return http.StatusConflict, ErrorBody{Error: "already exists", Code: CodeConflict}, 0
	case errors.Is(err, live.ErrHeld):
		return http.StatusConflict, ErrorBody{Error: "another agent holds this session", Code: CodeConflict}, 0
	case errors.Is(err, live.ErrNotHeld):
		return http.StatusConflict, ErrorBody{Error: "accept or take the session first", Code: CodeConflict}, 0
	case errors.Is(err, live.ErrEnded), errors.Is(err, dialog.ErrSessionEnded):
		return http.StatusConflict, ErrorBody{Error: "the session has ended", Code: CodeConflict}, 0
	case errors.Is(err, live.ErrNoSink):
		return http.StatusConflict, ErrorBody{Error: "this door cannot take an agent's replies", Code: CodeUnavailable}, 0
	case errors.Is(err, store.ErrInvalid), errors.Is(err, dialog.ErrBadInput):
		return http.StatusBadRequest, ErrorBody{Error: err.Error(), Code: CodeBadRequest}, 0
	case errors.Is(err, ErrNoEngine):
		return http.StatusNotImplemented, ErrorBody{Error: err.Error(), Code: CodeUnavailable}, 0
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, ErrorBody{Error: "request cancelled", Code: CodeUnavailable}, 0
	}
	return http.StatusInternalServerError, ErrorBody{Error: "internal error", Code: CodeInternal}, 0
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal error","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// fail writes err as JSON; unexpected errors are logged, not shown.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, body, retry := statusOf(err)
	if status >= 500 && status != http.StatusNotImplemented {
		c.log.Error("console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	writeJSON(w, status, body)
}
