package kb_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

func TestDemoShopImportsClean(t *testing.T) {
	s := kbtest.DemoShop(t)
	if s.ID() == "" || len(s.FAQs) == 0 || len(s.Products) == 0 || len(s.Orders) == 0 {
		t.Fatalf("demo shop looks empty: id %q, %d FAQs, %d products, %d orders", s.ID(), len(s.FAQs), len(s.Products), len(s.Orders))
	}
	for _, q := range s.FAQs {
		if s.FAQ(q.ID) != q {
			t.Errorf("FAQ(%q) does not find it", q.ID)
		}
	}
}

// TestStarterShop checks the starter shop imports clean and is the complete
// example the brief asks for.
func TestStarterShop(t *testing.T) {
	s := kbtest.StarterShop(t)
	demo := kbtest.DemoShop(t)
	if s.ID() == demo.ID() || s.Shop.Category == demo.Shop.Category {
		t.Errorf("starter shop should be a different business than the demo")
	}
	if n := len(s.FAQs); n < 25 || n > 30 {
		t.Errorf("%d FAQs, want 25-30", n)
	}
	if n := len(s.Shop.Cards); n != kb.MaxCards {
		t.Errorf("%d cards, want %d", n, kb.MaxCards)
	}
	cats, acts := map[string]bool{}, map[string]bool{}
	for _, q := range s.FAQs {
		cats[q.Category] = true
		acts[q.Action] = true
		for _, l := range []string{kb.LangZH, kb.LangEN} {
			if n := len(q.Phrasings[l]); n < 4 || n > 6 {
				t.Errorf("%s: %d %s phrasings, want 4-6", q.ID, n, l)
			}
		}
		if len(q.Related) == 0 {
			t.Errorf("%s: no related questions", q.ID)
		}
	}
	for _, c := range kb.Categories {
		if !cats[c] {
			t.Errorf("no FAQ in category %s", c)
		}
	}
	for _, a := range kb.Actions {
		if !acts[a] {
			t.Errorf("no FAQ with action %s", a)
		}
	}
	if n := len(s.Products); n < 4 || n > 6 {
		t.Errorf("%d products, want 4-6", n)
	}
	soldOut := 0
	for _, p := range s.Products {
		for _, n := range p.Stock {
			if n == 0 {
				soldOut++
			}
		}
	}
	if soldOut == 0 {
		t.Error("no sold-out size")
	}
	statuses := map[string]bool{}
	for _, o := range s.Orders {
		statuses[o.Status] = true
	}
	for _, st := range []string{"unpaid", "paid", "shipped", "delivered", "refunding"} {
		if !statuses[st] {
			t.Errorf("no %s order", st)
		}
	}
	if !s.Subscribed(kb.GeneralPack) || !s.Subscribed(s.Shop.Category) {
		t.Errorf("subscribed %v, want general and %s", s.SubscribedPacks(), s.Shop.Category)
	}
	// No demo sentence copied.
	demoText := map[string]bool{}
	for _, q := range demo.FAQs {
		for _, a := range q.Answer {
			demoText[a] = true
		}
		for _, l := range q.Phrasings {
			for _, p := range l {
				demoText[p] = true
			}
		}
	}
	for _, q := range s.FAQs {
		for _, a := range q.Answer {
			if demoText[a] {
				t.Errorf("%s: answer copied from the demo shop: %q", q.ID, a)
			}
		}
	}
}

func TestFill(t *testing.T) {
	s, err := kb.Parse("t.yaml", []byte(small(t)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, lang, want string
	}{
		{"{courier}答", kb.LangZH, "快递答"},
		{"answer by {courier}", kb.LangEN, "answer by Post"},
		{"{shop_name}: {service_hours}, {ship_within_hours}h", kb.LangEN, "Shop: 09:00 to 18:00, 24h"},
		{"{shop_name}{service_hours}", kb.LangZH, "店09:00到18:00"},
		{"{unknown} stays", kb.LangEN, "{unknown} stays"},
		{"no braces", kb.LangZH, "no braces"},
	}
	for _, tt := range tests {
		if got := s.Fill(tt.text, tt.lang); got != tt.want {
			t.Errorf("Fill(%q, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

func TestSubscribe(t *testing.T) {
	s, err := kb.Parse("t.yaml", []byte(small(t)))
	if err != nil {
		t.Fatal(err)
	}
	ids := func() []string {
		var out []string
		for _, q := range s.ActiveFAQs() {
			out = append(out, q.ID)
		}
		return out
	}
	if got, want := s.SubscribedPacks(), []string{"general", "toys"}; !slices.Equal(got, want) {
		t.Fatalf("default packs = %v, want %v", got, want)
	}
	steps := []struct {
		op, pack string
		want     []string // active FAQs after the step
	}{
		{"", "", []string{"a.one", "a.two"}},
		{"unsubscribe", "toys", []string{"a.one"}},
		{"subscribe", "extra", []string{"a.one", "a.two"}}, // a.two is in extra too
		{"unsubscribe", "extra", []string{"a.one"}},
		{"unsubscribe", "general", nil},
		{"subscribe", "toys", []string{"a.two"}},
	}
	for _, st := range steps {
		switch st.op {
		case "subscribe":
			if err := s.Subscribe(st.pack); err != nil {
				t.Fatal(err)
			}
		case "unsubscribe":
			if err := s.Unsubscribe(st.pack); err != nil {
				t.Fatal(err)
			}
		}
		if got := ids(); !slices.Equal(got, st.want) {
			t.Errorf("after %s %s: active %v, want %v", st.op, st.pack, got, st.want)
		}
		for _, id := range []string{"a.one", "a.two"} {
			if got, want := s.Active(id), slices.Contains(st.want, id); got != want {
				t.Errorf("after %s %s: Active(%s) = %v, want %v", st.op, st.pack, id, got, want)
			}
		}
	}
	var ue *kb.UnknownError
	if err := s.Subscribe("nope"); !errors.As(err, &ue) {
		t.Errorf("Subscribe(nope) = %v, want *UnknownError", err)
	}
	if s.Active("missing") {
		t.Error("Active(missing) = true")
	}
}

func TestSubscribeDemoShop(t *testing.T) {
	s := kbtest.DemoShop(t)
	cat := s.Shop.Category
	pack := s.Pack(cat)
	if pack == nil {
		t.Skipf("demo shop has no %s pack", cat)
	}
	general := s.Pack(kb.GeneralPack)
	before := len(s.ActiveFAQs())
	if err := s.Unsubscribe(cat); err != nil {
		t.Fatal(err)
	}
	var onlyCat, both int
	for _, id := range pack.FAQs {
		inGeneral := general != nil && slices.Contains(general.FAQs, id)
		if got := s.Active(id); got != inGeneral {
			t.Errorf("%s after unsubscribing %s: Active = %v, want %v", id, cat, got, inGeneral)
		}
		if inGeneral {
			both++
		} else {
			onlyCat++
		}
	}
	if got, want := len(s.ActiveFAQs()), before-onlyCat; got != want {
		t.Errorf("%d active FAQs, want %d", got, want)
	}
	if err := s.Subscribe(cat); err != nil {
		t.Fatal(err)
	}
	if got := len(s.ActiveFAQs()); got != before {
		t.Errorf("%d active FAQs after subscribing again, want %d", got, before)
	}
}

// normTimes makes times comparable with reflect.DeepEqual (same instant,
// different *Location after a reparse).
// It copies the orders, leaving the shop as it was.
func normTimes(f *kb.File) {
	orders := make([]*kb.Order, len(f.Orders))
	for i, o := range f.Orders {
		c := *o
		if c.PaidAt != nil {
			u := c.PaidAt.UTC()
			c.PaidAt = &u
		}
		c.Tracking = slices.Clone(c.Tracking)
		for i := range c.Tracking {
			c.Tracking[i].At = c.Tracking[i].At.UTC()
		}
		orders[i] = &c
	}
	if f.Orders != nil {
		f.Orders = orders
	}
}

func roundTrip(t testing.TB, s *kb.Shop) (*kb.Shop, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := kb.Export(&buf, s); err != nil {
		t.Fatalf("Export: %v", err)
	}
	s2, err := kb.Parse("exported.yaml", buf.Bytes())
	if err != nil {
		t.Fatalf("Parse(Export(shop)): %v\n%s", err, buf.Bytes())
	}
	return s2, buf.Bytes()
}

func sameFile(t testing.TB, got, want *kb.Shop) {
	t.Helper()
	a, b := got.File, want.File
	normTimes(&a)
	normTimes(&b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip changed the file:\n got %+v\nwant %+v", a.Shop, b.Shop)
		for i := range min(len(a.FAQs), len(b.FAQs)) {
			if !reflect.DeepEqual(a.FAQs[i], b.FAQs[i]) {
				t.Errorf("faqs[%d]: got %+v, want %+v", i, a.FAQs[i], b.FAQs[i])
			}
		}
	}
}

func TestExportRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		path func(testing.TB) string
	}{
		{"demo", kbtest.DemoShopPath},
		{"starter", kbtest.StarterShopPath},
		{"small", func(testing.TB) string { return "testdata/small.yaml" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := kb.Load(tt.path(t))
			if err != nil {
				t.Fatal(err)
			}
			s2, out := roundTrip(t, s)
			sameFile(t, s2, s)
			if !bytes.HasPrefix(out, []byte("# callbee shop file")) {
				t.Errorf("no header comment: %.60q", out)
			}
			if !bytes.Contains(out, []byte(`name: {zh: `)) {
				t.Errorf("short language maps are not in flow style")
			}
			// Export is stable: exporting the re-read shop gives the same bytes.
			_, out2 := roundTrip(t, s2)
			if !bytes.Equal(out, out2) {
				t.Errorf("second export differs from the first")
			}
		})
	}
}

func TestExportKeepsSubscriptions(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*kb.Shop) error
		wantKey   string // what the export says about packs ("" = no packs key)
		wantPacks []string
	}{
		{"default is not written", func(*kb.Shop) error { return nil }, "", []string{"general", "toys"}},
		{"unsubscribed", func(s *kb.Shop) error { return s.Unsubscribe("toys") }, "packs: [general]", []string{"general"}},
		{"subscribed", func(s *kb.Shop) error { return s.Subscribe("extra") }, "packs: [extra, general, toys]", []string{"extra", "general", "toys"}},
		{"none", func(s *kb.Shop) error {
			return errors.Join(s.Unsubscribe("toys"), s.Unsubscribe("general"))
		}, "packs: []", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := kb.Parse("t.yaml", []byte(small(t)))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(s); err != nil {
				t.Fatal(err)
			}
			s2, out := roundTrip(t, s)
			hasKey := bytes.Contains(out, []byte("packs: ["))
			if tt.wantKey == "" && hasKey || tt.wantKey != "" && !bytes.Contains(out, []byte(tt.wantKey)) {
				t.Errorf("export has no %q (or has packs when it should not):\n%s", tt.wantKey, out[:min(len(out), 400)])
			}
			if got := s2.SubscribedPacks(); !slices.Equal(got, tt.wantPacks) && !(len(got) == 0 && len(tt.wantPacks) == 0) {
				t.Errorf("re-read subscriptions %v, want %v", got, tt.wantPacks)
			}
		})
	}
}

func TestHolder(t *testing.T) {
	good := small(t)
	bad := strings.Replace(good, "    category: more", "    category: misc", 1)
	dir := t.TempDir()
	goodPath, badPath := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(goodPath, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}

	h := kb.NewHolder(nil)
	if h.Shop() != nil {
		t.Fatal("new empty holder has a shop")
	}
	if err := h.Reload(goodPath); err != nil {
		t.Fatalf("Reload(good) = %v", err)
	}
	first := h.Shop()
	if first == nil {
		t.Fatal("no shop after a good reload")
	}

	var ve *kb.ValidationError
	if err := h.Reload(badPath); !errors.As(err, &ve) {
		t.Fatalf("Reload(bad) = %v, want *ValidationError", err)
	}
	if h.Shop() != first {
		t.Error("a bad file replaced the good shop (Reload)")
	}
	if err := h.Replace("bad.yaml", []byte(bad)); !errors.As(err, &ve) {
		t.Fatalf("Replace(bad) = %v, want *ValidationError", err)
	}
	if got, want := ve.Problems[0].String(), `bad.yaml:17: faqs[1].category: unknown category "misc" (want one of chat, product, promotion, purchase, logistics, aftersales, more)`; got != want {
		t.Errorf("problem %q, want %q", got, want)
	}
	if err := h.Reload(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Reload(missing) = %v, want ErrNotExist", err)
	}
	if h.Shop() != first {
		t.Error("a bad file replaced the good shop (Replace/missing)")
	}
	if err := h.Replace("good.yaml", []byte(good)); err != nil {
		t.Fatalf("Replace(good) = %v", err)
	}
	if h.Shop() == first || h.Shop() == nil {
		t.Error("a good file did not replace the shop")
	}

	// The check hook can refuse a valid shop.
	refuse := errors.New("matcher failed")
	h2 := kb.NewHolder(first, kb.WithCheck(func(*kb.Shop) error { return refuse }))
	if err := h2.Replace("good.yaml", []byte(good)); !errors.Is(err, refuse) {
		t.Errorf("Replace with failing check = %v, want %v", err, refuse)
	}
	if h2.Shop() != first {
		t.Error("a refused shop replaced the current one")
	}
}

func TestHolderConcurrent(t *testing.T) {
	good := []byte(small(t))
	bad := []byte("shop: [")
	s, err := kb.Parse("good.yaml", good)
	if err != nil {
		t.Fatal(err)
	}
	h := kb.NewHolder(s)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if h.Shop() == nil || h.Shop().FAQ("a.one") == nil {
					panic("reader saw no shop") // cannot t.Fatal off the test goroutine
				}
			}
		}()
	}
	deadline := time.After(10 * time.Second)
	for i := range 50 {
		select {
		case <-deadline:
			t.Fatal("deadline")
		default:
		}
		data := good
		if i%2 == 1 {
			data = bad
		}
		_ = h.Replace("x.yaml", data)
	}
	close(done)
	wg.Wait()
}

func BenchmarkParseDemoShop(b *testing.B) {
	data, err := os.ReadFile(kbtest.DemoShopPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := kb.Parse("shop.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportDemoShop(b *testing.B) {
	s := kbtest.DemoShop(b)
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := kb.Export(&buf, s); err != nil {
			b.Fatal(err)
		}
	}
}
