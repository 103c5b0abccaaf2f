package emotion

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// zhCues is the Chinese lexicon. Stop phrases (w 0) keep look-alikes from
// matching: 差不多 is not 差, 麻烦你 is not 烦, 有没有问题 is not 没问题.
var zhCues = []cue{
	// Strong anger, insults, swearing.
	{text: "气死我了", w: -0.9, state: true}, {text: "气死了", w: -0.85, state: true}, {text: "气死", w: -0.8, state: true},
	{text: "生气", w: -0.55, state: true}, {text: "气人", w: -0.6}, {text: "火大", w: -0.6, state: true},
	{text: "垃圾", w: -0.8, complaint: true}, {text: "骗子", w: -0.9, complaint: true}, {text: "骗人", w: -0.8, complaint: true},
	{text: "坑人", w: -0.8, complaint: true}, {text: "黑店", w: -0.9, complaint: true}, {text: "忽悠", w: -0.6},
	{text: "什么破东西", w: -0.9, complaint: true}, {text: "破东西", w: -0.8, complaint: true}, {text: "什么玩意", w: -0.8, complaint: true},
	{text: "搞什么", w: -0.6}, {text: "搞什么鬼", w: -0.8}, {text: "岂有此理", w: -0.85}, {text: "忍无可忍", w: -0.9, state: true},
	{text: "受不了", w: -0.6, state: true}, {text: "不像话", w: -0.65}, {text: "太过分", w: -0.75}, {text: "过分", w: -0.55},
	{text: "离谱", w: -0.6}, {text: "恶心", w: -0.7}, {text: "糟糕", w: -0.5}, {text: "糟透了", w: -0.8}, {text: "差劲", w: -0.65},
	{text: "他妈的", w: -0.9}, {text: "妈的", w: -0.85}, {text: "tmd", w: -0.85}, {text: "卧槽", w: -0.8}, {text: "我靠", w: -0.7},
	{text: "我操", w: -0.9}, {text: "滚", w: -0.8, needMod: true}, {text: "有病", w: -0.7},
	// Complaints and threats.
	{text: "投诉", w: -0.7, complaint: true}, {text: "差评", w: -0.7, complaint: true}, {text: "曝光", w: -0.7, complaint: true},
	{text: "举报", w: -0.7, complaint: true}, {text: "12315", w: -0.75, complaint: true}, {text: "消协", w: -0.65, complaint: true},
	{text: "消费者协会", w: -0.65, complaint: true}, {text: "工商局", w: -0.65, complaint: true}, {text: "市场监管", w: -0.65, complaint: true},
	{text: "告你们", w: -0.7, complaint: true}, {text: "起诉", w: -0.7, complaint: true}, {text: "维权", w: -0.6, complaint: true},
	{text: "态度差", w: -0.6, complaint: true}, {text: "态度太差", w: -0.75, complaint: true}, {text: "服务差", w: -0.6, complaint: true},
	{text: "服务太差", w: -0.75, complaint: true}, {text: "再也不买", w: -0.7, complaint: true}, {text: "没人管", w: -0.55},
	{text: "没人理", w: -0.55}, {text: "退钱", w: -0.5}, {text: "还钱", w: -0.6}, {text: "不值", w: -0.5}, {text: "上当", w: -0.6},
	// Displeasure.
	{text: "不满", w: -0.5, state: true}, {text: "失望", w: -0.45, state: true}, {text: "后悔", w: -0.45, state: true},
	{text: "郁闷", w: -0.4, state: true}, {text: "无语", w: -0.45, state: true}, {text: "烦", w: -0.4, state: true, needMod: true},
	{text: "烦死了", w: -0.7, state: true}, {text: "烦人", w: -0.5}, {text: "麻烦死了", w: -0.6}, {text: "急死了", w: -0.7, state: true},
	{text: "着急", w: -0.3, state: true}, {text: "担心", w: -0.2, state: true}, {text: "没用", w: -0.5}, {text: "不好", w: -0.35},
	{text: "不行", w: -0.3}, {text: "不要了", w: -0.3}, {text: "差", w: -0.4, needMod: true}, {text: "烂", w: -0.5, needMod: true},
	{text: "质量差", w: -0.55, topic: true}, {text: "慢", w: -0.3, needMod: true}, {text: "贵", w: -0.25, needMod: true},
	{text: "假货", w: -0.5}, {text: "山寨", w: -0.5}, {text: "到底", w: -0.25}, {text: "怎么还没", w: -0.35}, {text: "还没到", w: -0.25},
	{text: "还没收到", w: -0.25}, {text: "还没发货", w: -0.3}, {text: "好几次", w: -0.3}, {text: "催了", w: -0.3}, {text: "几遍了", w: -0.35},
	// Product problems said politely: mildly negative, no escalation.
	{text: "破了", w: -0.25}, {text: "破了个洞", w: -0.3}, {text: "破洞", w: -0.25}, {text: "开线", w: -0.25}, {text: "脱线", w: -0.25},
	{text: "掉色", w: -0.3}, {text: "褪色", w: -0.3}, {text: "起球", w: -0.3}, {text: "坏了", w: -0.3}, {text: "发错", w: -0.3},
	{text: "有色差", w: -0.2}, {text: "撕了", w: -0.25}, {text: "掉了", w: -0.15}, {text: "不对", w: -0.2}, {text: "没法穿", w: -0.5}, {text: "毛球", w: -0.25}, {text: "糙", w: -0.4, needMod: true}, {text: "掉得厉害", w: -0.5}, {text: "不合适", w: -0.15}, {text: "太小了", w: -0.2}, {text: "太大了", w: -0.2},
	{text: "严重不符", w: -0.6, topic: true}, {text: "不符", w: -0.35},
	// Positive.
	{text: "谢谢", w: 0.4}, {text: "感谢", w: 0.45}, {text: "多谢", w: 0.4}, {text: "太好了", w: 0.7}, {text: "好极了", w: 0.7},
	{text: "满意", w: 0.5, state: true}, {text: "不错", w: 0.45}, {text: "真棒", w: 0.7}, {text: "棒", w: 0.5}, {text: "很好", w: 0.45},
	{text: "真好", w: 0.5}, {text: "挺好", w: 0.4}, {text: "喜欢", w: 0.5}, {text: "开心", w: 0.5, state: true}, {text: "高兴", w: 0.5, state: true},
	{text: "辛苦", w: 0.35}, {text: "赞", w: 0.5}, {text: "给力", w: 0.5}, {text: "划算", w: 0.3}, {text: "漂亮", w: 0.4},
	{text: "好看", w: 0.4}, {text: "舒服", w: 0.4}, {text: "放心", w: 0.25, state: true}, {text: "贴心", w: 0.5}, {text: "靠谱", w: 0.4},
	{text: "周到", w: 0.4}, {text: "耐心", w: 0.3}, {text: "专业", w: 0.3}, {text: "完美", w: 0.6}, {text: "好评", w: 0.5},
	{text: "感激", w: 0.5}, {text: "没问题", w: 0.2}, {text: "麻烦你了", w: 0.2}, {text: "太感谢", w: 0.7},
	// Topic words (quality) and stop phrases.
	{text: "质量", topic: true}, {text: "差不多", w: 0}, {text: "差点", w: 0}, {text: "相差", w: 0}, {text: "麻烦", w: 0},
	{text: "有没有", w: 0}, {text: "好不好", w: 0}, {text: "不好意思", w: 0}, {text: "慢点", w: 0}, {text: "慢一点", w: 0},
	{text: "慢慢", w: 0}, {text: "贵不贵", w: 0}, {text: "满不满意", w: 0}, {text: "不用谢", w: 0}, {text: "不谢", w: 0},
	{text: "不客气", w: 0}, {text: "好的", w: 0}, {text: "差价", w: 0}, {text: "出差", w: 0}, {text: "烦请", w: 0},
	{text: "会不会", w: 0}, {text: "是不是", w: 0}, {text: "行不行", w: 0}, {text: "不对不对", w: 0}, {text: "对不对", w: 0}, {text: "要不要", w: 0}, {text: "不对劲", w: -0.3}, {text: "不行了", w: 0},
}

var (
	zhBoost   = []string{"怎么这么", "实在是", "真的是", "超级", "非常", "特别", "十分", "相当", "极其", "实在", "简直", "真的", "也太", "这么", "那么", "太", "真", "好", "很", "超", "巨", "最", "挺", "贼", "老"}
	zhPost    = []string{"死我了", "死了", "极了", "透了", "得要命", "得很", "得不行", "坏了", "得没法", "得厉害"}
	zhSoften  = []string{"有一点", "有点儿", "有点", "有些", "稍微", "一点", "略"}
	zhNegate  = []string{"不是很", "不是特别", "不怎么", "并不", "不太", "不够", "不是", "没有", "不", "没", "别", "未", "无"}
	zhGap     = []string{"打算", "给你", "要", "想", "会", "去", "给", "再", "是", "的", "也", " "}
	zhQuestio = []string{"会不会", "是不是", "是否", "有没有"}
)

// zhIndex maps a cue's first rune to its cues, longest first.
var zhIndex = func() map[rune][]*cue {
	m := map[rune][]*cue{}
	for i := range zhCues {
		c := &zhCues[i]
		r, _ := utf8.DecodeRuneInString(c.text)
		m[r] = append(m[r], c)
	}
	for _, cs := range m {
		sort.SliceStable(cs, func(a, b int) bool { return len(cs[a].text) > len(cs[b].text) })
	}
	return m
}()

func cutSuffix(s string, list []string) (string, bool) {
	for _, w := range list {
		if strings.HasSuffix(s, w) {
			return s[:len(s)-len(w)], true
		}
	}
	return s, false
}

func scanZH(s string, hs []hit) []hit {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		var c *cue
		for _, k := range zhIndex[r] {
			if strings.HasPrefix(s[i:], k.text) {
				c = k
				break
			}
		}
		if c == nil {
			i += n
			continue
		}
		end := i + len(c.text)
		h := hit{c: c, w: c.w}
		if c.w != 0 {
			mod := false
			if _, ok := hasPrefixAny(s[end:], zhPost); ok {
				h.w *= boost
				mod = true
			} else if strings.HasPrefix(s[end:], "了") {
				mod = true
			}
			pre := s[:i]
			question := false
			for step := 0; step < 4; step++ {
				var ok bool
				if p, q := cutSuffix(pre, zhQuestio); q {
					question = true
					pre = p
					continue
				}
				if pre, ok = cutSuffix(pre, zhNegate); ok {
					h.negated = true
					mod = true
					continue
				}
				if pre, ok = cutSuffix(pre, zhBoost); ok {
					h.w *= boost
					mod = true
					continue
				}
				if pre, ok = cutSuffix(pre, zhSoften); ok {
					h.w *= soften
					mod = true
					continue
				}
				if pre, ok = cutSuffix(pre, zhGap); !ok {
					break
				}
			}
			h.question = question
			h.w = modify(h, mod)
		}
		hs = append(hs, h)
		i = end
	}
	return hs
}

// modify applies the needMod rule and negation to a hit's weight.
func modify(h hit, mod bool) float64 {
	if h.c.needMod && !mod {
		return 0
	}
	if h.question {
		h.w *= questionDamp
	}
	if !h.negated {
		return h.w
	}
	switch {
	case h.w > 0:
		return h.w * flipPos
	case h.c.state, h.c.complaint:
		return 0 // 不生气, not angry, 不是要投诉: neutral, not the opposite
	default:
		return h.w * flipNeg
	}
}

func hasPrefixAny(s string, list []string) (string, bool) {
	for _, w := range list {
		if strings.HasPrefix(s, w) {
			return w, true
		}
	}
	return "", false
}
