package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
)

// StartRequest is the body of POST /api/v1/sessions.
type StartRequest struct {
	Shop    string `json:"shop"`
	Lang    string `json:"lang,omitempty"`    // zh or en; default: the shop's first language
	Channel string `json:"channel,omitempty"` // default "text"
	Caller  string `json:"caller,omitempty"`
	Session string `json:"session,omitempty"` // optional id chosen by the client
}

// MessageRequest is the body of POST /api/v1/sessions/{id}/messages: text or
// keypad digits.
type MessageRequest struct {
	Text string `json:"text,omitempty"`
	DTMF string `json:"dtmf,omitempty"`
}

// ShopsResponse is the body of GET /api/v1/shops.
type ShopsResponse struct {
	Shops []ShopInfo `json:"shops"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "shops": len(s.brains.Shops())})
}

func (s *Server) listShops(w http.ResponseWriter, r *http.Request) {
	shops := s.brains.Shops()
	if shops == nil {
		shops = []ShopInfo{}
	}
	writeJSON(w, http.StatusOK, ShopsResponse{Shops: shops})
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request) {
	var req StartRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	b, opts, err := s.checkStart(req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	welcome, err := b.Start(r.Context(), opts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.remember(welcome.Session, req.Shop)
	w.Header().Set("Location", "/api/v1/sessions/"+welcome.Session)
	writeJSON(w, http.StatusCreated, welcome)
}

// checkStart validates a start request and finds its brain.
func (s *Server) checkStart(req StartRequest) (Brain, dialog.StartOptions, error) {
	var o dialog.StartOptions
	if req.Shop == "" {
		return nil, o, badRequest(CodeBadRequest, "shop is required")
	}
	b, ok := s.brains.Brain(req.Shop)
	if !ok {
		return nil, o, &apiError{status: http.StatusNotFound, code: CodeUnknownShop, msg: fmt.Sprintf("unknown shop %q", req.Shop)}
	}
	langs := s.languages(req.Shop)
	lang := req.Lang
	if lang == "" && len(langs) > 0 {
		lang = langs[0]
	}
	if !contains(langs, lang) {
		return nil, o, badRequest(CodeBadLang, fmt.Sprintf("lang %q: shop %s speaks %s", req.Lang, req.Shop, strings.Join(langs, ", ")))
	}
	channel := req.Channel
	if channel == "" {
		channel = "text"
	}
	if !token(channel, MaxChannelLen) {
		return nil, o, badRequest(CodeBadRequest, "channel: want 1-32 of a-z, 0-9, - and _")
	}
	if utf8.RuneCountInString(req.Caller) > MaxCallerLen || !printable(req.Caller) {
		return nil, o, badRequest(CodeBadRequest, fmt.Sprintf("caller: want at most %d printable characters", MaxCallerLen))
	}
	if req.Session != "" && !sessionID(req.Session) {
		return nil, o, badRequest(CodeBadRequest, "session: want 1-128 of A-Z, a-z, 0-9, -, _ and .")
	}
	return b, dialog.StartOptions{SessionID: req.Session, Lang: lang, Channel: channel, Caller: req.Caller}, nil
}

func (s *Server) languages(shop string) []string {
	for _, info := range s.brains.Shops() {
		if info.ID == shop {
			if len(info.Languages) > 0 {
				return info.Languages
			}
			break
		}
	}
	return []string{kb.LangZH, kb.LangEN}
}

func (s *Server) message(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req MessageRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkMessage(req); err != nil {
		s.fail(w, r, err)
		return
	}
	if !sessionID(id) {
		s.fail(w, r, ErrUnknownSession)
		return
	}
	b, err := s.brainOf(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reply, err := b.Handle(r.Context(), id, dialog.Input{Text: req.Text, DTMF: req.DTMF})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

func checkMessage(req MessageRequest) error {
	if strings.TrimSpace(req.Text) == "" && req.DTMF == "" {
		return badRequest(CodeEmptyInput, `send "text" or "dtmf"`)
	}
	if n := utf8.RuneCountInString(req.Text); n > MaxTextLen {
		return badRequest(CodeTextTooLong, fmt.Sprintf("text is %d characters; the limit is %d", n, MaxTextLen))
	}
	if !utf8.ValidString(req.Text) {
		return badRequest(CodeBadRequest, "text is not valid UTF-8")
	}
	if len(req.DTMF) > MaxDTMFLen || strings.Trim(req.DTMF, "0123456789*#ABCDabcd") != "" {
		return badRequest(CodeBadRequest, fmt.Sprintf("dtmf: want at most %d of 0-9, *, # and A-D", MaxDTMFLen))
	}
	return nil
}

func (s *Server) transcript(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !sessionID(id) {
		s.fail(w, r, ErrUnknownSession)
		return
	}
	b, err := s.brainOf(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := b.Transcript(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// fail writes err as a JSON error; unexpected errors are logged, not shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, status, code, msg)
}

// decode reads one JSON object of at most MaxBodyBytes into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Exactly one value: anything but whitespace after it is an error.
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = errors.New("unexpected data after the JSON object")
			if err2 != nil && !isSyntax(err2) {
				err = err2
			}
		}
	}
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge,
			msg: fmt.Sprintf("body is larger than %d bytes", MaxBodyBytes)}
	}
	if errors.Is(err, io.EOF) {
		return badRequest(CodeBadJSON, "empty body; want a JSON object")
	}
	return badRequest(CodeBadJSON, "bad JSON: "+err.Error())
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// token reports whether s is 1-max characters of a-z, 0-9, - and _.
func token(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sessionID reports whether s looks like a session id.
func sessionID(s string) bool {
	if s == "" || len(s) > MaxSessionLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
