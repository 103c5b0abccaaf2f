package dialog

import "strings"

// staticMessages are the engine's own sentences that take no argument;
// voice doors synthesise them ahead of time with the FAQ answers.
var staticMessages = []string{msgNotUnderstood, msgNotUnderstoodAgain, msgOrderUnknown, msgOrderAskAgain,
	msgAskProduct, msgAskHeightWeight, msgAskHeight, msgAskWeight, msgRepeatNothing, msgBadKey}

// StaticTexts lists what the engine says in lang that does not depend on a
// caller: the welcome, every active FAQ's answer (placeholders filled from
// the shop profile) and the engine's fixed prompts. Voice doors hand it to
// a speech cache when a shop loads so that most answers start with zero
// synthesis time. Texts still holding a placeholder are left out.
func (e *Engine) StaticTexts(lang string) []string {
	seen := make(map[string]bool)
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] || strings.ContainsAny(s, "{}") {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	add(e.shop.Fill(e.shop.Shop.Welcome.Get(lang), lang))
	for _, q := range e.shop.ActiveFAQs() {
		add(e.shop.Fill(q.Answer.Get(lang), lang))
	}
	for _, q := range e.shop.ActiveFAQs() { // confirmations of unsure speech come next
		add(say(lang, msgConfirm, confirmQuestion(q, lang)))
	}
	add(say(lang, msgConfirmNo))
	for _, k := range staticMessages {
		add(say(lang, k))
	}
	return out
}
