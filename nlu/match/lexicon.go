package match

import "strings"

// This file holds general language knowledge about everyday shopping talk:
// synonyms and paraphrases that any shop's callers use. It names no FAQ and
// no shop; the matcher learns which words matter from the shop file.

// synEN maps English words and phrases (normalized, before stemming) to a
// canonical word. Longest phrase wins.
var synEN = map[string]string{
	// parcels and delivery
	"package": "parcel", "packet": "parcel", "shipment": "parcel", "consignment": "parcel",
	"delivery": "deliver", "delivered": "deliver", "deliveries": "deliver",
	"post": "ship", "posted": "ship", "dispatch": "ship", "dispatched": "ship", "mail": "ship",
	"mailed": "ship", "send out": "ship", "sent out": "ship", "shipped": "ship", "shipping": "ship",
	"carrier": "courier", "delivery company": "courier", "shipping company": "courier",
	"express company": "courier", "postman": "courier", "delivery man": "courier",
	"track": "where", "tracking": "where", "whereabouts": "where",
	"get here": "arrive", "come": "arrive", "arrival": "arrive", "reach me": "arrive",
	"turn up": "arrive", "show up": "arrive",
	// returns and money
	"send back": "return", "send it back": "return", "sent back": "return", "take back": "return",
	"give back": "return", "returning": "return",
	"money back": "refund", "reimburse": "refund", "reimbursement": "refund", "repay": "refund",
	"my money": "refund",
	"swap":     "exchange", "change it for": "exchange", "replace": "exchange", "replacement": "exchange",
	"broken": "damaged", "torn": "damaged", "ripped": "damaged", "rip": "damaged", "hole": "damaged",
	"defective": "damaged", "faulty": "damaged", "stain": "damaged", "stained": "damaged",
	"tear": "damaged", "damage": "damaged",
	"incorrect": "wrong", "mistake": "wrong", "mixed up": "wrong", "not what i ordered": "wrong item",
	"rubbish": "terrible", "awful": "terrible", "poor": "terrible", "shoddy": "terrible",
	"cheaply made": "terrible quality", "falling apart": "terrible quality",
	"complain": "complaint",
	// prices and promotions
	"cheaper": "cheap", "lower price": "discount", "reduce the price": "discount",
	"price cut": "discount", "deal": "discount", "deals": "discount", "offer": "discount",
	"offers": "discount", "promotion": "discount", "promo": "discount", "reduction": "discount",
	"bargain": "discount", "sale": "discount",
	"voucher": "coupon", "promo code": "coupon", "discount code": "coupon", "code": "coupon",
	"freebie": "gift", "freebies": "gift", "present": "gift", "free": "gift", "extra": "gift",
	"reward": "points", "rewards": "points", "loyalty": "points", "membership": "member",
	// buying and paying
	"purchase": "buy", "checkout": "pay", "payment": "pay", "paying": "pay", "alipay": "pay",
	"wechat": "pay", "credit card": "card", "debit card": "card", "cash on delivery": "pay cash",
	"receipt": "invoice", "fapiao": "invoice", "bill": "invoice",
	"call off": "cancel", "cancellation": "cancel",
	"together": "combine", "one parcel": "combine", "same parcel": "combine", "same box": "combine",
	"pick": "choose", "select": "choose", "specify": "choose",
	"in stock": "stock", "available": "stock", "availability": "stock", "sold out": "stock",
	"out of stock": "stock", "restock": "stock", "back in": "stock",
	// goods
	"colour": "color", "colours": "color", "colors": "color",
	"photo": "picture", "photos": "picture", "pic": "picture", "pics": "picture", "image": "picture",
	"images": "picture",
	"fabric": "material", "made of": "material", "cloth": "material", "textile": "material",
	"made from": "material",
	"launder":   "wash", "clean": "wash", "cleaning": "wash", "washer": "wash",
	"washing machine": "wash machine",
	"smaller":         "shrink", "shrunk": "shrink", "shrinks": "shrink",
	"heavy": "thick", "thin": "thick", "warmth": "warm", "cold": "warm", "chilly": "warm",
	"authentic": "genuine", "real thing": "genuine", "original": "genuine", "fake": "genuine",
	"counterfeit": "genuine", "knock off": "genuine", "legit": "genuine",
	"bigger": "size", "sizing": "size", "fit me": "size",
	"suggest": "recommend", "suggestion": "recommend", "recommendation": "recommend",
	// people and service
	"human": "agent", "operator": "agent", "representative": "agent",
	"real person": "agent", "live person": "agent", "proper person": "agent",
	"customer service": "agent", "manager": "agent",
	"telephone number": "hotline", "phone number": "hotline", "number to call": "hotline",
	"contact number": "hotline",
	"opening hours":  "hours", "open": "hours", "working hours": "hours", "office hours": "hours",
	"robot": "machine", "bot": "machine", "computer": "machine", "ai": "machine",
	"automated": "machine", "recording": "machine", "artificial": "machine",
	"pardon": "repeat", "come again": "repeat", "say again": "repeat", "once more": "repeat",
	"slowly": "slow", "slower": "slow", "louder": "loud", "speak up": "loud", "loudly": "loud",
	"can not hear": "loud", "hard to hear": "loud", "volume": "loud",
	"thank": "thanks", "cheers": "thanks", "appreciate": "thanks", "appreciated": "thanks",
	"hey": "hello", "hi": "hello", "good morning": "hello", "good afternoon": "hello", "good evening": "hello",
	"goodbye": "bye", "farewell": "bye", "hang up": "bye",
	"smartphone": "phone", "mobile": "phone", "cellphone": "phone", "application": "app",
	"grandson": "grandchild", "granddaughter": "grandchild",
}

// synENMax is the longest phrase key in synEN, in words.
const synENMax = 4

// canonEN rewrites synonyms to their canonical words.
func canonEN(text string) string {
	words := strings.Fields(text)
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); {
		done := false
		for n := min(synENMax, len(words)-i); n >= 1; n-- {
			key := words[i]
			if n > 1 {
				key = strings.Join(words[i:i+n], " ")
			}
			if c, ok := synEN[key]; ok {
				out = append(out, c)
				i += n
				done = true
				break
			}
		}
		if !done {
			out = append(out, words[i])
			i++
		}
	}
	return strings.Join(out, " ")
}

// stopwords get a small weight: they help bigrams but say little alone.
var stopwords = map[string]bool{
	"the": true, "a": true, "an": true, "is": true, "are": true, "am": true, "be": true, "been": true,
	"to": true, "of": true, "for": true, "and": true, "or": true, "in": true, "on": true, "at": true,
	"it": true, "this": true, "that": true, "these": true, "those": true, "i": true, "you": true,
	"me": true, "my": true, "your": true, "we": true, "our": true, "us": true, "they": true,
	"them": true, "he": true, "she": true, "her": true, "his": true, "do": true, "doe": true,
	"did": true, "can": true, "could": true, "would": true, "will": true, "should": true,
	"please": true, "with": true, "there": true, "have": true, "ha": true, "had": true,
	"just": true, "so": true, "if": true, "one": true, "some": true, "any": true, "about": true,
	"was": true, "were": true, "wa": true, "get": true, "got": true, "want": true, "like": true,
	"need": true, "know": true, "tell": true, "ask": true, "wonder": true, "let": true, "by": true,
	"up": true, "really": true, "very": true, "much": true, "thing": true, "item": true,
	"ok": true, "yes": true, "all": true, "right": true, "now": true, "then": true, "also": true,
	"go": true, "going": true, "still": true, "what": true, "how": true, "which": true,
	"help": true, "may": true, "might": true, "shall": true, "its": true,
}

// stemEN strips common English suffixes: plural, -ing, -ed, -ly.
func stemEN(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") ||
		strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	case n > 5 && strings.HasSuffix(w, "ing"):
		return undouble(w[:n-3])
	case n > 4 && strings.HasSuffix(w, "ed"):
		return undouble(w[:n-2])
	case n > 5 && strings.HasSuffix(w, "ly"):
		return w[:n-2]
	}
	return w
}

// undouble turns "shipp" into "ship" and leaves "wash" alone.
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && w[n-1] != 'l' && w[n-1] != 's' && !isVowel(w[n-1]) {
		return w[:n-1]
	}
	return w
}

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

// synZH maps Chinese wording to canonical wording before n-grams are taken.
// Longest key wins.
var synZH = map[string]string{
	"您": "你", "咱们": "我们", "俺们": "我们",
	"包裹": "快递", "物流": "快递", "邮包": "快递", "件儿": "快递",
	"退钱": "退款", "钱退": "退款", "返钱": "退款", "把钱退": "退款",
	"寄回": "退回", "寄回去": "退回", "退回去": "退回",
	"调换": "换", "更换": "换",
	"便宜": "便宜", "划算": "便宜", "实惠": "便宜",
	"代金券": "优惠券", "红包": "优惠券", "券": "优惠券", "优惠券": "优惠券",
	"机器人": "机器", "电脑": "机器", "人工智能": "机器", "录音": "机器",
	"真人": "人工", "客服人员": "人工", "活人": "人工",
	"号码": "电话", "热线": "电话",
	"面料": "材质", "料子": "材质", "布料": "材质", "材料": "材质", "成分": "材质",
	"保暖": "暖和", "厚实": "厚", "暖不暖和": "暖和吗", "冷不冷": "暖和吗",
	"假货": "假的", "冒牌": "假的", "山寨": "假的", "正版": "正品", "真货": "正品",
	"破了": "破损", "破洞": "破损", "坏了": "破损", "开线": "破损", "脱线": "破损", "烂了": "破损",
	"洗衣机": "机洗", "清洗": "洗",
	"尺寸": "尺码", "码数": "尺码", "号码大小": "尺码",
	"相片": "图片", "照片": "图片", "图上": "图片",
	"退换": "退换货",
	"支付": "付款", "付钱": "付款", "给钱": "付款", "交钱": "付款",
	"收据": "发票", "开票": "发票",
	"到哪": "到哪里", "在哪": "在哪里", "哪了": "哪里", "哪啦": "哪里",
	"寄": "发", "寄出": "发货", "发出": "发货",
	"到货": "到", "送到": "到",
	"撤销": "取消", "不要了": "取消",
}

// synZHMax is the longest key in synZH, in runes.
const synZHMax = 4

// synZHFirst holds the first rune of every synZH key, for a quick skip.
var synZHFirst = func() map[rune]bool {
	m := make(map[rune]bool, len(synZH))
	for k := range synZH {
		for _, r := range k {
			m[r] = true
			break
		}
	}
	return m
}()

// canonZH rewrites Chinese synonyms to canonical wording.
func canonZH(text string) string {
	need := false
	for _, r := range text {
		if synZHFirst[r] {
			need = true
			break
		}
	}
	if !need {
		return text
	}
	r := []rune(text)
	var b strings.Builder
	b.Grow(len(text) + 8)
	for i := 0; i < len(r); {
		if synZHFirst[r[i]] {
			done := false
			for n := min(synZHMax, len(r)-i); n >= 1; n-- {
				if c, ok := synZH[string(r[i:i+n])]; ok {
					b.WriteString(c)
					i += n
					done = true
					break
				}
			}
			if done {
				continue
			}
		}
		b.WriteRune(r[i])
		i++
	}
	return b.String()
}
