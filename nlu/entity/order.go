package entity

import "strings"

var (
	phoneTriggersZH = []string{"尾号", "后四位", "后4位", "末四位", "末4位", "最后四位", "最后4位", "后面四位", "后面4位", "尾数", "最后那四个数", "最后四个数", "最后那四位", "后四个数", "最后四个数字", "最后那几个数"}
	phoneCtx        = []string{"手机", "电话", "号码", "phone", "mobile", "cell"}
	orderCtx        = []string{"订单", "单号", "order"}
)

// run is a digit sequence said across one or more number tokens.
type run struct {
	first, last int // token indexes
	digits      string
}

// runs joins adjacent digit-by-digit number tokens separated only by spaces
// and fillers into digit runs.
func (sc *scanner) runs() []run {
	var out []run
	var cur *run
	var b []byte
	for i := 0; i < len(sc.toks); i++ {
		t := sc.toks[i]
		switch {
		case t.kind == kNum && t.role == roleNone && t.rd.seq && t.rd.digits != "":
			if cur == nil {
				out = append(out, run{first: i})
				cur = &out[len(out)-1]
				b = b[:0]
			}
			b = append(b, t.rd.digits...)
			cur.last = i
			cur.digits = string(b)
		case t.kind == kWord && enFillers[t.text], t.kind == kOther && onlyFillers(t.text):
		default:
			cur = nil
		}
	}
	return out
}

func (sc *scanner) claim(r run, role int) {
	for k := r.first; k <= r.last; k++ {
		if sc.toks[k].kind == kNum {
			sc.toks[k].role = role
		}
	}
}

// phoneTriggers marks 尾号 / 后四位 / last four (digits) / ending in and
// returns the offset where the first one ends, or -1.
func phoneTriggers(sc *scanner) int {
	trigEnd := -1
	for _, w := range phoneTriggersZH {
		if k := strings.Index(sc.s, w); k >= 0 {
			e := k + len(w)
			for i := range sc.toks {
				t := &sc.toks[i]
				if t.kind == kNum && t.start >= k && t.end <= e {
					t.role = roleTrigger
				}
			}
			if trigEnd < 0 || e < trigEnd {
				trigEnd = e
			}
		}
	}
	for i := range sc.toks {
		t := &sc.toks[i]
		switch {
		case t.kind == kWord && t.text == "last" && sc.free(i+1) && sc.toks[i+1].rd.val == 4:
			sc.toks[i+1].role = roleTrigger
			if trigEnd < 0 {
				trigEnd = sc.toks[i+1].end
			}
		case t.kind == kWord && (t.text == "ending" || t.text == "ends" || t.text == "end") &&
			(sc.word(i+1) == "in" || sc.word(i+1) == "with"):
			if trigEnd < 0 {
				trigEnd = sc.toks[i+1].end
			}
		case t.kind == kWord && (t.text == "ending" || t.text == "ends") && i+1 < len(sc.toks) && sc.toks[i+1].kind == kNum:
			// "the phone number ends five eight oh two"
			if trigEnd < 0 {
				trigEnd = t.end
			}
		}
	}
	return trigEnd
}

// phoneAndOrder finds the last four digits of a phone and an order number.
func (x *Extractor) phoneAndOrder(sc *scanner, trigEnd int, out *Set) {
	hasCtx := func(ctx []string) bool {
		for _, c := range ctx {
			if strings.Contains(sc.s, c) {
				return true
			}
		}
		return false
	}
	runs := sc.runs()
	if trigEnd >= 0 {
		for _, r := range runs {
			if sc.toks[r.first].start >= trigEnd && len(r.digits) == 4 {
				out.Phone4 = r.digits
				sc.claim(r, rolePhone)
				break
			}
		}
	}
	for _, r := range runs {
		if sc.toks[r.first].role != roleNone {
			continue
		}
		n := len(r.digits)
		if n == 11 && r.digits[0] == '1' && hasCtx(phoneCtx) && !hasCtx(orderCtx) {
			if out.Phone4 == "" {
				out.Phone4 = r.digits[7:]
			}
			sc.claim(r, rolePhone)
			continue
		}
		if out.OrderNumber == "" && n >= x.orderMin && n <= x.orderMax {
			out.OrderNumber = r.digits
			sc.claim(r, roleOrder)
		}
	}
}
