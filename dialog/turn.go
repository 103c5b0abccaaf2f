package dialog

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu"
	"github.com/callbee/callbee/nlu/emotion"
	"github.com/callbee/callbee/nlu/match"
	"github.com/callbee/callbee/store"
)

// Escalation and logging thresholds.
const (
	// complaintIntensity is the negative intensity at which a complaint goes to a person.
	complaintIntensity = 0.7
	// unresolvedBelow: answers less confident than this are logged for scene training.
	unresolvedBelow = 0.5
	// overrideConfidence: a confident match on another question wins over a pending slot.
	overrideConfidence = 0.75
	// slotConfidence is the confidence of a turn that fills the slot the bot asked for.
	slotConfidence = 0.9
	// maxMisses: consecutive turns not understood before a person is called.
	maxMisses = 2
)

// Handoff reasons.
const (
	ReasonRequest       = "request"
	ReasonComplaint     = "complaint"
	ReasonNotUnderstood = "not_understood"
	ReasonHumanFirst    = "human_first"
	ReasonAssist        = "assist"
)

// turn is the work of answering one caller turn.
type turn struct {
	e         *Engine
	ctx       context.Context
	st        *state
	in        Input
	now       time.Time
	sessionID string
	lang      string

	an  nlu.Analysis
	r   Reply
	ent Entities // what this turn said

	handoff    *store.Handoff
	ticket     *store.Ticket
	unresolved *store.Unresolved
	linkOrder  string // order to attach to the session's open after-sales tickets
	asked      string // the slot the bot had asked for before this turn
	m          match.Result
	top        string // the matcher's in-scope answer, "" when none
	phone      string // phone tail the caller gave this turn
}

func (t *turn) run() {
	st := t.st
	mode := t.e.ModeAt(t.now)
	t.r = Reply{Session: t.sessionID, Lang: t.lang, Mode: mode, Emotion: emotion.Neutral, Related: []string{}}
	t.asked = st.Pending
	if st.AgentHolds {
		// A person holds this session: the bot records the turn and stays silent.
		t.r.Action = "agent"
		t.r.Handoff = true
	} else if t.in.DTMF != "" && t.in.Text == "" {
		t.keypad()
	} else {
		t.text()
	}
	switch mode {
	case ModeSmartAssist, ModeHumanFirst:
		t.r.Draft = true
		if !st.Handoff && t.handoff == nil {
			reason := ReasonAssist
			if mode == ModeHumanFirst {
				reason = ReasonHumanFirst
			}
			t.queueHandoff(reason, "live")
		}
	}
	t.r.Speech = st.Speech
	t.r.Lang = t.lang
	if t.r.Text != "" && !t.r.RepeatsPrevious {
		st.LastText = t.r.Text
	}
	if t.r.FAQ != nil {
		st.LastFAQ = *t.r.FAQ
		st.Intents = appendCapped(st.Intents, *t.r.FAQ, 50)
	} else if t.r.Action != "" {
		st.Intents = appendCapped(st.Intents, t.r.Action, 50)
	}
	if t.r.Order != nil && t.r.Order.Found {
		st.Order = t.r.Order.ID
	}
	if !t.ent.empty() {
		e := t.ent
		t.r.Entities = &e
	}
	st.Turns++
}

func appendCapped(s []string, v string, max int) []string {
	s = append(s, v)
	if len(s) > max {
		s = s[len(s)-max:]
	}
	return s
}

func (e Entities) empty() bool { return e == Entities{} }

// text handles a spoken or typed turn.
func (t *turn) text() {
	st := t.st
	an := t.e.nlu.Analyze(t.in.Text, t.lang)
	t.an = an
	t.lang = an.Lang
	t.r.Emotion = an.Emotion.Label
	t.r.Intensity = round2(an.Emotion.Intensity)
	if an.Emotion.Label == emotion.Negative && an.Emotion.Intensity > st.WorstMood {
		st.WorstMood = an.Emotion.Intensity
	}
	defer func() { st.Angry = an.Emotion.Label == emotion.Negative && an.Emotion.Intensity >= complaintIntensity }()
	t.remember()
	t.m = an.Match
	t.r.Confidence = round2(t.m.Confidence)
	for i, c := range t.m.Candidates {
		if i >= 3 {
			break
		}
		t.r.Candidates = append(t.r.Candidates, Candidate{FAQ: c.FAQ, Confidence: round2(c.Confidence)})
	}
	if len(t.m.Candidates) > 0 && !t.m.OutOfScope {
		t.top = t.m.Candidates[0].FAQ
	}
	// Rules in order; the first that takes the turn answers it.
	for _, rule := range []func() bool{
		t.personRequest, t.angryComplaint, t.confirmAnswer, t.slotAnswer, t.ellipsisFollowUp, t.bareOrder, t.bareBody,
	} {
		if rule() {
			return
		}
	}
	t.greetingInFront()
	if t.top == "" {
		t.notUnderstood()
		return
	}
	if t.m.Confidence < unresolvedBelow {
		t.logUnresolved(t.top, t.m.Confidence, "open")
	}
	if q := t.e.shop.FAQ(t.top); t.needsConfirm(q) {
		t.confirm(q)
		return
	}
	t.take(t.e.shop.FAQ(t.top))
}

// take answers the turn with FAQ q.
func (t *turn) take(q *kb.FAQ) bool {
	t.understood()
	t.answer(q)
	return true
}

// personRequest: an explicit request for a person.
func (t *turn) personRequest() bool {
	if !wantsHuman(t.an.Norm, t.lang) {
		return false
	}
	if q := t.faqWithAction("handoff"); q != nil {
		t.take(q)
		t.r.Confidence = max(t.r.Confidence, slotConfidence)
		return true
	}
	t.understood()
	t.escalate(ReasonRequest, nil)
	return true
}

// angryComplaint: a strongly upset caller with a complaint goes to a person,
// unless the shop has an after-sales action for exactly this problem: then
// the case is registered first (a ticket a person will see), and anger that
// goes on escalates on the next turn.
func (t *turn) angryComplaint() bool {
	em := t.an.Emotion
	if em.Label != emotion.Negative || !em.Complaint || em.Intensity < complaintIntensity {
		return false
	}
	afterSales := t.top != "" && t.action(t.top) == "aftersales_register" && t.m.Confidence >= unresolvedBelow/2
	if afterSales && !t.st.Angry {
		return false
	}
	t.understood()
	if t.top != "" {
		t.setFAQ(t.top)
	}
	t.escalate(ReasonComplaint, nil)
	return true
}

// slotAnswer: the caller answers what the bot asked for, unless the turn is
// confidently a new question of its own.
func (t *turn) slotAnswer() bool {
	st := t.st
	if st.Pending == "" || !t.fillsPending() {
		return false
	}
	q := t.e.shop.FAQ(st.PendingFAQ)
	override := t.top != "" && t.top != st.PendingFAQ && t.m.Confidence >= overrideConfidence &&
		t.action(t.top) != t.action(st.PendingFAQ) && !t.short() &&
		!(st.Pending == SlotOrderNumber && len(t.an.Entities.Digits) >= 4) // digits answer the number question
	if q == nil || override {
		return false
	}
	t.take(q)
	// The context, not the matcher, decides this turn.
	t.r.Confidence = max(t.r.Confidence, slotConfidence)
	return true
}

// ellipsisFollowUp: "那四十一码的呢", "what about double XL", "那羽绒服呢": a
// short follow-up that only swaps the item, size or colour asks the last
// product question again.
func (t *turn) ellipsisFollowUp() bool {
	q := t.e.shop.FAQ(t.st.LastFAQ)
	en := t.an.Entities
	if q == nil || !t.short() || t.top == t.st.LastFAQ ||
		!(q.Category == "product" || q.Action == "size_advice" || q.Action == "product_attribute") ||
		(en.Size == "" && en.Color == "" && en.ProductID == "") ||
		!(t.top == "" || t.m.Confidence < overrideConfidence || t.ellipsis()) {
		return false
	}
	return t.take(q)
}

// weak reports that the matcher has no confident answer of its own.
func (t *turn) weak() bool { return t.top == "" || t.m.Confidence < unresolvedBelow }

// bareOrder: an order number (or a phone tail we asked for) said on its own.
func (t *turn) bareOrder() bool {
	en := t.an.Entities
	if !t.weak() || en.OrderNumber == "" && !(en.Phone4 != "" && t.st.Pending == SlotOrderNumber) {
		return false
	}
	q := t.faqWithAction("order_status")
	return q != nil && t.take(q)
}

// bareBody: a height or weight said on its own asks for size advice.
func (t *turn) bareBody() bool {
	en := t.an.Entities
	if !t.weak() || en.HeightCM == 0 && en.WeightKG == 0 {
		return false
	}
	q := t.faqWithAction("size_advice")
	return q != nil && t.take(q)
}

// greetingInFront: "hiya, where have my pyjamas got to" — a greeting or
// thanks in front of a question must not hide the question.
func (t *turn) greetingInFront() {
	q := t.e.shop.FAQ(t.top)
	if q == nil || q.Category != "chat" || t.short() {
		return
	}
	rest := stripSalutation(t.an.Norm, t.lang)
	if rest == "" || rest == t.an.Norm {
		return
	}
	m2 := t.e.nlu.Matcher().Match(rest, t.lang)
	if m2.OutOfScope || len(m2.Candidates) == 0 {
		return
	}
	if q2 := t.e.shop.FAQ(m2.Candidates[0].FAQ); q2 != nil && q2.Category != "chat" {
		t.top, t.m = q2.ID, m2
		t.r.Confidence = round2(m2.Confidence)
	}
}

// remember folds this turn's entities into the session's memory.
func (t *turn) remember() {
	st, en := t.st, t.an.Entities
	if en.ProductID != "" {
		if en.ProductID != st.Product {
			st.Size = "" // a size said for another product does not carry over
		}
		st.Product = en.ProductID
		t.ent.Product = en.ProductID
	}
	if en.HeightCM > 0 {
		st.HeightCM = en.HeightCM
		t.ent.HeightCM = en.HeightCM
	}
	if en.WeightKG > 0 {
		st.WeightKG = en.WeightKG
		t.ent.WeightKG = round2(en.WeightKG)
	}
	if en.Size != "" {
		st.Size = en.Size
		t.ent.Size = en.Size
	}
	if en.Color != "" {
		st.Color = en.Color
		t.ent.Color = en.Color
	}
	if en.OrderNumber != "" {
		t.ent.Order = en.OrderNumber
	}
	if en.Phone4 != "" {
		t.ent.Phone4 = en.Phone4
	}
}

// short reports whether the utterance is too short to be a new question of
// its own: a bare answer to what the bot asked ("the down jacket", "羽绒服").
func (t *turn) short() bool {
	n := t.an.Norm
	if t.lang == kb.LangZH {
		return utf8.RuneCountInString(strings.ReplaceAll(n, " ", "")) <= 6
	}
	return len(strings.Fields(n)) <= 4
}

// ellipsis reports a follow-up that leans on the previous question.
func (t *turn) ellipsis() bool {
	n := strings.TrimSpace(t.an.Norm)
	if t.lang == kb.LangZH {
		return strings.HasSuffix(n, "呢") || strings.HasPrefix(n, "那")
	}
	for _, p := range []string{"what about", "how about", "and the", "and in", "and what about", "what if"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// fillsPending reports whether this turn carries the slot the bot asked for.
func (t *turn) fillsPending() bool {
	en := t.an.Entities
	switch t.st.Pending {
	case SlotOrderNumber:
		return en.OrderNumber != "" || en.Phone4 != "" || len(en.Digits) >= 4
	case SlotHeightWeight:
		return en.HeightCM > 0 || en.WeightKG > 0
	case SlotProduct:
		return en.ProductID != "" || en.ProductRef && t.st.Product != ""
	}
	return false
}

func (t *turn) action(faqID string) string {
	if q := t.e.shop.FAQ(faqID); q != nil {
		return q.Action
	}
	return ""
}

// faqWithAction returns the first active FAQ that runs action.
func (t *turn) faqWithAction(action string) *kb.FAQ {
	for _, q := range t.e.shop.FAQs {
		if q.Action == action && t.e.shop.Active(q.ID) {
			return q
		}
	}
	return nil
}

func (t *turn) understood() { t.st.Misses = 0 }

func (t *turn) setFAQ(id string) {
	q := t.e.shop.FAQ(id)
	if q == nil {
		return
	}
	t.r.FAQ = &q.ID
	t.r.Related = t.related(q)
	t.r.RelatedQuestions = nil
	for _, id := range t.r.Related {
		t.r.RelatedQuestions = append(t.r.RelatedQuestions, t.e.shop.FAQ(id).Question.Get(t.lang))
	}
}

func (t *turn) related(q *kb.FAQ) []string {
	out := []string{}
	for _, id := range q.Related {
		if t.e.shop.Active(id) {
			out = append(out, id)
		}
	}
	return out
}

// answer runs FAQ q: its action if it has one, else its static answer.
func (t *turn) answer(q *kb.FAQ) {
	t.setFAQ(q.ID)
	t.r.Action = q.Action
	if q.Action == "" {
		t.r.Action = "answer"
	}
	// An order number said with any question is looked up and shown.
	if q.Action != "order_status" && (t.an.Entities.OrderNumber != "" || t.an.Entities.Phone4 != "") {
		t.lookupOrder()
	}
	// Every action decides afresh what it still needs.
	t.st.clearPending()
	switch q.Action {
	case "order_status":
		t.orderStatus(q)
	case "size_advice":
		t.sizeAdvice(q)
	case "product_attribute":
		t.productAttribute(q)
	case "recommend":
		t.recommend(q)
	case "aftersales_register":
		t.aftersales(q)
	case "repeat":
		t.repeat(q)
	case "slower":
		t.st.Speech.Rate = clamp(round2(t.st.Speech.Rate*0.8), 0.5, 2)
		t.r.Text = t.faqText(q)
	case "louder":
		t.st.Speech.Volume = clamp(round2(t.st.Speech.Volume*1.25), 0.25, 2)
		t.r.Text = t.faqText(q)
	case "handoff":
		t.escalate(ReasonRequest, q)
	case "goodbye":
		t.r.Text = t.faqText(q)
		t.r.EndCall = true
		t.st.Ended = true
		t.st.clearPending()
	default:
		t.r.Text = t.faqText(q)
		if q.Category == "product" {
			t.productSpecific(q)
		}
		if t.st.TicketOpen && t.r.Order != nil && t.r.Order.Found {
			t.linkTicket()
		}
	}
}

func (t *turn) faqText(q *kb.FAQ) string {
	return t.e.shop.Fill(q.Answer.Get(t.lang), t.lang)
}

func (t *turn) ask(slot string, q *kb.FAQ, text string) {
	s := slot
	t.r.AsksFor = &s
	t.st.Pending = slot
	t.st.PendingFAQ = q.ID
	t.r.Text = text
}

// repeat says the previous answer again.
func (t *turn) repeat(q *kb.FAQ) {
	t.r.RepeatsPrevious = true
	if t.st.LastText == "" {
		t.r.Text = say(t.lang, msgRepeatNothing)
		return
	}
	t.r.Text = concat(t.lang, t.faqText(q), t.st.LastText)
}

// notUnderstood answers a turn the brain could not place.
func (t *turn) notUnderstood() {
	st := t.st
	st.Misses++
	t.r.OutOfScope = true
	t.r.Action = "fallback"
	conf, top := 0.0, ""
	if c := t.an.Match.Candidates; len(c) > 0 {
		top, conf = c[0].FAQ, c[0].Confidence
	}
	t.logUnresolved(top, conf, "open")
	if st.Misses >= maxMisses {
		st.Misses = 0
		t.escalate(ReasonNotUnderstood, nil)
		return
	}
	t.r.Text = say(t.lang, msgNotUnderstood)
}

func (t *turn) logUnresolved(top string, conf float64, status string) {
	if t.in.Text == "" {
		return
	}
	t.unresolved = &store.Unresolved{SessionID: t.sessionID, ShopID: t.e.shop.ID(), At: t.now, Lang: t.lang,
		Text: t.in.Text, TopFAQ: top, Confidence: conf, Status: status}
}

// keypad handles a turn of keypad digits.
func (t *turn) keypad() {
	d := t.in.DTMF
	d = strings.TrimSuffix(d, "#")
	st := t.st
	t.understood()
	// Digits typed while the bot waits for an order number are the number.
	if st.Pending == SlotOrderNumber && len(d) >= 4 && isDigits(d) {
		t.an.Entities.Digits = d
		if len(d) == 4 {
			t.an.Entities.Phone4 = d
		} else {
			t.an.Entities.OrderNumber = d
		}
		t.remember()
		if q := t.e.shop.FAQ(st.PendingFAQ); q != nil {
			t.answer(q)
			t.r.Confidence = slotConfidence
			return
		}
	}
	switch {
	case d == "0":
		if q := t.faqWithAction("handoff"); q != nil {
			t.setFAQ(q.ID)
			t.r.Action = "handoff"
			t.escalate(ReasonRequest, q)
			return
		}
		t.r.Action = "handoff"
		t.escalate(ReasonRequest, nil)
	case d == "*":
		if q := t.faqWithAction("repeat"); q != nil {
			t.answer(q)
			return
		}
		t.r.Action = "repeat"
		t.r.RepeatsPrevious = true
		t.r.Text = st.LastText
	case len(d) == 1 && d[0] >= '1' && d[0] <= '9':
		cards := t.e.cards(t.lang)
		i := int(d[0] - '1')
		if i < len(cards) {
			t.answer(t.e.shop.FAQ(cards[i].FAQ))
			t.r.Confidence = 1 // the caller chose the question
			return
		}
		t.menu(true)
	default:
		t.menu(d != "" && d != "#")
	}
}

// menu reads the keypad menu built from the welcome cards.
func (t *turn) menu(badKey bool) {
	cards := t.e.cards(t.lang)
	items := make([]string, 0, len(cards)+1)
	for _, c := range cards {
		if t.lang == kb.LangZH {
			items = append(items, "按"+c.Key+"，"+c.Question)
		} else {
			items = append(items, "press "+c.Key+" for "+c.Question)
		}
	}
	if t.lang == kb.LangZH {
		items = append(items, "按0转人工")
	} else {
		items = append(items, "press 0 for an agent")
	}
	t.r.Action = "menu"
	text := say(t.lang, msgCardsMenu, join(t.lang, items))
	if badKey {
		text = concat(t.lang, say(t.lang, msgBadKey), text)
	}
	t.r.Text = text
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func clamp(f, lo, hi float64) float64 {
	if f < lo {
		return lo
	}
	if f > hi {
		return hi
	}
	return f
}

// summary builds what a person needs to take over a session.
func (t *turn) summary(reason string) []byte {
	type line struct {
		At    time.Time `json:"at"`
		Who   string    `json:"who"`
		Text  string    `json:"text"`
		FAQ   string    `json:"faq,omitempty"`
		Emote string    `json:"emotion,omitempty"`
	}
	var lines []line
	if turns, err := t.e.store.Turns(t.ctx, t.sessionID); err == nil {
		for _, pt := range turns {
			txt := pt.UserText
			if txt == "" {
				txt = "[keypad " + pt.DTMF + "]"
			}
			lines = append(lines, line{At: pt.At, Who: "caller", Text: txt, Emote: pt.Emotion})
			var rp Reply
			if json.Unmarshal(pt.Reply, &rp) == nil {
				lines = append(lines, line{At: pt.At, Who: "bot", Text: rp.Text, FAQ: pt.FAQ})
			}
		}
	}
	txt := t.in.Text
	if txt == "" {
		txt = "[keypad " + t.in.DTMF + "]"
	}
	lines = append(lines, line{At: t.now, Who: "caller", Text: txt, Emote: t.r.Emotion})
	st := t.st
	s := map[string]any{
		"session":         t.sessionID,
		"shop":            t.e.shop.ID(),
		"lang":            t.lang,
		"channel":         st.Channel,
		"caller":          st.Caller,
		"reason":          reason,
		"transcript":      lines,
		"intents":         st.Intents,
		"emotion":         t.r.Emotion,
		"intensity":       t.r.Intensity,
		"worst_intensity": st.WorstMood,
		"entities": map[string]any{
			"product": st.Product, "order": st.Order, "height_cm": st.HeightCM, "weight_kg": st.WeightKG,
			"size": st.Size, "color": st.Color,
		},
	}
	if st.Order != "" {
		if o := t.e.shop.Order(st.Order); o != nil {
			s["order"] = map[string]any{"id": o.ID, "status": o.Status, "items": o.Items}
		}
	}
	if t.r.Order != nil {
		s["order_ref"] = t.r.Order
	}
	b, _ := json.Marshal(s)
	return b
}
