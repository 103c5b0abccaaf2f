package entity

import (
	"strconv"
	"strings"
)

// zhSizeWords are Chinese size words, longest first at any position.
var zhSizeWords = []struct{ word, key string }{
	{"加加大号", "XXL"}, {"加加大", "XXL"}, {"特大号", "XL"}, {"加大号", "XL"}, {"特大", "XL"}, {"加大", "XL"},
	{"大号", "L"}, {"中号", "M"}, {"小号", "S"}, {"双x", "XXL"}, {"三x", "XXXL"}, {"四x", "XXXXL"},
}

// letterSizes maps a size spoken as letters to its key.
func letterSize(w string) string {
	switch w {
	case "s", "m", "l", "xs", "xl", "xxs", "xxl", "xxxl", "xxxxl", "xxxxxl":
		return strings.ToUpper(w)
	}
	return ""
}

// size finds a size the shop sells.
func (x *Extractor) size(sc *scanner, lang string, out *Set) {
	if len(x.sizes) == 0 {
		return
	}
	try := func(key string) bool {
		if sz, ok := x.sizes[key]; ok {
			out.Size = sz
			return true
		}
		return false
	}
	for i := range sc.toks {
		t := &sc.toks[i]
		switch t.kind {
		case kWord:
			w := t.text
			// 两个X / 2XL / 三XL / double XL / triple XL.
			if w == "x" || w == "xl" {
				n := 0
				p, prev := t.start, i-1
				if strings.HasSuffix(sc.s[:p], "个") {
					p -= len("个")
					if prev >= 0 && sc.toks[prev].kind == kOther && sc.toks[prev].text == "个" {
						prev--
					}
				}
				if strings.HasSuffix(sc.s[:p], "双") {
					n = 2
				} else if pw := sc.word(i - 1); pw == "double" {
					n = 2
				} else if pw == "triple" {
					n = 3
				} else if prev >= 0 && sc.toks[prev].kind == kNum && sc.toks[prev].end == p && sc.toks[prev].rd.ok {
					if v := sc.toks[prev].rd.val; v >= 2 && v <= 5 && isInt(v) {
						n = int(v)
						sc.toks[prev].role = roleSize
					}
				}
				if n > 0 && try(strings.Repeat("X", n)+"L") {
					return
				}
				if w == "x" {
					if sc.word(i+1) == "large" && try("XL") {
						return
					}
					continue
				}
			}
			if k := letterSize(w); k != "" {
				if len(w) == 1 {
					prev := sc.word(i - 1)
					ok := prev == "size" || prev == "in" || sc.word(i+1) == "size"
					if lang != "en" {
						ok = ok || !(i > 0 && sc.toks[i-1].kind == kNum && sc.toks[i-1].end == t.start)
					}
					if !ok {
						continue
					}
				}
				if try(k) {
					return
				}
				continue
			}
			switch w {
			case "small", "large":
				n := 0
				for j := i - 1; j >= 0; j-- {
					pw := sc.word(j)
					if pw == "extra" || pw == "x" {
						n++
					} else if pw == "xx" {
						n += 2
					} else if pw == "double" && sc.word(j+1) == "extra" {
						n++ // "double extra": one more on top of extra
					} else if pw == "triple" && sc.word(j+1) == "extra" {
						n += 2
					} else {
						break
					}
				}
				k := strings.Repeat("X", n) + strings.ToUpper(w[:1])
				if try(k) {
					return
				}
			case "medium":
				if try("M") {
					return
				}
			case "size":
				if j := i + 1; sc.free(j) && sc.toks[j].rd.ok && try(numKey(sc.toks[j].rd.val)) {
					sc.toks[j].role = roleSize
					return
				}
			}
		case kNum:
			if t.role != roleNone || !t.rd.ok {
				continue
			}
			if w, _ := sc.hasAt(t.end, "码", "号"); w != "" && try(numKey(t.rd.val)) {
				t.role = roleSize
				return
			}
			// "健步鞋四十二的": a bare number before 的 that the named product comes in.
			if w, _ := sc.hasAt(t.end, "的"); w != "" && x.productHasSize(out.ProductID, numKey(t.rd.val)) && try(numKey(t.rd.val)) {
				t.role = roleSize
				return
			}
		case kOther:
			for k := t.start; k < t.end; k++ {
				for _, zw := range zhSizeWords {
					if strings.HasPrefix(sc.s[k:t.end], zw.word) && try(zw.key) {
						return
					}
				}
			}
		}
	}
}

func numKey(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// productHasSize reports whether product id is sold in the size with key.
func (x *Extractor) productHasSize(id, key string) bool {
	for _, k := range x.productSizes[id] {
		if k == key {
			return true
		}
	}
	return false
}
