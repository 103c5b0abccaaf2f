package voice

import (
	"testing"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb/kbtest"
)

// TestReader: the brain's matcher reads hypotheses for asr.Rescore, so a
// turn whose 1-best is garbled lands on what its n-best agree on.
func TestReader(t *testing.T) {
	if Reader(&fakeBrain{}, "en") != nil {
		t.Error("a brain without an analyzer has a reader")
	}
	shop := kbtest.DemoShop(t)
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	read := Reader(e, "en")
	if read == nil {
		t.Fatal("no reader for *dialog.Engine")
	}
	q := shop.FAQ("logistics.where_is_order").Question["en"]
	if got := read(q); got.Key != "logistics.where_is_order" || got.Confidence <= 0 {
		t.Errorf("read(%q) = %+v", q, got)
	}
	heard := asr.Result{Search: asr.SearchLM, Lang: "en", Text: "where his my order",
		NBest: []string{q, "where is my older", q + " please"}}
	if got := asr.Rescore(heard, read, asr.DefaultRescore("en")); read(got.Text).Key != "logistics.where_is_order" {
		t.Errorf("rescored to %q", got.Text)
	}
}

// BenchmarkRescore is the per-turn cost of reading a 1-best and eight n-best
// hypotheses with the demo shop's matcher.
func BenchmarkRescore(b *testing.B) {
	shop := kbtest.DemoShop(b)
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		b.Fatal(err)
	}
	read := Reader(e, "en")
	heard := asr.Result{Search: asr.SearchLM, Lang: "en", Text: "where his my order",
		NBest: []string{"where is my order", "where is my older", "wear is my order please", "where is more order",
			"where is my odour", "where's my order", "where is my other", "were is my order"}}
	b.ReportAllocs()
	for b.Loop() {
		asr.Rescore(heard, read, asr.DefaultRescore("en"))
	}
}
