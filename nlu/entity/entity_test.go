package entity

import (
	"reflect"
	"testing"
)

func TestExtract(t *testing.T) {
	shop := demoShop(t)
	x := NewExtractor(shop)
	tests := []struct {
		name string
		text string
		lang string
		want Set
	}{
		// Heights.
		{"height 一米六", "一米六", "zh", Set{HeightCM: 160, Digits: "16"}},
		{"height 一米六五", "我一米六五", "zh", Set{HeightCM: 165, Digits: "165"}},
		{"height 1米65", "1米65", "zh", Set{HeightCM: 165, Digits: "165"}},
		{"height 一米七二", "一米七二", "zh", Set{HeightCM: 172, Digits: "172"}},
		{"height 一米半", "一米半", "zh", Set{HeightCM: 150, Digits: "1"}},
		{"height 一百六十公分", "一百六十公分", "zh", Set{HeightCM: 160, Digits: "160"}},
		{"height 160厘米", "160厘米", "zh", Set{HeightCM: 160, Digits: "160"}},
		{"height 一六五cm", "一六五cm", "zh", Set{HeightCM: 165, Digits: "165"}},
		{"height 一六五 bare", "一六五", "zh", Set{Digits: "165", Numbers: []float64{165}}},
		{"height 身高165", "身高165", "zh", Set{HeightCM: 165, Digits: "165"}},
		{"height 1.65米", "1.65米", "zh", Set{HeightCM: 165, Digits: "165"}},
		{"height five foot three", "five foot three", "en", Set{HeightCM: 160, Digits: "53"}},
		{"height 5 foot 3", "5 foot 3", "en", Set{HeightCM: 160, Digits: "53"}},
		{"height 5'3", "5'3", "en", Set{HeightCM: 160, Digits: "53"}},
		{"height 5 ft 3 in", "5 ft 3 in", "en", Set{HeightCM: 160, Digits: "53"}},
		{"height six feet", "six feet", "en", Set{HeightCM: 182.9, Digits: "6"}},
		{"height 170 centimeters", "170 centimeters", "en", Set{HeightCM: 170, Digits: "170"}},
		{"height 1.65 meters", "1.65 meters", "en", Set{HeightCM: 165, Digits: "165"}},
		{"height a hundred and seventy centimetres", "a hundred and seventy centimetres", "en", Set{HeightCM: 170, Digits: "170"}},
		// Weights.
		{"weight 一百斤", "一百斤", "zh", Set{WeightKG: 50, Digits: "100"}},
		{"weight 一百二十斤", "一百二十斤", "zh", Set{WeightKG: 60, Digits: "120"}},
		{"weight 一百三十多斤", "一百三十多斤", "zh", Set{WeightKG: 65, Digits: "130"}},
		{"weight 120斤", "120斤", "zh", Set{WeightKG: 60, Digits: "120"}},
		{"weight 六十公斤", "六十公斤", "zh", Set{WeightKG: 60, Digits: "60"}},
		{"weight 60kg", "60kg", "zh", Set{WeightKG: 60, Digits: "60"}},
		{"weight 60千克", "60千克", "zh", Set{WeightKG: 60, Digits: "60"}},
		{"weight 一百二 斤", "一百二 斤", "zh", Set{WeightKG: 60, Digits: "120"}},
		{"weight 体重一百二", "体重一百二", "zh", Set{WeightKG: 60, Digits: "120"}},
		{"weight 体重六十", "我体重大概六十", "zh", Set{WeightKG: 60, Digits: "60"}},
		{"weight 120 pounds", "120 pounds", "en", Set{WeightKG: 54.4, Digits: "120"}},
		{"weight 65 kilos", "65 kilos", "en", Set{WeightKG: 65, Digits: "65"}},
		{"weight 9 stone 4", "9 stone 4", "en", Set{WeightKG: 59, Digits: "94"}},
		{"weight I weigh 65", "i weigh about 65", "en", Set{WeightKG: 65, Digits: "65"}},
		{"weight bare number", "一百二十", "zh", Set{Digits: "120", Numbers: []float64{120}}},
		// Sizes.
		{"size M码", "M码", "zh", Set{Size: "M"}},
		{"size l号", "l号", "zh", Set{Size: "L"}},
		{"size 大号", "要大号的", "zh", Set{Size: "L"}},
		{"size 中号", "中号", "zh", Set{Size: "M"}},
		{"size 小号", "小号", "zh", Set{Size: "S"}},
		{"size 加大", "加大", "zh", Set{Size: "XL"}},
		{"size 特大", "特大号", "zh", Set{Size: "XL"}},
		{"size 加加大", "加加大", "zh", Set{Size: "XXL"}},
		{"size 2XL", "2XL", "zh", Set{Size: "XXL", Digits: "2"}},
		{"size XXL", "XXL", "zh", Set{Size: "XXL"}},
		{"size 两个X", "两个X的", "zh", Set{Size: "XXL", Digits: "2"}},
		{"size 双XL", "双XL", "zh", Set{Size: "XXL"}},
		{"size 三X", "三X", "zh", Set{Size: "XXXL", Digits: "3"}},
		{"size 3XL", "3XL", "zh", Set{Size: "XXXL", Digits: "3"}},
		{"size 四十码", "四十码", "zh", Set{Size: "40", Digits: "40"}},
		{"size 40码", "40码", "zh", Set{Size: "40", Digits: "40"}},
		{"size 四十号", "四十号", "zh", Set{Size: "40", Digits: "40"}},
		{"size 五十码 not sold", "五十码", "zh", Set{Digits: "50", Numbers: []float64{50}}},
		{"size medium", "medium", "en", Set{Size: "M"}},
		{"size large", "large", "en", Set{Size: "L"}},
		{"size small", "small", "en", Set{Size: "S"}},
		{"size extra large", "extra large", "en", Set{Size: "XL"}},
		{"size double extra large", "double extra large", "en", Set{Size: "XXL"}},
		{"size XL", "XL", "en", Set{Size: "XL"}},
		{"size forty", "size forty", "en", Set{Size: "40", Digits: "40"}},
		{"size a large", "have you still got the jeans in a large", "en", Set{Size: "L", ProductID: "P1001"}},
		{"size in M", "do you have it in m", "en", Set{Size: "M", ProductRef: true}},
		{"size I'm not M", "i'm fine", "en", Set{}},
		// Colours.
		{"color 黑的", "黑的", "zh", Set{Color: "黑色"}},
		{"color 黑色的", "黑色的", "zh", Set{Color: "黑色"}},
		{"color 深蓝色", "深蓝色", "zh", Set{Color: "深蓝"}},
		{"color 米白", "要米白的", "zh", Set{Color: "米白"}},
		{"color black", "do you have it in black", "en", Set{Color: "black", ProductRef: true}},
		{"color dark blue", "the dark blue jeans", "en", Set{Color: "dark blue", ProductID: "P1001"}},
		{"color gray", "gray", "en", Set{Color: "grey"}},
		{"color 白T恤 is a product", "白T恤", "zh", Set{ProductID: "P1002"}},
		// Products and references.
		{"product 那条牛仔裤", "那条牛仔裤", "zh", Set{ProductID: "P1001"}},
		{"product 牛仔裤", "牛仔裤多少钱", "zh", Set{ProductID: "P1001"}},
		{"product 羽绒服 longest", "那件加厚羽绒服", "zh", Set{ProductID: "P1003"}},
		{"product title", "高腰直筒牛仔裤", "zh", Set{ProductID: "P1001"}},
		{"product jeans", "jeans", "en", Set{ProductID: "P1001"}},
		{"product the trousers", "the fleece trousers", "en", Set{ProductID: "P1005"}},
		{"product plural", "the walking shoe", "en", Set{ProductID: "P1007"}},
		{"product title en", "High-Waist Straight Jeans", "en", Set{ProductID: "P1001"}},
		{"ref 那件", "那件还有吗", "zh", Set{ProductRef: true}},
		{"ref 它", "它是纯棉的吗", "zh", Set{ProductRef: true}},
		{"ref 这双", "这双防滑吗", "zh", Set{ProductRef: true}},
		{"ref 那个 filler", "嗯那个我想问一下", "zh", Set{}},
		{"ref 那个", "那个还有没有", "zh", Set{ProductRef: true}},
		{"ref it", "is it pure cotton", "en", Set{ProductRef: true}},
		{"ref that one", "how much is that one", "en", Set{ProductRef: true}},
		{"ref the one", "the one I asked about", "en", Set{ProductRef: true}},
		{"ref them", "do they shrink", "en", Set{ProductRef: true}},
		{"no ref", "how long is delivery", "en", Set{}},
		// Order numbers and phones.
		{"order zh", "我的订单号是二零二四 一一二五 零零零零一", "zh", Set{OrderNumber: "2024112500001", Digits: "2024112500001"}},
		{"order en", "order number two zero two four one one two five zero zero zero zero three", "en", Set{OrderNumber: "2024112500003", Digits: "2024112500003"}},
		{"order ascii", "订单2024112500002", "zh", Set{OrderNumber: "2024112500002", Digits: "2024112500002"}},
		{"order mixed", "2024一一25 00001", "zh", Set{OrderNumber: "2024112500001", Digits: "2024112500001"}},
		{"order fillers", "二零二四 嗯 一一二五 呃 零零零零五", "zh", Set{OrderNumber: "2024112500005", Digits: "2024112500005"}},
		{"order oh", "it's two oh two four one one two five oh oh oh oh four", "en", Set{OrderNumber: "2024112500004", Digits: "2024112500004", ProductRef: true}},
		{"order too short", "一二三四五", "zh", Set{Digits: "12345", Numbers: []float64{12345}}},
		{"phone 尾号", "尾号1234", "zh", Set{Phone4: "1234", Digits: "1234"}},
		{"phone 后四位", "手机后四位是幺二三四", "zh", Set{Phone4: "1234", Digits: "1234"}},
		{"phone en", "the last four digits are one two three four", "en", Set{Phone4: "1234", Digits: "1234"}},
		{"phone ending in", "ending in 5678", "en", Set{Phone4: "5678", Digits: "5678"}},
		{"phone mobile", "我手机号13812345678", "zh", Set{Phone4: "5678", Digits: "13812345678"}},
		{"phone and order", "订单号二零二四一一二五零零零零二 手机尾号五六七八", "zh", Set{OrderNumber: "2024112500002", Phone4: "5678", Digits: "20241125000025678"}},
		// Realistic sentences.
		{"sentence zh size", "嗯我一米六五 一百二十来斤 穿那条牛仔裤要多大的", "zh",
			Set{HeightCM: 165, WeightKG: 60, ProductID: "P1001", Digits: "165120"}},
		{"sentence en size", "i'm uh five foot four and about a hundred and twenty pounds", "en",
			Set{HeightCM: 162.6, WeightKG: 54.4, Digits: "54120"}},
		{"sentence XL", "那件还有XL的吗", "zh", Set{Size: "XL", ProductRef: true}},
		{"sentence stock", "那双健步鞋四十码还有没有", "zh", Set{ProductID: "P1007", Size: "40", Digits: "40"}},
		{"sentence stock 2", "请问这款羽绒服藏青色L码现在有现货吗？", "zh", Set{ProductID: "P1003", Color: "藏青", Size: "L"}},
		{"sentence full width", "我身高１６５体重６０公斤那条牛仔裤要哪个码", "zh", Set{HeightCM: 165, WeightKG: 60, ProductID: "P1001", Digits: "16560"}},
		{"sentence mother", "给我妈买她一米五八一百一十斤要哪个号", "zh", Set{HeightCM: 158, WeightKG: 55, Digits: "158110"}},
		{"sentence en cm", "I'm 170 centimeters and 65 kilos which size", "en", Set{HeightCM: 170, WeightKG: 65, Digits: "17065"}},
		{"sentence wait", "等一下我看一下", "zh", Set{}},
		{"sentence count", "买两件能便宜吗", "zh", Set{Digits: "2", Numbers: []float64{2}}},
		{"sentence dress", "那条裙子有S码吗", "zh", Set{ProductID: "P1006", Size: "S"}},
		{"sentence partner", "我老伴一米七一百四十斤穿几号的裤子", "zh", Set{HeightCM: 170, WeightKG: 70, Digits: "17140"}},
		{"sentence XL码", "XL码有货吗", "zh", Set{Size: "XL"}},
		{"sentence black one", "is the black one still available", "en", Set{Color: "black", ProductRef: true}},
		{"sentence en order", "my order number is 2024112500001", "en", Set{OrderNumber: "2024112500001", Digits: "2024112500001"}},
		{"sentence phone 幺", "我的手机尾号是幺二三四", "zh", Set{Phone4: "1234", Digits: "1234"}},
		{"sentence order groups", "订单号是 2024 1125 00001", "zh", Set{OrderNumber: "2024112500001", Digits: "2024112500001"}},
		{"sentence down XXL", "那个羽绒服藏青色的XXL还有吗", "zh", Set{Size: "XXL", Color: "藏青", ProductID: "P1003"}},
		{"sentence 加大 trousers", "给老人穿的裤子有加大的吗", "zh", Set{Size: "XL", ProductID: "P1005"}},
		{"sentence stone", "I weigh about nine stone", "en", Set{WeightKG: 57.2, Digits: "9"}},
		{"sentence 体重一百一", "我体重一百一", "zh", Set{WeightKG: 55, Digits: "110"}},
		{"sentence days", "等了三天了", "zh", Set{Digits: "3", Numbers: []float64{3}}},
		{"sentence cardigan", "i need a size medium in the dark green cardigan", "en", Set{Size: "M", Color: "dark green", ProductID: "P1004"}},
		{"sentence shoes 41", "two pairs of the walking shoes size forty one", "en", Set{Size: "41", ProductID: "P1007", Digits: "241", Numbers: []float64{2}}},
		{"sentence 那个订单", "我想问问我那个订单到哪了", "zh", Set{}},
		{"sentence shoes 39", "那双鞋三十九码的灰色有吗", "zh", Set{Size: "39", Color: "灰色", ProductID: "P1007", Digits: "39"}},
		{"sentence one seventy eight", "my husband is one seventy eight and about eighty kilos", "en", Set{HeightCM: 178, WeightKG: 80, Digits: "17880"}},
		{"sentence one one two", "one one two", "en", Set{Digits: "112", Numbers: []float64{112}}},
		{"ref 那个颜色", "嗯 那个颜色 拿到手跟网上看的能对上不", "zh", Set{}},
		{"ref 那个 predicate", "这个怎么洗", "zh", Set{ProductRef: true}},
		{"ref 那个 filler verb", "嗯 那个 付了款你们一般隔多久往外寄", "zh", Set{}},
		{"size 的 of named product", "老人鞋四十二的还有吗", "zh", Set{ProductID: "P1007", Size: "42", Digits: "42"}},
		{"size 的 without product", "要四十二的", "zh", Set{Digits: "42", Numbers: []float64{42}}},
		{"sentence tee", "is the tee pure cotton", "en", Set{ProductID: "P1002"}},
		{"sentence en size 40", "is size 40 sold out", "en", Set{Size: "40", Digits: "40"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Extract(tt.text, tt.lang)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Extract(%q, %q)\n got %+v\nwant %+v", tt.text, tt.lang, got, tt.want)
			}
		})
	}
}

func TestExtractNilShop(t *testing.T) {
	got := Extract("订单号20241125000 一米六 black M码", "zh", nil)
	want := Set{OrderNumber: "20241125000", HeightCM: 160, Digits: "2024112500016"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
