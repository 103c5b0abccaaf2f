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
	"发货":   "发货 发出 寄出 出库 发走 发了 寄过来 打包 发快递 安排发 往外寄 寄出去 发获 发了没 发出去 出货 隔多久",
	"快递":   "快递 物流 包裹 邮包 快件 运单 单号 哪个快递 哪家快递 什么快递 谁送",
	"到达":   "到货 送到 到达 几天到 多久到 送货 送过来 到手 能到 收到 寄到 走几天 多少天 多久能到 到手 得几天 几天能",
	"签收":   "签收 收货 取件 快递柜 驿站 代收 没收到 找不着 丢了 丢件 放门口 没看见 翻遍 没有啊 被人拿 显示到了 说到了 签了",
	"退货":   "退货 退回 退掉 退了 寄回 退换 不想要了 不要了 无理由",
	"退款":   "退款 退钱 钱退 返钱 到账 退费 钱回来 把钱 钱回来 回到卡 钱到 钱没回来 退的钱",
	"换货":   "换货 调换 更换 换个 换成 换码 换大 换小 换一 肥了 瘦了 小点的 大点的 换件 换码 不合身",
	"尺码":   "尺码 码数 尺寸 大小 几码 几号 号码 多大码 穿多大 哪个码 哪个号 码子",
	"材质":   "材质 面料 料子 布料 成分 纯棉 棉的 化纤 涤纶 羊毛 真丝 含棉 什么做的 鸭绒 鹅绒 扎人 絮的 里头是 什么料 啥料 真羽绒 含量 棉花 羽绒",
	"洗涤":   "洗 清洗 机洗 手洗 干洗 洗涤 洗衣机 保养 晾 漂白",
	"缩水":   "缩水 缩 变小 变形 防缩 变短 变小 缩了 抽 回缩",
	"厚薄":   "厚 薄 保暖 暖和 冷 加绒 抗冻 御寒 冬天 透气 轻薄 扛得住 扛冻 冻着 冻 冷不冷 暖不暖 零下 东北 哈尔滨 北方 单穿 够厚 捂",
	"色差":   "色差 颜色不一样 实物 图片 照片 实拍 跟图 调过色 图上 变浅 变深 对得上 对不上 鲜亮 网上看 图上看 跟网上 跟图 看着是 颜色",
	"正品":   "正品 假货 真的假的 正规 品牌 官方 质检 山寨 仿的 冒牌 假的 上当 靠谱 证明 保真 真东西 货真价实 信得过 牌子",
	"优惠":   "优惠 便宜 打折 折扣 活动 满减 减价 少点 少收 划算 特价 促销 让点 抹零 实惠 让让 让一点 减点 少算 少点 便宜些 满多少 买够 折 减",
	"优惠券":  "优惠券 券 红包 代金券 抵扣 领券",
	"价保":   "价保 保价 差价 降价 便宜了 买贵了 补差",
	"赠品":   "赠品 送 礼物 礼品 赠送 白送 附送 小东西 送点 白给 搭点 捎 附带 送啥 小玩意 小礼物 送点",
	"积分":   "积分 会员 抵钱 等级 兑换 攒的 分 积攒 顶钱 抵",
	"下单":   "下单 购买 怎么买 拍下 订购 结算 买东西 怎么拍 怎么买 该干嘛 下一步 付钱拿货 怎么订 想买 要买 买两",
	"地址":   "地址 收货地址 搬家 收件人 改地址 写错 门牌号 写岔 填错 写错 小区 搬了 换了房子 地方 送到哪",
	"付款":   "付款 支付 付钱 微信 支付宝 花呗 银行卡 信用卡 货到付款 转账 交钱 付钱 出钱 交钱 付 掏钱 扫码 手机上出",
	"发票":   "发票 开票 收据 报销 税号 抬头 报账 报销 票据 单位",
	"取消":   "取消 撤销 拍错 下错 不想买了 撤单 撤了 撤 多拍 拍了两 不买了 作废 退单",
	"合并":   "一起发 一块发 合并 同一个包裹 分开发 一起寄 一块寄 一个箱子 装一个 一个箱子 一块儿 放一起 一起寄",
	"指定快递": "指定 换快递 邮政 中通 圆通 韵达 申通 京东 别的快递 走EMS ems 走邮政 走顺丰 发别的 换一家",
	"人工":   "人工 真人 人工客服 转人工 找人 活人 工作人员 负责人 经理 客服人员 叫个人 客服小姑娘 人来 接人工 找个人 真人 活人",
	"服务时间": "几点 上班 下班 营业 值班 晚上 周末 时间 几点开始 几点下班 有人接 星期天 周日 节假日 晚上",
	"电话":   "电话 热线 号码 打给 联系方式 拨打 电话多少 打哪个 怎么联系 号码",
	"重复":   "再说一遍 重复 没听清 没听见 再讲一遍 说什么 再说一次 没听懂 再讲 重新讲 再念 没听着 漏了 没听清 刚说的",
	"语速":   "慢 太快 快了 说快 一个字一个字 别那么急 慢点 太快 利索 转不过来 跟不上",
	"音量":   "大声 声音 听不见 小声 太小声 大点声 听不清 大点声 声儿 蚊子 太轻 使点劲 听不着 听不见 大声点",
	"推荐":   "推荐 介绍 有什么好 适合 买什么 搭配 送人 挑 买的人最多 卖得最好 卖得好 热卖 送他 送她 过生日 搭个 搭配 配什么",
	"不会操作": "不会用 不会弄 不会操作 手机 操作 不懂 点哪里 眼睛花 字太小 孩子帮 儿子帮 女儿帮 学不会 替我 替俺 帮我拍 帮我下单 不会弄 不会用 眼神不好 看不清字",
	"质量":   "质量 太差 起球 掉色 线头 做工 劣质 次品 差劲 投诉 毛球 起毛 染 掉色 褪色 染色 线头 开线 质量",
	"破损":   "破 破损 坏 洞 开线 脱线 烂 污渍 脏 裂 绷开 撕了 线开了 开胶 掉扣子 缺扣子 划破",
	"错货":   "发错 错了 不对 不是我买的 少发 漏发 发成 来的却是 来的是 不是我订的 颜色不对 号不对 发成了 少了一件",
	"问候":   "你好 在吗 有人吗 哈喽 在不在 早上好 下午好 晚上好 有人接 接电话 在不在 是不是",
	"感谢":   "谢谢 感谢 多谢 辛苦 麻烦你了",
	"再见":   "再见 拜拜 挂了 没事了 不打扰 回头 先这样 挂了 挂电话 撂 没别的了 没事了 就这些 不说了 回见",
	"机器":   "机器 机器人 人工智能 电脑 自动回复 录音 智能 程序 自动的 不是人 是人吗 真人吗 机器人吧 语音助手",
	"订单去向": "到哪 到哪里 物流信息 查物流 查订单 查一下订单 在哪里 到什么地方 进度 没见影 见影 给查查 查查 到哪儿 到哪 快递呢 东西呢 货呢",
	"库存":   "有货 库存 现货 补货 卖完 没货 断码 还有吗 还有没有 卖光 能买着 能买到 买得到 还卖吗 有没有了 断货 缺货",
	"退货运费": "邮费 运费 来回折腾 谁掏 谁出 运费险",
}

// conceptIndex finds concept members in text.
type conceptIndex struct {
	byFirst map[rune][]conceptMember   // zh: first rune -> members starting with it
	byWord  map[string][]conceptMember // en: first stem -> members (stems joined by " ")
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
	"ship":      "ship|send|sent|go out|leave the warehouse|pack|dispatch|on its way|out the door|leave your place|on its way|packed|off|send it off|go out|out of the warehouse|dispatch",
	"parcel":    "parcel|courier|order|tracking number",
	"arrive":    "arrive|how long|how many days|receive|reach|get it|delivery time|take to come|by friday|before the weekend|how quick|how soon|get to me|reach me|take to get|days to|arrive by",
	"signed":    "signed|signed for|deliver but|left at|locker|missing|lost|never came|not received|never received|did not get|stolen|marked it done|had nothing|no knock|never turned up|arrived yesterday but|says delivered|said delivered|not here|nowhere",
	"return":    "return|no reason|do not want|do not like|change my mind|go back to you|not keen|do not suit|re turns|returns|send back|take it back|change my mind",
	"refund":    "refund|money|back in my account|credited|pay me back",
	"exchange":  "exchange|change it|different size|bigger size|smaller size|larger|too small|too big|too tight|too loose|next size|size up|size down|will not do up|too big|too tight|rub|pinch|smaller one|bigger one|swap",
	"size":      "size|fit|measurement|small|large|medium|tall|height|weight|kilo|pound|centimeter|foot|inch|xl|what size|which size|suit me|short|petite|plus size|big build|waist|chest|hips|stone",
	"material":  "material|cotton|wool|silk|polyester|synthetic|nylon|made|composition|itchy|scratchy|down",
	"wash":      "wash|dry clean|hand wash|iron|care|bleach|tumble|dryer|laundry|machine washable|spin|dry cleaner|washing|tumble dry|hand wash|wool wash|detergent|soak",
	"shrink":    "shrink|lose its shape|stretch out|get smaller|shrinkage|shrank|end up tiny|get shorter|shrunk|go small|come out smaller|hot wash",
	"thick":     "thick|warm|cold|winter|freezing|heavy|thin|lightweight|breathable|layer|cosy|cozy|minus|below zero|snow|keep me warm|chilly|draughty|thin enough|insulated",
	"color":     "color|picture|look the same|look different|real life|in person|edited|filter|shade|navy really|look black|in person|on my screen|on the screen|tablet|monitor|true to|same shade|lighter|darker",
	"genuine":   "genuine|official|brand|quality inspection|certificate|trust|scam|real or|fakes|knock off|copy|the real deal|proper brand|trustworthy|certificate of",
	"discount":  "discount|cheap|price|cost less|lower|special|knock|pensioner|senior|bulk|knock off|money off|cheaper|bargain|reduce|reduction|good price|special price|pension|oap",
	"coupon":    "coupon|claim|apply|redeem|coo pon|vouchers|money off voucher|promo|code|ticket",
	"priceprot": "price protection|price difference|price drop|drop in price|cheaper now|went down|overpaid|paid more|cheaper now|difference|match it|price goes down|price went down|price dropped|lose out|knocked the price|day after i paid|got cheaper|gets cheaper",
	"gift":      "gift|free|bonus|complimentary|throw in|give away|giveaway|socks|something extra|anything thrown in|little extra",
	"points":    "points|member|redeem points|loyalty|earn",
	"order":     "buy|order|place an order|checkout|add to cart|purchase|go about buying|how does it work|how do i get|want to buy|would like to buy|add it|basket|cart",
	"address":   "address|move|moved house|delivery address|wrong address|send it to|different address|house number|street|postcode|zip code|my son|my daughter|new place|moved|flat number|apartment",
	"pay":       "pay|card|cash|wechat|alipay|bank|transfer|installment",
	"invoice":   "invoice|company|tax|reimburse|expense|official bill|tax|receipt|company expense|fapiao|vat",
	"cancel":    "cancel|by mistake|do not want it anymore|changed my mind|accident|scrap|get rid of|do not want the order|undo|twice|two orders|by accident|take it off",
	"combine":   "combine|together|one parcel|same parcel|one box|separate|single shipment",
	"choose":    "choose|prefer|instead|another courier|different courier|china post|post office|ems|other courier|some other way|other way|say which|which delivery|another company|different company|go another",
	"agent":     "agent|human|real person|speak to|talk to|operator|transfer me|speak to someone|talk to someone|proper person|real one|transfer|put me through|supervisor|manager",
	"hours":     "hours|open|available|what time|when are|start work|weekend|night|close|close|closing|sunday|saturday|weekend|open till|till what time|lunchtime|late|early|bank holiday",
	"hotline":   "hotline|phone number|call you|ring|contact|number|phone line|dial|ring you|call back|number for|contact number|telephone",
	"repeat":    "repeat|again|did not catch|missed that|one more time|what did you say|lost me|go back over|say it again|one more time|missed it|did not hear|run that by",
	"slow":      "slow|too fast|fast|rush|keep up|nice and easy|half the speed|speed|pace|too quick|slowly|gabble|rushing",
	"loud":      "loud|quiet|can not hear|hard to hear|volume|speak up|mumble|shout|faint|raise your voice|make you out|louder|turn it up|bad line|quiet|whisper",
	"recommend": "recommend|suggest|advice|what should i buy|suit|goes well|idea|bestseller|popular|best seller|bestseller|most popular|what is good|would you get|for my wife|for my husband|birthday|present for",
	"elderly":   "phone|app|smartphone|tap|screen|button|do not know how|not good with|help me use|too small to read|grandchild|online|internet shopping|online shopping|computer|buttons|do it for me|not good at|confused|technology",
	"quality":   "quality|terrible|poor|bad|pilling|fade|run|disappointed|complaint|cheap material|fall apart|bobbles|bobbling|pilling|dye|colour ran|color ran|fell apart|came apart|seams|threads|hardly worn|washed once|rubbish",
	"damaged":   "damaged|hole|stain|seam|came apart|broken|dirty|zip|zipper|button fell",
	"wrong":     "wrong|not what i ordered|different item|sent me|missing item|instead of|sent grey|somebody else|someone else|label says|only one item|ordered two|different color|not mine|wrong colour|wrong color",
	"hello":     "hello|anyone there|are you there|good morning|is this",
	"thanks":    "thanks|thank you|appreciate|grateful|helpful",
	"bye":       "bye|that is all|hang up|let you go|no more|nothing else|talk later|cheerio|ta ta|see you|so long|take care|that will do|that is it|all done|i will go|i am off|speak soon|bye bye",
	"machine":   "machine|robot|real person|human or|automated|ai|recording|computer|automatic|program|not a person|not human|real human|a person or|someone real|talking to a|voice assistant|answering machine",
	"where":     "where|status|track|update|whereabouts|location|any news|my stuff|not come yet|hasnt come|has not come|update on|progress|status of",
	"stock":     "stock|available|sold out|restock|have it in|still got|any left|in a large|in black|back in|in size|have you got|do you have|run out|left in|any more",
	"courier":   "which courier|what courier|come with|delivery firm|delivery service|who brings|van",
	"shipfrom":  "post things out from|comes from|kept in|warehouse|where from|what city|which city|send from|ship from",
	"returnfee": "on your account|who pays|pay for sending|postage|free return|return delivery|shipping cost|insurance|cost me",
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
			if len(words) == 0 {
				continue
			}
			if ci.byWord == nil {
				ci.byWord = map[string][]conceptMember{}
			}
			ci.byWord[words[0]] = append(ci.byWord[words[0]], conceptMember{strings.Join(words, " "), key})
		}
	}
	return ci
}

// findWords appends the concept features of a stem sequence.
// Stems inside a product mention (inProduct[i]) start no concept.
func (ci *conceptIndex) findWords(dst []feature, stems []string, inProduct []bool) []feature {
	var seen [16]uint64
	n := 0
	for i, w := range stems {
		if inProduct[i] {
			continue
		}
		for _, m := range ci.byWord[w] {
			if !hasWords(stems[i:], m.text) {
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

// hasWords reports whether stems starts with the space-separated words of p.
func hasWords(stems []string, p string) bool {
	for i := 0; ; i++ {
		w, rest, more := strings.Cut(p, " ")
		if i >= len(stems) || stems[i] != w {
			return false
		}
		if !more {
			return true
		}
		p = rest
	}
}
