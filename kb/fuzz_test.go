package kb_test

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// FuzzParse: no input panics; every rejection is a *ValidationError with at
// least one problem; every accepted file survives Export and Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, p := range []string{kbtest.DemoShopPath(f), kbtest.StarterShopPath(f), "testdata/small.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"shop: [",
		"shop: {id: x, name: {en: X}}\nfaqs: []\n",
		"shop: {id: x, name: {zh: 店}, packs: []}\nfaqs:\n  - {id: a, category: chat, question: {zh: 问}, answer: {zh: '{hotline}'}}\n",
		"a: &a [*a, *a]\n",
		"shop: {id: x, name: {en: X}, ship_within_hours: 0x10}\nfaqs: [{id: a, category: more, question: {en: q}, answer: {en: a}, related: [a]}]\n",
		"shop: {id: x, name: {en: X}}\nproducts: [{id: P, title: {en: p}, price: .nan, sizes: [1], stock: {1: -1}}]\n",
		"shop: {id: x, name: {en: X}}\norders: [{id: 1, status: paid, paid_at: 2026-01-02, tracking: [{at: 2026-01-01 10:00:00, event: {en: e}}]}]\n",
		"shop:\n  id: x\n  id: y\n",
		"- 1\n- 2\n",
		"shop: {id: x, name: {en: X}}\n---\nshop: {id: y}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := kb.Parse("f.yaml", data)
		if err != nil {
			var ve *kb.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Parse error %T %v, want *ValidationError with problems", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := kb.Export(&buf, s); err != nil {
			t.Fatalf("Export: %v", err)
		}
		s2, err := kb.Parse("exported.yaml", buf.Bytes())
		if err != nil {
			t.Fatalf("Parse(Export(accepted file)): %v\n--- input\n%s\n--- export\n%s", err, data, buf.Bytes())
		}
		a, b := s.File, s2.File
		normTimes(&a)
		normTimes(&b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the file\n--- input\n%s\n--- export\n%s\n got %#v\nwant %#v", data, buf.Bytes(), b, a)
		}
	})
}
