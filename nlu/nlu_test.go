package nlu

import (
	"errors"
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/nlu/embed"
)

// New works whether or not the embedding file is installed, and with the
// signal switched off explicitly.
func TestNewEmbeddings(t *testing.T) {
	shop := kbtest.DemoShop(t)
	err := EmbeddingsError()
	if err != nil && !errors.Is(err, embed.ErrNotFound) {
		t.Logf("embedding file unreadable, matching lexically: %v", err)
	}
	t.Logf("embeddings: %v", err == nil)
	for name, opts := range map[string][]Option{"default": nil, "lexical": {WithEmbeddings(nil)}} {
		a, err := New(shop, opts...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := a.Analyze("嗯那个我买的裤子啥时候发货啊", "zh")
		if len(got.Match.Candidates) == 0 || got.Match.Candidates[0].FAQ != "logistics.when_ship" || got.Match.OutOfScope {
			t.Errorf("%s: %+v", name, got.Match)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	shop := kbtest.DemoShop(b)
	if _, err := New(shop); err != nil { // load the embedding file once
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(shop); err != nil {
			b.Fatal(err)
		}
	}
}
