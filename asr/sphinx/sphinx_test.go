package sphinx

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// shared is one recogniser for the tests that only decode (New compiles
// the shop and loads the models, ~1 s).
var shared struct {
	once sync.Once
	rec  *Sphinx
	shop *kb.Shop
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.rec != nil {
		shared.rec.Close()
	}
	os.Exit(code)
}

func testRecognizer(t testing.TB) (*Sphinx, *kb.Shop) {
	t.Helper()
	shared.once.Do(func() {
		shared.shop = kbtest.DemoShop(t)
		shared.rec, shared.err = New(shared.shop)
	})
	if shared.err != nil {
		t.Skipf("sphinx: %v (install pocketsphinx-en-us; models in ../shared/models or $%s)", shared.err, EnvModels)
	}
	return shared.rec, shared.shop
}

func needModel(t testing.TB, rec *Sphinx, lang string, rate int) {
	t.Helper()
	if _, err := pickModel(rec.models, lang, rate); err != nil {
		t.Skipf("%v", err)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestProbe(t *testing.T) {
	rec, shop := testRecognizer(t)
	for _, c := range []struct {
		lang string
		rate int
	}{{"en", 16000}, {"en", 8000}, {"zh", 8000}, {"zh", 16000}} {
		needModel(t, rec, c.lang, c.rate)
		for _, id := range shop.Shop.Cards[:3] {
			q := shop.FAQ(id).Question[c.lang]
			samples := asrtest.Synth(t, q, c.lang, c.rate)
			for _, search := range []string{asr.SearchDomain, asr.SearchLM} {
				res, err := asrtest.Recognize(ctxT(t), rec, asr.Options{Lang: c.lang, Rate: c.rate, Search: search}, samples)
				if err != nil {
					t.Fatal(err)
				}
				e, n := asrtest.Errors(c.lang, q, res.Text)
				t.Logf("%s/%d %-6s %q -> %q conf %.3f err %d/%d rtf %.3f words %v", c.lang, c.rate, search, q, res.Text, res.Confidence, e, n, res.RTF(), fmt.Sprint(res.Words))
			}
		}
	}
	t.Logf("%+v", rec.Stats())
}

