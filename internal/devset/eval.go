package devset

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
)

// Brain is what the evaluation needs of the dialogue engine; *dialog.Engine
// satisfies it.
type Brain interface {
	Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error)
	Handle(ctx context.Context, sessionID string, in dialog.Input) (dialog.Reply, error)
}

var _ Brain = (*dialog.Engine)(nil)

// Channel is the channel evaluation sessions are opened on.
const Channel = "text"

// Targets are the scores the held-out evaluation asks for.
type Targets struct {
	Top1Pct          float64 `json:"top1_pct"`           // at least
	OOSRejectedPct   float64 `json:"oos_rejected_pct"`   // at least
	FalseRejectedPct float64 `json:"false_rejected_pct"` // at most
	TurnsPct         float64 `json:"turns_pct"`          // at least
}

// DefaultTargets are the evaluation's targets.
var DefaultTargets = Targets{Top1Pct: 97, OOSRejectedPct: 90, FalseRejectedPct: 3, TurnsPct: 95}

// LangReport holds the scores of one language (or "all").
type LangReport struct {
	Lang string `json:"lang"`

	InScope     int     `json:"in_scope"`
	Top1Correct int     `json:"top1_correct"`
	Top1Pct     float64 `json:"top1_pct"`

	OOS            int     `json:"oos"`
	OOSRejected    int     `json:"oos_rejected"`
	OOSRejectedPct float64 `json:"oos_rejected_pct"`

	FalseRejected    int     `json:"false_rejected"` // in-scope replies marked out_of_scope
	FalseRejectedPct float64 `json:"false_rejected_pct"`

	// Categories holds top-1 accuracy per FAQ category (the id's prefix), in
	// the shop format's category order.
	Categories []CategoryScore `json:"categories"`

	Dialogues        int     `json:"dialogues"`
	DialoguesCorrect int     `json:"dialogues_correct"` // every turn correct
	Turns            int     `json:"turns"`
	TurnsCorrect     int     `json:"turns_correct"`
	TurnsPct         float64 `json:"turns_pct"`
}

// CategoryScore is top-1 accuracy over the in-scope questions of one FAQ category.
type CategoryScore struct {
	Category string  `json:"category"`
	InScope  int     `json:"in_scope"`
	Correct  int     `json:"correct"`
	Pct      float64 `json:"pct"`
}

// Failure is one question or turn the brain got wrong.
type Failure struct {
	Kind     string `json:"kind"` // "single", "oos" or "turn"
	Lang     string `json:"lang"`
	Text     string `json:"text"`
	Dialogue string `json:"dialogue,omitempty"`
	Turn     int    `json:"turn,omitempty"` // 1-based
	Want     string `json:"want"`

	GotFAQ        string   `json:"got_faq"` // "" when null
	GotConfidence float64  `json:"got_confidence"`
	GotOOS        bool     `json:"got_out_of_scope"`
	Mismatches    []string `json:"mismatches,omitempty"` // per checked key: "key: want X, got Y"
	Err           string   `json:"error,omitempty"`
}

// Report is the outcome of one evaluation.
type Report struct {
	Shop     string       `json:"shop"`
	Langs    []LangReport `json:"langs"`
	All      LangReport   `json:"all"`
	Failures []Failure    `json:"failures"`
}

// Evaluate runs the set against b: each single question in a fresh session,
// each dialogue in one session. A brain error on a question counts as a
// failure; Evaluate itself fails only when ctx ends.
func Evaluate(ctx context.Context, b Brain, s *Set) (*Report, error) {
	r := &Report{Shop: s.Shop, Failures: []Failure{}}
	run := newRunID() // session ids unique per run, so runs can share a store
	by := map[string]*LangReport{}
	for _, l := range s.Langs() {
		by[l] = &LangReport{Lang: l}
	}
	for i, q := range s.Singles {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("devset: evaluate: %w", err)
		}
		lr := by[q.Lang]
		kind, want := "single", q.FAQ
		if q.OOS {
			kind, want = "oos", "out_of_scope"
		}
		rep, err := ask(ctx, b, fmt.Sprintf("devset-%s-%s-single-%d", run, q.Lang, i+1), q.Lang, []dialog.Input{{Text: q.Text}})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("devset: evaluate: %w", ctx.Err())
			}
			if q.OOS {
				lr.OOS++
			} else {
				lr.InScope++
				lr.category(q.FAQ, false)
			}
			r.Failures = append(r.Failures, Failure{Kind: kind, Lang: q.Lang, Text: q.Text, Want: want, Err: err.Error()})
			continue
		}
		got := rep[0]
		ok := false
		if q.OOS {
			lr.OOS++
			if Rejected(got) {
				lr.OOSRejected++
				ok = true
			}
		} else {
			lr.InScope++
			if got.OutOfScope {
				lr.FalseRejected++
			}
			hit := faqOf(got) == q.FAQ
			if hit {
				lr.Top1Correct++
				ok = true
			}
			lr.category(q.FAQ, hit)
		}
		if !ok {
			r.Failures = append(r.Failures, failure(kind, q.Lang, q.Text, want, got))
		}
	}
	for _, d := range s.Dialogues {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("devset: evaluate: %w", err)
		}
		lr := by[d.Lang]
		lr.Dialogues++
		correct := runDialogue(ctx, b, run, d, lr, r)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("devset: evaluate: %w", ctx.Err())
		}
		if correct {
			lr.DialoguesCorrect++
		}
	}
	for _, l := range s.Langs() {
		lr := by[l]
		lr.finish()
		r.Langs = append(r.Langs, *lr)
		r.All.add(lr)
	}
	r.All.Lang = "all"
	r.All.finish()
	return r, nil
}

// runDialogue runs one dialogue in one session and reports whether every turn
// was correct. After a brain error the remaining turns count as wrong.
func runDialogue(ctx context.Context, b Brain, run string, d Dialogue, lr *LangReport, r *Report) bool {
	all := true
	sid := "devset-" + run + "-" + d.Name
	w, err := b.Start(ctx, dialog.StartOptions{SessionID: sid, Lang: d.Lang, Channel: Channel})
	if err == nil && w.Session != "" {
		sid = w.Session
	}
	for i, t := range d.Turns {
		lr.Turns++
		f := Failure{Kind: "turn", Lang: d.Lang, Text: t.text(), Dialogue: d.Name, Turn: i + 1, Want: t.Expect.String()}
		if err != nil {
			f.Err = err.Error()
			r.Failures = append(r.Failures, f)
			all = false
			continue
		}
		var got dialog.Reply
		got, err = b.Handle(ctx, sid, dialog.Input{Text: t.Text, DTMF: t.DTMF})
		if err != nil {
			f.Err = err.Error()
			r.Failures = append(r.Failures, f)
			all = false
			continue
		}
		if mm := t.Expect.Check(got); len(mm) > 0 {
			f.GotFAQ, f.GotConfidence, f.GotOOS, f.Mismatches = faqOf(got), got.Confidence, got.OutOfScope, mm
			r.Failures = append(r.Failures, f)
			all = false
			continue
		}
		lr.TurnsCorrect++
	}
	return all
}

func ask(ctx context.Context, b Brain, sid, lang string, ins []dialog.Input) ([]dialog.Reply, error) {
	w, err := b.Start(ctx, dialog.StartOptions{SessionID: sid, Lang: lang, Channel: Channel})
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if w.Session != "" {
		sid = w.Session
	}
	out := make([]dialog.Reply, 0, len(ins))
	for _, in := range ins {
		rep, err := b.Handle(ctx, sid, in)
		if err != nil {
			return nil, fmt.Errorf("handle: %w", err)
		}
		out = append(out, rep)
	}
	return out, nil
}

// Rejected reports whether a reply rejects the question as out of scope:
// out_of_scope is set, or no FAQ was picked and the action is the fallback.
func Rejected(r dialog.Reply) bool {
	return r.OutOfScope || (r.FAQ == nil && r.Action == "fallback")
}

func faqOf(r dialog.Reply) string {
	if r.FAQ == nil {
		return ""
	}
	return *r.FAQ
}

func failure(kind, lang, text, want string, got dialog.Reply) Failure {
	return Failure{Kind: kind, Lang: lang, Text: text, Want: want,
		GotFAQ: faqOf(got), GotConfidence: got.Confidence, GotOOS: got.OutOfScope}
}

func (t Turn) text() string {
	if t.DTMF != "" {
		return "dtmf:" + t.DTMF
	}
	return t.Text
}

// category counts one in-scope answer for the category of faq.
func (l *LangReport) category(faq string, hit bool) {
	cat, _, _ := strings.Cut(faq, ".")
	c := l.categoryScore(cat)
	c.InScope++
	if hit {
		c.Correct++
	}
}

func (l *LangReport) categoryScore(cat string) *CategoryScore {
	for i := range l.Categories {
		if l.Categories[i].Category == cat {
			return &l.Categories[i]
		}
	}
	l.Categories = append(l.Categories, CategoryScore{Category: cat})
	return &l.Categories[len(l.Categories)-1]
}

func (l *LangReport) add(o *LangReport) {
	for _, c := range o.Categories {
		sum := l.categoryScore(c.Category)
		sum.InScope += c.InScope
		sum.Correct += c.Correct
	}
	l.InScope += o.InScope
	l.Top1Correct += o.Top1Correct
	l.OOS += o.OOS
	l.OOSRejected += o.OOSRejected
	l.FalseRejected += o.FalseRejected
	l.Dialogues += o.Dialogues
	l.DialoguesCorrect += o.DialoguesCorrect
	l.Turns += o.Turns
	l.TurnsCorrect += o.TurnsCorrect
}

func (l *LangReport) finish() {
	rank := func(c string) int {
		for i, k := range kb.Categories {
			if k == c {
				return i
			}
		}
		return len(kb.Categories)
	}
	sort.SliceStable(l.Categories, func(i, j int) bool {
		ri, rj := rank(l.Categories[i].Category), rank(l.Categories[j].Category)
		if ri != rj {
			return ri < rj
		}
		return l.Categories[i].Category < l.Categories[j].Category
	})
	for i := range l.Categories {
		c := &l.Categories[i]
		c.Pct = pct(c.Correct, c.InScope)
	}
	l.Top1Pct = pct(l.Top1Correct, l.InScope)
	l.OOSRejectedPct = pct(l.OOSRejected, l.OOS)
	l.FalseRejectedPct = pct(l.FalseRejected, l.InScope)
	l.TurnsPct = pct(l.TurnsCorrect, l.Turns)
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// Check compares a reply with the expectation and returns one message per
// checked key that does not match; nil means the turn is correct.
func (e Expect) Check(r dialog.Reply) []string {
	var mm []string
	miss := func(key string, want, got any) {
		mm = append(mm, fmt.Sprintf("%s: want %v, got %v", key, want, got))
	}
	if e.FAQ != "" {
		got := faqOf(r)
		if e.FAQ == FAQNone {
			if r.FAQ != nil {
				miss("faq", "null", got)
			}
		} else if got != e.FAQ {
			miss("faq", e.FAQ, orNull(got))
		}
	}
	if e.Action != "" && r.Action != e.Action {
		miss("action", e.Action, orNull(r.Action))
	}
	if e.OOS != nil && Rejected(r) != *e.OOS {
		miss("oos", *e.OOS, Rejected(r))
	}
	if e.Product != "" && deref(r.Product) != e.Product {
		miss("product", e.Product, orNull(deref(r.Product)))
	}
	if o := e.Order; o != nil {
		if r.Order == nil {
			miss("order", o, "null")
		} else {
			if o.ID != "" && r.Order.ID != o.ID {
				miss("order.id", o.ID, orNull(r.Order.ID))
			}
			if o.Found != nil && r.Order.Found != *o.Found {
				miss("order.found", *o.Found, r.Order.Found)
			}
			if o.Status != "" && r.Order.Status != o.Status {
				miss("order.status", o.Status, orNull(r.Order.Status))
			}
		}
	}
	if e.AsksFor != "" {
		if e.AsksFor == AsksForNone {
			if r.AsksFor != nil {
				miss("asks_for", "null", *r.AsksFor)
			}
		} else if deref(r.AsksFor) != e.AsksFor {
			miss("asks_for", e.AsksFor, orNull(deref(r.AsksFor)))
		}
	}
	if e.Size != "" && !strings.EqualFold(deref(r.Size), e.Size) {
		miss("size", e.Size, orNull(deref(r.Size)))
	}
	if e.Handoff != nil && r.Handoff != *e.Handoff {
		miss("handoff", *e.Handoff, r.Handoff)
	}
	if e.EndCall != nil && r.EndCall != *e.EndCall {
		miss("end_call", *e.EndCall, r.EndCall)
	}
	if e.RepeatsPrevious != nil && r.RepeatsPrevious != *e.RepeatsPrevious {
		miss("repeats_previous", *e.RepeatsPrevious, r.RepeatsPrevious)
	}
	if e.Emotion != "" && r.Emotion != e.Emotion {
		miss("emotion", e.Emotion, orNull(r.Emotion))
	}
	if e.SpeechRateBelow1 != nil && (r.Speech.Rate > 0 && r.Speech.Rate < 1) != *e.SpeechRateBelow1 {
		miss("speech.rate<1", *e.SpeechRateBelow1, r.Speech.Rate)
	}
	if e.VolumeAbove1 != nil && (r.Speech.Volume > 1) != *e.VolumeAbove1 {
		miss("speech.volume>1", *e.VolumeAbove1, r.Speech.Volume)
	}
	if e.Ticket != nil && (r.Ticket != nil) != *e.Ticket {
		got := "null"
		if r.Ticket != nil {
			got = fmt.Sprint(*r.Ticket)
		}
		miss("ticket", *e.Ticket, got)
	}
	return mm
}

// String renders the checked keys compactly, for failure lists.
func (e Expect) String() string {
	b, err := json.Marshal(e)
	if err != nil {
		return "?"
	}
	return string(b)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// newRunID names one evaluation run.
func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
