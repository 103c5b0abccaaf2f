package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
)

// MaxReplyLen is the longest agent reply, in characters.
const MaxReplyLen = 2000

// textDoors are the channels whose sessions the HTTP API serves: their
// clients pull agents' replies with the transcript.
var textDoors = map[string]bool{"text": true, "web": true, "api": true, "chat": true}

func (c *Console) listLive(w http.ResponseWriter, r *http.Request, _ user) {
	shop := r.URL.Query().Get("shop")
	out := []live.Info{}
	for _, s := range c.live.Sessions() {
		if shop == "" || s.Shop == shop || s.Shop == "" { // a call to the default shop may not name it
			out = append(out, s)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// LiveSession is a session with its live transcript.
type LiveSession struct {
	Info  live.Info   `json:"info"`
	Lines []live.Line `json:"lines"`
}

func (c *Console) getLive(w http.ResponseWriter, r *http.Request, _ user) {
	id := r.PathValue("session")
	if info, lines, ok := c.live.Session(id); ok {
		writeJSON(w, http.StatusOK, LiveSession{Info: info, Lines: lines})
		return
	}
	// Not live (finished long ago, or before a restart): the stored transcript.
	ls, err := c.stored(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ls)
}

// stored rebuilds a session's view from the store.
func (c *Console) stored(ctx context.Context, id string) (LiveSession, error) {
	se, err := c.st.Session(ctx, id)
	if err != nil {
		return LiveSession{}, err
	}
	turns, err := c.st.Turns(ctx, id)
	if err != nil {
		return LiveSession{}, err
	}
	ls := LiveSession{Info: live.Info{Session: se.ID, Shop: se.ShopID, Door: se.Channel, Caller: se.Caller, Lang: se.Lang,
		Started: se.StartedAt, LastAt: se.UpdatedAt, Ended: se.EndedAt, Turns: len(turns)}, Lines: []live.Line{}}
	for _, t := range turns {
		txt := t.UserText
		if txt == "" && t.DTMF != "" {
			txt = "[keypad " + t.DTMF + "]"
		}
		ls.Lines = append(ls.Lines, live.Line{At: t.At, Who: live.WhoCaller, Text: txt, Emotion: t.Emotion})
		var rp dialog.Reply
		if json.Unmarshal(t.Reply, &rp) == nil && rp.Text != "" {
			ls.Lines = append(ls.Lines, live.Line{At: t.At, Who: live.WhoBot, Text: rp.Text, FAQ: t.FAQ,
				Confidence: t.Confidence, Draft: rp.Draft, Candidates: rp.Candidates})
		}
		ls.Info.Intent, ls.Info.Emotion, ls.Info.Confidence = t.FAQ, t.Emotion, t.Confidence
	}
	msgs, err := c.st.AgentMessages(ctx, id)
	if err != nil {
		return LiveSession{}, err
	}
	for _, m := range msgs {
		ls.Lines = append(ls.Lines, live.Line{At: m.At, Who: live.WhoAgent, Text: m.Agent + ": " + m.Text})
	}
	return ls, nil
}

// HandoffView is a handoff with the brain's summary and the session's live state.
type HandoffView struct {
	store.Handoff
	Live *live.Info `json:"live,omitempty"`
}

func (c *Console) listHandoffs(w http.ResponseWriter, r *http.Request, _ user) {
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = store.HandoffQueued
	}
	if status == "all" {
		status = ""
	}
	hs, err := c.st.Handoffs(r.Context(), store.HandoffFilter{Shop: q.Get("shop"), Status: status})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	out := []HandoffView{}
	for i := len(hs) - 1; i >= 0 && len(out) < 200; i-- { // newest first
		v := HandoffView{Handoff: hs[i]}
		if info, _, ok := c.live.Session(hs[i].SessionID); ok {
			v.Live = &info
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"handoffs": out})
}

// acceptHandoff gives the handoff's session to the agent: the bot goes silent.
func (c *Console) acceptHandoff(w http.ResponseWriter, r *http.Request, u user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, notFound("no such handoff"))
		return
	}
	ctx := r.Context()
	h, err := c.st.HandoffByID(ctx, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if h.Status == store.HandoffClosed {
		c.fail(w, r, conflict("this handoff is closed"))
		return
	}
	if h.Status == store.HandoffAccepted && h.Agent != u.Name {
		c.fail(w, r, conflict("accepted by "+h.Agent))
		return
	}
	if h.Kind == store.HandoffCallback {
		// The caller asked to be called back: the agent takes the task; there is no live session to hold.
		if err := c.st.UpdateHandoff(ctx, id, store.HandoffAccepted, u.Name); err != nil {
			c.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "session": h.SessionID, "callback": true})
		return
	}
	if err := c.hold(ctx, h.SessionID, u.Name); err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.st.UpdateHandoff(ctx, id, store.HandoffAccepted, u.Name); err != nil {
		_ = c.live.Release(h.SessionID)
		c.fail(w, r, err)
		return
	}
	info, _, _ := c.live.Session(h.SessionID)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "session": h.SessionID, "live": info})
}

// closeHandoff marks a handoff done (a callback made, a request dealt with).
func (c *Console) closeHandoff(w http.ResponseWriter, r *http.Request, u user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, notFound("no such handoff"))
		return
	}
	if err := c.st.UpdateHandoff(r.Context(), id, store.HandoffClosed, u.Name); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// hold makes sure the registry knows session (a session from before a
// restart is looked up in the store) and gives it to agent.
func (c *Console) hold(ctx context.Context, session, agent string) error {
	if !c.live.Known(session) {
		se, err := c.st.Session(ctx, session)
		if err != nil {
			return err
		}
		if se.EndedAt != nil {
			return live.ErrEnded
		}
		var sink live.AgentSink
		if textDoors[se.Channel] {
			sink = live.PullSink
		}
		c.live.Begin(live.Info{Session: se.ID, Shop: se.ShopID, Door: se.Channel, Caller: se.Caller, Lang: se.Lang,
			Started: se.StartedAt}, sink)
	}
	if err := c.live.Hold(session, agent); err != nil {
		return err
	}
	c.live.System(session, agent+" took over")
	return nil
}

func (c *Console) holdSession(w http.ResponseWriter, r *http.Request, u user) {
	id := r.PathValue("session")
	if err := c.hold(r.Context(), id, u.Name); err != nil {
		c.fail(w, r, err)
		return
	}
	info, _, _ := c.live.Session(id)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "live": info})
}

// ReplyRequest is an agent's reply.
type ReplyRequest struct {
	Text string `json:"text"`
}

func (c *Console) replySession(w http.ResponseWriter, r *http.Request, u user) {
	var req ReplyRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" || utf8.RuneCountInString(text) > MaxReplyLen || !utf8.ValidString(text) {
		c.fail(w, r, bad("text: 1 to 2000 characters"))
		return
	}
	if err := c.live.Say(r.Context(), r.PathValue("session"), u.Name, text); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// releaseSession gives the session back to the bot and closes its open handoffs.
func (c *Console) releaseSession(w http.ResponseWriter, r *http.Request, u user) {
	id := r.PathValue("session")
	holder := c.live.Holder(id)
	if holder != "" && holder != u.Name && u.Role != store.RoleAdmin {
		c.fail(w, r, conflict("held by "+holder))
		return
	}
	if err := c.live.Release(id); err != nil && !errors.Is(err, live.ErrUnknownSession) {
		c.fail(w, r, err)
		return
	}
	if _, err := c.st.CloseSessionHandoffs(r.Context(), id); err != nil {
		c.fail(w, r, err)
		return
	}
	c.live.System(id, u.Name+" gave the session back to the bot")
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// Facts are the order and product in view of a session, for the agent.
type Facts struct {
	Order   *kb.Order   `json:"order,omitempty"`
	Product *kb.Product `json:"product,omitempty"`
}

// SuggestionsResponse is smart-assist for the last caller turn.
type SuggestionsResponse struct {
	Session     string       `json:"session"`
	Text        string       `json:"text"` // the caller's last words
	Lang        string       `json:"lang"`
	Suggestions []Suggestion `json:"suggestions"` // best first, at most 3
	Facts       Facts        `json:"facts"`
}

// suggestions gives the top 3 answers for the caller's last turn, with the
// order and product facts in view.
func (c *Console) suggestions(w http.ResponseWriter, r *http.Request, _ user) {
	id := r.PathValue("session")
	ctx := r.Context()
	se, err := c.st.Session(ctx, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	e, err := c.engine(se.ShopID)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh := e.Shop()
	turns, err := c.st.Turns(ctx, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	out := SuggestionsResponse{Session: id, Lang: se.Lang, Suggestions: []Suggestion{}}
	var last *store.Turn
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].UserText != "" {
			last = &turns[i]
			break
		}
	}
	if last != nil {
		an := e.Analyzer().Analyze(last.UserText, or(last.Lang, se.Lang))
		out.Text, out.Lang = last.UserText, an.Lang
		for _, cand := range an.Match.Candidates {
			if len(out.Suggestions) == 3 {
				break
			}
			out.Suggestions = append(out.Suggestions, suggestion(sh, cand.FAQ, an.Lang, cand.Confidence))
		}
		var rp dialog.Reply
		if json.Unmarshal(last.Reply, &rp) == nil && rp.Text != "" && rp.FAQ == nil && rp.Action != "" {
			// An action's answer (order status, size advice) is the best suggestion when the bot had one.
			out.Suggestions = append([]Suggestion{{FAQ: rp.Action, Question: rp.Action, Answer: rp.Text, Confidence: rp.Confidence}},
				out.Suggestions[:min(2, len(out.Suggestions))]...)
		}
	}
	var st struct {
		Product string `json:"product"`
		Order   string `json:"order"`
	}
	if len(se.State) > 0 && json.Unmarshal(se.State, &st) == nil {
		if st.Order != "" {
			out.Facts.Order = sh.Order(st.Order)
		}
		if st.Product != "" {
			out.Facts.Product = sh.Product(st.Product)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ModeView is a shop's service mode settings and the mode in force.
type ModeView struct {
	Shop     string          `json:"shop"`
	Current  string          `json:"current"`  // in force now
	Override string          `json:"override"` // "" follows the schedule
	Schedule dialog.Schedule `json:"schedule"`
	OnDuty   bool            `json:"on_duty"`
	Modes    []string        `json:"modes"`
}

func (c *Console) modeView(shop string, e Engine) ModeView {
	s, o := e.Schedule()
	now := c.clock()
	return ModeView{Shop: shop, Current: e.ModeAt(now), Override: o, Schedule: s, OnDuty: e.AgentsOnDuty(now),
		Modes: []string{dialog.ModeFullAuto, dialog.ModeSmartAssist, dialog.ModeHumanFirst}}
}

func (c *Console) getMode(w http.ResponseWriter, r *http.Request, _ user) {
	shop := r.PathValue("shop")
	e, err := c.engine(shop)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.modeView(shop, e))
}

// ModeRequest switches the mode live ("" returns to the schedule) and
// optionally replaces the schedule.
type ModeRequest struct {
	Override string           `json:"override"`
	Schedule *dialog.Schedule `json:"schedule,omitempty"`
}

func (c *Console) putMode(w http.ResponseWriter, r *http.Request, u user) {
	var req ModeRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	shop := r.PathValue("shop")
	e, err := c.engine(shop)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if req.Override != "" && !dialog.ValidMode(req.Override) {
		c.fail(w, r, bad("override: full-auto, smart-assist, human-first or empty"))
		return
	}
	if req.Schedule != nil {
		if err := req.Schedule.Validate(); err != nil {
			c.fail(w, r, bad(err.Error()))
			return
		}
	}
	m := store.ShopModes{Shop: shop, Override: req.Override}
	if req.Schedule != nil {
		b, err := json.Marshal(req.Schedule)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		m.Schedule = b
	} else if prev := c.storedModes(r.Context(), shop); prev != nil {
		m.Schedule = prev.Schedule
	}
	if err := c.st.PutShopModes(r.Context(), m); err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.applyModes(e, m); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("service mode switched", "shop", shop, "override", req.Override, "schedule", req.Schedule != nil, "by", u.Name)
	writeJSON(w, http.StatusOK, c.modeView(shop, e))
}

func (c *Console) storedModes(ctx context.Context, shop string) *store.ShopModes {
	all, err := c.st.AllShopModes(ctx)
	if err != nil {
		c.log.Warn("reading stored service modes", "err", err)
		return nil
	}
	for i := range all {
		if all[i].Shop == shop {
			return &all[i]
		}
	}
	return nil
}

func (c *Console) applyModes(e Engine, m store.ShopModes) error {
	if len(m.Schedule) > 0 {
		var s dialog.Schedule
		if err := json.Unmarshal(m.Schedule, &s); err != nil {
			return err
		}
		if err := e.SetSchedule(s); err != nil {
			return err
		}
	}
	return e.SetMode(m.Override)
}

// RestoreModes applies the service modes switched from the console to the
// running brains; call it after every reload (brains are rebuilt with the
// config's schedule). The console calls it after its own edits.
func (c *Console) RestoreModes(ctx context.Context) error {
	all, err := c.st.AllShopModes(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range all {
		e, err := c.engine(m.Shop)
		if err != nil {
			continue // a shop no longer served
		}
		if err := c.applyModes(e, m); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Console) restoreModes(ctx context.Context, shop string) {
	m := c.storedModes(ctx, shop)
	if m == nil {
		return
	}
	if e, err := c.engine(shop); err == nil {
		if err := c.applyModes(e, *m); err != nil {
			c.log.Warn("restoring service modes", "shop", shop, "err", err)
		}
	}
}
