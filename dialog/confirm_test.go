package dialog_test

import (
	"errors"
	"math"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb/kbtest"
)

func TestConfirmUnsureSpeech(t *testing.T) {
	shop := kbtest.DemoShop(t)
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	const faq = "logistics.when_ship"
	// Questions the matcher gets right but not with full confidence.
	ask := map[string]string{"zh": "那个 东西啥时候能给寄出来", "en": "uh when do you lot send things out"}
	type step struct {
		text    string
		asr     float64
		action  string
		faq     string // "" = not checked
		noFAQID bool
	}
	tests := []struct {
		name, lang string
		steps      []step
	}{
		{"zh yes", "zh", []step{{ask["zh"], 0.2, dialog.ActionConfirm, faq, false}, {"对 是的", 0.9, "answer", faq, false}}},
		{"zh no", "zh", []step{{ask["zh"], 0.2, dialog.ActionConfirm, faq, false}, {"不是", 0.9, "rephrase", "", true}}},
		{"en yes", "en", []step{{ask["en"], 0.1, dialog.ActionConfirm, faq, false}, {"yes that's right", 0.8, "answer", faq, false}}},
		{"en new question instead", "en", []step{{ask["en"], 0.1, dialog.ActionConfirm, faq, false},
			{"do you take card payments", 0.9, "", "", false}}},
		{"sure speech is answered", "en", []step{{ask["en"], 0.9, "answer", faq, false}}},
		{"typed text is answered", "zh", []step{{ask["zh"], 0, "answer", faq, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := e.Start(ctx, dialog.StartOptions{Lang: tt.lang, Channel: "sip"})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				r, err := e.Handle(ctx, w.Session, dialog.Input{Text: s.text, ASRConfidence: s.asr})
				if err != nil {
					t.Fatal(err)
				}
				if s.action != "" && r.Action != s.action {
					t.Errorf("step %d %q: action %q, want %q (faq %v, confidence %v, text %q)", i, s.text, r.Action, s.action, deref(r.FAQ), r.Confidence, r.Text)
				}
				if s.faq != "" && deref(r.FAQ) != s.faq {
					t.Errorf("step %d %q: faq %q, want %q", i, s.text, deref(r.FAQ), s.faq)
				}
				if s.noFAQID && r.FAQ != nil {
					t.Errorf("step %d %q: faq %q, want none", i, s.text, *r.FAQ)
				}
				if r.Action == dialog.ActionConfirm && r.Text == "" {
					t.Errorf("step %d: empty confirmation", i)
				}
			}
		})
	}
	w, err := e.Start(ctx, dialog.StartOptions{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := e.Handle(ctx, w.Session, dialog.Input{Text: "hello", ASRConfidence: c}); !errors.Is(err, dialog.ErrBadInput) {
			t.Errorf("asr_confidence %v: %v", c, err)
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
