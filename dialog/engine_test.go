package dialog_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
)

var (
	shanghai = time.FixedZone("CST", 8*3600)
	// onDuty is inside the demo shop's service hours (09:00-22:00), offDuty outside.
	onDuty  = time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai)
	offDuty = time.Date(2026, 11, 25, 23, 30, 0, 0, shanghai)
)

type fixture struct {
	e  *dialog.Engine
	st *store.Store
}

func newFixture(t testing.TB, now time.Time, opts ...dialog.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "callbee.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts = append([]dialog.Option{dialog.WithClock(func() time.Time { return now })}, opts...)
	e, err := dialog.New(kbtest.DemoShop(t), st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, st: st}
}

func (f *fixture) start(t testing.TB, lang string) string {
	t.Helper()
	w, err := f.e.Start(context.Background(), dialog.StartOptions{Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	return w.Session
}

func (f *fixture) say(t testing.TB, id, text string) dialog.Reply {
	t.Helper()
	r, err := f.e.Handle(context.Background(), id, dialog.Input{Text: text})
	if err != nil {
		t.Fatalf("Handle(%q): %v", text, err)
	}
	return r
}

func (f *fixture) key(t testing.TB, id, dtmf string) dialog.Reply {
	t.Helper()
	r, err := f.e.Handle(context.Background(), id, dialog.Input{DTMF: dtmf})
	if err != nil {
		t.Fatalf("Handle(dtmf %q): %v", dtmf, err)
	}
	return r
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// step is one caller turn and what the reply must show.
type step struct {
	text, dtmf string
	faq        string // "" = don't check, "-" = must be nil
	action     string
	asksFor    string // "-" = must be nil
	product    string
	size       string
	order      *dialog.OrderRef
	handoff    *bool
	endCall    bool
	repeats    bool
	oos        bool
	ticket     bool
	check      func(t *testing.T, r dialog.Reply)
}

var yes, no = true, false

func runSteps(t *testing.T, f *fixture, lang string, steps []step) {
	t.Helper()
	id := f.start(t, lang)
	for i, s := range steps {
		var r dialog.Reply
		if s.dtmf != "" {
			r = f.key(t, id, s.dtmf)
		} else {
			r = f.say(t, id, s.text)
		}
		where := func() string { return s.text + s.dtmf }
		if s.faq == "-" && r.FAQ != nil || s.faq != "" && s.faq != "-" && str(r.FAQ) != s.faq {
			t.Errorf("step %d %q: faq = %s, want %s (text %q)", i, where(), str(r.FAQ), s.faq, r.Text)
		}
		if s.action != "" && r.Action != s.action {
			t.Errorf("step %d %q: action = %s, want %s", i, where(), r.Action, s.action)
		}
		if s.asksFor == "-" && r.AsksFor != nil || s.asksFor != "" && s.asksFor != "-" && str(r.AsksFor) != s.asksFor {
			t.Errorf("step %d %q: asks_for = %s, want %s", i, where(), str(r.AsksFor), s.asksFor)
		}
		if s.product != "" && str(r.Product) != s.product {
			t.Errorf("step %d %q: product = %s, want %s", i, where(), str(r.Product), s.product)
		}
		if s.size != "" && str(r.Size) != s.size {
			t.Errorf("step %d %q: size = %s, want %s (text %q)", i, where(), str(r.Size), s.size, r.Text)
		}
		if s.order != nil && (r.Order == nil || *r.Order != *s.order) {
			t.Errorf("step %d %q: order = %+v, want %+v", i, where(), r.Order, *s.order)
		}
		if s.handoff != nil && r.Handoff != *s.handoff {
			t.Errorf("step %d %q: handoff = %v, want %v", i, where(), r.Handoff, *s.handoff)
		}
		if r.EndCall != s.endCall {
			t.Errorf("step %d %q: end_call = %v, want %v", i, where(), r.EndCall, s.endCall)
		}
		if r.RepeatsPrevious != s.repeats {
			t.Errorf("step %d %q: repeats_previous = %v, want %v", i, where(), r.RepeatsPrevious, s.repeats)
		}
		if r.OutOfScope != s.oos {
			t.Errorf("step %d %q: out_of_scope = %v, want %v (faq %s conf %.2f)", i, where(), r.OutOfScope, s.oos, str(r.FAQ), r.Confidence)
		}
		if (r.Ticket != nil) != s.ticket {
			t.Errorf("step %d %q: ticket = %v, want %v", i, where(), r.Ticket, s.ticket)
		}
		if r.Text == "" {
			t.Errorf("step %d %q: empty text", i, where())
		}
		if s.check != nil {
			s.check(t, r)
		}
	}
}

func TestDialogues(t *testing.T) {
	shipped := &dialog.OrderRef{ID: "2024112500001", Found: true, Status: "shipped"}
	paid := &dialog.OrderRef{ID: "2024112500002", Found: true, Status: "paid"}
	tests := []struct {
		name  string
		lang  string
		now   time.Time
		steps []step
	}{
		{"order status zh digit by digit", "zh", onDuty, []step{
			{text: "嗯 帮我查查我的快递到哪了", faq: "logistics.where_is_order", action: "order_status", asksFor: "order_number"},
			{text: "二零二四幺幺二五零零零零幺", faq: "logistics.where_is_order", order: shipped, asksFor: "-",
				check: func(t *testing.T, r dialog.Reply) {
					if !contains(r.Text, "SF1408726359201") {
						t.Errorf("shipped order text lacks tracking number: %q", r.Text)
					}
				}},
		}},
		{"unknown then known order en", "en", onDuty, []step{
			{text: "where is my parcel", faq: "logistics.where_is_order", asksFor: "order_number"},
			{text: "it's two zero two four one one two five nine nine nine nine nine", order: &dialog.OrderRef{ID: "2024112599999"}, asksFor: "order_number"},
			{text: "sorry two oh two four one one two five oh oh oh oh two", order: paid, asksFor: "-",
				check: func(t *testing.T, r dialog.Reply) {
					for _, bad := range []string{"on its way", "has been shipped", "in transit"} {
						if contains(r.Text, bad) {
							t.Errorf("paid order described as shipped: %q", r.Text)
						}
					}
				}},
		}},
		{"size advice product first zh", "zh", onDuty, []step{
			{text: "那条牛仔裤我该穿多大码", faq: "product.size_advice", action: "size_advice", asksFor: "height_weight", product: "P1001"},
			{text: "我一米六 一百斤", size: "M", product: "P1001", asksFor: "-"},
		}},
		{"size advice body first en", "en", onDuty, []step{
			{text: "I'm five foot five and weigh about 130 pounds what size should I get", faq: "product.size_advice", asksFor: "product"},
			{text: "the down jacket", size: "L", product: "P1003", asksFor: "-"},
		}},
		{"pronoun follow-up zh", "zh", onDuty, []step{
			{text: "你们那个羽绒服还有货吗", product: "P1003"},
			{text: "那它是什么料子的", faq: "product.material", action: "product_attribute", product: "P1003",
				check: func(t *testing.T, r dialog.Reply) {
					if !contains(r.Text, "鸭绒") {
						t.Errorf("material answer lacks the product's material: %q", r.Text)
					}
				}},
		}},
		{"stock of a size en", "en", onDuty, []step{
			{text: "do you still have the jeans in large", product: "P1001", size: "L",
				check: func(t *testing.T, r dialog.Reply) {
					if !contains(r.Text, "sold out") {
						t.Errorf("jeans L has stock 0, text %q", r.Text)
					}
				}},
		}},
		{"repeat slower louder zh", "zh", onDuty, []step{
			{text: "你们几点下班", faq: "more.service_hours"},
			{text: "你刚才说啥我没听清", faq: "more.repeat", repeats: true,
				check: func(t *testing.T, r dialog.Reply) {
					if !contains(r.Text, "22:00") {
						t.Errorf("repeat does not repeat the previous answer: %q", r.Text)
					}
				}},
			{text: "你说慢一点", faq: "more.slower", check: func(t *testing.T, r dialog.Reply) {
				if r.Speech.Rate >= 1 {
					t.Errorf("rate = %v, want < 1", r.Speech.Rate)
				}
			}},
			{text: "声音太小了听不见", faq: "more.louder", check: func(t *testing.T, r dialog.Reply) {
				if r.Speech.Volume <= 1 || r.Speech.Rate >= 1 {
					t.Errorf("speech = %+v, want louder and still slower", r.Speech)
				}
			}},
		}},
		{"handoff on request in hours", "en", onDuty, []step{
			{text: "can I talk to a real person please", faq: "more.human", handoff: &yes,
				check: func(t *testing.T, r dialog.Reply) {
					if r.Callback {
						t.Error("callback in service hours")
					}
				}},
		}},
		{"handoff outside hours takes a callback", "zh", offDuty, []step{
			{text: "转人工", handoff: &yes, check: func(t *testing.T, r dialog.Reply) {
				if !r.Callback {
					t.Errorf("no callback outside service hours: %q", r.Text)
				}
			}},
		}},
		{"angry complaint escalates", "zh", onDuty, []step{
			{text: "气死我了 你们这什么破衣服 质量太差了 我要投诉", handoff: &yes,
				check: func(t *testing.T, r dialog.Reply) {
					if r.Emotion != "negative" || r.HandoffReason != dialog.ReasonComplaint {
						t.Errorf("emotion %s reason %s", r.Emotion, r.HandoffReason)
					}
				}},
		}},
		{"two misses escalate", "en", onDuty, []step{
			{text: "what's the weather like in paris tomorrow", oos: true, faq: "-", handoff: &no},
			{text: "who won the football match last night", oos: true, faq: "-", handoff: &yes},
		}},
		{"keypad cards and agent", "zh", onDuty, []step{
			{dtmf: "1", faq: "logistics.when_ship"},
			{dtmf: "0", handoff: &yes},
		}},
		{"damaged item registers a ticket", "zh", onDuty, []step{
			{text: "刚收到的羽绒服袖子破了个洞", faq: "aftersales.damaged", action: "aftersales_register", ticket: true, asksFor: "order_number"},
			{text: "订单号是二零二四一一二五零零零零三", order: &dialog.OrderRef{ID: "2024112500003", Found: true, Status: "delivered"}},
		}},
		{"goodbye ends the call", "en", onDuty, []step{
			{text: "ok that's all I needed bye bye", faq: "chat.goodbye", endCall: true},
		}},
		{"angry damage report opens a case first", "zh", onDuty, []step{
			{text: "气死我了 刚收到的羽绒服拉链是坏的", faq: "aftersales.damaged", ticket: true, asksFor: "order_number", handoff: &no},
			{text: "订单号二零二四幺幺二五 四个零 三", order: &dialog.OrderRef{ID: "2024112500003", Found: true, Status: "delivered"}},
		}},
		{"phone tail in answer to the order question", "en", onDuty, []step{
			{text: "can you track my order", asksFor: "order_number"},
			{text: "I don't have it but my phone number is five six seven eight", order: paid},
		}},
		{"explicit request for a person", "en", onDuty, []step{
			{text: "actually just get me a real person", faq: "more.human", handoff: &yes},
		}},
		{"keypad order number", "en", onDuty, []step{
			{text: "check my order", asksFor: "order_number"},
			{dtmf: "2024112500001#", order: shipped},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runSteps(t, newFixture(t, tc.now), tc.lang, tc.steps)
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
		return false
	})()
}

func TestWelcomeAndCards(t *testing.T) {
	f := newFixture(t, onDuty)
	w, err := f.e.Start(context.Background(), dialog.StartOptions{Lang: "en", Channel: "text"})
	if err != nil {
		t.Fatal(err)
	}
	if w.Text == "" || len(w.Cards) != 6 || w.Cards[0].Key != "1" || w.Cards[0].FAQ != "logistics.when_ship" {
		t.Fatalf("welcome = %+v", w)
	}
}

func TestHandoffSummaryStored(t *testing.T) {
	f := newFixture(t, onDuty)
	id := f.start(t, "zh")
	f.say(t, id, "我想问下羽绒服多少钱")
	r := f.say(t, id, "转人工")
	if !r.Handoff {
		t.Fatal("no handoff")
	}
	hs, err := f.st.Handoffs(context.Background(), store.HandoffFilter{})
	if err != nil || len(hs) != 1 {
		t.Fatalf("handoffs = %v, %v", hs, err)
	}
	for _, want := range []string{"transcript", "intents", "羽绒服", "request", "P1003"} {
		if !contains(string(hs[0].Summary), want) {
			t.Errorf("summary lacks %q: %s", want, hs[0].Summary)
		}
	}
}

func TestServiceModes(t *testing.T) {
	f := newFixture(t, onDuty)
	if err := f.e.SetMode(dialog.ModeSmartAssist); err != nil {
		t.Fatal(err)
	}
	id := f.start(t, "zh")
	r := f.say(t, id, "什么时候发货")
	if !r.Draft || r.Mode != dialog.ModeSmartAssist {
		t.Errorf("smart-assist reply = %+v", r)
	}
	if err := f.e.SetMode("nonsense"); err == nil {
		t.Error("bad mode accepted")
	}
	// Human-first only while agents are on duty.
	if err := f.e.SetMode(dialog.ModeHumanFirst); err != nil {
		t.Fatal(err)
	}
	if got := f.e.ModeAt(onDuty); got != dialog.ModeHumanFirst {
		t.Errorf("ModeAt(on duty) = %s", got)
	}
	if got := f.e.ModeAt(offDuty); got != dialog.ModeFullAuto {
		t.Errorf("ModeAt(off duty) = %s", got)
	}
	// A schedule switches modes by time of day.
	_ = f.e.SetMode("")
	err := f.e.SetSchedule(dialog.Schedule{Default: dialog.ModeFullAuto,
		Windows: []dialog.ModeWindow{{From: "09:00", To: "12:00", Mode: dialog.ModeSmartAssist}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.e.ModeAt(onDuty); got != dialog.ModeSmartAssist {
		t.Errorf("scheduled mode at 10:00 = %s", got)
	}
	if got := f.e.ModeAt(onDuty.Add(3 * time.Hour)); got != dialog.ModeFullAuto {
		t.Errorf("scheduled mode at 13:00 = %s", got)
	}
}

func TestPackSubscriptionChangesAnswers(t *testing.T) {
	f := newFixture(t, onDuty)
	shop := f.e.Shop()
	if err := shop.Unsubscribe("apparel"); err != nil {
		t.Fatal(err)
	}
	defer shop.Subscribe("apparel")
	id := f.start(t, "zh")
	r := f.say(t, id, "这衣服洗了会不会缩水")
	if str(r.FAQ) == "product.shrink" {
		t.Errorf("unsubscribed pack FAQ still answered")
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, onDuty)
	ctx := context.Background()
	id := f.start(t, "zh")
	for _, in := range []dialog.Input{{}, {DTMF: "x"}, {Text: string([]byte{0xff, 0xfe})}, {Text: string(make([]rune, 3000))}} {
		if _, err := f.e.Handle(ctx, id, in); !errors.Is(err, dialog.ErrBadInput) {
			t.Errorf("Handle(%+v) err = %v, want ErrBadInput", in, err)
		}
	}
	if _, err := f.e.Handle(ctx, "nope", dialog.Input{Text: "hi"}); !errors.Is(err, dialog.ErrUnknownSession) {
		t.Errorf("unknown session err = %v", err)
	}
	if _, err := f.e.Start(ctx, dialog.StartOptions{Lang: "fr"}); !errors.Is(err, dialog.ErrBadLang) {
		t.Errorf("bad lang err = %v", err)
	}
}

func TestConcurrentSessions(t *testing.T) {
	f := newFixture(t, onDuty)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := f.start(t, "en")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := f.e.Handle(ctx, id, dialog.Input{Text: "when do you ship"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			w, err := f.e.Start(ctx, dialog.StartOptions{Lang: "zh"})
			if err == nil {
				_, err = f.e.Handle(ctx, w.Session, dialog.Input{Text: "发什么快递"})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	tr, err := f.e.Transcript(ctx, id)
	if err != nil || len(tr.Turns) != 20 {
		t.Fatalf("transcript turns = %d, %v", len(tr.Turns), err)
	}
}

func TestTicketGetsOrderLater(t *testing.T) {
	f := newFixture(t, onDuty)
	ctx := context.Background()
	id := f.start(t, "en")
	r := f.say(t, id, "the zip on my new jacket is broken")
	if r.Ticket == nil {
		t.Fatalf("no ticket: %+v", r)
	}
	r = f.say(t, id, "the order number is 2024112500003")
	if r.Order == nil || !r.Order.Found {
		t.Fatalf("order not found: %+v", r)
	}
	ts, err := f.st.Tickets(ctx, store.TicketFilter{Session: id})
	if err != nil || len(ts) != 1 || ts[0].OrderID != "2024112500003" {
		t.Fatalf("tickets = %+v, %v", ts, err)
	}
}

func TestResume(t *testing.T) {
	now := onDuty
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "r.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := dialog.New(kbtest.DemoShop(t), st, dialog.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	o := dialog.StartOptions{SessionID: "caller-1", Lang: "en"}
	if _, started, err := e.Resume(ctx, o, 30*time.Minute); err != nil || !started {
		t.Fatalf("first Resume: started %v, %v", started, err)
	}
	if r, _ := e.Handle(ctx, "caller-1", dialog.Input{Text: "where is my order"}); str(r.AsksFor) != dialog.SlotOrderNumber {
		t.Fatalf("asks_for = %s", str(r.AsksFor))
	}
	now = now.Add(time.Minute)
	if _, started, err := e.Resume(ctx, o, 30*time.Minute); err != nil || started {
		t.Fatalf("Resume within idle: started %v, %v", started, err)
	}
	r, err := e.Handle(ctx, "caller-1", dialog.Input{Text: "2024112500003"})
	if err != nil || r.Order == nil || !r.Order.Found {
		t.Fatalf("slot not kept across Resume: %+v %v", r.Order, err)
	}
	if r, _ := e.Handle(ctx, "caller-1", dialog.Input{Text: "goodbye"}); !r.EndCall {
		t.Fatal("no end_call")
	}
	// An ended session starts over.
	if _, started, err := e.Resume(ctx, o, 30*time.Minute); err != nil || !started {
		t.Fatalf("Resume after end: started %v, %v", started, err)
	}
	if _, err := e.Handle(ctx, "caller-1", dialog.Input{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	// So does an idle one.
	now = now.Add(2 * time.Hour)
	if _, started, _ := e.Resume(ctx, o, 30*time.Minute); !started {
		t.Fatal("idle session resumed")
	}
}
