package dialog

import "strings"

// attrCues are everyday words callers use for a product fact, per language
// (zh, en). They are general language knowledge, not shop rules: any shop's
// attribute keys that appear here are understood, and any other key is
// matched by its own name.
var attrCues = map[string][2][]string{
	"material":   {{"面料", "材质", "料子", "成分", "什么做的", "啥做的", "纯棉", "棉的", "化纤", "羊毛", "真丝", "鸭绒", "鹅绒", "布料", "材料", "扎不扎", "扎人", "什么料"}, {"material", "fabric", "made of", "cotton", "wool", "silk", "synthetic", "composition", "polyester", "what is it made", "itchy"}},
	"care":       {{"洗", "洗涤", "干洗", "机洗", "保养", "清洗", "熨", "洗衣机"}, {"wash", "washing", "clean", "care", "dry clean", "iron", "washer", "laundry"}},
	"thickness":  {{"厚", "薄", "保暖", "暖和", "冷不冷", "加绒", "透气", "冬天穿", "夏天穿", "冻"}, {"thick", "thin", "warm", "winter", "cold", "freezing", "heavy", "breathable"}},
	"shrinkage":  {{"缩水", "缩不缩", "会缩", "变小", "变形"}, {"shrink", "shrinkage", "get smaller", "lose its shape"}},
	"origin":     {{"产地", "哪里产", "哪里生产", "哪里做的", "哪儿产", "原产", "哪生产", "哪儿做的"}, {"origin", "where is it made", "made in", "produced", "manufactured", "where was it made", "where are they made"}},
	"elasticity": {{"弹性", "有弹", "弹力", "松紧"}, {"stretch", "stretchy", "elastic"}},
	"fit":        {{"版型", "合身", "宽松", "修身", "穿脱", "偏大", "偏小", "尺码准"}, {"fit", "loose", "baggy", "true to size", "runs small", "runs large"}},
	"features":   {{"功能", "特点", "帽子", "拉链", "防风", "魔术贴", "鞋带"}, {"feature", "features", "hood", "zip", "zipper", "windproof", "laces"}},
	"lining":     {{"内衬", "里衬", "透不透", "里子", "透明", "走光"}, {"lining", "lined", "see-through", "see through"}},
	"stock":      {{"有货", "有没有货", "还有吗", "还有没有", "库存", "卖完", "补货", "现货", "断货", "缺货"}, {"in stock", "available", "sold out", "restock", "have it in", "got it in", "still have", "any left", "do you have"}},
	"price":      {{"多少钱", "价格", "价钱", "几块钱", "贵不贵", "啥价"}, {"price", "how much", "cost", "expensive"}},
	"colors":     {{"颜色", "什么色", "几种色", "啥色"}, {"colour", "color", "colours", "colors"}},
	"sizes":      {{"几个码", "哪些码", "有什么码", "哪几个码", "什么尺码"}, {"what sizes", "which sizes", "sizes"}},
}

var attrLabels = map[string][2]string{
	"material":   {"面料", "material"},
	"care":       {"洗涤和保养", "care"},
	"thickness":  {"厚度", "thickness"},
	"shrinkage":  {"缩水情况", "shrinkage"},
	"origin":     {"产地", "origin"},
	"elasticity": {"弹性", "stretch"},
	"fit":        {"版型", "fit"},
	"features":   {"特点", "features"},
	"lining":     {"内衬", "lining"},
}

func attrLabel(key, lang string) string {
	if l, ok := attrLabels[key]; ok {
		if lang == "zh" {
			return l[0]
		}
		return l[1]
	}
	return strings.ReplaceAll(key, "_", " ")
}

// bestAttr scores each key by the cue words found in text (longer cues count
// more) and returns the best, or "" when no cue is present.
func bestAttr(keys []string, text, lang string) (string, int) {
	li := 1
	if lang == "zh" {
		li = 0
	}
	padded := " " + text + " "
	best, bestScore := "", 0
	for _, k := range keys {
		cues, ok := attrCues[k]
		var list []string
		if ok {
			list = cues[li]
		} else {
			list = []string{strings.ReplaceAll(k, "_", " ")}
		}
		score := 0
		for _, c := range list {
			if li == 1 {
				if strings.Contains(padded, " "+c) {
					score += len(c)
				}
			} else if strings.Contains(text, c) {
				score += len([]rune(c))
			}
		}
		if score > bestScore {
			best, bestScore = k, score
		}
	}
	return best, bestScore
}
