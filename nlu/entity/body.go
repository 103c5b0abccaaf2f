package entity

import (
	"math"
	"strings"
)

var (
	enCM     = []string{"centimeters", "centimetres", "centimeter", "centimetre", "cm", "cms"}
	enMeter  = []string{"meters", "metres", "meter", "metre", "m"}
	enFoot   = []string{"foot", "feet", "ft", "'"}
	enInch   = []string{"inches", "inch", "in", "\""}
	enPound  = []string{"pounds", "pound", "lbs", "lb"}
	enKilo   = []string{"kilograms", "kilogram", "kilos", "kilo", "kgs", "kg"}
	enStone  = []string{"stone", "stones", "st"}
	zhCM     = []string{"厘米", "公分", "cm"}
	zhKG     = []string{"公斤", "千克", "kg", "kilo"}
	zhApprox = []string{"多", "来", "几", "左右"}

	heightCtxZH = []string{"身高", "个子", "个头", "高"}
	weightCtxZH = []string{"体重", "重"}
	ctxGapZH    = []string{"是", "有", "大概", "差不多", "大约", "约", "将近", "快", "才", "就", "只有", "在", "嗯", "呃", "那个", "就是"}
	ctxGapEN    = map[string]bool{"is": true, "about": true, "around": true, "roughly": true, "approximately": true,
		"like": true, "maybe": true, "just": true, "over": true, "under": true, "almost": true, "nearly": true, "i'm": true, "am": true}
)

func in(w string, set []string) bool {
	for _, s := range set {
		if w == s {
			return true
		}
	}
	return false
}

func isInt(v float64) bool { return v == math.Trunc(v) }

// bodyHeight finds a height: 一米六五, 1米65, 一百六十公分, 160厘米, 一六五cm,
// 身高165, five foot three, 5'3, 170 centimeters, 1.65 meters.
func bodyHeight(sc *scanner, out *Set) {
	for i := range sc.toks {
		if out.HeightCM != 0 {
			return
		}
		if !sc.free(i) || !sc.toks[i].rd.ok {
			continue
		}
		a := &sc.toks[i]
		v := a.rd.val
		h := 0.0
		claim := []int{i}
		nw := sc.word(i + 1)
		if w, off := sc.hasAt(a.end, "米"); w != "" || in(nw, enMeter) {
			if w == "" {
				off = sc.toks[i+1].end
			}
			switch {
			case !isInt(v) && v >= 1 && v < 2.5:
				h = v * 100
			case v == 1 || v == 2:
				h = v * 100
				if b := sc.tokAt(off); sc.free(b) && sc.toks[b].rd.ok {
					bv, bd := sc.toks[b].rd.val, sc.toks[b].rd.digits
					switch {
					case sc.toks[b].rd.seq && len(bd) == 1:
						h += bv * 10
					case bv < 100 && isInt(bv):
						h += bv
					}
					claim = append(claim, b)
				} else if hw, _ := sc.hasAt(off, "半"); hw != "" {
					h += 50
				} else if hw, _ := sc.hasAt(off, "白", "黄", "饭", "色"); hw != "" {
					h = 0
				}
			}
		} else if w, _ := sc.hasAt(a.end, zhCM...); w != "" || in(nw, enCM) {
			h = v
		} else if in(nw, enFoot) && v >= 3 && v <= 7 && isInt(v) {
			inch := 0.0
			if b := i + 2; sc.free(b) && sc.toks[b].rd.ok && sc.toks[b].rd.val < 12 {
				inch = sc.toks[b].rd.val
				claim = append(claim, b)
			}
			h = (v*12 + inch) * 2.54
		} else if nw == "tall" || sc.after(i, heightCtxZH, nil) || sc.afterEN(i, "height", "tall") || oneSeventy(a) {
			switch {
			case v >= 100 && v <= 230:
				h = v
			case !isInt(v) && v >= 1 && v <= 2.3:
				h = v * 100
			}
		}
		h = round1(h)
		if h >= minHeightCM && h <= maxHeightCM {
			out.HeightCM = h
			for _, k := range claim {
				sc.toks[k].role = roleHeight
			}
		}
	}
}

// oneSeventy reports an English height said the metric way: "one seventy
// eight" (a one, then the centimetres past a metre).
func oneSeventy(t *token) bool {
	return t.rd.seq && strings.HasPrefix(t.text, "one ") && !strings.HasPrefix(t.text, "one one") &&
		t.rd.val >= 140 && t.rd.val <= 210 && hasTens(t.text)
}

func hasTens(s string) bool {
	for _, w := range splitWords(s) {
		if c, ok := enWords[w]; ok && (c.class == enTens || c.class == enTeen) {
			return true
		}
	}
	return false
}

// after reports whether token i follows one of the Chinese context words ctx,
// with only ctxGapZH words, spaces or fillers between.
func (sc *scanner) after(i int, ctx []string, not []string) bool {
	start := sc.toks[i].start
	// Walk back over gap words.
	j := start
	for j > 0 {
		moved := false
		for _, g := range ctxGapZH {
			if j >= len(g) && sc.s[j-len(g):j] == g {
				j -= len(g)
				moved = true
				break
			}
		}
		if !moved && sc.s[j-1] == ' ' {
			j--
			moved = true
		}
		if !moved {
			break
		}
	}
	for _, c := range ctx {
		if j >= len(c) && sc.s[j-len(c):j] == c {
			for _, n := range not {
				if j >= len(n) && sc.s[j-len(n):j] == n {
					return false
				}
			}
			return true
		}
	}
	return false
}

// afterEN reports whether token i follows one of the English context words,
// with only filler words between.
func (sc *scanner) afterEN(i int, ctx ...string) bool {
	for j := i - 1; j >= 0 && i-j <= 4; j-- {
		w := sc.word(j)
		if w == "" {
			return false
		}
		if in(w, ctx) {
			return true
		}
		if !ctxGapEN[w] && !enFillers[w] {
			return false
		}
	}
	return false
}

// bodyWeight finds a weight: 一百二十斤, 一百三十多斤, 六十公斤, 60kg, 120 pounds,
// 65 kilos, 9 stone 4, 体重一百二, I weigh 65.
func bodyWeight(sc *scanner, out *Set) {
	for i := range sc.toks {
		if out.WeightKG != 0 {
			return
		}
		if !sc.free(i) || !sc.toks[i].rd.ok {
			continue
		}
		a := &sc.toks[i]
		v := a.rd.val
		kg := 0.0
		claim := []int{i}
		off := sc.skipWords(a.end, zhApprox...)
		nw := sc.word(sc.nextAfter(i, nil))
		if k := sc.nextAfter(i, nil); k < len(sc.toks) && sc.toks[k].kind == kWord && (in(nw, enPound) || in(nw, enKilo) || in(nw, enStone)) {
			// handled below
		} else {
			nw = ""
		}
		switch w, _ := sc.hasAt(off, append(zhKG, "斤")...); {
		case w == "斤":
			kg = v / 2
		case w != "" || in(nw, enKilo):
			kg = v
		case in(nw, enPound):
			kg = v * lbKG
		case in(nw, enStone):
			lb := 0.0
			k := sc.nextAfter(i, nil)
			if b := k + 1; sc.free(b) && sc.toks[b].rd.ok && sc.toks[b].rd.val < 14 {
				lb = sc.toks[b].rd.val
				claim = append(claim, b)
			}
			kg = (v*14 + lb) * lbKG
		case sc.after(i, weightCtxZH, []string{"多重"}):
			if v >= 90 {
				kg = v / 2
			} else {
				kg = v
			}
		case sc.afterEN(i, "weigh", "weighs", "weight", "weighing"):
			if v >= 100 {
				kg = v * lbKG
			} else {
				kg = v
			}
		}
		kg = round1(kg)
		if kg >= minWeightKG && kg <= maxWeightKG {
			out.WeightKG = kg
			for _, k := range claim {
				sc.toks[k].role = roleWeight
			}
		}
	}
}
