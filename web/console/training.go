package console

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu"
	"github.com/callbee/callbee/store"
)

// DefaultLowConfidence is the confidence under which answered turns are
// offered for scene training (?below= overrides it).
const DefaultLowConfidence = 0.5

// maxTrainingItems bounds the questions one training listing returns.
const maxTrainingItems = 100

// ContextLine is a line of the conversation around a training question.
type ContextLine struct {
	Who  string `json:"who"`
	Text string `json:"text"`
}

// TrainingItem is a question for the trainer: an unresolved question (ID set)
// or a low-confidence turn (TurnID set), with the conversation before it.
type TrainingItem struct {
	Kind       string        `json:"kind"` // unresolved | low_confidence
	ID         int64         `json:"id,omitempty"`
	TurnID     int64         `json:"turn_id,omitempty"`
	SessionID  string        `json:"session_id"`
	At         time.Time     `json:"at"`
	Lang       string        `json:"lang"`
	Text       string        `json:"text"`
	TopFAQ     string        `json:"top_faq,omitempty"`
	Confidence float64       `json:"confidence"`
	Context    []ContextLine `json:"context"`
}

func (c *Console) listTraining(w http.ResponseWriter, r *http.Request, _ user) {
	shop := r.PathValue("shop")
	if _, err := c.engine(shop); err != nil {
		c.fail(w, r, err)
		return
	}
	below := DefaultLowConfidence
	if v := r.URL.Query().Get("below"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			c.fail(w, r, bad("below: a number from 0 to 1"))
			return
		}
		below = f
	}
	ctx := r.Context()
	us, err := c.st.Unresolved(ctx, store.UnresolvedFilter{Shop: shop, Status: store.UnresolvedOpen})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	items := []TrainingItem{}
	for i := len(us) - 1; i >= 0 && len(items) < maxTrainingItems; i-- { // newest first
		u := us[i]
		items = append(items, TrainingItem{Kind: "unresolved", ID: u.ID, TurnID: u.TurnID, SessionID: u.SessionID, At: u.At,
			Lang: u.Lang, Text: u.Text, TopFAQ: u.TopFAQ, Confidence: u.Confidence})
	}
	low, err := c.st.LowConfidenceTurns(ctx, shop, below, maxTrainingItems)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	lowItems := []TrainingItem{}
	for _, t := range low {
		lowItems = append(lowItems, TrainingItem{Kind: "low_confidence", TurnID: t.TurnID, SessionID: t.SessionID, At: t.At,
			Lang: t.Lang, Text: t.Text, TopFAQ: t.FAQ, Confidence: t.Confidence})
	}
	for _, list := range [][]TrainingItem{items, lowItems} {
		for i := range list {
			list[i].Context = c.contextOf(ctx, list[i].SessionID, list[i].TurnID)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"unresolved": items, "low_confidence": lowItems, "below": below})
}

// contextOf returns up to the two turns before turnID in its session.
func (c *Console) contextOf(ctx context.Context, session string, turnID int64) []ContextLine {
	out := []ContextLine{}
	turns, err := c.st.Turns(ctx, session)
	if err != nil {
		return out
	}
	at := len(turns)
	for i, t := range turns {
		if t.ID == turnID {
			at = i
		}
	}
	for _, t := range turns[max(0, at-2):at] {
		txt := t.UserText
		if txt == "" && t.DTMF != "" {
			txt = "[keypad " + t.DTMF + "]"
		}
		out = append(out, ContextLine{Who: "caller", Text: txt})
		var rp dialog.Reply
		if json.Unmarshal(t.Reply, &rp) == nil && rp.Text != "" {
			out = append(out, ContextLine{Who: "bot", Text: rp.Text})
		}
	}
	return out
}

// TrainRequest says what to do with a training question: assign it to an
// FAQ (it becomes a phrasing), make a new FAQ from it, or mark it out of scope.
type TrainRequest struct {
	Action string  `json:"action"` // assign | new_faq | out_of_scope
	FAQ    string  `json:"faq,omitempty"`
	New    *kb.FAQ `json:"new,omitempty"` // new_faq: the FAQ (its phrasings get the question)
	Note   string  `json:"note,omitempty"`
}

func (c *Console) trainUnresolved(w http.ResponseWriter, r *http.Request, u user) {
	shop := r.PathValue("shop")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, notFound("no such question"))
		return
	}
	var req TrainRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	q, err := c.st.UnresolvedByID(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if q.ShopID != shop {
		c.fail(w, r, notFound("no such question in this shop"))
		return
	}
	if q.Status != store.UnresolvedOpen {
		c.fail(w, r, conflict("this question was already handled ("+q.Status+")"))
		return
	}
	status, resolution, err := c.train(r.Context(), u, shop, q.Lang, q.Text, req)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.st.ResolveUnresolved(context.WithoutCancel(r.Context()), id, status, resolution); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status, "resolution": resolution})
}

func (c *Console) trainTurn(w http.ResponseWriter, r *http.Request, u user) {
	shop := r.PathValue("shop")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.fail(w, r, notFound("no such turn"))
		return
	}
	var req TrainRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	turn, err := c.st.UntrainedTurn(r.Context(), shop, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	status, resolution, err := c.train(r.Context(), u, shop, turn.Lang, turn.Text, req)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if _, err := c.st.ResolveTurn(context.WithoutCancel(r.Context()), id, status, resolution); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status, "resolution": resolution})
}

// train applies a training decision to the shop and returns the question's
// new status and resolution.
func (c *Console) train(ctx context.Context, u user, shop, lang, text string, req TrainRequest) (string, string, error) {
	if lang != kb.LangZH && lang != kb.LangEN {
		lang = nlu.DetectLang(text, kb.LangZH)
	}
	switch req.Action {
	case "assign":
		if req.FAQ == "" {
			return "", "", bad("assign: name the FAQ")
		}
		if _, err := c.addPhrasingTo(ctx, u, shop, req.FAQ, lang, text); err != nil {
			var ae *apiError
			if !(errors.As(err, &ae) && ae.code == CodeConflict) { // already a phrasing: fine
				return "", "", err
			}
		}
		return store.UnresolvedAssigned, req.FAQ, nil
	case "new_faq":
		f := req.New
		if f == nil || f.ID == "" {
			return "", "", bad("new_faq: give the new FAQ with its id, category, question and answer")
		}
		if f.Phrasings == nil {
			f.Phrasings = kb.Texts{}
		}
		if !containsString(f.Phrasings[lang], text) && f.Question.Get(lang) != text {
			f.Phrasings[lang] = append(f.Phrasings[lang], text)
		}
		seedPhrasings(f)
		action := "faq.create"
		_, err := c.editShop(ctx, u, shop, "", f.ID, func(file *kb.File) (string, string, error) {
			for _, q := range file.FAQs {
				if q.ID == f.ID {
					return "", "", conflict("a FAQ " + f.ID + " already exists")
				}
			}
			file.FAQs = append(file.FAQs, f)
			return "", summary(f), nil
		}, &action)
		if err != nil {
			return "", "", err
		}
		return store.UnresolvedNewFAQ, f.ID, nil
	case "out_of_scope":
		if _, err := c.st.AddAudit(ctx, store.AuditEntry{User: u.Name, Shop: shop, Action: "training.out_of_scope",
			Target: text, After: req.Note}); err != nil {
			c.log.Error("audit row lost", "err", err)
		}
		return store.UnresolvedOutOfScope, req.Note, nil
	}
	return "", "", bad(`action: assign, new_faq or out_of_scope`)
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestChatRequest is a question for the test chat.
type TestChatRequest struct {
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`
}

// Suggestion is a FAQ the bot considered, with its answer.
type Suggestion struct {
	FAQ        string  `json:"faq"`
	Question   string  `json:"question"`
	Answer     string  `json:"answer"`
	Confidence float64 `json:"confidence"`
}

// TestChatResponse is what the bot would answer, and what else it considered.
type TestChatResponse struct {
	Reply      dialog.Reply `json:"reply"`
	Candidates []Suggestion `json:"candidates"`
}

// testChat answers one question with the shop's running brain in a
// throwaway session kept in memory: nothing reaches the store or metrics.
func (c *Console) testChat(w http.ResponseWriter, r *http.Request, _ user) {
	var req TestChatRequest
	if err := decode(w, r, &req); err != nil {
		c.fail(w, r, err)
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		c.fail(w, r, bad("text is required"))
		return
	}
	e, err := c.engine(r.PathValue("shop"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sh := e.Shop()
	lang := req.Lang
	if lang == "" {
		lang = nlu.DetectLang(req.Text, kb.LangZH)
	}
	trial, err := dialog.New(sh, dialogtest.NewMemStore(false), dialog.WithAnalyzer(e.Analyzer()),
		dialog.WithLogger(slog.New(slog.DiscardHandler)), dialog.WithClock(c.clock),
		dialog.WithAgentsOnDuty(e.AgentsOnDuty), dialog.WithModes(dialog.Schedule{Default: dialog.ModeFullAuto}))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ctx := r.Context()
	wl, err := trial.Start(ctx, dialog.StartOptions{Lang: lang, Channel: "console-test"})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	rp, err := trial.Handle(ctx, wl.Session, dialog.Input{Text: req.Text})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	an := e.Analyzer().Analyze(req.Text, lang)
	out := TestChatResponse{Reply: rp, Candidates: []Suggestion{}}
	for _, cand := range an.Match.Candidates {
		out.Candidates = append(out.Candidates, suggestion(sh, cand.FAQ, an.Lang, cand.Confidence))
	}
	writeJSON(w, http.StatusOK, out)
}

func suggestion(sh *kb.Shop, id, lang string, conf float64) Suggestion {
	s := Suggestion{FAQ: id, Confidence: conf}
	if q := sh.FAQ(id); q != nil {
		s.Question = q.Question.Get(lang)
		s.Answer = sh.Fill(q.Answer.Get(lang), lang)
	}
	return s
}
