package kb_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/callbee/callbee/kb"
)

// small is testdata/small.yaml: a tiny valid shop that each case breaks.
func small(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSmallShopIsValid(t *testing.T) {
	s, err := kb.Parse("t.yaml", []byte(small(t)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := len(s.FAQs), 2; got != want {
		t.Errorf("FAQs = %d, want %d", got, want)
	}
}

// TestValidationRules breaks the small shop one way per case and checks every
// rendered problem, line included.
func TestValidationRules(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replaced once in small.yaml
		want     []string
	}{
		{"yaml syntax", "    action: handoff", "    action: handoff: now",
			[]string{`t.yaml:20: yaml: mapping values are not allowed in this context`}},
		{"unknown key", "    action: handoff", "    actoin: handoff",
			[]string{`t.yaml:20: faqs[1].actoin: unknown key (known: id, category, question, phrasings, answer, related, action)`}},
		{"unknown top-level key", "orders:", "order:",
			[]string{`t.yaml:31: order: unknown key (known: shop, faqs, products, orders, industry_packs)`}},
		{"duplicate key", "    action: handoff", "    action: handoff\n    action: goodbye",
			[]string{`t.yaml:21: faqs[1].action: duplicate key (first on line 20)`}},
		{"shop id required", "  id: t\n", "",
			[]string{`t.yaml:1: shop.id: required`}},
		{"faq question required", "    question: {zh: 问二, en: ask two}\n", "",
			[]string{`t.yaml:16: faqs[1].question: required: text in zh and en`}},
		{"faq answer required", "    answer: {zh: 答二, en: answer two}\n", "",
			[]string{`t.yaml:16: faqs[1].answer: required: text in zh and en`}},
		{"faq id required", "  - id: a.two\n", "  - action: goodbye\n",
			[]string{
				`t.yaml:15: faqs[0].related[0]: unknown FAQ "a.two"`,
				`t.yaml:16: faqs[1].id: required`,
				`t.yaml:20: faqs[1].action: duplicate key (first on line 16)`,
				`t.yaml:41: industry_packs[1].faqs[0]: unknown FAQ "a.two"`,
				`t.yaml:43: industry_packs[2].faqs[0]: unknown FAQ "a.two"`,
			}},
		{"duplicate faq id", "  - id: a.two\n", "  - id: a.one\n",
			[]string{
				`t.yaml:15: faqs[0].related[0]: unknown FAQ "a.two"`,
				`t.yaml:16: faqs[1].id: duplicate FAQ id "a.one" (first at faqs[0], line 10)`,
				`t.yaml:41: industry_packs[1].faqs[0]: unknown FAQ "a.two"`,
				`t.yaml:43: industry_packs[2].faqs[0]: unknown FAQ "a.two"`,
			}},
		{"duplicate product id", "  - id: P2\n", "  - id: P1\n",
			[]string{
				`t.yaml:28: products[0].related[0]: unknown product "P2"`,
				`t.yaml:29: products[1].id: duplicate product id "P1" (first at products[0], line 22)`,
			}},
		{"duplicate order id", "orders:\n", "orders:\n  - {id: \"1001\", status: paid}\n",
			[]string{`t.yaml:33: orders[1].id: duplicate order id "1001" (first at orders[0], line 32)`}},
		{"duplicate pack id", "  - id: extra\n", "  - id: toys\n",
			[]string{`t.yaml:42: industry_packs[2].id: duplicate pack id "toys" (first at industry_packs[1], line 40)`}},
		{"order id required", `  - id: "1001"` + "\n", "  -\n",
			[]string{`t.yaml:33: orders[0].id: required`}},
		{"order status required", "    status: shipped\n", "",
			[]string{`t.yaml:32: orders[0].status: required: one of unpaid, paid, shipped, delivered, refunding, refunded, closed`}},
		{"product title required", "    title: {zh: 鞋, en: Shoes}\n", "",
			[]string{`t.yaml:29: products[1].title: required: text in zh and en`}},
		{"unknown category", "    category: more", "    category: misc",
			[]string{`t.yaml:17: faqs[1].category: unknown category "misc" (want one of chat, product, promotion, purchase, logistics, aftersales, more)`}},
		{"unknown action", "    action: handoff", "    action: transfer",
			[]string{`t.yaml:20: faqs[1].action: unknown action "transfer" (want one of order_status, size_advice, product_attribute, handoff, repeat, slower, louder, recommend, aftersales_register, goodbye)`}},
		{"too many related", "    related: [a.two]", "    related: [a.two, a.two, a.two, a.two, a.two, a.two]",
			[]string{
				`t.yaml:15: faqs[0].related: 6 items, at most 5`,
				`t.yaml:15: faqs[0].related[1]: "a.two" is listed twice`,
				`t.yaml:15: faqs[0].related[2]: "a.two" is listed twice`,
				`t.yaml:15: faqs[0].related[3]: "a.two" is listed twice`,
				`t.yaml:15: faqs[0].related[4]: "a.two" is listed twice`,
				`t.yaml:15: faqs[0].related[5]: "a.two" is listed twice`,
			}},
		{"related names itself", "    related: [a.two]", "    related: [a.one]",
			[]string{`t.yaml:15: faqs[0].related[0]: "a.one" names itself`}},
		{"related unknown", "    related: [a.two]", "    related: [a.three]",
			[]string{`t.yaml:15: faqs[0].related[0]: unknown FAQ "a.three"`}},
		{"too many cards", "  cards: [a.one]", "  cards: [a.one, a.two, a.one, a.two, a.one, a.two, a.one]",
			[]string{
				`t.yaml:8: shop.cards: 7 cards, at most 6`,
				`t.yaml:8: shop.cards[2]: "a.one" is listed twice`,
				`t.yaml:8: shop.cards[3]: "a.two" is listed twice`,
				`t.yaml:8: shop.cards[4]: "a.one" is listed twice`,
				`t.yaml:8: shop.cards[5]: "a.two" is listed twice`,
				`t.yaml:8: shop.cards[6]: "a.one" is listed twice`,
			}},
		{"unknown card", "  cards: [a.one]", "  cards: [a.one, b.x]",
			[]string{`t.yaml:8: shop.cards[1]: unknown FAQ "b.x"`}},
		{"pack names unknown faq", "    faqs: [a.one]", "    faqs: [a.one, z.z]",
			[]string{`t.yaml:39: industry_packs[0].faqs[1]: unknown FAQ "z.z"`}},
		{"shop packs names missing pack", "  cards: [a.one]", "  cards: [a.one]\n  packs: [general, apparel]",
			[]string{`t.yaml:9: shop.packs[1]: unknown industry pack "apparel"`}},
		{"product related unknown", "    related: [P2]", "    related: [P9]",
			[]string{`t.yaml:28: products[0].related[0]: unknown product "P9"`}},
		{"size chart low above high", "height: [150, 160]", "height: [160, 150]",
			[]string{`t.yaml:26: products[0].size_chart[0].height: low 160 is above high 150`}},
		{"size chart negative", "weight: [40, 50]", "weight: [-40, 50]",
			[]string{`t.yaml:26: products[0].size_chart[0].weight: negative value in [-40, 50]`}},
		{"size chart size not in sizes", "{size: M, height", "{size: XL, height",
			[]string{`t.yaml:26: products[0].size_chart[0].size: size "XL" is not in sizes`}},
		{"stock size not in sizes", "stock: {M: 1, L: 0}", "stock: {M: 1, XXL: 3}",
			[]string{`t.yaml:27: products[0].stock.XXL: size "XXL" is not in sizes`}},
		{"negative stock", "stock: {M: 1, L: 0}", "stock: {M: 1, L: -2}",
			[]string{`t.yaml:27: products[0].stock.L: negative stock -2`}},
		{"duplicate size", "sizes: [M, L]", "sizes: [M, L, M]",
			[]string{`t.yaml:24: products[0].sizes[2]: size "M" is listed twice`}},
		{"unknown order status", "    status: shipped", "    status: posted",
			[]string{`t.yaml:33: orders[0].status: unknown status "posted" (want one of unpaid, paid, shipped, delivered, refunding, refunded, closed)`}},
		{"order item unknown product", "{product: P1, size: M, qty: 1}", "{product: P7, size: M, qty: 1}",
			[]string{`t.yaml:34: orders[0].items[0].product: unknown product "P7"`}},
		{"order item size", "{product: P1, size: M, qty: 1}", "{product: P1, size: S, qty: 0}",
			[]string{
				`t.yaml:34: orders[0].items[0].size: size "S" is not one of P1's sizes`,
				`t.yaml:34: orders[0].items[0].qty: want at least 1, got 0`,
			}},
		{"buyer phone", "    status: shipped", "    status: shipped\n    buyer_phone_last4: 12a4",
			[]string{`t.yaml:34: orders[0].buyer_phone_last4: want 4 digits in quotes like "1234", got "12a4"`}},
		{"tracking order", "      - {at: 2026-11-21T09:00:00+08:00", "      - {at: 2026-11-22T09:00:00+08:00, event: {zh: 到, en: in}}\n      - {at: 2026-11-21T09:00:00+08:00",
			[]string{`t.yaml:37: orders[0].tracking[1].at: earlier than the event before it (events go oldest first)`}},
		{"bad time", "at: 2026-11-21T09:00:00+08:00", "at: yesterday",
			[]string{`t.yaml:36: orders[0].tracking[0].at: want a time like 2026-11-24T20:15:00+08:00, got "yesterday"`}},
		{"service hours", `service_hours: "09:00-18:00"`, `service_hours: "9-18"`,
			[]string{`t.yaml:7: shop.service_hours: want HH:MM-HH:MM like 09:00-22:00, got "9-18"`}},
		{"service hours out of range", `service_hours: "09:00-18:00"`, `service_hours: "09:00-25:00"`,
			[]string{`t.yaml:7: shop.service_hours: want HH:MM-HH:MM like 09:00-22:00, got "09:00-25:00"`}},
		{"negative ship hours", "ship_within_hours: 24", "ship_within_hours: -1",
			[]string{`t.yaml:5: shop.ship_within_hours: -1 is negative`}},
		{"not a number", "ship_within_hours: 24", "ship_within_hours: soon",
			[]string{`t.yaml:5: shop.ship_within_hours: want a whole number, got "soon"`}},
		{"bad timezone", "  category: toys", "  category: toys\n  timezone: Mars/Olympus",
			[]string{`t.yaml:5: shop.timezone: unknown time zone "Mars/Olympus" (want a name like Asia/Shanghai)`}},
		{"missing language", "question: {zh: 问二, en: ask two}", "question: {zh: 问二}",
			[]string{`t.yaml:18: faqs[1].question: missing en text`}},
		{"empty language text", "question: {zh: 问二, en: ask two}", `question: {zh: 问二, en: " "}`,
			[]string{`t.yaml:18: faqs[1].question.en: empty text`}},
		{"language not the shop's", "question: {zh: 问二, en: ask two}", "question: {zh: 问二, en: ask two, eng: ask}",
			[]string{`t.yaml:18: faqs[1].question.eng: language "eng" is not one of the shop's languages (zh, en, the keys of shop.name)`}},
		{"text not a map", "question: {zh: 问二, en: ask two}", "question: ask two",
			[]string{
				`t.yaml:18: faqs[1].question: want text per language like {zh: "...", en: "..."}, got "ask two"`,
			}},
		{"shop name needs zh or en", "name: {zh: 店, en: Shop}", "name: {fr: Boutique}",
			[]string{
				`t.yaml:3: shop.name: needs text in zh or en (the shop's languages are the keys of shop.name)`,
			}},
		{"unknown placeholder", `en: "answer by {courier}"`, `en: "answer by {courier} at {shop_nme}"`,
			[]string{`t.yaml:14: faqs[0].answer.en: unknown placeholder {shop_nme} (known: {shop_name}, {ship_within_hours}, {courier}, {ship_from}, {service_hours}, {hotline})`}},
		{"placeholder without its fact", `en: "answer by {courier}"`, `en: "call {hotline}"`,
			[]string{`t.yaml:14: faqs[0].answer.en: placeholder {hotline} is used but shop.hotline is not set`}},
		{"empty phrasing", "phrasings: {zh: [问一下], en: [ask me]}", `phrasings: {zh: [问一下, ""], en: [ask me]}`,
			[]string{`t.yaml:13: faqs[0].phrasings.zh[1]: empty text`}},
		{"phrasings missing a language", "phrasings: {zh: [问一下], en: [ask me]}", "phrasings: {zh: [问一下]}",
			[]string{`t.yaml:13: faqs[0].phrasings: no en entries`}},
		{"phrasings not lists", "phrasings: {zh: [问一下], en: [ask me]}", "phrasings: [ask me]",
			[]string{`t.yaml:13: faqs[0].phrasings: want lists per language like {zh: [...], en: [...]}, got a list`}},
		{"colours differ per language", "    sizes: [M, L]", "    colors: {zh: [红, 蓝], en: [red]}\n    sizes: [M, L]",
			[]string{`t.yaml:24: products[0].colors: 2 colours in zh but 1 in en; list the same colours, in the same order, in every language`}},
		{"negative price", "    sizes: [M, L]", "    price: -1\n    sizes: [M, L]",
			[]string{`t.yaml:24: products[0].price: negative price`}},
		{"price not a number", "    sizes: [M, L]", "    price: cheap\n    sizes: [M, L]",
			[]string{`t.yaml:24: products[0].price: want a number, got "cheap"`}},
		{"alias refused", "    related: [a.two]", "    related: &r [a.two]\n  - id: a.three\n    category: chat\n    question: *r",
			[]string{
				`t.yaml:16: faqs[1].answer: required: text in zh and en`,
				`t.yaml:18: faqs[1].question: YAML aliases (*r) are not supported; write the value out`,
			}},
		{"string too long", "question: {zh: 问二, en: ask two}", "question: {zh: 问二, en: " + strings.Repeat("a", kb.MaxStringLen+1) + "}",
			[]string{`t.yaml:18: faqs[1].question.en: text of 2001 characters, at most 2000`}},
	}
	base := small(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("small.yaml has no %q", tt.old)
			}
			data := strings.Replace(base, tt.old, tt.new, 1)
			_, err := kb.Parse("t.yaml", []byte(data))
			var ve *kb.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse error = %v, want a *kb.ValidationError", err)
			}
			if !errors.Is(err, kb.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
		})
	}
}

func TestValidationCollectsAllProblems(t *testing.T) {
	data := strings.NewReplacer(
		"    category: more", "    category: misc",
		"    related: [P2]", "    related: [P9]",
		"    status: shipped", "    status: posted",
	).Replace(small(t))
	_, err := kb.Parse("t.yaml", []byte(data))
	var ve *kb.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse error = %v", err)
	}
	if got, want := len(ve.Problems), 3; got != want {
		t.Fatalf("%d problems, want %d:\n%v", got, want, err)
	}
	if got, want := strings.Count(err.Error(), "\n"), 2; got != want {
		t.Errorf("Error() has %d newlines, want one problem a line:\n%s", got, err)
	}
}

func TestLimits(t *testing.T) {
	t.Run("file over MaxFileSize", func(t *testing.T) {
		data := make([]byte, kb.MaxFileSize+1)
		for i := range data {
			data[i] = ' '
		}
		_, err := kb.Parse("big.yaml", data)
		if !errors.Is(err, kb.ErrTooLarge) || !errors.Is(err, kb.ErrInvalid) {
			t.Fatalf("err = %v, want ErrTooLarge and ErrInvalid", err)
		}
		if got, want := err.Error(), "big.yaml: file is larger than 8 MiB, the most a shop file may be"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("too many FAQs", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("shop: {id: t, name: {en: T}}\nfaqs:\n")
		for i := 0; i <= kb.MaxFAQs; i++ {
			b.WriteString("  - {id: f")
			b.WriteString(strings.Repeat("x", 0))
			b.WriteString(itoa(i))
			b.WriteString(", category: chat, question: {en: q}, answer: {en: a}}\n")
		}
		_, err := kb.Parse("many.yaml", []byte(b.String()))
		if !errors.Is(err, kb.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if got, want := err.Error(), "many.yaml:3: faqs: 5001 FAQs, at most 5000"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		_, err := kb.Parse("e.yaml", nil)
		if got, want := err.Error(), "e.yaml: empty file"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("two documents", func(t *testing.T) {
		_, err := kb.Parse("d.yaml", []byte(small(t)+"---\nshop: {id: x}\n"))
		if got, want := errString(err), "d.yaml:44: yaml: a second YAML document (---); a shop file holds one"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("not a mapping", func(t *testing.T) {
		_, err := kb.Parse("l.yaml", []byte("- a\n- b\n"))
		if err == nil || !strings.HasPrefix(err.Error(), "l.yaml:1: want a mapping with shop, faqs") {
			t.Errorf("err = %v", err)
		}
	})
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestValidateFileInCode(t *testing.T) {
	s, err := kb.Parse("t.yaml", []byte(small(t)))
	if err != nil {
		t.Fatal(err)
	}
	f := s.File
	if err := kb.Validate("code", &f); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	q := *f.FAQs[0]
	q.Related = []string{"nope"}
	f.FAQs = []*kb.FAQ{&q, f.FAQs[1]}
	err = kb.Validate("code", &f)
	if got, want := errString(err), `code: faqs[0].related[0]: unknown FAQ "nope"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
