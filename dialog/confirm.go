package dialog

import (
	"slices"
	"strings"

	"github.com/callbee/callbee/kb"
)

// Confirmation of what a voice caller asked, when speech recognition was
// unsure: "您是想问“什么时候发货”吗？". Only voice doors set
// Input.ASRConfidence; typed text is never confirmed.
const (
	// ConfirmASRBelow: a transcript less confident than this is confirmed
	// before it is answered (asr.DefaultTrust is 0.5; this is lower, so that
	// only clearly unsure recognitions cost the caller a question).
	ConfirmASRBelow = 0.35
	// confirmMatchBelow: a match this confident is answered even from an
	// unsure transcript.
	confirmMatchBelow = 0.85
	// ActionConfirm is Reply.Action of a confirmation question; Reply.FAQ is
	// the FAQ it would answer. The next turn should listen for yes or no.
	ActionConfirm = "confirm"
)

// needsConfirm reports whether the answer q to this turn should be
// confirmed first: recognition was unsure, the match is not sure either,
// and q is a plain answer (actions ask their own questions).
func (t *turn) needsConfirm(q *kb.FAQ) bool {
	c := t.in.ASRConfidence
	return q != nil && c > 0 && c < ConfirmASRBelow && t.m.Confidence < confirmMatchBelow &&
		(q.Action == "" || q.Action == "product_attribute" || q.Action == "recommend")
}

// confirm asks the caller whether q is what they meant.
func (t *turn) confirm(q *kb.FAQ) {
	t.understood()
	t.setFAQ(q.ID)
	t.r.Action = ActionConfirm
	t.r.Text = say(t.lang, msgConfirm, confirmQuestion(q, t.lang))
	t.st.Confirm = q.ID
}

// confirmQuestion is q's question as a confirmation quotes it.
func confirmQuestion(q *kb.FAQ, lang string) string {
	return strings.TrimRight(strings.TrimSpace(q.Question.Get(lang)), "?？。.!！")
}

// confirmAnswer: the caller answers a confirmation question. Yes answers
// the FAQ; no asks them to say it again in other words; anything else is a
// new turn (the confirmation is dropped).
func (t *turn) confirmAnswer() bool {
	st := t.st
	id := st.Confirm
	if id == "" {
		return false
	}
	st.Confirm = ""
	q := t.e.shop.FAQ(id)
	if q == nil {
		return false
	}
	switch yesNo(t.an.Norm, t.lang) {
	case answerYes:
		t.take(q)
		t.r.Confidence = max(t.r.Confidence, slotConfidence)
		return true
	case answerNo:
		t.understood()
		t.r.Action = "rephrase"
		t.r.Text = say(t.lang, msgConfirmNo)
		t.r.Confidence = slotConfidence
		return true
	}
	return false
}

type answer int

const (
	answerOther answer = iota
	answerYes
	answerNo
)

var (
	zhYes = []string{"是", "是的", "是啊", "是呀", "对", "对的", "对啊", "对呀", "没错", "嗯", "嗯嗯", "嗯对", "对对", "对对对", "是是", "好", "好的", "行", "可以", "就是", "就是这个", "对就是这个", "是这个", "没错就是"}
	zhNo  = []string{"不是", "不对", "不是的", "错了", "没有", "不是这个", "不", "不不", "不是啊", "也不是", "不对不对", "都不是"}
	enYes = []string{"yes", "yeah", "yep", "yes please", "that's right", "thats right", "right", "correct", "sure", "ok", "okay", "exactly", "that's it", "yes that's right", "uh huh", "mhm", "indeed", "of course"}
	enNo  = []string{"no", "nope", "no thanks", "not really", "that's wrong", "wrong", "no it isn't", "no that's not it", "not that", "neither", "nah"}
)

// yesNo reads a short answer to a yes/no question. Normalised text holds
// no punctuation; a filler may remain.
func yesNo(norm, lang string) answer {
	s := strings.TrimSpace(strings.ToLower(norm))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "吧"), "啊"))
	yes, no := enYes, enNo
	if lang == kb.LangZH {
		s = strings.ReplaceAll(s, " ", "")
		yes, no = zhYes, zhNo
	}
	switch {
	case slices.Contains(no, s):
		return answerNo
	case slices.Contains(yes, s):
		return answerYes
	}
	// "yes please that's the one", "对对 就是问这个": a yes/no word leading a short answer.
	words := strings.Fields(s)
	if lang == kb.LangEN && len(words) > 0 && len(words) <= 6 {
		if slices.Contains(enNo, words[0]) {
			return answerNo
		}
		if slices.Contains(enYes, words[0]) {
			return answerYes
		}
	}
	if lang == kb.LangZH && len([]rune(s)) <= 8 {
		for _, p := range []string{"不是", "不对"} {
			if strings.HasPrefix(s, p) {
				return answerNo
			}
		}
		for _, p := range []string{"是", "对", "没错", "嗯"} {
			if strings.HasPrefix(s, p) {
				return answerYes
			}
		}
	}
	return answerOther
}
