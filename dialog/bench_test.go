package dialog_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
)

var benchQuestions = map[string][]string{
	"zh": {"嗯 那个 你们一般几天发货啊", "俺买的羽绒服到哪了", "牛仔裤是纯棉的吗", "能便宜点不", "怎么退货", "转人工"},
	"en": {"uh when do you usually ship", "where is my parcel", "is the cardigan real wool", "any discount for a pensioner", "how do I send it back", "agent please"},
}

func benchHandle(b *testing.B, st dialog.Store, lang string) {
	e, err := dialog.New(kbtest.DemoShop(b), st, dialog.WithClock(func() time.Time { return onDuty }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w, err := e.Start(ctx, dialog.StartOptions{Lang: lang})
	if err != nil {
		b.Fatal(err)
	}
	qs := benchQuestions[lang]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%20 == 19 { // calls are short: a fresh session every 20 turns
			if w, err = e.Start(ctx, dialog.StartOptions{Lang: lang}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := e.Handle(ctx, w.Session, dialog.Input{Text: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandleMemory is the brain's own cost per question: understanding,
// decision, reply and state encoding, with an in-memory store.
func BenchmarkHandleMemory(b *testing.B) {
	for _, lang := range []string{"zh", "en"} {
		b.Run(lang, func(b *testing.B) { benchHandle(b, dialogtest.NewMemStore(false), lang) })
	}
}

// BenchmarkHandleSQLite adds the durable commit of every turn (fsync-bound).
func BenchmarkHandleSQLite(b *testing.B) {
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchHandle(b, st, "zh")
}

// BenchmarkNewEngine is the cost of loading a shop's brain (matcher build included).
func BenchmarkNewEngine(b *testing.B) {
	shop := kbtest.DemoShop(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := dialog.New(shop, dialogtest.NewMemStore(false)); err != nil {
			b.Fatal(err)
		}
	}
}
