package kb

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Placeholders are the {names} an answer or the welcome may use; Shop.Fill
// replaces them with the shop's facts.
var Placeholders = []string{"shop_name", "ship_within_hours", "courier", "ship_from", "service_hours", "hotline"}

// MaxIDLen is the longest id (shop, FAQ, product, order, pack) accepted.
const MaxIDLen = 100

// validator checks a decoded File; problems point at lines when known.
type validator struct {
	p     *problems
	lines map[string]int
	f     *File
	langs []string // the shop's languages: keys of shop.name, zh and en first

	faqs     map[string]string // id -> path of first definition
	products map[string]*Product
	packs    map[string]string
}

func validate(name string, f *File, lines map[string]int, p *problems) {
	v := &validator{p: p, lines: lines, f: f,
		faqs:     make(map[string]string, len(f.FAQs)),
		products: make(map[string]*Product, len(f.Products)),
		packs:    make(map[string]string, len(f.IndustryPacks)),
	}
	v.languages()
	// First pass: ids, so references can be checked in any order.
	for i, q := range f.FAQs {
		v.id(index("faqs", i)+".id", q.ID, "FAQ", v.faqs)
	}
	prodPaths := map[string]string{}
	for i, pr := range f.Products {
		if v.id(index("products", i)+".id", pr.ID, "product", prodPaths) {
			v.products[pr.ID] = pr
		}
	}
	for i, pk := range f.IndustryPacks {
		v.id(index("industry_packs", i)+".id", pk.ID, "pack", v.packs)
	}
	v.profile()
	for i, q := range f.FAQs {
		v.faq(index("faqs", i), q)
	}
	for i, pr := range f.Products {
		v.product(index("products", i), pr)
	}
	orders := map[string]string{}
	for i, o := range f.Orders {
		path := index("orders", i)
		v.id(path+".id", o.ID, "order", orders)
		v.order(path, o)
	}
	for i, pk := range f.IndustryPacks {
		v.refs(index("industry_packs", i)+".faqs", pk.FAQs, v.isFAQ, "FAQ", "")
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
}

func (v *validator) isFAQ(id string) bool     { return v.faqs[id] != "" }
func (v *validator) isPack(id string) bool    { return v.packs[id] != "" }
func (v *validator) isProduct(id string) bool { return v.products[id] != nil }

// line finds the line of path, or of its nearest parent that has one.
func (v *validator) line(path string) int {
	for path != "" {
		if l, ok := v.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

func (v *validator) errorf(path, format string, args ...any) {
	if v.p.bad[path] {
		return // the decoder already said what is wrong here
	}
	v.p.add(v.line(path), path, fmt.Sprintf(format, args...))
}

func (v *validator) languages() {
	for l, s := range v.f.Shop.Name {
		if trimmed(s) {
			v.langs = append(v.langs, l)
		}
	}
	sortLangs(v.langs)
	if len(v.f.Shop.Name) == 0 {
		v.errorf("shop.name", "required: the shop's name in each language, like {zh: \"...\", en: \"...\"}; its keys are the shop's languages")
		return
	}
	if !slices.Contains(v.langs, LangZH) && !slices.Contains(v.langs, LangEN) {
		v.errorf("shop.name", "needs text in zh or en (the shop's languages are the keys of shop.name)")
		v.langs = nil // unknown: skip the per-language checks rather than flood
	}
}

// sortLangs orders zh, en first, then the rest alphabetically.
func sortLangs(l []string) {
	rank := func(s string) int {
		switch s {
		case LangZH:
			return 0
		case LangEN:
			return 1
		}
		return 2
	}
	sort.Slice(l, func(i, j int) bool {
		if ri, rj := rank(l[i]), rank(l[j]); ri != rj {
			return ri < rj
		}
		return l[i] < l[j]
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortLangs(out)
	return out
}

func validID(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return len(s) <= MaxIDLen
}

// id checks a required unique id and records it in seen (id -> path).
func (v *validator) id(path, id, kind string, seen map[string]string) bool {
	switch {
	case !trimmed(id):
		v.errorf(path, "required")
		return false
	case !validID(id):
		v.errorf(path, "%s id %q must be one word of at most %d characters, without spaces", kind, clip(id), MaxIDLen)
		return false
	}
	if first, dup := seen[id]; dup {
		v.errorf(path, "duplicate %s id %q (first at %s, line %d)", kind, id, first, v.line(first))
		return false
	}
	seen[id] = strings.TrimSuffix(path, ".id")
	return true
}

func (v *validator) langList() string { return strings.Join(v.langs, " and ") }

// text checks a language map: only the shop's languages, each with text.
func (v *validator) text(path string, t Text, required bool) {
	if len(t) == 0 {
		if required {
			v.errorf(path, "required: text in %s", v.langList())
		}
		return
	}
	for _, l := range sortedKeys(t) {
		if !v.knownLang(path, l) {
			continue
		}
		if !trimmed(t[l]) {
			v.errorf(join(path, l), "empty text")
		}
	}
	for _, l := range v.langs {
		if _, ok := t[l]; !ok {
			v.errorf(path, "missing %s text", l)
		}
	}
}

func (v *validator) knownLang(path, l string) bool {
	if len(v.langs) == 0 || slices.Contains(v.langs, l) {
		return true
	}
	v.errorf(join(path, l), "language %q is not one of the shop's languages (%s, the keys of shop.name)", l, strings.Join(v.langs, ", "))
	return false
}

// texts checks a language map of lists (phrasings, aliases, colours).
func (v *validator) texts(path string, t Texts) {
	if len(t) == 0 {
		return
	}
	for _, l := range sortedKeys(t) {
		if !v.knownLang(path, l) {
			continue
		}
		v.strs(join(path, l), t[l])
	}
	for _, l := range v.langs {
		if len(t[l]) == 0 {
			v.errorf(path, "no %s entries", l)
		}
	}
}

// strs checks that every string in a list has text.
func (v *validator) strs(path string, l []string) {
	for i, s := range l {
		if !trimmed(s) {
			v.errorf(index(path, i), "empty text")
		}
	}
}

// refs checks a list of ids: each names something in known, none twice, and
// none is self.
func (v *validator) refs(path string, ids []string, known func(string) bool, kind, self string) {
	for i, id := range ids {
		ip := index(path, i)
		switch {
		case !trimmed(id):
			v.errorf(ip, "empty %s id", kind)
		case id == self:
			v.errorf(ip, "%q names itself", id)
		case !known(id):
			v.errorf(ip, "unknown %s %q", kind, clip(id))
		case slices.Contains(ids[:i], id):
			v.errorf(ip, "%q is listed twice", id)
		}
	}
}

func (v *validator) profile() {
	s := &v.f.Shop
	v.id("shop.id", s.ID, "shop", map[string]string{})
	v.text("shop.name", s.Name, false)
	if s.Category != "" && !validID(s.Category) {
		v.errorf("shop.category", "must be one word without spaces, got %q", clip(s.Category))
	}
	if s.ShipWithinHours < 0 {
		v.errorf("shop.ship_within_hours", "%d is negative", s.ShipWithinHours)
	}
	v.text("shop.courier", s.Courier, false)
	v.text("shop.ship_from", s.ShipFrom, false)
	if s.ServiceHours != "" {
		if msg := checkHours(s.ServiceHours); msg != "" {
			v.errorf("shop.service_hours", "%s", msg)
		}
	}
	v.text("shop.welcome", s.Welcome, false)
	for _, l := range sortedKeys(s.Welcome) {
		v.placeholders(join("shop.welcome", l), s.Welcome[l], l)
	}
	if len(s.Cards) > MaxCards {
		v.errorf("shop.cards", "%d cards, at most %d", len(s.Cards), MaxCards)
	}
	v.refs("shop.cards", s.Cards, v.isFAQ, "FAQ", "")
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			v.errorf("shop.timezone", "unknown time zone %q (want a name like Asia/Shanghai)", clip(s.Timezone))
		}
	}
	v.refs("shop.packs", s.Packs, v.isPack, "industry pack", "")
}

// checkHours checks "HH:MM-HH:MM" and returns what is wrong, or "".
func checkHours(s string) string {
	bad := fmt.Sprintf("want HH:MM-HH:MM like 09:00-22:00, got %q", clip(s))
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return bad
	}
	a, ok1 := clockMinutes(from)
	b, ok2 := clockMinutes(to)
	if !ok1 || !ok2 {
		return bad
	}
	if a == b {
		return fmt.Sprintf("%q starts and ends at the same time", s)
	}
	return ""
}

func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

var placeholderRE = regexp.MustCompile(`\{([^{}\n]{0,40})\}`)

// placeholders checks that every {name} in text is a known placeholder whose
// fact the shop has in lang.
func (v *validator) placeholders(path, text, lang string) {
	if !strings.Contains(text, "{") {
		return
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		name := m[1]
		if !slices.Contains(Placeholders, name) {
			v.errorf(path, "unknown placeholder {%s} (known: %s)", name, "{"+strings.Join(Placeholders, "}, {")+"}")
			continue
		}
		s := &v.f.Shop
		empty := ""
		switch name {
		case "shop_name":
			if !trimmed(s.Name[lang]) {
				empty = "shop.name"
			}
		case "courier":
			if !trimmed(s.Courier[lang]) {
				empty = "shop.courier"
			}
		case "ship_from":
			if !trimmed(s.ShipFrom[lang]) {
				empty = "shop.ship_from"
			}
		case "service_hours":
			if s.ServiceHours == "" {
				empty = "shop.service_hours"
			}
		case "hotline":
			if !trimmed(s.Hotline) {
				empty = "shop.hotline"
			}
		}
		if empty != "" {
			v.errorf(path, "placeholder {%s} is used but %s is not set", name, empty)
		}
	}
}

func (v *validator) faq(path string, q *FAQ) {
	switch {
	case q.Category == "":
		v.errorf(path+".category", "required: one of %s", strings.Join(Categories, ", "))
	case !slices.Contains(Categories, q.Category):
		v.errorf(path+".category", "unknown category %q (want one of %s)", clip(q.Category), strings.Join(Categories, ", "))
	}
	v.text(path+".question", q.Question, true)
	v.texts(path+".phrasings", q.Phrasings)
	v.text(path+".answer", q.Answer, true)
	for _, l := range sortedKeys(q.Answer) {
		v.placeholders(path+".answer."+l, q.Answer[l], l)
	}
	if len(q.Related) > MaxRelated {
		v.errorf(path+".related", "%d items, at most %d", len(q.Related), MaxRelated)
	}
	v.refs(path+".related", q.Related, v.isFAQ, "FAQ", q.ID)
	if q.Action != "" && !slices.Contains(Actions, q.Action) {
		v.errorf(path+".action", "unknown action %q (want one of %s)", clip(q.Action), strings.Join(Actions, ", "))
	}
}

func (v *validator) product(path string, p *Product) {
	v.text(path+".title", p.Title, true)
	v.texts(path+".aliases", p.Aliases)
	if p.Price < 0 {
		v.errorf(path+".price", "negative price")
	}
	v.texts(path+".colors", p.Colors)
	if len(v.langs) > 1 && len(p.Colors) > 0 {
		n := len(p.Colors[v.langs[0]])
		for _, l := range v.langs[1:] {
			if c := len(p.Colors[l]); c > 0 && n > 0 && c != n {
				v.errorf(path+".colors", "%d colours in %s but %d in %s; list the same colours, in the same order, in every language", n, v.langs[0], c, l)
			}
		}
	}
	v.strs(path+".sizes", p.Sizes)
	for i, s := range p.Sizes {
		if slices.Contains(p.Sizes[:i], s) {
			v.errorf(index(path+".sizes", i), "size %q is listed twice", s)
		}
	}
	for i, r := range p.SizeChart {
		rp := index(path+".size_chart", i)
		switch {
		case !trimmed(r.Size):
			v.errorf(rp+".size", "required")
		case !slices.Contains(p.Sizes, r.Size):
			v.errorf(rp+".size", "size %q is not in sizes", clip(r.Size))
		}
		v.rangeOK(rp+".height", r.Height)
		v.rangeOK(rp+".weight", r.Weight)
	}
	for _, name := range sortedKeys(p.Attributes) {
		ap := path + ".attributes." + name
		if !trimmed(name) {
			v.errorf(ap, "empty attribute name")
		}
		v.text(ap, p.Attributes[name], true)
	}
	for _, size := range sortedKeys(p.Stock) {
		sp := path + ".stock." + size
		if !slices.Contains(p.Sizes, size) {
			v.errorf(sp, "size %q is not in sizes", clip(size))
		}
		if p.Stock[size] < 0 {
			v.errorf(sp, "negative stock %d", p.Stock[size])
		}
	}
	v.strs(path+".tags", p.Tags)
	v.refs(path+".related", p.Related, v.isProduct, "product", p.ID)
}

func (v *validator) rangeOK(path string, r [2]int) {
	switch {
	case r[0] < 0 || r[1] < 0:
		v.errorf(path, "negative value in [%d, %d]", r[0], r[1])
	case r[0] > r[1]:
		v.errorf(path, "low %d is above high %d", r[0], r[1])
	}
}

func (v *validator) order(path string, o *Order) {
	switch {
	case o.Status == "":
		v.errorf(path+".status", "required: one of %s", strings.Join(OrderStatuses, ", "))
	case !slices.Contains(OrderStatuses, o.Status):
		v.errorf(path+".status", "unknown status %q (want one of %s)", clip(o.Status), strings.Join(OrderStatuses, ", "))
	}
	if o.BuyerPhoneLast4 != "" && !isDigits(o.BuyerPhoneLast4, 4) {
		v.errorf(path+".buyer_phone_last4", "want 4 digits in quotes like \"1234\", got %q", clip(o.BuyerPhoneLast4))
	}
	for i, it := range o.Items {
		ip := index(path+".items", i)
		p := v.products[it.Product]
		switch {
		case !trimmed(it.Product):
			v.errorf(ip+".product", "required")
		case p == nil:
			v.errorf(ip+".product", "unknown product %q", clip(it.Product))
		}
		if p != nil && it.Size != "" && !slices.Contains(p.Sizes, it.Size) {
			v.errorf(ip+".size", "size %q is not one of %s's sizes", clip(it.Size), p.ID)
		}
		if it.Qty < 1 {
			v.errorf(ip+".qty", "want at least 1, got %d", it.Qty)
		}
		v.text(ip+".color", it.Color, false)
	}
	v.text(path+".courier", o.Courier, false)
	var prev time.Time
	for i, ev := range o.Tracking {
		ep := index(path+".tracking", i)
		if ev.At.IsZero() {
			v.errorf(ep+".at", "required")
		} else if ev.At.Before(prev) {
			v.errorf(ep+".at", "earlier than the event before it (events go oldest first)")
		}
		if !ev.At.IsZero() {
			prev = ev.At
		}
		v.text(ep+".event", ev.Event, true)
	}
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
