// Package kbtest finds the shop files that tests use: the demo shop in
// shared/demo-shop (beside the repository) and the starter shop in examples/.
package kbtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/callbee/callbee/kb"
)

// EnvDemoShop names the environment variable that overrides the demo shop path.
const EnvDemoShop = "CALLBEE_DEMO_SHOP"

// DemoShopPath returns the path of the demo shop: $CALLBEE_DEMO_SHOP, else
// shared/demo-shop/shop.yaml found in the working directory or one of its
// parents (so both /work/shared beside /work/main and <clone>/../shared in CI
// are found). It fails the test if there is none.
func DemoShopPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvDemoShop); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("kbtest: $%s: %v", EnvDemoShop, err)
		}
		return p
	}
	p, ok := findUp(filepath.Join("shared", "demo-shop", "shop.yaml"))
	if !ok {
		t.Fatalf("kbtest: shared/demo-shop/shop.yaml not found above the working directory; set $%s", EnvDemoShop)
	}
	return p
}

// StarterShopPath returns the path of examples/starter-shop.yaml in the
// repository holding the working directory.
func StarterShopPath(t testing.TB) string {
	t.Helper()
	p, ok := findUp(filepath.Join("examples", "starter-shop.yaml"))
	if !ok {
		t.Fatal("kbtest: examples/starter-shop.yaml not found above the working directory")
	}
	return p
}

// DemoShop loads the demo shop, failing the test on any error.
func DemoShop(t testing.TB) *kb.Shop {
	t.Helper()
	return load(t, DemoShopPath(t))
}

// StarterShop loads the starter shop, failing the test on any error.
func StarterShop(t testing.TB) *kb.Shop {
	t.Helper()
	return load(t, StarterShopPath(t))
}

func load(t testing.TB, path string) *kb.Shop {
	t.Helper()
	s, err := kb.Load(path)
	if err != nil {
		t.Fatalf("kbtest: %v", err)
	}
	return s
}

// findUp looks for rel in the working directory and each of its parents.
func findUp(rel string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, rel)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
