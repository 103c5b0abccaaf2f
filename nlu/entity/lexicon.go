package entity

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callbee/callbee/kb"
)

// Extractor holds per-shop lookup tables. It is read-only after
// NewExtractor and safe for concurrent use.
type Extractor struct {
	orderMin, orderMax int
	sizes              map[string]string // size key (see sizeKey) -> size as the shop writes it
	colorsZH           zhIndex
	colorsEN           enIndex
	productsZH         zhIndex
	productsEN         enIndex
	heads              map[string]string   // English head noun (stemmed) -> product id, when unique
	adj                map[string]bool     // English colour and size words ("the black one")
	productSizes       map[string][]string // product id -> size keys
}

// pattern is a name to look for and what it stands for.
type pattern struct {
	key    string   // zh: folded text
	words  []string // en: stemmed words
	val    string
	weight int  // runes (zh) or words (en)
	suffix bool // zh: a one-character stem that needs 的/色/款 after it
}

// zhDemonstratives prefix product aliases ("那条牛仔裤") and refer back to a product.
var zhDemonstratives = []string{"这一件", "那一件", "这件", "那件", "这条", "那条", "这双", "那双", "这个", "那个", "这款", "那款", "这种", "那种", "这套", "那套", "这", "那"}

var enArticles = []string{"the", "a", "an", "that", "this", "those", "these", "my", "some"}

// NewExtractor builds the lookup tables for shop. A nil shop gives an
// extractor that knows no products, colours or sizes and accepts order
// numbers of DefaultOrderMin to DefaultOrderMax digits.
func NewExtractor(shop *kb.Shop) *Extractor {
	x := &Extractor{
		orderMin: DefaultOrderMin, orderMax: DefaultOrderMax,
		sizes:        map[string]string{},
		heads:        map[string]string{},
		productSizes: map[string][]string{},
		adj: map[string]bool{"large": true, "medium": true, "small": true, "big": true, "blue": true, "red": true,
			"green": true, "white": true, "black": true, "grey": true, "gray": true, "dark": true, "light": true, "xl": true},
	}
	if shop == nil {
		return x
	}
	lo, hi := 0, 0
	for _, o := range shop.Orders {
		n := len(Digits(o.ID))
		if n == 0 {
			continue
		}
		if lo == 0 || n < lo {
			lo = n
		}
		if n > hi {
			hi = n
		}
	}
	if hi > 0 {
		x.orderMin, x.orderMax = max(lo-orderSlack, 1), hi+orderSlack
	}
	seenZH, seenEN := map[string]bool{}, map[string]bool{}
	addColor := func(zh, en string) {
		if zh != "" && !seenZH[zh] {
			seenZH[zh] = true
			x.colorsZH.add(zhPatterns(zh, zh, nil)...)
		}
		if en != "" && !seenEN[en] {
			seenEN[en] = true
			pt := enPattern(en, en)
			x.colorsEN.add(pt)
			for _, w := range pt.words {
				x.adj[w] = true
			}
		}
	}
	ambiguous := map[string]bool{}
	for _, p := range shop.Products {
		for _, sz := range p.Sizes {
			if k := sizeKey(sz); k != "" {
				x.sizes[k] = sz
				x.productSizes[p.ID] = append(x.productSizes[p.ID], k)
			}
		}
		for _, c := range p.Colors.Get(kb.LangZH) {
			addColor(c, "")
		}
		for _, c := range p.Colors.Get(kb.LangEN) {
			addColor("", c)
		}
		names := func(lang string) []string {
			out := append([]string(nil), p.Aliases.Get(lang)...)
			if t := p.Title[lang]; t != "" {
				out = append(out, t)
			}
			return out
		}
		for _, n := range names(kb.LangZH) {
			x.productsZH.add(zhPatterns(n, p.ID, zhDemonstratives)...)
		}
		for _, n := range names(kb.LangEN) {
			pt := enPattern(n, p.ID)
			x.productsEN.add(pt)
			ws := pt.words
			if len(ws) > 1 && in(ws[0], enArticles) {
				x.productsEN.add(pattern{words: ws[1:], val: p.ID, weight: len(ws) - 1})
			}
			if len(ws) == 0 {
				continue
			}
			head := ws[len(ws)-1]
			for k, w := range ws {
				if k > 0 && (w == "for" || w == "with" || w == "of") {
					head = ws[k-1]
					break
				}
			}
			if id, ok := x.heads[head]; ok && id != p.ID {
				ambiguous[head] = true
			}
			x.heads[head] = p.ID
		}
	}
	for _, o := range shop.Orders {
		for _, it := range o.Items {
			addColor(it.Color[kb.LangZH], it.Color[kb.LangEN])
		}
	}
	for h := range ambiguous {
		delete(x.heads, h)
	}
	return x
}

// zhPatterns returns the patterns for a Chinese name: the name itself, the
// name without a leading demonstrative, and for colours ending in 色 the stem.
func zhPatterns(name, val string, prefixes []string) []pattern {
	f := strings.TrimSpace(fold(name))
	if f == "" {
		return nil
	}
	mk := func(k string) pattern {
		n := utf8.RuneCountInString(k)
		return pattern{key: k, val: val, weight: n, suffix: n == 1}
	}
	out := []pattern{mk(f)}
	for _, p := range prefixes {
		if rest := strings.TrimPrefix(f, p); rest != f && utf8.RuneCountInString(rest) >= 2 {
			out = append(out, mk(rest))
			break
		}
	}
	if prefixes == nil {
		if stem := strings.TrimSuffix(f, "色"); stem != f && stem != "" {
			out = append(out, pattern{key: stem, val: val, weight: utf8.RuneCountInString(stem), suffix: utf8.RuneCountInString(stem) == 1})
		}
	}
	return out
}

func enPattern(name, val string) pattern {
	ws := enWordsOf(fold(name))
	return pattern{words: ws, val: val, weight: len(ws)}
}

// zhIndex finds Chinese patterns by their first rune.
type zhIndex struct {
	pats  []pattern
	first map[rune][]int
}

func (ix *zhIndex) add(ps ...pattern) {
	if ix.first == nil {
		ix.first = map[rune][]int{}
	}
	for _, p := range ps {
		r, _ := utf8.DecodeRuneInString(p.key)
		ix.first[r] = append(ix.first[r], len(ix.pats))
		ix.pats = append(ix.pats, p)
	}
}

// best returns the longest pattern found in s (earliest on a tie).
func (ix *zhIndex) best(s string) string {
	best, bw := "", 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		for _, k := range ix.first[r] {
			p := &ix.pats[k]
			if p.weight <= bw || !strings.HasPrefix(s[i:], p.key) {
				continue
			}
			if p.suffix {
				rest := s[i+len(p.key):]
				if !strings.HasPrefix(rest, "的") && !strings.HasPrefix(rest, "色") && !strings.HasPrefix(rest, "款") {
					continue
				}
			}
			best, bw = p.val, p.weight
		}
		i += n
	}
	return best
}

// enIndex finds English patterns by their first word.
type enIndex struct {
	pats  []pattern
	first map[string][]int
}

func (ix *enIndex) add(ps ...pattern) {
	if ix.first == nil {
		ix.first = map[string][]int{}
	}
	for _, p := range ps {
		if len(p.words) == 0 {
			continue
		}
		ix.first[p.words[0]] = append(ix.first[p.words[0]], len(ix.pats))
		ix.pats = append(ix.pats, p)
	}
}

// best returns the longest pattern found in ws (earliest on a tie).
func (ix *enIndex) best(ws []string) string {
	best, bw := "", 0
	for i, w := range ws {
		for _, k := range ix.first[w] {
			p := &ix.pats[k]
			if p.weight <= bw || !hasWords(ws[i:], p.words) {
				continue
			}
			best, bw = p.val, p.weight
		}
	}
	return best
}

func hasWords(ws, pre []string) bool {
	if len(ws) < len(pre) {
		return false
	}
	for i, w := range pre {
		if ws[i] != w {
			return false
		}
	}
	return true
}

// enWordsOf splits folded text into stemmed ASCII words.
func enWordsOf(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && (isLetter(s[j]) || isDigit(s[j]) || s[j] == '\'') {
			j++
		}
		out = append(out, stem(s[i:j]))
		i = j
	}
	return out
}

// stem folds English plurals and spelling variants: "jeans" → "jean",
// "dresses" → "dress", "gray" → "grey".
func stem(w string) string {
	switch w {
	case "gray":
		return "grey"
	case "colour", "colours", "colors":
		return "color"
	}
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "sses"):
		return w[:n-2]
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 3 && w[n-1] == 's' && !strings.ContainsRune("s'ui", rune(w[n-2])):
		return w[:n-1]
	}
	return w
}

// sizeKey canonicalises a size: upper case, "2XL" → "XXL", numbers as integers.
func sizeKey(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if len(s) == 3 && s[0] >= '2' && s[0] <= '6' && s[1:] == "XL" {
		return strings.Repeat("X", int(s[0]-'0')) + "L"
	}
	if len(s) == 3 && s[0] >= '2' && s[0] <= '6' && s[1:] == "XS" {
		return strings.Repeat("X", int(s[0]-'0')) + "S"
	}
	return s
}

// enWords returns the stemmed words of the utterance; a token that is not
// an ASCII word or number breaks phrases with an empty word.
func (sc *scanner) enWords() []string {
	out := make([]string, 0, len(sc.toks)+4)
	for _, t := range sc.toks {
		switch {
		case t.kind == kWord && t.text != "'" && t.text != "\"":
			out = append(out, stem(t.text))
		case t.kind == kNum && hasLetter(t.text):
			out = append(out, splitWords(t.text)...)
		case t.kind == kNum:
			out = append(out, t.text)
		default:
			out = append(out, "")
		}
	}
	return out
}

func (x *Extractor) color(sc *scanner, lang string, ws []string, out *Set) {
	zh := x.colorsZH.best(sc.s)
	en := ""
	if ws != nil {
		en = x.colorsEN.best(ws)
	}
	if lang == kb.LangEN && en != "" || zh == "" {
		out.Color = en
	} else {
		out.Color = zh
	}
}

func (x *Extractor) product(sc *scanner, lang string, ws []string, out *Set) {
	zh := x.productsZH.best(sc.s)
	en := ""
	if ws != nil {
		en = x.productsEN.best(ws)
		if en == "" {
			for _, w := range ws {
				if id, ok := x.heads[w]; ok && w != "" {
					en = id
					break
				}
			}
		}
	}
	if lang == kb.LangEN && en != "" || zh == "" {
		out.ProductID = en
	} else {
		out.ProductID = zh
	}
	if out.ProductID == "" {
		out.ProductRef = refZH(sc.s) || x.refEN(ws)
	}
}

// zhRefs always refer back to a product: a pronoun or a demonstrative with a
// clothing classifier (件 条 双 款 套).
var zhRefs = []string{"它", "这件", "那件", "这条", "那条", "这双", "那双", "这款", "那款", "这套", "那套"}

// zhRefsLoose (这个 那个 这种 那种) are also fillers and go before any noun;
// they refer to the product only when what follows is a predicate about it
// ("那个还有吗", "这个怎么洗") or nothing at all.
var zhRefsLoose = []string{"这个", "那个", "这种", "那种"}

// zhPredicateStart lists first characters of what is said about a product.
const zhPredicateStart = "还有是多怎咋能可会要呢吗啊呀吧嘛的好太挺很真贵便穿洗掉缩起厚薄暖适合用买卖退换也都就到发啥哪不没给跟和码号尺大小质料颜掉起透"

func refZH(s string) bool {
	for _, r := range zhRefs {
		if k := strings.Index(s, r); k >= 0 && !strings.HasPrefix(s[k+len(r):], "事") {
			return true
		}
	}
	for _, r := range zhRefsLoose {
		from := 0
		for {
			k := strings.Index(s[from:], r)
			if k < 0 {
				break
			}
			from += k + len(r)
			rest := strings.TrimLeft(s[from:], " ")
			if rest == "" {
				return true
			}
			c, _ := utf8.DecodeRuneInString(rest)
			if strings.ContainsRune(zhPredicateStart, c) && !strings.HasPrefix(rest, "颜色") || isLetter(rest[0]) {
				return true
			}
		}
	}
	return false
}

var enRefs = map[string]bool{"it": true, "them": true, "those": true, "these": true, "they": true, "it's": true, "they're": true}

var enRefOne = map[string]bool{"that": true, "this": true, "the": true, "which": true}

func (x *Extractor) refEN(ws []string) bool {
	for i, w := range ws {
		if enRefs[w] {
			return true
		}
		if (w == "one" || w == "pair") && i > 0 && (enRefOne[ws[i-1]] || x.adj[ws[i-1]]) {
			return true
		}
	}
	return false
}
