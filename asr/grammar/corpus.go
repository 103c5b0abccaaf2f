package grammar

import (
	"bufio"
	"embed"
	"strings"
	"sync"

	"github.com/callbee/callbee/asr"
)

// The general caller corpus (corpus/en.txt, corpus/zh.txt): several hundred
// sentences per language of how people phone an online shop — openings,
// products, sizes, stock, washing, discounts, ordering, payment, delivery,
// returns, complaints, asking for a person, closing — in colloquial and
// elderly wording, plus everyday requests no shop handles (so they are
// heard as themselves and the brain can turn them away). Written for
// callbee, shop-independent: no shop, brand or FAQ of any one shop.
//
//go:embed corpus/*.txt
var corpusFS embed.FS

// corpora are read once: the files are immutable.
var corpora = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for _, lang := range []string{asr.LangEN, asr.LangZH} {
		data, err := corpusFS.ReadFile("corpus/" + lang + ".txt")
		if err != nil {
			continue // embedded at build time; cannot happen
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && line[0] != '#' {
				out[lang] = append(out[lang], line)
			}
		}
	}
	return out
})

// generalCorpus is general caller wording (never per shop) that widens the
// LM beyond the shop's phrasings: how callers open, ask, hesitate and close.
func generalCorpus(lang string) []string {
	base := enGeneral
	if lang == asr.LangZH {
		base = zhGeneral
	}
	return append(append([]string(nil), base...), corpora()[lang]...)
}

// yesNoPhrases are the answers to a yes/no question.
func yesNoPhrases(lang string) []string {
	if lang == asr.LangZH {
		return []string{"是", "是的", "是啊", "对", "对的", "对啊", "没错", "好的", "好", "可以", "行", "嗯",
			"不是", "不对", "不用", "不要", "不用了", "没有", "不行", "算了"}
	}
	return []string{"yes", "yeah", "yep", "yes please", "that's right", "correct", "right", "sure", "okay", "ok",
		"no", "nope", "no thanks", "not really", "that's wrong", "no it isn't"}
}

var enGeneral = []string{
	"hello", "hi", "hello is anyone there", "can you hear me", "can you help me", "I have a question",
	"I want to ask about my order", "I would like to know", "could you tell me", "can you tell me",
	"I want to know when my order will arrive", "where is my parcel", "where is my package",
	"how long does it take", "how much is it", "how much does it cost", "what is the price",
	"do you have it in another size", "do you have it in another colour", "do you have it in stock",
	"is it available", "I want to return it", "I want to exchange it", "I want a refund",
	"it does not fit", "it is too small", "it is too big", "the size is wrong", "the colour is wrong",
	"I received the wrong item", "it arrived damaged", "when will you ship it", "when will it be sent",
	"how do I pay", "can I pay later", "is there a discount", "do you have any coupons",
	"I want to talk to a person", "let me speak to someone", "I need a human", "please repeat that",
	"say that again", "please speak slower", "please speak louder", "I did not hear you", "sorry what did you say",
	"thank you", "thanks", "okay", "goodbye", "bye", "yes", "no", "I don't know", "what do you mean",
	"my order number is", "the order number is", "I bought a", "I ordered a", "for my daughter", "for my son",
	"for my mother", "for my husband", "for my wife", "I am", "centimetres tall", "kilograms", "what size should I buy",
	"how do I wash it", "will it shrink", "is it warm", "is it thick", "what is it made of", "is it real",
	"how long is the delivery", "which courier do you use", "can I change my address", "can I cancel my order",
}

var zhGeneral = []string{
	"喂", "你好", "喂你好", "在吗", "有人吗", "听得见吗", "我想问一下", "我想咨询一下", "请问一下", "麻烦问一下",
	"我想问问我的订单", "我的快递到哪了", "我的包裹到哪了", "什么时候能到", "什么时候发货", "多久能到",
	"多少钱", "价格是多少", "有没有别的尺码", "有没有别的颜色", "有货吗", "还有货吗", "我想退货", "我想换货",
	"我想退款", "穿着不合适", "太小了", "太大了", "尺码不对", "颜色不对", "发错货了", "收到的东西坏了",
	"怎么付款", "有没有优惠", "有优惠券吗", "能便宜点吗", "我要找人工", "转人工", "帮我转人工客服",
	"你再说一遍", "说慢一点", "大声一点", "我没听清楚", "你说什么", "谢谢", "好的", "再见", "拜拜",
	"是的", "不是", "对", "不对", "我不知道", "什么意思", "我的订单号是", "订单号是", "我买了一件", "我买的是",
	"给我女儿买的", "给我儿子买的", "给我妈妈买的", "给我老伴买的", "我身高", "公分", "公斤", "斤",
	"我该穿什么码", "怎么洗", "会不会缩水", "暖和吗", "厚不厚", "是什么料子的", "是正品吗", "快递要几天",
	"用的什么快递", "能改地址吗", "能取消订单吗", "我要投诉", "质量有问题",
}
