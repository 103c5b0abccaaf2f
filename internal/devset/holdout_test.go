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

func TestHoldout(t *testing.T) {
	if testing.Short() {
		t.Skip("full held-out run")
	}
	for _, tc := range []struct {
		name string
		shop func(testing.TB) *kb.Shop
	}{{"demo-shop", kbtest.DemoShop}, {"starter-shop", kbtest.StarterShop}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			st, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai, agents on duty
			e, err := dialog.New(tc.shop(t), st, dialog.WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			set, err := devset.Holdout(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := devset.Evaluate(ctx, e, set)
			if err != nil {
				t.Fatal(err)
			}
			if devset.VerboseHoldout() {
				t.Log("\n" + rep.String())
			} else {
				t.Log("\n" + rep.Summary())
			}
		})
	}
}
