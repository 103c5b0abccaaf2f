package devset_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
)

// evaluate runs the real brain (shop, real SQLite file, agents on duty) over set.
func evaluate(t *testing.T, shop *kb.Shop, set *devset.Set) *devset.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "eval.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	e, err := dialog.New(shop, st, dialog.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := devset.Evaluate(ctx, e, set)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestEngineOnDevSet runs the real brain over our dev set and logs the report
// (`callbee bench` prints the same figures).
func TestEngineOnDevSet(t *testing.T) {
	if testing.Short() {
		t.Skip("full dev-set run")
	}
	set, err := devset.Default()
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + evaluate(t, kbtest.DemoShop(t), set).String())
}
