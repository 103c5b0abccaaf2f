package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/callbee/callbee/telephony/sip"
)

// dialAPI is POST /api/v1/calls: place an outbound call (a callback, a
// proactive message). It answers 202 at once with the call's id; the call
// runs on the server and its outcome lands in the call records. Bearer
// tokens from sip.api_tokens guard it: outbound calls cost money.
type dialAPI struct {
	d      *doors
	tokens []string
}

// dialBody is the request of POST /api/v1/calls.
type dialBody struct {
	To      string `json:"to"`
	Shop    string `json:"shop"`
	Lang    string `json:"lang"`
	Opening string `json:"opening"`
}

func (a *dialAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		apiError(w, http.StatusMethodNotAllowed, "method_not_allowed", "POST only")
		return
	}
	if !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="callbee"`)
		apiError(w, http.StatusUnauthorized, "unauthorized", "a token from sip.api_tokens is needed")
		return
	}
	var b dialBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		apiError(w, http.StatusBadRequest, "bad_json", err.Error())
		return
	}
	b.To, b.Opening = strings.TrimSpace(b.To), strings.TrimSpace(b.Opening)
	switch {
	case !strings.HasPrefix(b.To, "sip:") && !strings.HasPrefix(b.To, "sips:") && !isPhoneNumber(b.To):
		apiError(w, http.StatusBadRequest, "bad_request", "to: a SIP URI or a phone number")
		return
	case len(b.Opening) > 1000:
		apiError(w, http.StatusBadRequest, "bad_request", "opening: at most 1000 characters")
		return
	case b.Lang != "" && !validLang(b.Lang):
		apiError(w, http.StatusBadRequest, "bad_lang", "lang: zh or en")
		return
	}
	id, err := a.d.dialAsync(sip.DialRequest{To: b.To, Shop: b.Shop, Lang: b.Lang, Opening: b.Opening})
	if err != nil {
		apiError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]string{"call": id, "status": "dialing"})
}

func (a *dialAPI) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare([]byte(tok), []byte(t)) == 1 {
			return true
		}
	}
	return false
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg, "code": code})
}

func isPhoneNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 3 || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// dialAsync places a call on the doors' goroutines; its outcome is logged
// and recorded. The returned id is the SIP Call-ID, the call record's call_id.
func (d *doors) dialAsync(req sip.DialRequest) (string, error) {
	if d.sip == nil || d.dialCtx == nil {
		return "", errors.New("the phone door is off")
	}
	if err := d.dialCtx.Err(); err != nil {
		return "", errors.New("shutting down")
	}
	req.CallID = sip.NewCallID() // the call record's call_id
	id := req.CallID
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		res, err := d.sip.Dial(d.dialCtx, req)
		if err != nil {
			d.log.Warn("outbound call", "id", id, "to", req.To, "err", err)
			return
		}
		d.log.Info("outbound call", "id", id, "to", req.To, "outcome", res.Outcome, "status", res.Status,
			"session", res.Result.Session, "turns", len(res.Result.Turns))
	}()
	return id, nil
}

// cmdDial places one call with the config's phone door and prints how it went.
func cmdDial(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("dial", "--to sip:URI|NUMBER [--shop FILE|ID] [--lang zh|en] [--opening TEXT] [--config FILE] [--db FILE]")
	var o common
	o.register(fs)
	to := fs.String("to", "", "whom to call: a SIP URI, or a number for the registered trunk (required)")
	shopArg := fs.String("shop", "", "shop file to serve (default: the config's shops)")
	lang := fs.String("lang", "", "zh or en (default: the shop's first)")
	opening := fs.String("opening", "", "what the bot says first instead of the welcome")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if *to == "" || len(pos) > 0 || *lang != "" && !validLang(*lang) {
		fs.Usage()
		return exitUsage
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf("dial", "%v", err)
	}
	if *shopArg != "" {
		cfg.Shops = append(cfg.Shops, *shopArg)
	}
	cfg.SIP.Enabled, cfg.Voice.Enabled = true, true
	cfg.WebRTC.Enabled, cfg.Stream.Enabled, cfg.Twilio.Enabled = false, false, false
	if cfg.SIP.UDP == "" && cfg.SIP.TCP == "" {
		cfg.SIP.UDP = "0.0.0.0:0"
	}
	log := quietLogger(c.stderr)
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return c.errorf("dial", "%v", err)
	}
	defer st.Close()
	brains, err := newLiveBrains(ctx, st, cfg, log)
	if err != nil {
		return c.errorf("dial", "%s", problems(err))
	}
	reg, err := newRegistry(st, log)
	if err != nil {
		return c.errorf("dial", "%v", err)
	}
	dr, err := openDoors(ctx, cfg, st, brains, reg, log)
	if err != nil {
		return c.errorf("dial", "%v", err)
	}
	defer dr.Close()
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	dr.start(sctx, brains, false)
	res, err := dr.sip.Dial(ctx, sip.DialRequest{To: *to, Lang: *lang, Opening: *opening})
	if err != nil {
		return c.errorf("dial", "%v", err)
	}
	out, err := json.Marshal(map[string]any{"call_id": res.CallID, "outcome": res.Outcome, "status": res.Status,
		"session": res.Result.Session, "turns": len(res.Result.Turns), "codec": res.Info.Stats.Codec})
	if err != nil {
		return c.errorf("dial", "%v", err)
	}
	fmt.Fprintf(c.stdout, "%s\n", out)
	return exitOK
}
