package dialog_test

import (
	"strings"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb/kbtest"
)

func TestStaticTexts(t *testing.T) {
	shop := kbtest.DemoShop(t)
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		texts := e.StaticTexts(lang)
		seen := map[string]bool{}
		for _, s := range texts {
			if seen[s] {
				t.Errorf("%s: %q twice", lang, s)
			}
			seen[s] = true
			if strings.ContainsAny(s, "{}") || strings.TrimSpace(s) == "" {
				t.Errorf("%s: %q is not a spoken text", lang, s)
			}
		}
		welcome := shop.Fill(shop.Shop.Welcome.Get(lang), lang)
		if !seen[welcome] {
			t.Errorf("%s: welcome missing", lang)
		}
		// Every answer a plain FAQ gives in a fresh session is among them.
		w, err := e.Start(t.Context(), dialog.StartOptions{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		q := shop.FAQ("logistics.when_ship")
		r, err := e.Handle(t.Context(), w.Session, dialog.Input{Text: q.Question[lang]})
		if err != nil {
			t.Fatal(err)
		}
		if !seen[r.Text] {
			t.Errorf("%s: answer %q not among the static texts", lang, r.Text)
		}
		if len(texts) < len(shop.ActiveFAQs())/2 {
			t.Errorf("%s: only %d texts for %d FAQs", lang, len(texts), len(shop.ActiveFAQs()))
		}
	}
}
