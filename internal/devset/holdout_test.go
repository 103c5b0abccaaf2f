package devset_test

import (
	"testing"

	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

func TestHoldout(t *testing.T) {
	if testing.Short() {
		t.Skip("full held-out run")
	}
	for _, tc := range []struct {
		name string
		shop func(testing.TB) *kb.Shop
	}{{"demo-shop", kbtest.DemoShop}, {"starter-shop", kbtest.StarterShop}} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := devset.Holdout(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			rep := evaluate(t, tc.shop(t), set)
			if devset.VerboseHoldout() {
				t.Log("\n" + rep.String())
			} else {
				t.Log("\n" + rep.Summary())
			}
		})
	}
}
