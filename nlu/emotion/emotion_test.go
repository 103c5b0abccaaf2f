package emotion

import (
	"testing"
)

type want struct {
	label     string
	min, max  float64 // intensity range, inclusive
	complaint bool
}

var (
	neutral      = want{Neutral, 0, 0, false}
	mildNeg      = want{Negative, 0.1, 0.35, false}
	clearNeg     = want{Negative, 0.35, 0.79, false}
	strongNeg    = want{Negative, 0.8, 1, true}
	complaintNeg = want{Negative, 0.3, 1, true}
	pos          = want{Positive, 0.15, 1, false}
)

func TestDetectZH(t *testing.T) {
	tests := []struct {
		text string
		want want
	}{
		{"多久能到", neutral},
		{"什么时候发货", neutral},
		{"嗯那个我想问一下这个裤子有没有黑色的", neutral},
		{"能不能慢点说", neutral},
		{"贵不贵啊", neutral},
		{"差不多一米六", neutral},
		{"麻烦你帮我查一下", neutral},
		{"有没有问题啊", neutral},
		{"不好意思我没听清", neutral},
		{"我不生气", neutral},
		{"别生气", neutral},
		{"好的", neutral},
		{"有点慢", mildNeg},
		{"衣服破了个洞", mildNeg},
		{"穿一次就起球了", mildNeg},
		{"快递怎么还没到", mildNeg},
		{"太慢了", clearNeg},
		{"不满意", clearNeg},
		{"我不太满意", want{Negative, 0.3, 0.5, false}},
		{"很失望", want{Negative, 0.5, 0.79, false}},
		{"太差了", clearNeg},
		{"这衣服质量怎么这么差", complaintNeg},
		{"质量太差了", complaintNeg},
		{"气死我了", strongNeg},
		{"你们这是什么破东西", strongNeg},
		{"垃圾", complaintNeg},
		{"骗子", strongNeg},
		{"我要投诉你们", complaintNeg},
		{"再这样我给你们差评", complaintNeg},
		{"我要打12315", complaintNeg},
		{"退钱", clearNeg},
		{"太失望了根本不值这个价", strongNeg},
		{"我不是要投诉", neutral},
		{"会不会是假货", want{Negative, 0, 0.2, false}},
		{"慢死了慢死了气死我了", strongNeg},
		{"ｔｍｄ什么玩意", strongNeg},
		{"谢谢", pos},
		{"好的谢谢你啊姑娘", pos},
		{"太好了", pos},
		{"不错", pos},
		{"挺不错的", pos},
		{"真棒", pos},
		{"很满意", pos},
		{"非常感谢您的耐心解答", want{Positive, 0.6, 1, false}},
		{"不喜欢", want{Negative, 0.2, 0.6, false}},
		{"谢谢 但是太慢了", want{Negative, 0.2, 0.7, false}},
		{"你们客服态度太差了", complaintNeg},
		{"态度不好", want{Negative, 0.2, 0.5, false}},
		{"嗯 那个 我那个裤子穿着有点小", neutral},
		{"不是很满意", want{Negative, 0.2, 0.5, false}},
		{"我非常非常生气", strongNeg},
		{"都一个礼拜了还没发货你们到底怎么回事", clearNeg},
		{"你们是不是骗子", want{Negative, 0.1, 0.35, false}},
		{"这个质量好不好", neutral},
		{"谢谢你啊闺女你真好", pos},
		{"转人工", neutral},
		{"哦 不对不对 是二零二四一一二五零零零零四", neutral},
		{"钱让闺女在她手机上出 行不行", neutral},
		{"兜那儿撕了 咋整", mildNeg},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) { check(t, tt.text, "zh", tt.want) })
	}
}

func TestDetectEN(t *testing.T) {
	tests := []struct {
		text string
		want want
	}{
		{"how long is delivery", neutral},
		{"what size should I take", neutral},
		{"can you slow down please", neutral},
		{"good morning", neutral},
		{"no thanks", neutral},
		{"is it expensive", neutral},
		{"I'm not angry", neutral},
		{"I don't want to complain", neutral},
		{"is it a scam", want{Negative, 0, 0.3, false}},
		{"uh hello is this the shop", neutral},
		{"it's a bit slow", mildNeg},
		{"the jacket has a hole in it", mildNeg},
		{"it arrived damaged", mildNeg},
		{"it's too slow", clearNeg},
		{"I'm not happy", clearNeg},
		{"not very good", clearNeg},
		{"I'm disappointed", clearNeg},
		{"I'm very disappointed with this jacket", want{Negative, 0.6, 0.79, false}},
		{"this is very poor quality", complaintNeg},
		{"this is ridiculous", clearNeg},
		{"this is absolutely ridiculous", strongNeg},
		{"unacceptable", clearNeg},
		{"this is rubbish", complaintNeg},
		{"it's a scam", strongNeg},
		{"I want to complain", complaintNeg},
		{"I want to make a complaint", complaintNeg},
		{"I'll report you", complaintNeg},
		{"I'm going to leave a bad review", complaintNeg},
		{"worst service ever", strongNeg},
		{"I'm furious", strongNeg},
		{"I'm fed up", clearNeg},
		{"what the hell is this crap", strongNeg},
		{"I want my money back", clearNeg},
		{"thanks", pos},
		{"thank you very much for your patience", pos},
		{"that's great", pos},
		{"wonderful", pos},
		{"perfect thank you", pos},
		{"lovely", pos},
		{"not bad", pos},
		{"I'm very happy with it", pos},
		{"THANK YOU", pos},
		{"I don't like it", mildNeg},
		{"I'd like to order the jeans", neutral},
		{"I really like it", pos},
		{"ＴＨＩＳ ＩＳ ＲＩＤＩＣＵＬＯＵＳ", clearNeg},
		{"it's not too bad", pos},
		{"really not happy with this", clearNeg},
		{"i am so angry right now", strongNeg},
		{"this is taking forever", clearNeg},
		{"I'm not complaining but it is a bit small", neutral},
		{"what kind of fabric is it", neutral},
		{"the quality is terrible", complaintNeg},
		{"it's broken and I want a refund", mildNeg},
		{"cheers love", pos},
		{"come again love", neutral},
		{"I love it", pos},
		{"it's shoddy", clearNeg},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) { check(t, tt.text, "en", tt.want) })
	}
}

func check(t *testing.T, text, lang string, w want) {
	t.Helper()
	got := Detect(text, lang)
	if got.Label != w.label || got.Intensity < w.min || got.Intensity > w.max || got.Complaint != w.complaint {
		t.Errorf("Detect(%q) = %+v; want label %s intensity [%.2f, %.2f] complaint %v", text, got, w.label, w.min, w.max, w.complaint)
	}
	if got.Label == Neutral && got.Intensity != 0 {
		t.Errorf("Detect(%q): neutral with intensity %v", text, got.Intensity)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"气死我了", "不满意", "not bad", "this is absolutely ridiculous", "我不是要投诉", "", "不不不不", "very very very"} {
		f.Add(s, "zh")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		r := Detect(s, lang)
		if r.Intensity < 0 || r.Intensity > 1 {
			t.Errorf("Detect(%q) intensity %v", s, r.Intensity)
		}
		switch r.Label {
		case Negative, Positive:
		case Neutral:
			if r.Intensity != 0 {
				t.Errorf("Detect(%q) neutral with intensity %v", s, r.Intensity)
			}
		default:
			t.Errorf("Detect(%q) label %q", s, r.Label)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	for _, bc := range []struct{ name, text, lang string }{
		{"zh", "嗯那个我上个礼拜买的裤子到现在还没到 太慢了 我要投诉", "zh"},
		{"zh_neutral", "请问这个羽绒服多久能到", "zh"},
		{"en", "uh I ordered the jacket last week and it still hasn't arrived this is absolutely ridiculous", "en"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Detect(bc.text, bc.lang)
			}
		})
	}
}
