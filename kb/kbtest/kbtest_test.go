package kbtest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
)

func TestDemoShopPath(t *testing.T) {
	p := kbtest.DemoShopPath(t)
	if filepath.Base(p) != "shop.yaml" {
		t.Errorf("DemoShopPath = %q", p)
	}
	if s := kbtest.DemoShop(t); s.ID() == "" {
		t.Error("demo shop has no id")
	}
}

func TestDemoShopPathFromEnv(t *testing.T) {
	want := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(want, []byte("shop: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(kbtest.EnvDemoShop, want)
	if got := kbtest.DemoShopPath(t); got != want {
		t.Errorf("DemoShopPath = %q, want %q", got, want)
	}
}

func TestStarterShop(t *testing.T) {
	if p := kbtest.StarterShopPath(t); filepath.Base(p) != "starter-shop.yaml" {
		t.Errorf("StarterShopPath = %q", p)
	}
	if s := kbtest.StarterShop(t); s.ID() == "" {
		t.Error("starter shop has no id")
	}
}
