package entity

import (
	"testing"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// demoShop loads the demo shop (shared/demo-shop/shop.yaml or $CALLBEE_DEMO_SHOP).
func demoShop(tb testing.TB) *kb.Shop {
	tb.Helper()
	return kbtest.DemoShop(tb)
}
