package dialog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
)

// lookupOrder resolves the order this turn or the session names and sets
// Reply.Order. given reports whether the caller named one in this turn.
func (t *turn) lookupOrder() (o *kb.Order, given bool) {
	en := t.an.Entities
	phone := en.Phone4
	if phone == "" && t.asked == SlotOrderNumber && len(en.Digits) == 4 {
		phone = en.Digits // "五六七八" in answer to "order number or phone tail?"
	}
	number := t.orderNumber()
	switch {
	case number != "":
		o = t.e.shop.Order(number)
		t.r.Order = &OrderRef{ID: number, Found: o != nil}
		if o != nil {
			t.r.Order.Status = o.Status
			t.st.OrderMisses = 0
		} else {
			t.st.OrderMisses++
		}
		return o, true
	case phone != "":
		t.phone = phone
		var hits []*kb.Order
		for _, x := range t.e.shop.Orders {
			if x.BuyerPhoneLast4 == phone {
				hits = append(hits, x)
			}
		}
		if len(hits) == 1 {
			o = hits[0]
			t.r.Order = &OrderRef{ID: o.ID, Found: true, Status: o.Status}
			return o, true
		}
		t.r.Order = &OrderRef{ID: "", Found: false}
		if len(hits) > 1 {
			t.r.Order = nil
		}
		return nil, true
	case t.st.Order != "":
		o = t.e.shop.Order(t.st.Order)
		if o != nil {
			t.r.Order = &OrderRef{ID: o.ID, Found: true, Status: o.Status}
		}
		return o, false
	}
	return nil, false
}

// orderNumber returns the order number the caller read out, if any. A known
// order inside what was said wins (ASR splits long digit strings: "...零零零零
// 然后是个九"); a digit string read while we wait for a number counts even if
// it is not shaped like the shop's numbers.
func (t *turn) orderNumber() string {
	en := t.an.Entities
	for _, d := range []string{en.OrderNumber, en.Digits} {
		if d != "" && t.e.shop.Order(d) != nil {
			return d
		}
	}
	if len(en.Digits) >= 6 {
		for _, o := range t.e.shop.Orders {
			if len(o.ID) >= 6 && strings.Contains(en.Digits, o.ID) {
				return o.ID
			}
		}
	}
	lo, hi := t.e.orderLen[0], t.e.orderLen[1]
	switch {
	case en.OrderNumber != "" && len(en.Digits) > len(en.OrderNumber) && strings.HasPrefix(en.Digits, en.OrderNumber) &&
		len(en.Digits) >= lo && len(en.Digits) <= hi:
		return en.Digits
	case en.OrderNumber != "":
		return en.OrderNumber
	case t.asked == SlotOrderNumber && len(en.Digits) >= 6:
		return en.Digits
	}
	return ""
}

// orderStatus tells the caller where an order is, asking for its number first.
func (t *turn) orderStatus(q *kb.FAQ) {
	o, given := t.lookupOrder()
	switch {
	case o != nil:
		t.r.Text = t.orderText(o)
		if t.st.TicketOpen {
			t.linkTicket()
		}
	case given && (t.r.Order == nil || t.r.Order.ID == ""):
		if t.r.Order == nil { // several orders share that phone
			t.ask(SlotOrderNumber, q, say(t.lang, msgPhoneMany))
			return
		}
		t.ask(SlotOrderNumber, q, concat(t.lang, say(t.lang, msgPhoneUnknown, t.phone), say(t.lang, msgOrderAskAgain)))
	case given:
		text := say(t.lang, msgOrderUnknown, t.r.Order.ID)
		if t.st.OrderMisses >= 2 {
			text = concat(t.lang, text, say(t.lang, msgHandoffHint))
		}
		t.ask(SlotOrderNumber, q, text)
	default:
		t.ask(SlotOrderNumber, q, t.faqText(q))
	}
}

// orderText describes an order's status. It never says a paid, unshipped
// order is on its way.
func (t *turn) orderText(o *kb.Order) string {
	lang, p := t.lang, t.e.shop.Shop
	var s string
	switch o.Status {
	case "unpaid":
		s = say(lang, msgOrderUnpaid, o.ID, p.ShipWithinHours)
	case "paid":
		s = say(lang, msgOrderPaid, o.ID, p.ShipWithinHours)
	case "shipped":
		courier := o.Courier.Get(lang)
		if courier == "" {
			courier = p.Courier.Get(lang)
		}
		s = say(lang, msgOrderShipped, o.ID, courier, o.TrackingNo)
	case "delivered":
		s = say(lang, msgOrderDelivered, o.ID)
	case "refunding":
		s = say(lang, msgOrderRefunding, o.ID)
	case "refunded":
		s = say(lang, msgOrderRefunded, o.ID)
	default:
		s = say(lang, msgOrderClosed, o.ID)
	}
	if n := len(o.Tracking); n > 0 && o.Status != "unpaid" && o.Status != "paid" {
		ev := o.Tracking[n-1]
		at := ev.At.In(t.e.loc)
		when := at.Format("Jan 2, 15:04")
		if lang == kb.LangZH {
			when = fmt.Sprintf("%d月%d日%s", at.Month(), at.Day(), at.Format("15:04"))
		}
		s = concat(lang, s, say(lang, msgOrderLastEvent, when, strings.TrimRight(ev.Event.Get(lang), "。.")))
	}
	return s
}

// product returns the product under discussion: named now, referred to, or remembered.
func (t *turn) product() *kb.Product {
	if t.st.Product == "" {
		return nil
	}
	p := t.e.shop.Product(t.st.Product)
	if p != nil {
		id := p.ID
		t.r.Product = &id
	}
	return p
}

func (t *turn) productName(p *kb.Product) string { return p.Title.Get(t.lang) }

// productExamples names a few products for a "which one?" question.
func (t *turn) productExamples(sized bool) string {
	var names []string
	for _, p := range t.e.shop.Products {
		if sized && len(p.SizeChart) == 0 {
			continue
		}
		names = append(names, t.productName(p))
		if len(names) == 3 {
			break
		}
	}
	if t.lang == kb.LangZH {
		return strings.Join(names, "、")
	}
	if len(names) > 1 {
		return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	return strings.Join(names, "")
}

// sizeAdvice recommends a size from the product's size chart.
func (t *turn) sizeAdvice(q *kb.FAQ) {
	st := t.st
	t.bareBodyNumbers()
	p := t.product()
	if p == nil && st.HeightCM > 0 && st.WeightKG > 0 {
		var sized []*kb.Product
		for _, x := range t.e.shop.Products {
			if len(x.SizeChart) > 0 {
				sized = append(sized, x)
			}
		}
		if len(sized) == 1 {
			p = sized[0]
			id := p.ID
			t.r.Product = &id
		}
	}
	switch {
	case st.HeightCM == 0 && st.WeightKG == 0:
		text := t.faqText(q)
		if p != nil {
			text = say(t.lang, msgAskHeightWeight)
		}
		t.ask(SlotHeightWeight, q, text)
		return
	case st.HeightCM == 0:
		t.ask(SlotHeightWeight, q, say(t.lang, msgAskHeight))
		return
	case st.WeightKG == 0:
		t.ask(SlotHeightWeight, q, say(t.lang, msgAskWeight))
		return
	case p == nil:
		t.ask(SlotProduct, q, say(t.lang, msgAskProduct, t.productExamples(true)))
		return
	}
	if len(p.SizeChart) == 0 {
		t.r.Text = concat(t.lang, say(t.lang, msgSizes, t.productName(p), join(t.lang, p.Sizes)), say(t.lang, msgHandoffHint))
		return
	}
	size, off := pickSize(p.SizeChart, st.HeightCM, st.WeightKG)
	t.r.Size = &size
	st.Size = size
	name := t.productName(p)
	h, w := t.heightWords(st.HeightCM), t.weightWords(st.WeightKG)
	var text string
	if off {
		text = say(t.lang, msgSizeOffChart, name, size)
	} else if t.lang == kb.LangZH {
		text = say(t.lang, msgSizeAdvice, h, w, name, size)
	} else {
		text = say(t.lang, msgSizeAdvice, h, w, size, name)
	}
	if n, ok := p.Stock[size]; ok {
		if n > 0 {
			text = concat(t.lang, text, say(t.lang, msgSizeInStock))
		} else {
			text = concat(t.lang, text, say(t.lang, msgSizeOutOfStock, join(t.lang, inStock(p))))
		}
	}
	t.r.Text = text
}

// bareBodyNumbers reads numbers said without units in a sizing turn the way
// callers mean them: "one sixty" or 一百六 is a height in cm once no height is
// known; in Chinese a bare weight is in 斤 (jin, half a kilo); in English a
// bare weight under 90 is kilos, above it pounds.
func (t *turn) bareBodyNumbers() {
	st := t.st
	for _, n := range t.an.Entities.Numbers {
		switch {
		case st.HeightCM == 0 && n >= 1.3 && n <= 2.1:
			st.HeightCM = n * 100
		case st.HeightCM == 0 && n >= 135 && n <= 210 && !(t.lang == kb.LangZH && st.WeightKG == 0 && t.saysWeight()):
			st.HeightCM = n
		case st.WeightKG == 0 && t.lang == kb.LangZH && n >= 60 && n <= 300:
			st.WeightKG = n / 2
		case st.WeightKG == 0 && t.lang == kb.LangEN && n >= 30 && n < 90:
			st.WeightKG = n
		case st.WeightKG == 0 && t.lang == kb.LangEN && n >= 90 && n <= 330:
			st.WeightKG = n * 0.45359237
		default:
			continue
		}
	}
	if st.HeightCM > 0 {
		t.ent.HeightCM = st.HeightCM
	}
	if st.WeightKG > 0 {
		t.ent.WeightKG = round2(st.WeightKG)
	}
}

// saysWeight reports whether the turn talks about weight (体重, 重, weigh).
func (t *turn) saysWeight() bool {
	n := t.an.Norm
	return strings.Contains(n, "体重") || strings.Contains(n, "重") || strings.Contains(n, "weigh")
}

func (t *turn) heightWords(cm float64) string {
	if t.lang == kb.LangZH {
		return strconv.Itoa(int(cm+0.5)) + "厘米"
	}
	return strconv.Itoa(int(cm+0.5)) + " centimetres"
}

func (t *turn) weightWords(kg float64) string {
	if t.lang == kb.LangZH {
		return strconv.Itoa(int(kg*2+0.5)) + "斤"
	}
	return strconv.Itoa(int(kg+0.5)) + " kilos"
}

// pickSize chooses the chart row where height and weight both fit; when they
// fall in different rows it takes the larger size (a looser fit beats a tight
// one). Values outside the chart take the nearest row and report off.
func pickSize(chart []kb.SizeRow, h, w float64) (size string, off bool) {
	hi, hOff := rowFor(chart, h, func(r kb.SizeRow) [2]int { return r.Height })
	wi, wOff := rowFor(chart, w, func(r kb.SizeRow) [2]int { return r.Weight })
	i := hi
	if wi > i {
		i = wi
	}
	return chart[i].Size, hOff || wOff
}

// rowFor returns the row whose range holds v (nearest row when none does).
func rowFor(chart []kb.SizeRow, v float64, rng func(kb.SizeRow) [2]int) (int, bool) {
	best, bestDist := 0, -1.0
	for i, r := range chart {
		lo, hi := float64(rng(r)[0]), float64(rng(r)[1])
		// Ranges are whole numbers: 164.6 belongs to [158,164] rounding down is wrong, so
		// treat each range as [lo-0.5, hi+0.5).
		if v >= lo-0.5 && v < hi+0.5 {
			return i, false
		}
		d := lo - 0.5 - v
		if v >= hi+0.5 {
			d = v - hi - 0.5
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = i, d
		}
	}
	lo := float64(rng(chart[0])[0])
	hi := float64(rng(chart[len(chart)-1])[1])
	return best, v < lo-0.5 || v >= hi+0.5
}

func inStock(p *kb.Product) []string {
	var out []string
	for _, s := range p.Sizes {
		if p.Stock[s] > 0 {
			out = append(out, s)
		}
	}
	return out
}

// productAttribute answers a question about one product's facts.
func (t *turn) productAttribute(q *kb.FAQ) {
	p := t.product()
	if p == nil {
		t.ask(SlotProduct, q, t.faqText(q))
		return
	}
	key := t.pickAttribute(p, q)
	if key == "" {
		t.r.Text = t.faqText(q)
		return
	}
	t.r.Text = t.attributeText(p, key)
}

// productSpecific turns a general product FAQ into the answer for the product
// in view, when the question is about one of its facts.
func (t *turn) productSpecific(q *kb.FAQ) {
	p := t.product()
	if p == nil {
		return
	}
	key := t.pickAttribute(p, q)
	if key == "" || key == "stock" && t.st.Size == "" {
		return
	}
	t.r.Text = t.attributeText(p, key)
	t.r.Action = "product_attribute"
}

func (t *turn) attributeText(p *kb.Product, key string) string {
	lang, name := t.lang, t.productName(p)
	switch key {
	case "stock":
		size := t.st.Size
		if size == "" {
			avail := inStock(p)
			if len(avail) == 0 {
				return say(lang, msgStockNone, name)
			}
			return say(lang, msgStockAll, name, join(lang, avail))
		}
		n, ok := p.Stock[size]
		s := size
		t.r.Size = &s
		switch {
		case !ok && !contains(p.Sizes, size):
			return say(lang, msgStockSizeUnknown, name, size, join(lang, p.Sizes))
		case n > 0:
			return say(lang, msgStockSize, name, size, n)
		default:
			rest := ""
			if avail := inStock(p); len(avail) > 0 {
				rest = say(lang, msgStockAll, name, join(lang, avail))
			}
			return say(lang, msgStockSizeNone, name, size, rest)
		}
	case "price":
		return say(lang, msgPrice, name, strconv.FormatFloat(p.Price, 'f', -1, 64))
	case "colors":
		return say(lang, msgColors, name, join(lang, p.Colors.Get(lang)))
	case "sizes":
		return say(lang, msgSizes, name, join(lang, p.Sizes))
	}
	v := p.Attributes[key].Get(lang)
	return say(lang, msgAttribute, name, attrLabel(key, lang), strings.TrimRight(v, "。."))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pickAttribute chooses which fact of p the caller asks about: from the
// caller's own words first, then from the matched FAQ's wording.
func (t *turn) pickAttribute(p *kb.Product, q *kb.FAQ) string {
	keys := make([]string, 0, len(p.Attributes)+4)
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	keys = append(keys, "stock", "price", "colors", "sizes")
	best, _ := bestAttr(keys, t.an.Norm, t.lang)
	if t.an.Entities.Size != "" && best == "" {
		return "stock" // "do you have it in XL" is a stock question
	}
	if best != "" {
		return best
	}
	best, _ = bestAttr(keys, t.e.faqWording(q.ID, t.lang), t.lang)
	return best
}

// recommend suggests items: matching pieces for the product in view, else the
// shop's own recommendation answer.
func (t *turn) recommend(q *kb.FAQ) {
	p := t.product()
	if p == nil || len(p.Related) == 0 {
		t.r.Text = t.faqText(q)
		return
	}
	var names []string
	for _, id := range p.Related {
		if rp := t.e.shop.Product(id); rp != nil {
			names = append(names, t.productName(rp))
		}
	}
	t.r.Text = say(t.lang, msgRecommendRelated, t.productName(p), join(t.lang, names))
}

// aftersales registers an after-sales ticket and apologises with the shop's answer.
func (t *turn) aftersales(q *kb.FAQ) {
	o, _ := t.lookupOrder()
	if t.st.TicketOpen && o != nil {
		t.linkTicket()
		return
	}
	note := t.in.Text
	orderID := ""
	if o != nil {
		orderID = o.ID
	}
	t.ticket = &store.Ticket{SessionID: t.sessionID, At: t.now, Kind: q.ID, OrderID: orderID, Note: note, Status: "open"}
	t.r.Text = t.faqText(q)
	if o == nil {
		t.st.TicketOpen = true
		s := SlotOrderNumber
		t.r.AsksFor = &s
		t.st.Pending = SlotOrderNumber
		t.st.PendingFAQ = q.ID
	}
}

// linkTicket attaches the order now known to the session's open ticket.
func (t *turn) linkTicket() {
	t.st.TicketOpen = false
	id := t.r.Order.ID
	t.linkOrder = id
	t.r.Text = say(t.lang, msgTicketLinked, id)
	t.r.Action = "aftersales_register"
}

// escalate hands the session to a person, or books a callback outside duty hours.
func (t *turn) escalate(reason string, q *kb.FAQ) {
	t.r.Handoff = true
	t.r.HandoffReason = reason
	if t.r.Action == "" || reason != ReasonRequest {
		t.r.Action = "handoff"
	}
	st := t.st
	st.clearPending()
	onDuty := t.e.onDuty(t.now)
	var text string
	switch {
	case !onDuty:
		t.r.Callback = true
		text = say(t.lang, msgHandoffCallback, t.e.shop.Fill("{service_hours}", t.lang))
		if reason == ReasonComplaint {
			text = concat(t.lang, say(t.lang, msgApology), text)
		}
	case reason == ReasonComplaint:
		text = say(t.lang, msgHandoffComplaint)
	case reason == ReasonNotUnderstood:
		text = concat(t.lang, say(t.lang, msgNotUnderstoodAgain), say(t.lang, msgHandoffMisses))
	case q != nil:
		text = t.faqText(q)
	default:
		text = say(t.lang, msgHandoffLive)
	}
	if reason == ReasonNotUnderstood && !onDuty {
		text = concat(t.lang, say(t.lang, msgNotUnderstoodAgain), text)
	}
	t.r.Text = text
	kind := "live"
	if !onDuty {
		kind = "callback"
	}
	st.Handoff = true
	t.queueHandoff(reason, kind)
}

func (t *turn) queueHandoff(reason, kind string) {
	t.handoff = &store.Handoff{SessionID: t.sessionID, At: t.now, Reason: reason, Kind: kind, Status: "queued",
		Summary: t.summary(reason)}
}
