package normalize

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, lang, want string
	}{
		{"full width", "ＡＢＣ１２３，ｘｌ码", "zh", "abc123 xl码"},
		{"ideographic space and punct", "你好！　请问？？在吗。", "zh", "你好 请问 在吗"},
		{"emoji", "好的👍谢谢😊", "zh", "好的 谢谢"},
		{"traditional", "這個褲子還有貨嗎", "zh", "这个裤子还有货吗"},
		{"fillers zh", "嗯那个我想问一下啊什么时候发货呀", "zh", "我想问一下什么时候发货"},
		{"demonstrative kept", "那个裤子多少钱", "zh", "那个裤子多少钱"},
		{"demonstrative mid", "我想买那个羽绒服", "zh", "我想买那个羽绒服"},
		{"stammer", "那个那个就是我的快递到哪了", "zh", "我的快递到哪了"},
		{"jiushi kept", "就是这个颜色吗", "zh", "就是这个颜色吗"},
		{"ranhou start", "然后退货运费谁出", "zh", "退货运费谁出"},
		{"zan", "俺咋退货啊", "zh", "我怎么退货"},
		{"sha shihou", "啥时候发货", "zh", "什么时候发货"},
		{"duohuir", "多会儿能到", "zh", "什么时候能到"},
		{"sha", "这是啥料子", "zh", "这是什么料子"},
		{"zhongbuzhong", "便宜点中不中", "zh", "便宜点可以吗"},
		{"mu you", "木有收到货", "zh", "没有收到货"},
		{"xiaode", "我不晓得咋弄", "zh", "我不知道怎么弄"},
		{"choucou", "帮我瞅瞅订单", "zh", "帮我看看订单"},
		{"address start", "闺女你帮我看看", "zh", "你帮我看看"},
		{"address end", "谢谢你闺女", "zh", "谢谢你"},
		{"address vocative mid", "辛苦你了闺女谢谢你", "zh", "辛苦你了谢谢你"},
		{"daughter kept", "给我闺女买件衣服", "zh", "给我闺女买件衣服"},
		{"greeting hello kept", "哈喽你好", "zh", "哈喽你好"},
		{"lone wei", "喂", "zh", "喂"},
		{"wei greeting", "喂喂姑娘你好啊", "zh", "你好"},
		{"ganma", "你们干嘛不发货", "zh", "你们干什么不发货"},
		{"final bu", "这牌子靠谱不", "zh", "这牌子靠谱吗"},
		{"final mei", "快递到了没", "zh", "快递到了吗"},
		{"yaobu kept", "你看要不", "zh", "你看要不"},
		{"dialect hang up", "没别的了撂了啊", "zh", "没别的了挂了"},
		{"en case", "Hello Is This The SHOP", "en", "hello is this the shop"},
		{"en fillers", "um uh when will it ship", "en", "when will it ship"},
		{"en well", "well I was wondering about returns", "en", "i was wondering about returns"},
		{"en you know", "it's you know too small", "en", "it is too small"},
		{"en do you know", "do you know when it ships", "en", "do you know when it ships"},
		{"en gonna", "I'm gonna send it back", "en", "i am going to send it back"},
		{"en wanna", "I wanna talk to a person", "en", "i want to talk to a person"},
		{"en dunno", "I dunno my size", "en", "i do not know my size"},
		{"en cant", "I can't find my coupon", "en", "i can not find my coupon"},
		{"en cant no apostrophe", "i cant find it", "en", "i can not find it"},
		{"en wont", "it won’t fit", "en", "it will not fit"},
		{"en possessive", "my husband's jacket", "en", "my husband jacket"},
		{"en dear", "thank you dear", "en", "thank you"},
		{"en dear start", "dear can you help", "en", "can you help"},
		{"en love end", "where is my parcel love", "en", "where is my parcel"},
		{"en love verb", "I would love a discount", "en", "i would love a discount"},
		{"en too dear", "it is too dear", "en", "it is too dear"},
		{"en sort of", "it's sort of torn", "en", "it is torn"},
		{"en what sort of", "what sort of courier", "en", "what sort of courier"},
		{"en kind of", "what kind of payment", "en", "what kind of payment"},
		{"en i mean", "i mean the jeans", "en", "the jeans"},
		{"en decimal", "it cost 19.99 yuan.", "en", "it cost 19.99 yuan"},
		{"en only filler", "um", "en", "um"},
		{"mixed", "XL码有货吗 OK", "zh", "xl码有货吗 ok"},
		{"southwest xiaode", "我晓不晓得退款到哪了", "zh", "我知不知道退款到哪了"},
		{"southwest yaode", "要得要得", "zh", "好的好的"},
		{"cantonese bian", "快递去咗边度", "zh", "快递去咗哪里"},
		{"cantonese m goi", "唔该晒", "zh", "谢谢晒"},
		{"northern gudao", "这手机俺鼓捣不明白", "zh", "这手机我弄不明白"},
		{"northern libai", "下礼拜能到不", "zh", "下星期能到吗"},
		{"en innit", "it's too small innit", "en", "it is too small"},
		{"en reckon", "I reckon it's lost", "en", "i think it is lost"},
		{"en kindly", "kindly cancel my order", "en", "please cancel my order"},
		{"en gday", "g'day mate", "en", "hello"},
		{"empty", "", "zh", ""},
		{"spaces", "   ", "en", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in, tt.lang)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got, tt.lang); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"xl码有货吗", []string{"xl", "码", "有", "货", "吗"}},
		{"i am 165 cm", []string{"i", "am", "165", "cm"}},
		{"t恤 ok", []string{"t", "恤", "ok"}},
		{"", []string{}},
	}
	for _, tt := range tests {
		got := Tokens(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"嗯那个我想问一下", "um I wanna go", "ＡＢＣ", "闺女你好", "can't", "'s", "a'b'c", "1.2.3",
		"那个那个那个", "喂 嗯", "dear dear", "hi love dear", "\xff\xfe", "然后然后那个就是"} {
		f.Add(s, "zh")
		f.Add(s, "en")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		got := Normalize(s, lang)
		if again := Normalize(got, lang); again != got {
			t.Errorf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		_ = Tokens(got)
	})
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("zh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Normalize("嗯那个闺女啊俺想问一下啥时候发货呀，中不中？", "zh")
		}
	})
	b.Run("en", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Normalize("um well dear I wanna know when you're gonna ship my parcel, you know", "en")
		}
	})
}
