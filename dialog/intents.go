package dialog

import "strings"

// System intents the brain recognises itself, in any shop: asking for a
// person, and the greetings callers put in front of a question. They are
// general language, not shop knowledge.

var (
	// humanNouns name a person to talk to.
	humanNounsZH = []string{"人工", "真人", "活人", "客服人员", "工作人员", "人工客服", "接线员", "负责人", "经理", "主管"}
	humanNounsEN = []string{"agent", "human", "real person", "a person", "someone real", "somebody real", "operator",
		"representative", "rep", "real human", "live person", "member of staff", "staff member", "someone", "somebody",
		"a real person", "customer service person", "supervisor", "manager"}
	// requestVerbs ask for one.
	requestVerbsZH = []string{"转", "找", "叫", "换", "要", "接", "让", "给我", "帮我转", "我要", "请"}
	requestVerbsEN = []string{"talk to", "speak to", "speak with", "talk with", "put me through", "connect me",
		"get me", "transfer me", "give me", "i want", "i need", "i would like", "let me talk", "let me speak",
		"can i have", "may i speak", "can i speak", "can i talk", "put me on to", "pass me to", "through to"}
	negationsZH = []string{"不用", "不要", "别", "不需要", "没必要", "用不着"}
	negationsEN = []string{"no need", "don't", "do not", "dont", "no thanks", "not necessary", "never mind"}
)

// wantsHuman reports an explicit request for a person ("转人工", "人工",
// "get me a real person"), not a question about one ("你是真人吗").
func wantsHuman(norm, lang string) bool {
	n := strings.TrimSpace(norm)
	if n == "" {
		return false
	}
	if lang == "zh" {
		if n == "人工" || n == "转人工" || n == "人工服务" || n == "人工客服" {
			return true
		}
		if hasAny(n, negationsZH) || strings.HasSuffix(n, "吗") || strings.Contains(n, "是不是") {
			return false
		}
		for _, noun := range humanNounsZH {
			if i := strings.Index(n, noun); i >= 0 && hasAny(n[:i], requestVerbsZH) {
				return true
			}
		}
		return false
	}
	padded := " " + n + " "
	if n == "agent" || n == "operator" || n == "human" || n == "representative" {
		return true
	}
	if hasAny(padded, negationsEN) || strings.HasPrefix(n, "are you") || strings.HasPrefix(n, "is this") ||
		strings.HasPrefix(n, "is it") || strings.HasPrefix(n, "am i") {
		return false
	}
	for _, noun := range humanNounsEN {
		i := strings.Index(padded, " "+noun+" ")
		if i < 0 {
			continue
		}
		for _, v := range requestVerbsEN {
			if strings.Contains(padded[:i+1], " "+v+" ") {
				return true
			}
		}
	}
	return false
}

func hasAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

var (
	salutationsZH = []string{"喂喂", "喂", "你好", "您好", "哈喽", "哈罗", "嗨", "早上好", "下午好", "晚上好", "打扰一下", "麻烦问一下", "请问", "谢谢", "好的"}
	salutationsEN = []string{"hello there", "hi there", "hey there", "good morning", "good afternoon", "good evening",
		"hello", "hiya", "hi", "hey", "yeah hi", "yes hi", "oh hi", "thanks", "thank you", "sorry to bother you",
		"excuse me", "ok", "okay", "right", "yeah", "yes"}
)

// stripSalutation removes greetings and politeness at the start of an
// utterance, repeatedly ("喂 你好 请问...", "yeah hi hello ...").
func stripSalutation(norm, lang string) string {
	n := strings.TrimSpace(norm)
	list := salutationsEN
	if lang == "zh" {
		list = salutationsZH
	}
	for changed := true; changed; {
		changed = false
		for _, s := range list {
			if lang == "zh" && strings.HasPrefix(n, s) {
				n = strings.TrimSpace(strings.TrimPrefix(n, s))
				changed = true
			} else if lang != "zh" && (n == s || strings.HasPrefix(n, s+" ")) {
				n = strings.TrimSpace(strings.TrimPrefix(n, s))
				changed = true
			}
		}
	}
	return n
}
