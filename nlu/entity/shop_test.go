package entity

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/callbee/callbee/kb"
)

// demoShopPath finds shared/demo-shop/shop.yaml: $CALLBEE_DEMO_SHOP, or
// walking up from the package dir looking for shared/ in a parent or beside it.
func demoShopPath(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CALLBEE_DEMO_SHOP"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		for _, c := range []string{
			filepath.Join(dir, "shared", "demo-shop", "shop.yaml"),
			filepath.Join(filepath.Dir(dir), "shared", "demo-shop", "shop.yaml"),
		} {
			if _, err := os.Stat(c); err == nil {
				return c
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("demo shop not found; set CALLBEE_DEMO_SHOP")
		}
		dir = parent
	}
}

var (
	demoOnce sync.Once
	demo     *kb.Shop
	demoErr  error
)

// demoShop loads the demo shop (until kb.Load exists for everyone).
func demoShop(tb testing.TB) *kb.Shop {
	tb.Helper()
	path := demoShopPath(tb)
	demoOnce.Do(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			demoErr = err
			return
		}
		var f kb.File
		if err := yaml.Unmarshal(data, &f); err != nil {
			demoErr = err
			return
		}
		demo = kb.NewShop(f)
	})
	if demoErr != nil {
		tb.Fatal(demoErr)
	}
	return demo
}
