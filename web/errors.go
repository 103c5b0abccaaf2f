package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/callbee/callbee/dialog"
)

// Errors of the API itself (the brain's errors come from package dialog).
var (
	ErrUnknownSession = errors.New("web: unknown session")
	ErrUnknownShop    = errors.New("web: unknown shop")
)

// Error codes in {"error": ..., "code": ...} bodies.
const (
	CodeNotFound         = "not_found"
	CodeUnknownShop      = "unknown_shop"
	CodeUnknownSession   = "unknown_session"
	CodeBadJSON          = "bad_json"
	CodeTooLarge         = "body_too_large"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeTextTooLong      = "text_too_long"
	CodeBadLang          = "bad_lang"
	CodeBadRequest       = "bad_request"
	CodeEmptyInput       = "empty_input"
	CodeSessionExists    = "session_exists"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// apiError is an error with its HTTP status and code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: msg}
}

// statusOf maps an error to its HTTP status, code and public message.
func statusOf(err error) (int, string, string) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.code, ae.msg
	case errors.Is(err, ErrUnknownSession), errors.Is(err, dialog.ErrUnknownSession):
		return http.StatusNotFound, CodeUnknownSession, "unknown session"
	case errors.Is(err, ErrUnknownShop):
		return http.StatusNotFound, CodeUnknownShop, "unknown shop"
	case errors.Is(err, dialog.ErrShopMismatch):
		return http.StatusNotFound, CodeUnknownSession, "unknown session"
	case errors.Is(err, dialog.ErrBadLang):
		return http.StatusBadRequest, CodeBadLang, err.Error()
	case errors.Is(err, dialog.ErrBadInput):
		return http.StatusBadRequest, CodeBadRequest, err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, CodeUnavailable, "request cancelled"
	}
	return http.StatusInternalServerError, CodeInternal, "internal error"
}

func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" not allowed; use "+allow)
	})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ErrorBody{Error: msg, Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal error","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
