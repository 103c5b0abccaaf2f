package devset

import (
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
)

// TestStarterSet checks the starter shop's dev set: it parses, names only the
// starter shop's active FAQs and copies none of its phrasings.
func TestStarterSet(t *testing.T) {
	s, err := Load("testdata/starter-shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shop := kbtest.StarterShop(t)
	if s.Shop != shop.ID() {
		t.Errorf("set is for shop %q, starter shop is %q", s.Shop, shop.ID())
	}
	for _, q := range s.Singles {
		if q.FAQ != "" && !shop.Active(q.FAQ) {
			t.Errorf("line %d: faq %q is not an active FAQ of the starter shop", q.line, q.FAQ)
		}
	}
	for _, c := range Copies(shop, s, CopyThreshold) {
		t.Errorf("[%s] %q copies %s phrasing %q (similarity %.2f)", c.Lang, c.Text, c.FAQ, c.ShopText, c.Similarity)
	}
}
