package match

// oosSample is a general sample of everyday utterances that no shop's FAQ
// answers: weather, traffic, cooking, health, news, sport, music, jokes,
// banking, travel, phone bills, government services. It names no shop and no
// product; it teaches the confidence model what "not a shop question" scores
// look like. Tests use different sentences.
var oosSample = map[string][]string{
	"zh": {
		"今天天气怎么样", "明天会下雨吗", "外面冷不冷要不要带伞", "这周末气温多少度",
		"去火车站怎么走", "现在路上堵不堵车", "附近有没有加油站", "地铁末班车几点",
		"红烧肉怎么做好吃", "饺子要煮几分钟", "晚饭吃什么好呢", "西红柿炒鸡蛋先放什么",
		"我血压有点高该吃什么药", "感冒了发烧怎么办", "医院挂号怎么挂", "膝盖疼是怎么回事",
		"今天有什么新闻", "股票今天涨了还是跌了", "美元汇率是多少", "油价又涨了吗",
		"昨晚足球比赛谁赢了", "广场舞的音乐放一首", "给我唱首歌吧", "讲个笑话听听",
		"我的银行卡密码忘了", "信用卡账单怎么还", "帮我订一张去北京的机票", "火车票还有没有卧铺",
		"话费还剩多少", "帮我交一下电费", "宽带坏了找谁修", "燃气费怎么交",
		"社保卡怎么办理", "养老金什么时候发", "孙子作业不会做", "帮我算一下三十七乘以八",
		"你喜欢吃苹果吗", "你今年几岁了", "现在几点了", "今天星期几",
		"帮我叫一辆出租车", "附近哪家饭店好吃", "小区物业电话是多少", "楼上漏水怎么办",
		"狗狗不吃东西怎么办", "花盆里的花叶子黄了", "帮我查一下彩票号码", "电视机没有信号了",
		"手机屏幕摔碎了能修吗", "酒店还有空房间吗", "帮我预约一个理发", "这首诗是谁写的",
		"长城有多长", "月亮为什么会圆", "怎么减肥比较快", "晚上睡不着觉怎么办",
		"帮我打电话给我儿子", "医保报销比例是多少", "公交车几分钟一班", "天气预报说有台风吗",
	},
	"en": {
		"what's the weather like today", "is it going to rain tomorrow", "how cold is it outside",
		"what's the temperature this weekend", "how do I get to the train station",
		"is the traffic bad right now", "where is the nearest petrol station", "when is the last bus",
		"how do I make a roast chicken", "how long do I boil an egg", "what should I cook for dinner",
		"my blood pressure is high what should I take", "I have a fever what should I do",
		"how do I book a doctor's appointment", "why does my knee hurt",
		"what's in the news today", "did the stock market go up", "what's the exchange rate for the dollar",
		"who won the football match last night", "play me some music", "sing me a song",
		"tell me a joke", "I forgot my bank card pin", "how do I pay my credit card bill",
		"book me a flight to London", "are there any train tickets left", "how much credit is left on my phone",
		"pay my electricity bill", "my internet is down who do I call", "how do I renew my passport",
		"when is my pension paid", "help my grandson with his homework", "what is thirty seven times eight",
		"do you like apples", "how old are you", "what time is it", "what day is it today",
		"call me a taxi", "which restaurant nearby is good", "the flat upstairs is leaking",
		"my dog won't eat", "the leaves on my plant are turning yellow", "check my lottery numbers",
		"my television has no signal", "can you fix a cracked phone screen", "does the hotel have a room tonight",
		"book me a haircut", "who wrote this poem", "how long is the great wall",
		"how can I lose weight fast", "I can't sleep at night", "call my son for me",
		"how much does the health insurance cover", "how often does the bus come", "is there a storm warning",
		"what's the capital of France", "how do I plant tomatoes", "my washing machine at home is broken",
		"can you recommend a good dentist", "what films are on at the cinema",
	},
}
