package kb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile or broken file from blowing up memory. A file
// over any of them is rejected with a problem naming the limit.
const (
	MaxFileSize  = 8 << 20 // bytes
	MaxFAQs      = 5000
	MaxProducts  = 5000
	MaxOrders    = 50000
	MaxPacks     = 200
	MaxListLen   = 1000 // any other list: phrasings per language, aliases, sizes, items, tracking ...
	MaxMapLen    = 200  // attributes, stock, languages
	MaxStringLen = 2000 // characters in any one string
	MaxProblems  = 200  // problems kept in a ValidationError; the rest are counted
)

// Load reads and validates the shop file at path. Problems name the file as
// path. Errors other than I/O are *ValidationError.
func Load(path string) (*Shop, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kb: load: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("kb: load %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a shop file. name is used in problems
// ("shop.yaml:12: faqs[3].related: ..."). The error, if any, is a
// *ValidationError holding every problem found.
func Parse(name string, data []byte) (*Shop, error) {
	f, lines, probs := decode(name, data)
	if probs.fatal {
		return nil, probs.err()
	}
	validate(name, f, lines, probs)
	if len(probs.list) > 0 {
		return nil, probs.err()
	}
	return NewShop(*f), nil
}

// Validate checks a File built in code (no line numbers are known). It returns
// nil or a *ValidationError.
func Validate(name string, f *File) error {
	p := &problems{name: name}
	validate(name, f, nil, p)
	if len(p.list) > 0 {
		return p.err()
	}
	return nil
}

// problems collects Problems up to MaxProblems.
type problems struct {
	name     string
	list     []Problem
	omitted  int
	tooLarge bool
	fatal    bool            // decoding could not go on (syntax error, not a mapping...)
	bad      map[string]bool // field paths the decoder already complained about
}

func (p *problems) add(line int, field, msg string) {
	if len(p.list) >= MaxProblems {
		p.omitted++
		return
	}
	p.list = append(p.list, Problem{File: p.name, Line: line, Field: field, Msg: msg})
}

func (p *problems) err() *ValidationError {
	return &ValidationError{Problems: p.list, Omitted: p.omitted, tooLarge: p.tooLarge}
}

// decoder walks the yaml.Node tree into a File, recording the line of every
// field path and collecting problems (unknown keys, wrong types, limits).
type decoder struct {
	p     *problems
	lines map[string]int // field path -> line
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

func decode(name string, data []byte) (*File, map[string]int, *problems) {
	p := &problems{name: name}
	f := &File{}
	if len(data) > MaxFileSize {
		p.tooLarge, p.fatal = true, true
		p.add(0, "", fmt.Sprintf("file is larger than %s, the most a shop file may be", sizeString(MaxFileSize)))
		return f, nil, p
	}
	var root yaml.Node
	if err := unmarshal(data, &root); err != nil {
		p.fatal = true
		msg := err.Error()
		line := 0
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = "yaml: " + msg[len(m[0]):]
		}
		p.add(line, "", msg)
		return f, nil, p
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		p.fatal = true
		p.add(0, "", "empty file")
		return f, nil, p
	}
	d := &decoder{p: p, lines: make(map[string]int, 4096)}
	d.file(root.Content[0], f)
	if top := root.Content[0]; top.Kind != yaml.MappingNode {
		p.fatal = true
		if len(p.list) == 0 && p.omitted == 0 {
			p.add(top.Line, "", "no shop in the file: want a mapping with shop, faqs, products, orders, industry_packs")
		}
	}
	p.fatal = p.fatal || p.tooLarge // no point checking the rest of a cut-off file
	return f, d.lines, p
}

// unmarshal parses one YAML document, turning a panic inside the parser into
// an error so that no input can crash the bot. A second document is an error:
// it would otherwise be silently ignored.
func unmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty: the caller reports it
		}
		return err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("yaml: line %d: a second YAML document (---); a shop file holds one", max(next.Line, 1))
}

func sizeString(n int) string {
	if n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n) + " bytes"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	if d.p.bad == nil {
		d.p.bad = map[string]bool{}
	}
	d.p.bad[path] = true
	d.p.add(line, path, fmt.Sprintf(format, args...))
}

func (d *decoder) limit(n *yaml.Node, path string, count, max int, what string) bool {
	if count <= max {
		return true
	}
	d.p.tooLarge = true
	d.errorf(n, path, "%d %s, at most %d", count, what, max)
	return false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return strconv.Quote(clip(n.Value))
	}
	return "something else"
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "..."
}

// ok reports whether n can be decoded at all; aliases are refused so that a
// small file cannot expand into a huge one.
func (d *decoder) ok(n *yaml.Node, path string) bool {
	if n.Kind == yaml.AliasNode {
		d.errorf(n, path, "YAML aliases (*%s) are not supported; write the value out", n.Value)
		return false
	}
	return true
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// mapping calls fn for each key of a mapping node, refusing duplicate keys.
// A null node is an empty mapping.
func (d *decoder) mapping(n *yaml.Node, path, want string, fn func(key string, k, v *yaml.Node)) {
	if !d.ok(n, path) || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "want %s, got %s", want, kindName(n))
		return
	}
	if len(n.Content) > 2*16 {
		// Only big mappings need a set to find duplicates quickly.
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !d.key(k, path) {
				continue
			}
			if first, dup := seen[k.Value]; dup {
				d.errorf(k, join(path, k.Value), "duplicate key (first on line %d)", first)
				continue
			}
			seen[k.Value] = k.Line
			fn(k.Value, k, v)
		}
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !d.key(k, path) {
			continue
		}
		dup := false
		for j := 0; j < i; j += 2 {
			if n.Content[j].Kind == yaml.ScalarNode && n.Content[j].Value == k.Value {
				d.errorf(k, join(path, k.Value), "duplicate key (first on line %d)", n.Content[j].Line)
				dup = true
				break
			}
		}
		if !dup {
			fn(k.Value, k, v)
		}
	}
}

func (d *decoder) key(k *yaml.Node, path string) bool {
	if k.Kind != yaml.ScalarNode {
		d.errorf(k, path, "keys must be plain names, got %s", kindName(k))
		return false
	}
	if utf8.RuneCountInString(k.Value) > 100 {
		d.p.tooLarge = true
		d.errorf(k, path, "key of %d characters, at most 100", utf8.RuneCountInString(k.Value))
		return false
	}
	return true
}

func (d *decoder) unknown(k *yaml.Node, path string, known string) {
	d.errorf(k, join(path, k.Value), "unknown key (known: %s)", known)
}

// seq calls fn for each item of a list node, up to max items.
func (d *decoder) seq(n *yaml.Node, path string, max int, what string, fn func(i int, item *yaml.Node, ipath string)) {
	if !d.ok(n, path) || isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "want a list of %s, got %s", what, kindName(n))
		return
	}
	items := n.Content
	if !d.limit(n, path, len(items), max, what) {
		items = items[:max]
	}
	for i, it := range items {
		ip := index(path, i)
		d.lines[ip] = it.Line
		if d.ok(it, ip) {
			fn(i, it, ip)
		}
	}
}

func (d *decoder) str(n *yaml.Node, path string) string {
	if !d.ok(n, path) || isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "want text, got %s", kindName(n))
		return ""
	}
	if c := utf8.RuneCountInString(n.Value); c > MaxStringLen {
		d.p.tooLarge = true
		d.errorf(n, path, "text of %d characters, at most %d", c, MaxStringLen)
		return ""
	}
	return n.Value
}

func (d *decoder) integer(n *yaml.Node, path string) int {
	if !d.ok(n, path) || isNull(n) {
		return 0
	}
	if n.Kind == yaml.ScalarNode {
		var v int64
		if err := n.Decode(&v); err == nil && v >= -1e9 && v <= 1e9 {
			return int(v)
		}
	}
	d.errorf(n, path, "want a whole number, got %s", kindName(n))
	return 0
}

func (d *decoder) float(n *yaml.Node, path string) float64 {
	if !d.ok(n, path) || isNull(n) {
		return 0
	}
	if n.Kind == yaml.ScalarNode {
		var v float64
		if err := n.Decode(&v); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) && math.Abs(v) < 1e12 {
			return v
		}
	}
	d.errorf(n, path, "want a number, got %s", kindName(n))
	return 0
}

// Time layouts accepted, the YAML timestamp forms.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999 -07:00",
	"2006-1-2 15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func (d *decoder) time(n *yaml.Node, path string) (time.Time, bool) {
	s := d.str(n, path)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	d.errorf(n, path, "want a time like 2026-11-24T20:15:00+08:00, got %q", clip(s))
	return time.Time{}, false
}

// text decodes a language map {zh: ..., en: ...}. An empty map is nil.
func (d *decoder) text(n *yaml.Node, path string) Text {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		d.errorf(n, path, "want text per language like {zh: \"...\", en: \"...\"}, got %s", kindName(n))
		return nil
	}
	var t Text
	if n.Kind == yaml.MappingNode && !d.limit(n, path, len(n.Content)/2, MaxMapLen, "languages") {
		return nil
	}
	d.mapping(n, path, "text per language like {zh: \"...\", en: \"...\"}", func(lang string, k, v *yaml.Node) {
		lp := join(path, lang)
		d.lines[lp] = k.Line
		s := d.str(v, lp)
		if t == nil {
			t = Text{}
		}
		t[lang] = s
	})
	return t
}

// texts decodes a language map of lists {zh: [..], en: [..]}. Empty is nil.
func (d *decoder) texts(n *yaml.Node, path string) Texts {
	if n.Kind == yaml.ScalarNode && !isNull(n) || n.Kind == yaml.SequenceNode {
		d.errorf(n, path, "want lists per language like {zh: [...], en: [...]}, got %s", kindName(n))
		return nil
	}
	var t Texts
	if n.Kind == yaml.MappingNode && !d.limit(n, path, len(n.Content)/2, MaxMapLen, "languages") {
		return nil
	}
	d.mapping(n, path, "lists per language", func(lang string, k, v *yaml.Node) {
		lp := join(path, lang)
		d.lines[lp] = k.Line
		l := d.strs(v, lp)
		if t == nil {
			t = Texts{}
		}
		t[lang] = l
	})
	return t
}

// strs decodes a list of strings. An empty list is nil.
func (d *decoder) strs(n *yaml.Node, path string) []string {
	var out []string
	d.seq(n, path, MaxListLen, "items", func(i int, it *yaml.Node, ip string) {
		out = append(out, d.str(it, ip))
	})
	return out
}

func (d *decoder) file(n *yaml.Node, f *File) {
	const known = "shop, faqs, products, orders, industry_packs"
	d.mapping(n, "", "a mapping with "+known, func(key string, k, v *yaml.Node) {
		d.lines[key] = k.Line
		switch key {
		case "shop":
			d.profile(v, key, &f.Shop)
		case "faqs":
			d.seq(v, key, MaxFAQs, "FAQs", func(i int, it *yaml.Node, ip string) {
				f.FAQs = append(f.FAQs, d.faq(it, ip))
			})
		case "products":
			d.seq(v, key, MaxProducts, "products", func(i int, it *yaml.Node, ip string) {
				f.Products = append(f.Products, d.product(it, ip))
			})
		case "orders":
			d.seq(v, key, MaxOrders, "orders", func(i int, it *yaml.Node, ip string) {
				f.Orders = append(f.Orders, d.order(it, ip))
			})
		case "industry_packs":
			d.seq(v, key, MaxPacks, "packs", func(i int, it *yaml.Node, ip string) {
				f.IndustryPacks = append(f.IndustryPacks, d.pack(it, ip))
			})
		default:
			d.unknown(k, "", known)
		}
	})
}

func (d *decoder) profile(n *yaml.Node, path string, p *Profile) {
	const known = "id, name, category, ship_within_hours, courier, ship_from, service_hours, hotline, welcome, cards, timezone, packs"
	d.mapping(n, path, "a mapping", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "id":
			p.ID = d.str(v, fp)
		case "name":
			p.Name = d.text(v, fp)
		case "category":
			p.Category = d.str(v, fp)
		case "ship_within_hours":
			p.ShipWithinHours = d.integer(v, fp)
		case "courier":
			p.Courier = d.text(v, fp)
		case "ship_from":
			p.ShipFrom = d.text(v, fp)
		case "service_hours":
			p.ServiceHours = d.str(v, fp)
		case "hotline":
			p.Hotline = d.str(v, fp)
		case "welcome":
			p.Welcome = d.text(v, fp)
		case "cards":
			p.Cards = d.strs(v, fp)
		case "timezone":
			p.Timezone = d.str(v, fp)
		case "packs":
			p.Packs = d.strs(v, fp)
			if p.Packs == nil && !isNull(v) {
				p.Packs = []string{} // packs: [] subscribes none
			}
		default:
			d.unknown(k, path, known)
		}
	})
}

func (d *decoder) faq(n *yaml.Node, path string) *FAQ {
	const known = "id, category, question, phrasings, answer, related, action"
	q := &FAQ{}
	d.mapping(n, path, "a mapping", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "id":
			q.ID = d.str(v, fp)
		case "category":
			q.Category = d.str(v, fp)
		case "question":
			q.Question = d.text(v, fp)
		case "phrasings":
			q.Phrasings = d.texts(v, fp)
		case "answer":
			q.Answer = d.text(v, fp)
		case "related":
			q.Related = d.strs(v, fp)
		case "action":
			q.Action = d.str(v, fp)
		default:
			d.unknown(k, path, known)
		}
	})
	return q
}

func (d *decoder) product(n *yaml.Node, path string) *Product {
	const known = "id, title, aliases, price, colors, sizes, size_chart, attributes, stock, tags, related"
	p := &Product{}
	d.mapping(n, path, "a mapping", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "id":
			p.ID = d.str(v, fp)
		case "title":
			p.Title = d.text(v, fp)
		case "aliases":
			p.Aliases = d.texts(v, fp)
		case "price":
			p.Price = d.float(v, fp)
		case "colors":
			p.Colors = d.texts(v, fp)
		case "sizes":
			p.Sizes = d.strs(v, fp)
		case "size_chart":
			d.seq(v, fp, MaxListLen, "rows", func(i int, it *yaml.Node, ip string) {
				p.SizeChart = append(p.SizeChart, d.sizeRow(it, ip))
			})
		case "attributes":
			if v.Kind == yaml.MappingNode && !d.limit(v, fp, len(v.Content)/2, MaxMapLen, "attributes") {
				return
			}
			d.mapping(v, fp, "a mapping of attribute name to text", func(name string, k2, v2 *yaml.Node) {
				ap := join(fp, name)
				d.lines[ap] = k2.Line
				t := d.text(v2, ap)
				if p.Attributes == nil {
					p.Attributes = map[string]Text{}
				}
				p.Attributes[name] = t
			})
		case "stock":
			if v.Kind == yaml.MappingNode && !d.limit(v, fp, len(v.Content)/2, MaxMapLen, "sizes") {
				return
			}
			d.mapping(v, fp, "a mapping of size to count like {M: 3, L: 0}", func(size string, k2, v2 *yaml.Node) {
				sp := join(fp, size)
				d.lines[sp] = k2.Line
				c := d.integer(v2, sp)
				if p.Stock == nil {
					p.Stock = map[string]int{}
				}
				p.Stock[size] = c
			})
		case "tags":
			p.Tags = d.strs(v, fp)
		case "related":
			p.Related = d.strs(v, fp)
		default:
			d.unknown(k, path, known)
		}
	})
	return p
}

func (d *decoder) sizeRow(n *yaml.Node, path string) SizeRow {
	var r SizeRow
	d.mapping(n, path, "a row like {size: M, height: [158, 164], weight: [48, 54]}", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "size":
			r.Size = d.str(v, fp)
		case "height":
			r.Height = d.pair(v, fp)
		case "weight":
			r.Weight = d.pair(v, fp)
		default:
			d.unknown(k, path, "size, height, weight")
		}
	})
	return r
}

func (d *decoder) pair(n *yaml.Node, path string) [2]int {
	var out [2]int
	if !d.ok(n, path) {
		return out
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		d.errorf(n, path, "want a range [low, high], got %s", kindName(n))
		return out
	}
	out[0] = d.integer(n.Content[0], index(path, 0))
	out[1] = d.integer(n.Content[1], index(path, 1))
	return out
}

func (d *decoder) order(n *yaml.Node, path string) *Order {
	const known = "id, buyer_phone_last4, status, items, paid_at, courier, tracking_no, tracking"
	o := &Order{}
	d.mapping(n, path, "a mapping", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "id":
			o.ID = d.str(v, fp)
		case "buyer_phone_last4":
			o.BuyerPhoneLast4 = d.str(v, fp)
		case "status":
			o.Status = d.str(v, fp)
		case "items":
			d.seq(v, fp, MaxListLen, "items", func(i int, it *yaml.Node, ip string) {
				o.Items = append(o.Items, d.item(it, ip))
			})
		case "paid_at":
			if t, ok := d.time(v, fp); ok {
				o.PaidAt = &t
			}
		case "courier":
			o.Courier = d.text(v, fp)
		case "tracking_no":
			o.TrackingNo = d.str(v, fp)
		case "tracking":
			d.seq(v, fp, MaxListLen, "events", func(i int, it *yaml.Node, ip string) {
				var ev TrackEvent
				d.mapping(it, ip, "an event like {at: 2026-11-25T10:32:00+08:00, event: {zh: ..., en: ...}}", func(key string, k2, v2 *yaml.Node) {
					ep := join(ip, key)
					d.lines[ep] = k2.Line
					switch key {
					case "at":
						ev.At, _ = d.time(v2, ep)
					case "event":
						ev.Event = d.text(v2, ep)
					default:
						d.unknown(k2, ip, "at, event")
					}
				})
				o.Tracking = append(o.Tracking, ev)
			})
		default:
			d.unknown(k, path, known)
		}
	})
	return o
}

func (d *decoder) item(n *yaml.Node, path string) OrderItem {
	var it OrderItem
	d.mapping(n, path, "an item like {product: P1001, size: M, qty: 1}", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "product":
			it.Product = d.str(v, fp)
		case "size":
			it.Size = d.str(v, fp)
		case "color":
			it.Color = d.text(v, fp)
		case "qty":
			it.Qty = d.integer(v, fp)
		default:
			d.unknown(k, path, "product, size, color, qty")
		}
	})
	return it
}

func (d *decoder) pack(n *yaml.Node, path string) *Pack {
	p := &Pack{}
	d.mapping(n, path, "a mapping", func(key string, k, v *yaml.Node) {
		fp := join(path, key)
		d.lines[fp] = k.Line
		switch key {
		case "id":
			p.ID = d.str(v, fp)
		case "faqs":
			p.FAQs = d.strs(v, fp)
		default:
			d.unknown(k, path, "id, faqs")
		}
	})
	return p
}

// trimmed reports whether s has visible text.
func trimmed(s string) bool { return strings.TrimSpace(s) != "" }
