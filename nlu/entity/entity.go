// Package entity pulls the facts a caller states out of one ASR-like
// utterance: spoken numbers and digit-by-digit readings, order numbers, the
// last four digits of a phone, height and weight, sizes, colours and products
// of the shop (by title or alias), and pronoun references back to the product
// under discussion. It understands Chinese and English as callers say them:
// no punctuation, fillers, full-width characters, digits read one by one.
//
// Per-shop tables (sizes, colours, product names, order number lengths) are
// built once by NewExtractor; an *Extractor is safe for concurrent use.
package entity

import (
	"math"
	"strings"

	"github.com/callbee/callbee/kb"
)

// Set is what one utterance states. Zero values mean "not said".
type Set struct {
	OrderNumber string    // a digit run as long as the shop's order numbers
	Phone4      string    // last four digits of a phone
	Digits      string    // every digit said, in order, ASCII
	HeightCM    float64   // body height in centimetres
	WeightKG    float64   // body weight in kilograms
	Size        string    // a size as the shop writes it ("M", "XXL", "40")
	Color       string    // a colour as the shop writes it, in the caller's language when possible
	ProductID   string    // product named by title or alias
	ProductRef  bool      // a pronoun/demonstrative refers back to a product, none named
	Numbers     []float64 // other spoken numbers, in order
}

// Sane body bounds; values outside are dropped.
const (
	minHeightCM = 50
	maxHeightCM = 250
	minWeightKG = 20
	maxWeightKG = 300
)

// Order number lengths used when the shop has no orders.
const (
	DefaultOrderMin = 8
	DefaultOrderMax = 20
)

// orderSlack widens the learned order number length range on both sides.
const orderSlack = 2

const lbKG = 0.45359237

// Extract is the convenience form of NewExtractor(shop).Extract(text, lang).
// Build an Extractor once per shop on hot paths.
func Extract(text, lang string, shop *kb.Shop) Set {
	return NewExtractor(shop).Extract(text, lang)
}

// Digits returns the digits of a digit-by-digit reading, in order, as ASCII:
// "二零二四一一二五" → "20241125", "幺三八" → "138", "two oh double five" →
// "2055". A number said with units inside it ("二十") gives its value's digits.
func Digits(s string) string {
	var sc scanner
	sc.scan(fold(s))
	var b strings.Builder
	for _, t := range sc.toks {
		if t.kind == kNum {
			b.WriteString(t.rd.digits)
		}
	}
	return b.String()
}

// Extract pulls entities out of text spoken in lang ("zh" or "en").
func (x *Extractor) Extract(text, lang string) Set {
	var out Set
	if text == "" {
		return out
	}
	s := expandRepeats(fold(text))
	sc := scanner{toks: make([]token, 0, 16), adj: x.adj}
	sc.scan(s)

	trig := phoneTriggers(&sc)
	bodyHeight(&sc, &out)
	bodyWeight(&sc, &out)
	x.phoneAndOrder(&sc, trig, &out)
	var ws []string
	if hasLetter(s) {
		ws = sc.enWords()
	}
	x.color(&sc, lang, ws, &out)
	x.product(&sc, lang, ws, &out)
	x.size(&sc, lang, &out)

	var digits []byte
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.kind != kNum || t.role == roleTrigger {
			continue
		}
		digits = append(digits, t.rd.digits...)
		if t.role == roleNone && t.rd.ok && !math.IsInf(t.rd.val, 0) && !math.IsNaN(t.rd.val) {
			out.Numbers = append(out.Numbers, t.rd.val)
		}
	}
	out.Digits = string(digits)
	return out
}

// round1 rounds to one decimal place.
func round1(v float64) float64 { return math.Round(v*10) / 10 }
