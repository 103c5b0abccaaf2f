package kb

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// exportHeader is the comment at the top of every exported file.
const exportHeader = `callbee shop file, written by callbee (kb.Export).
Format: docs/shop-format.md. Every human-language field is keyed by language:
{zh: "...", en: "..."}. Answers may use {placeholders} filled from "shop".`

// flowWidth is the longest language map or list written on one line.
const flowWidth = 72

// Export writes s in the shop file format, readable by Parse. The current
// pack subscriptions are written to shop.packs when they differ from what the
// file would subscribe anyway, so an exported shop keeps its subscriptions.
func Export(w io.Writer, s *Shop) error {
	if s == nil {
		return fmt.Errorf("kb: export: %w", ErrNoShop)
	}
	f := s.File
	f.Shop.Packs = s.exportPacks()

	root := mapNode()
	root.HeadComment = exportHeader
	add(root, "shop", profileNode(&f.Shop))
	faqs := seqNode(false)
	cat := ""
	for _, q := range f.FAQs {
		n := faqNode(q)
		if q.Category != cat {
			cat = q.Category
			n.HeadComment = "---------------------------------------------------------------- " + cat
		}
		faqs.Content = append(faqs.Content, n)
	}
	add(root, "faqs", faqs)
	if len(f.Products) > 0 {
		ps := seqNode(false)
		for _, p := range f.Products {
			ps.Content = append(ps.Content, productNode(p))
		}
		add(root, "products", ps)
	}
	if len(f.Orders) > 0 {
		os := seqNode(false)
		for _, o := range f.Orders {
			os.Content = append(os.Content, orderNode(o))
		}
		add(root, "orders", os)
	}
	if len(f.IndustryPacks) > 0 {
		ps := seqNode(false)
		for _, p := range f.IndustryPacks {
			m := mapNode()
			add(m, "id", str(p.ID))
			add(m, "faqs", strsNode(p.FAQs, false))
			ps.Content = append(ps.Content, m)
		}
		add(root, "industry_packs", ps)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("kb: export: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("kb: export: %w", err)
	}
	return nil
}

// exportPacks returns what to write as shop.packs: the file's own list when
// the subscriptions still match it, nil when they match the default, else the
// current subscriptions (an empty non-nil list when none).
func (s *Shop) exportPacks() []string {
	cur := s.SubscribedPacks()
	fromFile := s.File.subscribedBy(s.File.Shop.Packs)
	if s.File.Shop.Packs != nil && slices.Equal(cur, fromFile) {
		return s.File.Shop.Packs
	}
	if slices.Equal(cur, s.File.subscribedBy(nil)) {
		return nil
	}
	if cur == nil {
		cur = []string{}
	}
	return cur
}

// subscribedBy returns the sorted existing packs that a shop.packs value
// subscribes.
func (f *File) subscribedBy(packs []string) []string {
	g := *f
	g.Shop.Packs = packs
	var out []string
	for _, id := range g.defaultPacks() {
		for _, p := range f.IndustryPacks {
			if p.ID == id && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func seqNode(flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func intNode(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

func floatNode(f float64) *yaml.Node {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	if g, err := strconv.ParseFloat(s, 64); err != nil || g != f {
		s = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}
}

func timeNode(t time.Time) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: t.Format(time.RFC3339Nano)}
}

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

// short reports whether strings fit on one line together.
func short(ss ...string) bool {
	n := 0
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if s[i] == '\n' {
				return false
			}
		}
		n += utf8.RuneCountInString(s) + 4
	}
	return n <= flowWidth
}

// human is a scalar of human text, double-quoted like the demo shop.
func human(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.DoubleQuotedStyle
	return n
}

func textNode(t Text) *yaml.Node {
	m := mapNode()
	keys := sortedKeys(t)
	vals := make([]string, 0, len(keys))
	for _, k := range keys {
		add(m, k, human(t[k]))
		vals = append(vals, t[k])
	}
	if short(vals...) {
		m.Style = yaml.FlowStyle
	}
	return m
}

func strsNode(l []string, forceFlow bool) *yaml.Node {
	n := seqNode(forceFlow || short(l...))
	for _, s := range l {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// textsNode writes lists per language, all on one line each when every
// language's list is short, else one item a line.
func textsNode(t Texts) *yaml.Node {
	m := mapNode()
	flow := true
	for _, l := range t {
		flow = flow && short(l...)
	}
	for _, k := range sortedKeys(t) {
		n := seqNode(flow)
		for _, s := range t[k] {
			n.Content = append(n.Content, human(s))
		}
		add(m, k, n)
	}
	return m
}

func addText(m *yaml.Node, key string, t Text) {
	if len(t) > 0 {
		add(m, key, textNode(t))
	}
}

func addTexts(m *yaml.Node, key string, t Texts) {
	if len(t) > 0 {
		add(m, key, textsNode(t))
	}
}

func addStr(m *yaml.Node, key, s string) {
	if s != "" {
		add(m, key, str(s))
	}
}

func addStrs(m *yaml.Node, key string, l []string) {
	if len(l) > 0 {
		add(m, key, strsNode(l, false))
	}
}

func profileNode(p *Profile) *yaml.Node {
	m := mapNode()
	add(m, "id", str(p.ID))
	addText(m, "name", p.Name)
	addStr(m, "category", p.Category)
	add(m, "ship_within_hours", intNode(p.ShipWithinHours))
	addText(m, "courier", p.Courier)
	addText(m, "ship_from", p.ShipFrom)
	addStr(m, "service_hours", p.ServiceHours)
	addStr(m, "hotline", p.Hotline)
	addStr(m, "timezone", p.Timezone)
	addText(m, "welcome", p.Welcome)
	addStrs(m, "cards", p.Cards)
	if p.Packs != nil {
		add(m, "packs", strsNode(p.Packs, true))
	}
	return m
}

func faqNode(q *FAQ) *yaml.Node {
	m := mapNode()
	add(m, "id", str(q.ID))
	add(m, "category", str(q.Category))
	addText(m, "question", q.Question)
	addTexts(m, "phrasings", q.Phrasings)
	addText(m, "answer", q.Answer)
	if len(q.Related) > 0 {
		add(m, "related", strsNode(q.Related, true))
	}
	addStr(m, "action", q.Action)
	return m
}

func productNode(p *Product) *yaml.Node {
	m := mapNode()
	add(m, "id", str(p.ID))
	addText(m, "title", p.Title)
	addTexts(m, "aliases", p.Aliases)
	add(m, "price", floatNode(p.Price))
	addTexts(m, "colors", p.Colors)
	if len(p.Sizes) > 0 {
		add(m, "sizes", strsNode(p.Sizes, true))
	}
	if len(p.SizeChart) > 0 {
		rows := seqNode(false)
		for _, r := range p.SizeChart {
			row := mapNode()
			row.Style = yaml.FlowStyle
			add(row, "size", str(r.Size))
			add(row, "height", pairNode(r.Height))
			add(row, "weight", pairNode(r.Weight))
			rows.Content = append(rows.Content, row)
		}
		add(m, "size_chart", rows)
	}
	if len(p.Attributes) > 0 {
		attrs := mapNode()
		names := make([]string, 0, len(p.Attributes))
		for k := range p.Attributes {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			add(attrs, k, textNode(p.Attributes[k]))
		}
		add(m, "attributes", attrs)
	}
	if len(p.Stock) > 0 {
		st := mapNode()
		st.Style = yaml.FlowStyle
		sizes := make([]string, 0, len(p.Stock))
		for k := range p.Stock {
			sizes = append(sizes, k)
		}
		// In the order of sizes; any others after, sorted.
		sort.Slice(sizes, func(i, j int) bool {
			a, b := slices.Index(p.Sizes, sizes[i]), slices.Index(p.Sizes, sizes[j])
			if a < 0 {
				a = len(p.Sizes)
			}
			if b < 0 {
				b = len(p.Sizes)
			}
			if a != b {
				return a < b
			}
			return sizes[i] < sizes[j]
		})
		for _, k := range sizes {
			add(st, k, intNode(p.Stock[k]))
		}
		add(m, "stock", st)
	}
	if len(p.Tags) > 0 {
		add(m, "tags", strsNode(p.Tags, true))
	}
	if len(p.Related) > 0 {
		add(m, "related", strsNode(p.Related, true))
	}
	return m
}

func pairNode(p [2]int) *yaml.Node {
	n := seqNode(true)
	n.Content = append(n.Content, intNode(p[0]), intNode(p[1]))
	return n
}

func orderNode(o *Order) *yaml.Node {
	m := mapNode()
	add(m, "id", str(o.ID))
	addStr(m, "buyer_phone_last4", o.BuyerPhoneLast4)
	add(m, "status", str(o.Status))
	if len(o.Items) > 0 {
		items := seqNode(false)
		for _, it := range o.Items {
			n := mapNode()
			n.Style = yaml.FlowStyle
			add(n, "product", str(it.Product))
			addStr(n, "size", it.Size)
			addText(n, "color", it.Color)
			add(n, "qty", intNode(it.Qty))
			items.Content = append(items.Content, n)
		}
		add(m, "items", items)
	}
	if o.PaidAt != nil {
		add(m, "paid_at", timeNode(*o.PaidAt))
	}
	addText(m, "courier", o.Courier)
	addStr(m, "tracking_no", o.TrackingNo)
	if len(o.Tracking) > 0 {
		tr := seqNode(false)
		for _, ev := range o.Tracking {
			n := mapNode()
			add(n, "at", timeNode(ev.At))
			addText(n, "event", ev.Event)
			if short(append([]string{"2026-11-25T10:32:00+08:00"}, textValues(ev.Event)...)...) {
				n.Style = yaml.FlowStyle
			}
			tr.Content = append(tr.Content, n)
		}
		add(m, "tracking", tr)
	}
	return m
}

func textValues(t Text) []string {
	out := make([]string, 0, len(t))
	for _, v := range t {
		out = append(out, v)
	}
	return out
}
