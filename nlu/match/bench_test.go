package match

import (
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
)

func BenchmarkNew(b *testing.B) {
	shop := kbtest.DemoShop(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(shop); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	shop := kbtest.DemoShop(b)
	m, err := New(shop)
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct{ lang, text string }{
		{"zh", "嗯那个我前天买的那条牛仔裤啥时候能发货啊"},
		{"en", "um hello dear I was wondering when you're going to ship my jeans"},
	} {
		b.Run(tt.lang, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Match(tt.text, tt.lang)
			}
		})
	}
}

func BenchmarkAddPhrasing(b *testing.B) {
	shop := kbtest.DemoShop(b)
	m, err := New(shop)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.AddPhrasing("promotion.coupon", "zh", "券咋用"); err != nil {
			b.Fatal(err)
		}
	}
}
