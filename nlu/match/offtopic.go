package match

import "strings"

// Off-topic vocabulary: everyday words from domains an online clothes,
// shoes or goods shop never handles (weather, transport, health, money and
// bills, government services, food, entertainment, school, pets, repairs).
// A query that uses them is more likely out of scope; the confidence model
// learns how much that counts. General knowledge, no shop or FAQ named.
var offTopicZH = strings.Fields(`
天气 下雨 下雪 刮风 台风 气温 温度多少 降温 升温 雾霾 天晴 阴天 天气预报
出租车 打车 滴滴 火车 高铁 动车 火车站 飞机 机票 航班 机场 地铁 公交 公交车 长途车 车票 驾照 加油站 停车 堵车 路况 导航
医院 挂号 看病 看牙 大夫 医生 吃药 药店 血压 血糖 糖尿病 感冒 发烧 咳嗽 疫苗 体检 住院 手术 中医 针灸 头疼 牙疼
存款 取款 利息 贷款 股票 基金 理财 汇率 彩票 社保 医保 低保 公积金 税务 交税 银行开门 去银行
电费 水费 燃气费 燃气 煤气 话费 宽带 物业 水管 漏水 停电 停水 电视 遥控器 冰箱 空调 修电脑 修手机 手机壳
做饭 菜谱 红烧 炒菜 包饺子 米饭 面条 大米 猪肉 鸡蛋 蔬菜 水果 菜市场 超市 外卖 饭店 餐厅 订餐 订桌
笑话 唱歌 一首歌 听歌 放首歌 电视剧 电影 新闻 小说 讲故事 谜语 象棋 麻将 广场舞 太极 戏曲 相声 足球 篮球 比赛
作业 数学 考试 学校 上学 幼儿园 图书馆 借书 还书
宠物 鱼缸 浇花 种菜 猫粮 狗粮
酒店 宾馆 旅游 景点 门票 护照 签证 公园 遛弯 养老院 敬老院
总统 主席 首都 地理 几点了 星期几 几号了 算术 乘以 除以
招聘 招人 开网店 取钱
`)

var offTopicEN = strings.Fields(`
weather rain raining storm sunny forecast fog
taxi cab uber train trains flight flights airport plane bus buses subway tube metro petrol parking
hospital doctor doctors dentist gp appointment medicine pills pharmacy chemist diabetes diabetic fever cough flu vaccine jab surgery headache
loan mortgage lottery electricity broadband wifi television tv fridge netflix council
recipe boil roast bake pasta pork restaurant takeaway groceries supermarket
joke jokes song songs music sing film films movie movies cinema novel riddle chess football soccer basketball
homework maths math school teacher exam library
cat cats dog dogs pet pets vet tomatoes
hotel museum passport
president geography multiply hiring vacancy salary
`)

// offTopicHits counts off-topic words in normalized text.
func offTopicHits(text, lang string) int {
	n := 0
	if lang == "en" {
		for _, w := range strings.Fields(text) {
			if offTopicENSet[w] {
				n++
			}
		}
		return n
	}
	for i, r := range text {
		for _, w := range offTopicZHByFirst[r] {
			if strings.HasPrefix(text[i:], w) {
				n++
				break
			}
		}
	}
	return n
}

// offTopicZHByFirst indexes offTopicZH by first rune.
var offTopicZHByFirst = func() map[rune][]string {
	m := map[rune][]string{}
	for _, w := range offTopicZH {
		for _, r := range w {
			m[r] = append(m[r], w)
			break
		}
	}
	return m
}()

// offTopicENSet is offTopicEN as a set.
var offTopicENSet = func() map[string]bool {
	m := make(map[string]bool, len(offTopicEN))
	for _, w := range offTopicEN {
		m[w] = true
	}
	return m
}()
