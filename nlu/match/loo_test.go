package match

import (
	"testing"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// Floors are the measured leave-one-out accuracy minus a margin, on the demo
// shop (apparel) and on the starter shop (homewear), so the method is not
// specific to one shop.
func TestLeaveOneOut(t *testing.T) {
	for _, tt := range []struct {
		shop  string
		load  func(testing.TB) *kb.Shop
		lang  string
		floor float64
	}{
		{"demo", kbtest.DemoShop, "zh", 0.91},
		{"demo", kbtest.DemoShop, "en", 0.92},
		{"starter", kbtest.StarterShop, "zh", 0.85},
		{"starter", kbtest.StarterShop, "en", 0.85},
	} {
		shop := tt.load(t)
		rep, err := LeaveOneOut(shop, tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %s: LOO %d/%d = %.3f", tt.shop, tt.lang, rep.Correct, rep.Total, rep.Accuracy)
		for _, c := range rep.Confusions {
			t.Logf("  %s -> %s: %s", c.FAQ, c.Got, c.Text)
		}
		if rep.Accuracy < tt.floor {
			t.Errorf("%s %s: LOO accuracy %.3f below floor %.3f", tt.shop, tt.lang, rep.Accuracy, tt.floor)
		}
	}
}
