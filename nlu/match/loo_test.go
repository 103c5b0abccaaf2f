package match

import (
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
)

// Floors are the measured leave-one-out accuracy on the demo shop minus a margin.
func TestLeaveOneOut(t *testing.T) {
	shop := kbtest.DemoShop(t)
	for _, tt := range []struct {
		lang  string
		floor float64
	}{{"zh", 0.78}, {"en", 0.8}} {
		rep, err := LeaveOneOut(shop, tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: LOO %d/%d = %.3f", tt.lang, rep.Correct, rep.Total, rep.Accuracy)
		for _, c := range rep.Confusions {
			t.Logf("  %s -> %s: %s", c.FAQ, c.Got, c.Text)
		}
		if rep.Accuracy < tt.floor {
			t.Errorf("%s: LOO accuracy %.3f below floor %.3f", tt.lang, rep.Accuracy, tt.floor)
		}
	}
}
