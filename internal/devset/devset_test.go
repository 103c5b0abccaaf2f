package devset

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// Minimums the dev set must meet (per language).
const (
	minPerFAQ    = 3
	minInScope   = 180
	minOOS       = 50
	minDialogues = 15
	minTurns     = 2
	maxTurns     = 6
	demoShopID   = "nuannuan-apparel"
	firstCardKey = "1"
	agentKey     = "0"
)

func TestDefaultLoads(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if s.Shop != demoShopID {
		t.Errorf("shop = %q, want %q", s.Shop, demoShopID)
	}
	if got := s.Langs(); strings.Join(got, ",") != "zh,en" {
		t.Errorf("langs = %v, want [zh en]", got)
	}
}

// TestDemoShopReferences checks every FAQ id, product and order the set
// names against the demo shop, and that FAQ expectations agree with actions.
func TestDemoShopReferences(t *testing.T) {
	shop := kbtest.DemoShop(t)
	s := mustDefault(t)
	if shop.ID() != s.Shop {
		t.Errorf("set is for shop %q, demo shop is %q", s.Shop, shop.ID())
	}
	for _, q := range s.Singles {
		if q.FAQ != "" && shop.FAQ(q.FAQ) == nil {
			t.Errorf("line %d: unknown faq %q", q.line, q.FAQ)
		}
		if q.FAQ != "" && !shop.Active(q.FAQ) {
			t.Errorf("line %d: faq %q is not active in the demo shop", q.line, q.FAQ)
		}
	}
	for _, d := range s.Dialogues {
		for i, turn := range d.Turns {
			e := turn.Expect
			where := func() string { return d.Name + " turn " + string(rune('1'+i)) }
			if e.FAQ != "" && e.FAQ != FAQNone {
				q := shop.FAQ(e.FAQ)
				if q == nil {
					t.Errorf("%s: unknown faq %q", where(), e.FAQ)
				} else if e.Action != "" && q.Action != e.Action {
					t.Errorf("%s: faq %s has action %q, expect says %q", where(), e.FAQ, q.Action, e.Action)
				}
			}
			if e.Action != "" && !contains(kb.Actions, e.Action) {
				t.Errorf("%s: unknown action %q", where(), e.Action)
			}
			var p *kb.Product
			if e.Product != "" {
				if p = shop.Product(e.Product); p == nil {
					t.Errorf("%s: unknown product %q", where(), e.Product)
				}
			}
			if e.Size != "" && p != nil && !contains(p.Sizes, e.Size) {
				t.Errorf("%s: product %s has no size %q", where(), p.ID, e.Size)
			}
			if o := e.Order; o != nil {
				found := o.Found == nil || *o.Found
				got := shop.Order(o.ID)
				switch {
				case found && got == nil:
					t.Errorf("%s: order %q is not in the demo shop", where(), o.ID)
				case !found && got != nil:
					t.Errorf("%s: order %q is expected unknown but exists", where(), o.ID)
				case got != nil && o.Status != "" && got.Status != o.Status:
					t.Errorf("%s: order %s status is %q, expect says %q", where(), o.ID, got.Status, o.Status)
				}
			}
			if turn.DTMF == firstCardKey && e.FAQ != "" && e.FAQ != shop.Shop.Cards[0] {
				t.Errorf("%s: dtmf 1 should pick the first card %s, expect says %s", where(), shop.Shop.Cards[0], e.FAQ)
			}
		}
	}
}

// TestSizeLabels recomputes every labelled size from the product's size chart:
// the row where both height and weight fit, else the larger of the two rows.
// The height and weight are taken from the dialogue's own numbers below, so a
// typo in the data file or a chart change shows up here.
func TestSizeLabels(t *testing.T) {
	shop := kbtest.DemoShop(t)
	cases := []struct {
		dialogue string
		product  string
		heightCM int
		weightKG int
	}{
		{"zh-size-product-first", "P1001", 160, 50},         // 一米六 一百斤
		{"zh-size-height-weight-first", "P1003", 167, 58},   // 一米六七 一百一十六斤
		{"zh-size-then-pronoun-material", "P1004", 158, 52}, // 一米五八 一百零四斤
		{"en-size-product-first", "P1005", 162, 60},
		{"en-size-height-weight-first", "P1002", 175, 68},
		{"en-size-then-pronoun-material", "P1001", 160, 50},
	}
	s := mustDefault(t)
	labelled := 0
	for _, d := range s.Dialogues {
		for _, turn := range d.Turns {
			if turn.Expect.Size != "" {
				labelled++
			}
		}
	}
	if labelled != len(cases) {
		t.Errorf("%d turns label a size, %d are checked here: add the new ones", labelled, len(cases))
	}
	for _, c := range cases {
		d := findDialogue(t, s, c.dialogue)
		want := ""
		for _, turn := range d.Turns {
			if turn.Expect.Size != "" {
				want = turn.Expect.Size
			}
		}
		p := shop.Product(c.product)
		if p == nil {
			t.Fatalf("%s: no product %s", c.dialogue, c.product)
		}
		got, sameRow := chartSize(p.SizeChart, c.heightCM, c.weightKG)
		if got != want {
			t.Errorf("%s: chart gives %q for %d cm %d kg, set says %q", c.dialogue, got, c.heightCM, c.weightKG, want)
		}
		if !sameRow {
			t.Errorf("%s: %d cm %d kg straddles rows; pick a case inside one row", c.dialogue, c.heightCM, c.weightKG)
		}
	}
}

func chartSize(rows []kb.SizeRow, h, w int) (size string, sameRow bool) {
	hi, wi := -1, -1
	for i, r := range rows {
		if h >= r.Height[0] && h <= r.Height[1] {
			hi = i
		}
		if w >= r.Weight[0] && w <= r.Weight[1] {
			wi = i
		}
	}
	if hi < 0 || wi < 0 {
		return "", false
	}
	return rows[max(hi, wi)].Size, hi == wi
}

func TestNoCopiesOfShopText(t *testing.T) {
	shop := kbtest.DemoShop(t)
	s := mustDefault(t)
	for _, c := range Copies(shop, s, CopyThreshold) {
		t.Errorf("[%s] %q copies %s phrasing %q (similarity %.2f)", c.Lang, c.Text, c.FAQ, c.ShopText, c.Similarity)
	}
}

func TestCopiesFlagsEditedPhrasings(t *testing.T) {
	shop := kbtest.DemoShop(t)
	s := &Set{Shop: demoShopID, Singles: []Single{
		{Lang: "zh", FAQ: "logistics.when_ship", Text: "嗯 多久发货啊"},                        // phrasing + fillers
		{Lang: "zh", FAQ: "product.material", Text: "请问这款牛仔裤的面料成分是什么"},                   // punctuation dropped
		{Lang: "en", FAQ: "logistics.where_is_order", Text: "Track my package, please!"}, // case, punctuation, filler
		{Lang: "en", FAQ: "chat.thanks", Text: "thank you"},                              // the question itself
		{Lang: "zh", FAQ: "logistics.when_ship", Text: "俺那单子啥时候给寄出去"},                    // own words
	}}
	got := Copies(shop, s, CopyThreshold)
	if len(got) != 4 {
		t.Fatalf("Copies found %d, want 4: %+v", len(got), got)
	}
	for _, c := range got {
		if c.Text == "俺那单子啥时候给寄出去" {
			t.Errorf("own wording flagged: %+v", c)
		}
	}
}

func TestCounts(t *testing.T) {
	shop := kbtest.DemoShop(t)
	s := mustDefault(t)
	for _, lang := range []string{"zh", "en"} {
		perFAQ := map[string]int{}
		in, oos := 0, 0
		for _, q := range s.Singles {
			if q.Lang != lang {
				continue
			}
			if q.OOS {
				oos++
			} else {
				in++
				perFAQ[q.FAQ]++
			}
		}
		for _, q := range shop.ActiveFAQs() {
			if perFAQ[q.ID] < minPerFAQ {
				t.Errorf("%s: faq %s has %d singles, want >= %d", lang, q.ID, perFAQ[q.ID], minPerFAQ)
			}
		}
		if in < minInScope {
			t.Errorf("%s: %d in-scope singles, want >= %d", lang, in, minInScope)
		}
		if oos < minOOS {
			t.Errorf("%s: %d out-of-scope singles, want >= %d", lang, oos, minOOS)
		}
		nd := 0
		for _, d := range s.Dialogues {
			if d.Lang != lang {
				continue
			}
			nd++
			if n := len(d.Turns); n < minTurns || n > maxTurns {
				t.Errorf("%s: %d turns, want %d..%d", d.Name, n, minTurns, maxTurns)
			}
		}
		if nd < minDialogues {
			t.Errorf("%s: %d dialogues, want >= %d", lang, nd, minDialogues)
		}
		t.Logf("%s: %d in-scope singles over %d FAQs, %d OOS, %d dialogues", lang, in, len(perFAQ), oos, nd)
	}
	seen := map[string]bool{}
	for _, q := range s.Singles {
		k := q.Lang + "|" + Normalize(q.Text)
		if seen[k] {
			t.Errorf("duplicate single %q", q.Text)
		}
		seen[k] = true
	}
}

// TestDialogueCoverage makes sure the behaviours the evaluation checks stay
// covered in both languages.
func TestDialogueCoverage(t *testing.T) {
	s := mustDefault(t)
	checks := map[string]func(Turn) bool{
		"asks_for order_number":  func(t Turn) bool { return t.Expect.AsksFor == "order_number" },
		"asks_for height_weight": func(t Turn) bool { return t.Expect.AsksFor == "height_weight" },
		"asks_for product":       func(t Turn) bool { return t.Expect.AsksFor == "product" },
		"order not found":        func(t Turn) bool { o := t.Expect.Order; return o != nil && o.Found != nil && !*o.Found },
		"order paid":             func(t Turn) bool { o := t.Expect.Order; return o != nil && o.Status == "paid" },
		"size":                   func(t Turn) bool { return t.Expect.Size != "" },
		"product_attribute":      func(t Turn) bool { return t.Expect.Action == "product_attribute" && t.Expect.Product != "" },
		"stock":                  func(t Turn) bool { return t.Expect.FAQ == "product.stock" },
		"repeat":                 func(t Turn) bool { return isTrue(t.Expect.RepeatsPrevious) },
		"slower":                 func(t Turn) bool { return isTrue(t.Expect.SpeechRateBelow1) },
		"louder":                 func(t Turn) bool { return isTrue(t.Expect.VolumeAbove1) },
		"handoff":                func(t Turn) bool { return isTrue(t.Expect.Handoff) && t.Text != "" },
		"angry":                  func(t Turn) bool { return isTrue(t.Expect.Handoff) && t.Expect.Emotion == "negative" },
		"end_call":               func(t Turn) bool { return isTrue(t.Expect.EndCall) },
		"dtmf card":              func(t Turn) bool { return t.DTMF == firstCardKey },
		"dtmf agent":             func(t Turn) bool { return t.DTMF == agentKey && isTrue(t.Expect.Handoff) },
		"ticket":                 func(t Turn) bool { return isTrue(t.Expect.Ticket) },
		"recommend":              func(t Turn) bool { return t.Expect.Action == "recommend" },
	}
	for _, lang := range []string{"zh", "en"} {
		for name, ok := range checks {
			found := false
			for _, d := range s.Dialogues {
				if d.Lang != lang {
					continue
				}
				for _, turn := range d.Turns {
					found = found || ok(turn)
				}
			}
			if !found {
				t.Errorf("%s: no dialogue turn covers %s", lang, name)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"both faq and oos": "shop: x\nsingles:\n  - {lang: zh, text: a, faq: f, oos: true}\n",
		"neither":          "shop: x\nsingles:\n  - {lang: zh, text: a}\n",
		"bad lang":         "shop: x\nsingles:\n  - {lang: fr, text: a, oos: true}\n",
		"unknown key":      "shop: x\nsingles:\n  - {lang: zh, text: a, oos: true, intent: y}\n",
		"empty expect":     "shop: x\ndialogues:\n  - name: d\n    lang: zh\n    turns:\n      - {text: a, expect: {}}\n",
		"text and dtmf":    "shop: x\ndialogues:\n  - name: d\n    lang: zh\n    turns:\n      - {text: a, dtmf: \"1\", expect: {handoff: true}}\n",
		"bad asks_for":     "shop: x\ndialogues:\n  - name: d\n    lang: zh\n    turns:\n      - {text: a, expect: {asks_for: colour}}\n",
		"no shop":          "singles: []\n",
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("x.yaml", []byte(data)); err == nil {
				t.Fatal("Parse accepted it")
			}
		})
	}
	_, err := Parse("x.yaml", []byte(cases["neither"]))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "x.yaml:3:") {
		t.Errorf("error %v: want ErrInvalid with file:line", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(t.TempDir() + "/none.yaml"); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

// scripted is a tiny Brain: it answers by substring rules and keeps per-session
// memory of whether it last asked for an order number.
type scripted struct {
	sessions map[string]string // session -> pending slot
	starts   int
}

func (b *scripted) Start(_ context.Context, o dialog.StartOptions) (dialog.Welcome, error) {
	if b.sessions == nil {
		b.sessions = map[string]string{}
	}
	if _, dup := b.sessions[o.SessionID]; dup {
		return dialog.Welcome{}, errors.New("session reused")
	}
	b.starts++
	b.sessions[o.SessionID] = ""
	return dialog.Welcome{Session: o.SessionID, Lang: o.Lang}, nil
}

func (b *scripted) Handle(_ context.Context, sid string, in dialog.Input) (dialog.Reply, error) {
	pending, ok := b.sessions[sid]
	if !ok {
		return dialog.Reply{}, errors.New("no such session")
	}
	r := dialog.Reply{Session: sid, Speech: dialog.Speech{Rate: 1, Volume: 1}}
	faq := func(id string, conf float64) { r.FAQ = &id; r.Confidence = conf }
	switch {
	case in.DTMF == "0":
		r.Handoff = true
	case in.Text == "boom":
		return r, errors.New("brain exploded")
	case strings.Contains(in.Text, "where"):
		faq("logistics.where_is_order", 0.9)
		s := "order_number"
		r.AsksFor, r.Action = &s, "order_status"
		b.sessions[sid] = "order_number"
	case pending == "order_number":
		r.Order = &dialog.OrderRef{ID: "2024112500002", Found: true, Status: "paid"}
		b.sessions[sid] = ""
	case strings.Contains(in.Text, "ship"):
		faq("logistics.when_ship", 0.8)
	case strings.Contains(in.Text, "weather"):
		r.OutOfScope, r.Action = true, "fallback"
	case strings.Contains(in.Text, "bank"):
		r.Action = "fallback" // faq null + fallback counts as rejected too
	default:
		r.OutOfScope, r.Action = true, "fallback"
	}
	return r, nil
}

func TestEvaluateScripted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, fa := true, false
	s := &Set{Shop: "test", Singles: []Single{
		{Lang: "en", Text: "when do you ship", FAQ: "logistics.when_ship"}, // right
		{Lang: "en", Text: "where is it", FAQ: "logistics.where_is_order"}, // right
		{Lang: "en", Text: "is it cotton", FAQ: "product.material"},        // falsely rejected
		{Lang: "en", Text: "boom", FAQ: "chat.greeting"},                   // brain error
		{Lang: "en", Text: "weather tomorrow", OOS: true},                  // rejected
		{Lang: "en", Text: "is the bank open", OOS: true},                  // rejected by fallback
		{Lang: "en", Text: "where is the bank", OOS: true},                 // answered: a miss
		{Lang: "zh", Text: "ship 啥时候", FAQ: "logistics.when_ship"},         // right
		{Lang: "zh", Text: "天气", OOS: true},                                // rejected
	}, Dialogues: []Dialogue{
		{Name: "order", Lang: "en", Turns: []Turn{
			{Text: "where is my order", Expect: Expect{FAQ: "logistics.where_is_order", AsksFor: "order_number"}},
			{Text: "two oh two four one one two five oh oh oh oh two", Expect: Expect{
				Order: &OrderExpect{ID: "2024112500002", Found: &tr, Status: "paid"}, AsksFor: AsksForNone}},
			{DTMF: "0", Expect: Expect{Handoff: &tr, EndCall: &fa}},
		}},
		{Name: "wrong", Lang: "zh", Turns: []Turn{
			{Text: "ship", Expect: Expect{FAQ: "logistics.when_ship", Handoff: &tr, SpeechRateBelow1: &tr}},
			{Text: "boom", Expect: Expect{Handoff: &tr}},
		}},
	}}
	b := &scripted{}
	r, err := Evaluate(ctx, b, s)
	if err != nil {
		t.Fatal(err)
	}
	if b.starts != len(s.Singles)+len(s.Dialogues) {
		t.Errorf("%d sessions started, want one per single and per dialogue (%d)", b.starts, len(s.Singles)+len(s.Dialogues))
	}
	if len(r.Langs) != 2 || r.Langs[0].Lang != "zh" || r.Langs[1].Lang != "en" {
		t.Fatalf("langs = %+v", r.Langs)
	}
	en, zh := r.Langs[1], r.Langs[0]
	want := LangReport{Lang: "en", InScope: 4, Top1Correct: 2, Top1Pct: 50, OOS: 3, OOSRejected: 2,
		OOSRejectedPct: 200.0 / 3, FalseRejected: 1, FalseRejectedPct: 25,
		Categories: []CategoryScore{
			{Category: "chat", InScope: 1, Correct: 0, Pct: 0},
			{Category: "product", InScope: 1, Correct: 0, Pct: 0},
			{Category: "logistics", InScope: 2, Correct: 2, Pct: 100},
		},
		Dialogues: 1, DialoguesCorrect: 1, Turns: 3, TurnsCorrect: 3, TurnsPct: 100}
	if !reflect.DeepEqual(en, want) {
		t.Errorf("en = %+v\nwant %+v", en, want)
	}
	if zh.Top1Pct != 100 || zh.OOSRejectedPct != 100 || zh.Turns != 2 || zh.TurnsCorrect != 0 || zh.DialoguesCorrect != 0 {
		t.Errorf("zh = %+v", zh)
	}
	if c := r.All.Categories; len(c) != 3 || c[2] != (CategoryScore{"logistics", 3, 3, 100}) {
		t.Errorf("all categories = %+v", c)
	}
	if r.All.InScope != 5 || r.All.Turns != 5 || r.All.TurnsCorrect != 3 || r.All.TurnsPct != 60 {
		t.Errorf("all = %+v", r.All)
	}
	// 1 false rejection, 1 error, 1 OOS miss, 2 wrong zh turns.
	if len(r.Failures) != 5 {
		t.Fatalf("%d failures, want 5:\n%s", len(r.Failures), r)
	}
	var turn Failure
	for _, f := range r.Failures {
		if f.Dialogue == "wrong" && f.Turn == 1 {
			turn = f
		}
	}
	if len(turn.Mismatches) != 2 || !strings.HasPrefix(turn.Mismatches[0], "handoff:") ||
		!strings.HasPrefix(turn.Mismatches[1], "speech.rate<1:") {
		t.Errorf("turn failure mismatches = %q", turn.Mismatches)
	}
	if got := r.Meets(DefaultTargets); len(got) == 0 {
		t.Error("Meets: a 50% top-1 passes the targets")
	}
	out := r.String()
	for _, w := range []string{"lang", "zh", "en", "all", "50.0%", "brain exploded", "where is the bank", "wrong#1", "logistics 2/2"} {
		if !strings.Contains(out, w) {
			t.Errorf("String() lacks %q:\n%s", w, out)
		}
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil || !reflect.DeepEqual(back.All, r.All) || len(back.Failures) != 5 {
		t.Errorf("JSON round trip: %v %+v", err, back.All)
	}
}

func TestEvaluateStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, &scripted{}, mustDefault(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestEvaluatePerfectBrain runs the real set through a brain that answers
// every single from the labels, so every in-scope and OOS counter is exercised
// at full size.
func TestEvaluatePerfectBrain(t *testing.T) {
	s := mustDefault(t)
	b := &oracle{answers: map[string]Single{}}
	for _, q := range s.Singles {
		b.answers[q.Lang+"|"+q.Text] = q
	}
	r, err := Evaluate(context.Background(), b, &Set{Shop: s.Shop, Singles: s.Singles})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range r.Langs {
		if l.Top1Pct != 100 || l.OOSRejectedPct != 100 || l.FalseRejectedPct != 0 {
			t.Errorf("%s: %+v", l.Lang, l)
		}
	}
	if len(r.Failures) != 0 {
		t.Errorf("failures: %v", r.Failures)
	}
}

type oracle struct {
	answers map[string]Single
	lang    map[string]string
}

func (o *oracle) Start(_ context.Context, opt dialog.StartOptions) (dialog.Welcome, error) {
	if o.lang == nil {
		o.lang = map[string]string{}
	}
	o.lang[opt.SessionID] = opt.Lang
	return dialog.Welcome{Session: opt.SessionID}, nil
}

func (o *oracle) Handle(_ context.Context, sid string, in dialog.Input) (dialog.Reply, error) {
	q := o.answers[o.lang[sid]+"|"+in.Text]
	if q.OOS {
		return dialog.Reply{OutOfScope: true, Action: "fallback"}, nil
	}
	id := q.FAQ
	return dialog.Reply{FAQ: &id, Confidence: 1}, nil
}

func mustDefault(t *testing.T) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func findDialogue(t *testing.T, s *Set, name string) Dialogue {
	t.Helper()
	for _, d := range s.Dialogues {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no dialogue %q", name)
	return Dialogue{}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isTrue(b *bool) bool { return b != nil && *b }

func FuzzParse(f *testing.F) {
	f.Add(demoShop)
	f.Add([]byte("shop: x\nsingles:\n  - {lang: zh, text: a, oos: true}\n"))
	f.Add([]byte("shop: x\ndialogues:\n  - name: d\n    lang: en\n    turns:\n      - {dtmf: \"1\", expect: {faq: a}}\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		// Whatever parses must be usable: validate again and list languages.
		if err := s.validate("fuzz.yaml"); err != nil {
			t.Fatalf("parsed set fails validation: %v", err)
		}
		_ = s.Langs()
	})
}
