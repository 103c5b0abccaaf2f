package match

import (
	"strings"
	"unicode/utf8"
)

// conceptsZH groups everyday Chinese shopping and customer-service wording
// into concepts. A text that uses any member gets the concept as a feature
// as well as its own n-grams, so a caller's paraphrase meets the shop's
// wording half-way ("打折" and "满减" both say 优惠). This is general
// language knowledge: it names no shop, product or FAQ, and the weight of
// each concept is learned from the shop file like any other feature.
var conceptsZH = map[string]string{
	"发货":   "发货 发出 寄出 出库 发走 发了 寄过来 打包 发快递 安排发",
	"快递":   "快递 物流 包裹 邮包 快件 运单 单号",
	"到达":   "到货 送到 到达 几天到 多久到 送货 送过来 到手 能到 收到 寄到",
	"签收":   "签收 收货 取件 快递柜 驿站 代收 没收到 找不着 丢了 丢件",
	"退货":   "退货 退回 退掉 退了 寄回 退换 不想要了 不要了 无理由",
	"退款":   "退款 退钱 钱退 返钱 到账 退费 钱回来 把钱",
	"换货":   "换货 调换 更换 换个 换成 换码 换大 换小 换一",
	"尺码":   "尺码 码数 尺寸 大小 几码 几号 号码 多大码 穿多大 哪个码 哪个号 码子",
	"材质":   "材质 面料 料子 布料 成分 纯棉 棉的 化纤 涤纶 羊毛 真丝 含棉 什么做的 鸭绒 鹅绒 扎人",
	"洗涤":   "洗 清洗 机洗 手洗 干洗 洗涤 洗衣机 保养 晾 漂白",
	"缩水":   "缩水 缩 变小 变形 防缩",
	"厚薄":   "厚 薄 保暖 暖和 冷 加绒 抗冻 御寒 冬天 透气 轻薄",
	"色差":   "色差 颜色不一样 实物 图片 照片 实拍 跟图 调过色 图上",
	"正品":   "正品 假货 真的假的 正规 品牌 官方 质检 山寨 仿的 冒牌 假的 上当",
	"优惠":   "优惠 便宜 打折 折扣 活动 满减 减价 少点 少收 划算 特价 促销 让点 抹零 实惠",
	"优惠券":  "优惠券 券 红包 代金券 抵扣 领券",
	"价保":   "价保 保价 差价 降价 便宜了 买贵了 补差",
	"赠品":   "赠品 送 礼物 礼品 赠送 白送 附送 小东西 送点",
	"积分":   "积分 会员 抵钱 等级 兑换",
	"下单":   "下单 购买 怎么买 拍下 订购 结算 买东西 怎么拍",
	"地址":   "地址 收货地址 搬家 收件人 改地址 写错",
	"付款":   "付款 支付 付钱 微信 支付宝 花呗 银行卡 信用卡 货到付款 转账 交钱",
	"发票":   "发票 开票 收据 报销 税号 抬头",
	"取消":   "取消 撤销 拍错 下错 不想买了",
	"合并":   "一起发 一块发 合并 同一个包裹 分开发 一起寄 一块寄 一个箱子",
	"指定快递": "指定 换快递 邮政 中通 圆通 韵达 申通 京东 别的快递",
	"人工":   "人工 真人 人工客服 转人工 找人 活人 工作人员 负责人 经理 客服人员",
	"服务时间": "几点 上班 下班 营业 值班 晚上 周末 时间",
	"电话":   "电话 热线 号码 打给 联系方式 拨打",
	"重复":   "再说一遍 重复 没听清 没听见 再讲一遍 说什么 再说一次 没听懂",
	"语速":   "慢 太快 快了 说快",
	"音量":   "大声 声音 听不见 小声 太小声 大点声 听不清",
	"推荐":   "推荐 介绍 有什么好 适合 买什么 搭配 送人 挑",
	"不会操作": "不会用 不会弄 不会操作 手机 操作 不懂 点哪里 眼睛花 字太小 孩子帮 儿子帮 女儿帮 学不会",
	"质量":   "质量 太差 起球 掉色 线头 做工 劣质 次品 差劲 投诉",
	"破损":   "破 破损 坏 洞 开线 脱线 烂 污渍 脏 裂",
	"错货":   "发错 错了 不对 不是我买的 少发 漏发 发成",
	"问候":   "你好 在吗 有人吗 哈喽 在不在",
	"感谢":   "谢谢 感谢 多谢 辛苦 麻烦你了",
	"再见":   "再见 拜拜 挂了 没事了 不打扰 回头 先这样",
	"机器":   "机器 机器人 人工智能 电脑 自动回复 录音 智能",
	"订单去向": "到哪 到哪里 物流信息 查物流 查订单 查一下订单 在哪里 到什么地方 进度",
	"库存":   "有货 库存 现货 补货 卖完 没货 断码 还有吗 还有没有 卖光",
}

// conceptIndex finds concept members in text.
type conceptIndex struct {
	byFirst map[rune][]conceptMember // first rune -> members starting with it
}

type conceptMember struct {
	text string
	key  uint64
}

// kindConcept marks a concept feature.
const kindConcept = 'k'

// newConceptIndex builds the member lookup. Called once per matcher build;
// it is cheap (a few hundred strings).
func newConceptIndex(concepts map[string]string) *conceptIndex {
	ci := &conceptIndex{byFirst: map[rune][]conceptMember{}}
	for name, members := range concepts {
		key := hashAdd(hashStart(kindConcept), name)
		for _, m := range strings.Fields(members) {
			r, _ := utf8.DecodeRuneInString(m)
			ci.byFirst[r] = append(ci.byFirst[r], conceptMember{m, key})
		}
	}
	return ci
}

// find appends the concept features of text; spans mark product mentions.
func (ci *conceptIndex) find(dst []feature, text string, spans []span) []feature {
	var seen [16]uint64
	n := 0
	for i, r := range text {
		for _, m := range ci.byFirst[r] {
			if !strings.HasPrefix(text[i:], m.text) {
				continue
			}
			if inSpans(spans, i, i+len(m.text)) {
				continue
			}
			dup := false
			for _, k := range seen[:n] {
				if k == m.key {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			if n < len(seen) {
				seen[n] = m.key
				n++
			}
			dst = append(dst, feature{m.key, kindConcept, 1})
		}
	}
	return dst
}

// conceptsEN is the English counterpart of conceptsZH. Members are matched
// on whole words after synonyms and stemming.
var conceptsEN = map[string]string{
	"ship":      "ship|send|sent|go out|leave the warehouse|pack|dispatch|on its way|out the door",
	"parcel":    "parcel|courier|order|tracking number",
	"arrive":    "arrive|how long|how many days|receive|reach|get it|delivery time|take to come|by friday|before the weekend",
	"signed":    "signed|signed for|deliver but|left at|locker|missing|lost|never came|not received|never received|did not get|stolen",
	"return":    "return|no reason|do not want|do not like|change my mind",
	"refund":    "refund|money|back in my account|credited|pay me back",
	"exchange":  "exchange|change it|different size|bigger size|smaller size|larger|too small|too big|too tight|too loose",
	"size":      "size|fit|measurement|small|large|medium|tall|height|weight|kilo|pound|centimeter|foot|inch|xl",
	"material":  "material|cotton|wool|silk|polyester|synthetic|nylon|made|composition|itchy|scratchy|down",
	"wash":      "wash|dry clean|hand wash|iron|care|bleach|tumble|dryer|laundry|machine washable",
	"shrink":    "shrink|lose its shape|stretch out|get smaller|shrinkage",
	"thick":     "thick|warm|cold|winter|freezing|heavy|thin|lightweight|breathable|layer",
	"color":     "color|picture|look the same|look different|real life|in person|edited|filter",
	"genuine":   "genuine|official|brand|quality inspection|certificate|trust|scam|real or",
	"discount":  "discount|cheap|price|cost less|lower|special|knock|pensioner|senior|bulk",
	"coupon":    "coupon|claim|apply|redeem",
	"priceprot": "price protection|price difference|price drop|drop in price|cheaper now|went down|overpaid|paid more",
	"gift":      "gift|free|bonus|complimentary|throw in",
	"points":    "points|member|redeem points|loyalty|earn",
	"order":     "buy|order|place an order|checkout|add to cart|purchase",
	"address":   "address|move|moved house|delivery address|wrong address|send it to|different address",
	"pay":       "pay|card|cash|wechat|alipay|bank|transfer|installment",
	"invoice":   "invoice|company|tax|reimburse|expense",
	"cancel":    "cancel|by mistake|do not want it anymore|changed my mind|accident",
	"combine":   "combine|together|one parcel|same parcel|one box|separate|single shipment",
	"choose":    "choose|prefer|instead|another courier|different courier|china post|post office|ems|other courier",
	"agent":     "agent|human|real person|speak to|talk to|operator|transfer me",
	"hours":     "hours|open|available|what time|when are|start work|weekend|night|close",
	"hotline":   "hotline|phone number|call you|ring|contact|number",
	"repeat":    "repeat|again|did not catch|missed that|one more time|what did you say",
	"slow":      "slow|too fast|fast|rush",
	"loud":      "loud|quiet|can not hear|hard to hear|volume|speak up|mumble",
	"recommend": "recommend|suggest|advice|what should i buy|suit|goes well|idea|bestseller|popular",
	"elderly":   "phone|app|smartphone|tap|screen|button|do not know how|not good with|help me use|too small to read|grandchild|online",
	"quality":   "quality|terrible|poor|bad|pilling|fade|run|disappointed|complaint|cheap material|fall apart",
	"damaged":   "damaged|hole|stain|seam|came apart|broken|dirty|zip|zipper|button fell",
	"wrong":     "wrong|not what i ordered|different item|sent me|missing item|instead of",
	"hello":     "hello|anyone there|are you there|good morning|is this",
	"thanks":    "thanks|thank you|appreciate|grateful|helpful",
	"bye":       "bye|that is all|hang up|let you go|no more|nothing else|talk later",
	"machine":   "machine|robot|real person|human or|automated|ai|recording|computer",
	"where":     "where|status|track|update|whereabouts|location",
	"stock":     "stock|available|sold out|restock|have it in|still got|any left|in a large|in black",
}

// newConceptIndexEN builds the English member lookup over canonical stems.
func newConceptIndexEN(concepts map[string]string) *conceptIndex {
	ci := &conceptIndex{byFirst: map[rune][]conceptMember{}}
	for name, members := range concepts {
		key := hashAdd(hashStart(kindConcept), name)
		for _, m := range strings.Split(members, "|") {
			words := strings.Fields(canonEN(m))
			for i, w := range words {
				words[i] = stemEN(w)
			}
			s := " " + strings.Join(words, " ") + " "
			ci.byFirst[' '] = append(ci.byFirst[' '], conceptMember{s, key})
		}
	}
	return ci
}

// findWords appends the concept features of " "-padded stems.
func (ci *conceptIndex) findWords(dst []feature, text string) []feature {
	var seen [16]uint64
	n := 0
	for _, m := range ci.byFirst[' '] {
		if !strings.Contains(text, m.text) {
			continue
		}
		dup := false
		for _, k := range seen[:n] {
			if k == m.key {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if n < len(seen) {
			seen[n] = m.key
			n++
		}
		dst = append(dst, feature{m.key, kindConcept, 1})
	}
	return dst
}
