package match

import (
	"errors"
	"testing"
	"time"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// paraphrases are written the way callers talk, independently of the demo
// shop's own phrasings.
var paraphrases = []struct{ lang, text, want string }{
	{"zh", "喂你好", "chat.greeting"},
	{"zh", "好的好的太感谢了", "chat.thanks"},
	{"zh", "那我不打扰了再见啊", "chat.goodbye"},
	{"zh", "你是不是机器人啊", "chat.are_you_robot"},
	{"zh", "那条牛仔裤是什么料子的", "product.material"},
	{"zh", "我一米六二一百斤穿什么码", "product.size_advice"},
	{"zh", "羽绒服黑色的还有货没有", "product.stock"},
	{"zh", "收到的跟图片上颜色一样不一样", "product.color_difference"},
	{"zh", "这个毛衣咋洗啊", "product.care"},
	{"zh", "你们卖的是不是真货", "product.authentic"},
	{"zh", "洗完会不会缩啊", "product.shrink"},
	{"zh", "这件穿着暖和不", "product.thickness"},
	{"zh", "现在买有啥优惠没有", "promotion.discount"},
	{"zh", "优惠券在哪用啊", "promotion.coupon"},
	{"zh", "我买了之后就降价了能不能把差价退给我", "promotion.price_protect"},
	{"zh", "买东西送不送点啥", "promotion.gift"},
	{"zh", "我的积分能干什么用", "promotion.member_points"},
	{"zh", "俺想买件衣服不知道咋下单", "purchase.how_to_order"},
	{"zh", "地址填错了能改一下吗", "purchase.change_address"},
	{"zh", "能用微信付钱吗", "purchase.payment_methods"},
	{"zh", "我要开个发票", "purchase.invoice"},
	{"zh", "刚才那个单我不要了帮我取消了吧", "purchase.cancel_order"},
	{"zh", "两件衣服能放一个包裹里发吗", "purchase.combine_shipping"},
	{"zh", "嗯那个啥时候能给我发货啊", "logistics.when_ship"},
	{"zh", "你们用的哪家快递", "logistics.courier"},
	{"zh", "货是从哪个地方发出来的", "logistics.ship_from"},
	{"zh", "我买的东西到哪儿了", "logistics.where_is_order"},
	{"zh", "发货以后多久能收到", "logistics.delivery_time"},
	{"zh", "能不能给我发邮政啊", "logistics.specify_courier"},
	{"zh", "上面写着已经签收了可我没拿到", "logistics.not_received"},
	{"zh", "不喜欢能退吗", "aftersales.return_policy"},
	{"zh", "裤子小了能换个大一号的吗", "aftersales.exchange_size"},
	{"zh", "退的钱什么时候能到我卡上", "aftersales.refund_time"},
	{"zh", "衣服寄来就有个洞", "aftersales.damaged"},
	{"zh", "退货的邮费要我自己出吗", "aftersales.return_shipping_fee"},
	{"zh", "我要的是黑色的给我寄了个白色的", "aftersales.wrong_item"},
	{"zh", "这衣服质量也太差了吧", "aftersales.complaint_quality"},
	{"zh", "我要找人工", "more.human"},
	{"zh", "人工", "more.human"},
	{"zh", "你们客服几点下班", "more.service_hours"},
	{"zh", "你们的电话号码是多少", "more.hotline"},
	{"zh", "你刚才说啥我没听清楚", "more.repeat"},
	{"zh", "你说得太快了慢点说", "more.slower"},
	{"zh", "声音太小了听不见", "more.louder"},
	{"zh", "给老人买什么好", "more.recommend"},
	{"zh", "我岁数大了手机上的东西我不会弄", "more.elderly_help"},
	{"zh", "啥时候发获", "logistics.when_ship"},     // ASR homophone
	{"zh", "退宽多久到账", "aftersales.refund_time"}, // ASR homophone
	{"en", "hello there", "chat.greeting"},
	{"en", "thanks so much love", "chat.thanks"},
	{"en", "ok that's everything goodbye", "chat.goodbye"},
	{"en", "am I speaking to a robot", "chat.are_you_robot"},
	{"en", "what material are the jeans", "product.material"},
	{"en", "I'm about five foot two and a hundred and ten pounds what size", "product.size_advice"},
	{"en", "do you still have the down jacket in black", "product.stock"},
	{"en", "does the colour look like the photo", "product.color_difference"},
	{"en", "how do I clean the cardigan", "product.care"},
	{"en", "are your clothes genuine", "product.authentic"},
	{"en", "will the t-shirt shrink in the wash", "product.shrink"},
	{"en", "is the jacket warm enough", "product.thickness"},
	{"en", "um any discounts at the moment", "promotion.discount"},
	{"en", "how does the voucher work", "promotion.coupon"},
	{"en", "the price went down after I bought it", "promotion.price_protect"},
	{"en", "do I get a free gift", "promotion.gift"},
	{"en", "what can I do with my points", "promotion.member_points"},
	{"en", "how do I buy something", "purchase.how_to_order"},
	{"en", "I need to change the address on my order", "purchase.change_address"},
	{"en", "can I pay by card", "purchase.payment_methods"},
	{"en", "invoice", "purchase.invoice"},
	{"en", "please cancel my order", "purchase.cancel_order"},
	{"en", "can you send both items in one parcel", "purchase.combine_shipping"},
	{"en", "when are you going to post it", "logistics.when_ship"},
	{"en", "what delivery company do you use", "logistics.courier"},
	{"en", "where are you sending it from", "logistics.ship_from"},
	{"en", "where's my parcel", "logistics.where_is_order"},
	{"en", "how many days will it take to get here", "logistics.delivery_time"},
	{"en", "can you use a different courier", "logistics.specify_courier"},
	{"en", "it says it was delivered but I never got it", "logistics.not_received"},
	{"en", "can I send it back if I don't like it", "aftersales.return_policy"},
	{"en", "it's too small can I swap it for a bigger one", "aftersales.exchange_size"},
	{"en", "when will I get my money back", "aftersales.refund_time"},
	{"en", "the jumper came with a hole in it", "aftersales.damaged"},
	{"en", "who pays the postage for a return", "aftersales.return_shipping_fee"},
	{"en", "you sent me the wrong thing", "aftersales.wrong_item"},
	{"en", "the quality is really poor", "aftersales.complaint_quality"},
	{"en", "agent", "more.human"},
	{"en", "I want to speak to a real person", "more.human"},
	{"en", "what time do your staff finish", "more.service_hours"},
	{"en", "what's your phone number", "more.hotline"},
	{"en", "sorry can you say that again", "more.repeat"},
	{"en", "slow down please", "more.slower"},
	{"en", "I can't hear you", "more.louder"},
	{"en", "what would you suggest for my husband", "more.recommend"},
	{"en", "I don't know how to use the app", "more.elderly_help"},
}

// outOfScope are everyday utterances no apparel shop FAQ answers (different
// from the built-in calibration sample).
var outOfScope = []struct{ lang, text string }{
	{"zh", "后天北京有雪吗"}, {"zh", "帮我查下去上海的高铁"}, {"zh", "糖尿病人能吃西瓜吗"},
	{"zh", "中午吃面条还是米饭"}, {"zh", "今晚有什么电视剧"}, {"zh", "帮我把闹钟定到六点"},
	{"zh", "我家水管冻裂了"}, {"zh", "退休工资涨了多少"}, {"zh", "篮球比赛几点开始"},
	{"zh", "我想学太极拳"}, {"zh", "最近猪肉多少钱一斤"}, {"zh", "我想换个手机套餐"},
	{"en", "will it snow in Beijing tomorrow"}, {"en", "find me a train to Shanghai"},
	{"en", "can diabetics eat watermelon"}, {"en", "what's on TV tonight"},
	{"en", "set an alarm for six"}, {"en", "my water pipe burst"}, {"en", "what time does the basketball start"},
	{"en", "I'd like to learn tai chi"}, {"en", "how much is pork these days"},
	{"en", "I want to change my mobile plan"}, {"en", "what's the best way to boil rice"},
	{"en", "who is the president of France"},
}

func newDemo(t testing.TB) (*kb.Shop, *Matcher) {
	t.Helper()
	shop := kbtest.DemoShop(t)
	m, err := New(shop)
	if err != nil {
		t.Fatal(err)
	}
	return shop, m
}

func TestParaphrases(t *testing.T) {
	_, m := newDemo(t)
	correct, rejected := map[string]int{}, map[string]int{}
	total := map[string]int{}
	for _, tt := range paraphrases {
		got := m.Match(tt.text, tt.lang)
		total[tt.lang]++
		top := ""
		if len(got.Candidates) > 0 {
			top = got.Candidates[0].FAQ
		}
		if top == tt.want {
			correct[tt.lang]++
		} else {
			t.Logf("miss %s %q: got %s (%.2f), want %s", tt.lang, tt.text, top, got.Confidence, tt.want)
		}
		if got.OutOfScope {
			rejected[tt.lang]++
			t.Logf("rejected %s %q (conf %.3f)", tt.lang, tt.text, got.Confidence)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		acc := float64(correct[lang]) / float64(total[lang])
		fr := float64(rejected[lang]) / float64(total[lang])
		t.Logf("%s: paraphrase top-1 %d/%d = %.3f, false rejection %.3f", lang, correct[lang], total[lang], acc, fr)
		if acc < paraphraseFloor {
			t.Errorf("%s: paraphrase accuracy %.3f below %.2f", lang, acc, paraphraseFloor)
		}
		if fr > falseRejectCeil {
			t.Errorf("%s: false rejection %.3f above %.2f", lang, fr, falseRejectCeil)
		}
	}
}

// Floors: measured values minus a margin.
const (
	paraphraseFloor = 0.9
	falseRejectCeil = 0.05
	oosRejectFloor  = 0.8
)

func TestOutOfScope(t *testing.T) {
	_, m := newDemo(t)
	rejected := 0
	for _, tt := range outOfScope {
		got := m.Match(tt.text, tt.lang)
		if got.OutOfScope {
			rejected++
		} else {
			top := ""
			if len(got.Candidates) > 0 {
				top = got.Candidates[0].FAQ
			}
			t.Logf("accepted %s %q as %s (conf %.3f)", tt.lang, tt.text, top, got.Confidence)
		}
	}
	rate := float64(rejected) / float64(len(outOfScope))
	t.Logf("out-of-scope rejection %d/%d = %.3f", rejected, len(outOfScope), rate)
	if rate < oosRejectFloor {
		t.Errorf("out-of-scope rejection %.3f below %.2f", rate, oosRejectFloor)
	}
}

func TestShortUtterances(t *testing.T) {
	_, m := newDemo(t)
	for _, tt := range []struct{ lang, text, want string }{
		{"zh", "人工", "more.human"}, {"zh", "发票", "purchase.invoice"}, {"zh", "你好", "chat.greeting"},
		{"en", "agent", "more.human"}, {"en", "invoice", "purchase.invoice"}, {"en", "hello", "chat.greeting"},
	} {
		got := m.Match(tt.text, tt.lang)
		if len(got.Candidates) == 0 || got.Candidates[0].FAQ != tt.want || got.OutOfScope {
			t.Errorf("Match(%q) = %+v, want %s in scope", tt.text, got, tt.want)
		}
	}
}

func TestAddPhrasing(t *testing.T) {
	_, m := newDemo(t)
	const text = "蓝精灵口令芝麻开门"
	before := m.Match(text, "zh")
	if len(before.Candidates) > 0 && before.Candidates[0].FAQ == "promotion.coupon" && !before.OutOfScope {
		t.Fatalf("already matches: %+v", before)
	}
	if err := m.AddPhrasing("promotion.coupon", "zh", text); err != nil {
		t.Fatal(err)
	}
	after := m.Match(text, "zh")
	if len(after.Candidates) == 0 || after.Candidates[0].FAQ != "promotion.coupon" || after.OutOfScope {
		t.Errorf("after AddPhrasing: %+v", after)
	}
	for _, tt := range []struct {
		faq, lang, text string
		want            error
	}{
		{"no.such", "zh", "你好", ErrUnknownFAQ},
		{"chat.greeting", "fr", "bonjour", ErrLang},
		{"chat.greeting", "zh", "！！", ErrEmptyText},
	} {
		if err := m.AddPhrasing(tt.faq, tt.lang, tt.text); !errors.Is(err, tt.want) {
			t.Errorf("AddPhrasing(%q, %q, %q) = %v, want %v", tt.faq, tt.lang, tt.text, err, tt.want)
		}
	}
}

func TestUnsubscribe(t *testing.T) {
	shop, m := newDemo(t)
	var pack *kb.Pack
	for _, p := range shop.IndustryPacks {
		if p.ID != kb.GeneralPack && shop.Subscribed(p.ID) && len(p.FAQs) > 0 {
			pack = p
		}
	}
	if pack == nil {
		t.Skip("demo shop has no subscribed non-general pack")
	}
	inPack := map[string]bool{}
	for _, id := range pack.FAQs {
		inPack[id] = true
	}
	q := shop.FAQ(pack.FAQs[0])
	text := q.Question["zh"]
	if got := m.Match(text, "zh"); len(got.Candidates) == 0 || got.Candidates[0].FAQ != q.ID {
		t.Fatalf("subscribed: Match(%q) = %+v, want %s", text, got, q.ID)
	}
	if err := shop.Unsubscribe(pack.ID); err != nil {
		t.Fatal(err)
	}
	defer shop.Subscribe(pack.ID)
	got := m.Match(text, "zh")
	for _, c := range got.Candidates {
		if inPack[c.FAQ] && !shop.Active(c.FAQ) {
			t.Errorf("inactive FAQ %s returned after unsubscribing %s", c.FAQ, pack.ID)
		}
	}
}

func TestNew(t *testing.T) {
	if _, err := New(nil); !errors.Is(err, ErrNilShop) {
		t.Errorf("New(nil) = %v, want ErrNilShop", err)
	}
	shop := kbtest.DemoShop(t)
	if _, err := New(shop, WithThreshold(2)); !errors.Is(err, ErrBadOption) {
		t.Errorf("WithThreshold(2) = %v, want ErrBadOption", err)
	}
	m, err := New(shop, WithThreshold(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Match("今天天气怎么样", "zh"); got.OutOfScope && len(got.Candidates) > 0 {
		t.Errorf("threshold 0 still rejects: %+v", got)
	}
	empty, err := New(kb.NewShop(kb.File{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := empty.Match("你好", "zh"); !got.OutOfScope || len(got.Candidates) != 0 {
		t.Errorf("empty shop: %+v", got)
	}
}

func TestConfidence(t *testing.T) {
	_, m := newDemo(t)
	got := m.Match("什么时候发货", "zh")
	if got.Confidence <= 0 || got.Confidence > 1 {
		t.Fatalf("confidence %v out of range", got.Confidence)
	}
	sum := 0.0
	for i, c := range got.Candidates {
		sum += c.Confidence
		if i > 0 && c.Score > got.Candidates[i-1].Score {
			t.Errorf("candidates not sorted: %+v", got.Candidates)
		}
	}
	if sum > 1+1e-9 {
		t.Errorf("candidate confidences sum to %v", sum)
	}
	if len(got.Candidates) > MaxCandidates {
		t.Errorf("%d candidates", len(got.Candidates))
	}
}

func FuzzMatch(f *testing.F) {
	shop := kbtest.DemoShop(f)
	m, err := New(shop)
	if err != nil {
		f.Fatal(err)
	}
	for _, tt := range paraphrases[:10] {
		f.Add(tt.text, tt.lang)
	}
	f.Add("", "")
	f.Add("\xff\xfe嗯", "xx")
	f.Fuzz(func(t *testing.T, text, lang string) {
		got := m.Match(text, lang)
		if len(got.Candidates) > MaxCandidates || got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("bad result %+v", got)
		}
	})
}

func TestConcurrentMatchAndAdd(t *testing.T) {
	_, m := newDemo(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			m.Match("什么时候发货", "zh")
			m.Match("where is my parcel", "en")
		}
	}()
	for i := 0; i < 3; i++ {
		if err := m.AddPhrasing("logistics.when_ship", "zh", "几时发"); err != nil {
			t.Error(err)
		}
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("deadline")
	}
}

// TestStarterShop checks that nothing above is specific to the demo shop:
// the starter (homewear) shop rejects the same everyday questions and keeps
// its own card questions in scope.
func TestStarterShop(t *testing.T) {
	shop := kbtest.StarterShop(t)
	m, err := New(shop)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, tt := range outOfScope {
		if m.Match(tt.text, tt.lang).OutOfScope {
			rejected++
		}
	}
	rate := float64(rejected) / float64(len(outOfScope))
	t.Logf("starter: out-of-scope rejection %d/%d = %.3f", rejected, len(outOfScope), rate)
	if rate < oosRejectFloor {
		t.Errorf("starter: out-of-scope rejection %.3f below %.2f", rate, oosRejectFloor)
	}
	for _, q := range shop.FAQs {
		for _, lang := range []string{"zh", "en"} {
			text := q.Question[lang]
			if text == "" || !shop.Active(q.ID) {
				continue
			}
			got := m.Match(text, lang)
			if got.OutOfScope || len(got.Candidates) == 0 || got.Candidates[0].FAQ != q.ID {
				t.Errorf("starter: Match(%q) = %+v, want %s in scope", text, got, q.ID)
			}
		}
	}
}
