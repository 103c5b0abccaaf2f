package normalize

import "strings"

// colloquial maps dialect, elderly and spoken wording to standard Mandarin.
// Longest key wins at each position.
var colloquial = map[string]string{
	"咋样": "怎么样", "咋个": "怎么", "咋整": "怎么办", "咋办": "怎么办", "咋弄": "怎么弄", "咋": "怎么",
	"啥时候": "什么时候", "啥时": "什么时候", "多会儿": "什么时候", "多咱": "什么时候", "啥子": "什么", "啥": "什么",
	"干嘛": "干什么", "干吗": "干什么",
	"俺们": "我们", "俺": "我", "咱们": "我们", "咱": "我",
	"中不中": "可以吗", "行不行": "可以吗", "成不成": "可以吗", "可不可以": "可以吗",
	"木有": "没有", "莫得": "没有", "没得": "没有", "么得": "没有", "莫有": "没有", "冇": "没有",
	"晓得": "知道", "瞅瞅": "看看", "瞧瞧": "看看", "瞅": "看", "瞧": "看",
	"哪儿": "哪里", "哪旮旯": "哪里", "哪嘎达": "哪里", "这儿": "这里", "那儿": "那里",
	"甭": "不用", "忒": "太", "一块儿": "一起", "一会儿": "一会", "今儿": "今天", "明儿": "明天",
	"昨儿": "昨天", "多少钱儿": "多少钱", "咋回事": "怎么回事", "怎么说呢": "", "我跟你说": "",
	"是这样的": "", "这个嘛": "", "就是说": "",
	"撂了": "挂了", "撂电话": "挂电话", "咋还": "怎么还", "咋没": "怎么没", "不中": "不行",
	"礼拜天": "星期天", "礼拜": "星期", "晌午": "中午", "头一回": "第一次", "头回": "第一次",
	"声儿": "声音", "个儿": "个子", "这会儿": "现在", "那会儿": "那时候", "搁": "放",
	"拾掇": "收拾", "寻思": "想", "整明白": "弄明白", "没整明白": "没弄明白", "老些": "很多",
	"贼": "很", "倍儿": "很", "嘎哈": "干什么", "干啥": "干什么", "啥样": "什么样",
	"为啥": "为什么", "咋地": "怎么样", "咋的": "怎么", "中嘞": "可以", "得嘞": "好的", "好嘞": "好的",
	"劳驾": "麻烦", "俺家": "我家", "家里头": "家里", "里头": "里面", "外头": "外面",
	"多少天": "几天", "多长时间": "多久", "多少时间": "多久", "几时": "什么时候",
	// Southwestern and Cantonese-influenced speech.
	"晓不晓得": "知不知道", "不晓得": "不知道", "要得": "好的", "啥子时候": "什么时候", "咋个办": "怎么办",
	"哪个时候": "什么时候", "好久到": "多久到", "好久能": "多久能", "莫来": "没来", "莫到": "没到",
	"点解": "为什么", "边度": "哪里", "乜嘢": "什么", "唔该": "谢谢", "多谢晒": "多谢", "唔系": "不是",
	"冇收到": "没收到", "系咪": "是不是",
	// Northern and elderly speech.
	"咋整的": "怎么弄的", "老鼻子": "很多", "这旮旯": "这里", "那旮旯": "那里", "嘎达": "地方",
	"啥玩意": "什么东西", "闹不明白": "弄不明白", "整不明白": "弄不明白", "鼓捣": "弄", "捣鼓": "弄",
	"多前儿": "什么时候", "赶明儿": "以后", "上礼拜": "上星期", "这礼拜": "这星期", "下礼拜": "下星期",
}

// colloquialMax is the longest key in colloquial, in runes.
const colloquialMax = 4

// fillerChars are interjections and sentence-final particles that carry no
// meaning for matching.
var fillerChars = map[rune]bool{
	'嗯': true, '啊': true, '呃': true, '哦': true, '哎': true, '呀': true, '吧': true, '呢': true,
	'嘛': true, '啦': true, '哈': true, '喂': true, '嘞': true, '哇': true, '噢': true, '喔': true,
	'诶': true, '欸': true, '唉': true, '哟': true, '呦': true, '咯': true, '吖': true, '呐': true,
}

// fillerKeep lists two-rune words where a filler character is part of a word.
var fillerKeep = map[string]bool{
	"哈喽": true, "哈罗": true, "呢子": true, "呢绒": true, "酒吧": true, "网吧": true, "哎哟": false,
	"嘛呢": false, "哇塞": false,
}

// addressZH are ways callers address the agent ("闺女", "姑娘").
var addressZH = []string{"小姑娘", "小伙子", "闺女", "姑娘", "美女", "帅哥", "同志"}

// pronounStart are words after a sentence-initial "那个"/"就是" that show
// the "那个" was a hesitation, not a demonstrative ("那个我想问一下").
var pronounStart = []string{"我", "你", "您", "请", "问", "想", "就是", "那个", "这个", "然后", "麻烦", "帮", "他", "她"}

// addressOwner are characters before an address word that make it a noun
// ("我闺女", "给姑娘买").
const addressOwner = "我你他她的给帮和跟替为家个俺咱们小大二"

// addressAfter are characters after which an address word is vocative.
const addressAfter = "你您请在啊呀谢问我麻帮好"

// rewriteZH applies colloquial mapping and filler removal to one
// space-free token containing Han characters.
func rewriteZH(s string) string {
	r := []rune(s)
	// Colloquial mapping, longest match first.
	mapped := make([]rune, 0, len(r)+4)
	for i := 0; i < len(r); {
		matched := false
		for n := min(colloquialMax, len(r)-i); n >= 1; n-- {
			if x, ok := colloquial[string(r[i:i+n])]; ok {
				mapped = append(mapped, []rune(x)...)
				i += n
				matched = true
				break
			}
		}
		if !matched {
			mapped = append(mapped, r[i])
			i++
		}
	}
	r = mapped

	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); {
		rest := r[i:]
		switch {
		case fillerChars[r[i]] && !keepFiller(r, i):
			i++
			continue
		case hasPrefix(rest, "那个") && len(out) == 0 && hesitationAfter(r[i+2:]):
			i += 2
			continue
		case hasPrefix(rest, "那个") && hasPrefix(r[i+2:], "那个"):
			i += 2 // "那个那个": stammer
			continue
		case hasPrefix(rest, "就是") && len(out) == 0 && hesitationAfter(r[i+2:]) && !hasPrefix(r[i+2:], "这个"):
			i += 2
			continue
		case hasPrefix(rest, "然后") && len(out) == 0 && len(rest) > 2:
			i += 2
			continue
		}
		if n := addressAt(r, i, len(out)); n > 0 {
			i += n
			continue
		}
		out = append(out, r[i])
		i++
	}
	// A sentence-final "不"/"没" after a verb phrase asks a yes/no question
	// ("靠谱不", "到了没"): make it "吗".
	if n := len(out); n >= 3 && (out[n-1] == '不' || out[n-1] == '没') && out[n-2] != '不' && out[n-2] != '没' &&
		!strings.ContainsRune("要也都还就可并决从绝毫", out[n-2]) {
		out[n-1] = '吗'
	}
	return string(out)
}

func keepFiller(r []rune, i int) bool {
	if i+1 < len(r) && fillerKeep[string(r[i:i+2])] {
		return true
	}
	if i > 0 && fillerKeep[string(r[i-1:i+1])] {
		return true
	}
	return false
}

// hesitationAfter reports whether what follows a leading "那个"/"就是"
// marks it as a hesitation: nothing, another filler, or a pronoun/verb that
// starts a clause.
func hesitationAfter(r []rune) bool {
	if len(r) == 0 {
		return true
	}
	if fillerChars[r[0]] && !keepFiller(r, 0) {
		return true
	}
	for _, p := range pronounStart {
		if hasPrefix(r, p) {
			return true
		}
	}
	return false
}

// addressAt returns the length of a vocative address word at r[i], or 0.
func addressAt(r []rune, i, written int) int {
	for _, a := range addressZH {
		if !hasPrefix(r[i:], a) {
			continue
		}
		n := len([]rune(a))
		if i > 0 && strings.ContainsRune(addressOwner, r[i-1]) &&
			!(i > 1 && (r[i-1] == '你' || r[i-1] == '您') && strings.ContainsRune("谢好苦了", r[i-2])) {
			return 0
		}
		end := i+n == len(r)
		if written == 0 || end || strings.ContainsRune(addressAfter, r[i+n]) ||
			fillerChars[r[i+n]] {
			return n
		}
		return 0
	}
	return 0
}

func hasPrefix(r []rune, p string) bool {
	i := 0
	for _, c := range p {
		if i >= len(r) || r[i] != c {
			return false
		}
		i++
	}
	return true
}
