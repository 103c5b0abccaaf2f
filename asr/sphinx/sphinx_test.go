package sphinx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/asr/grammar"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// shared is one recogniser for the tests that only decode (New compiles
// the shop and loads the models, ~1 s).
var shared struct {
	once sync.Once
	rec  *Sphinx
	shop *kb.Shop
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.rec != nil {
		shared.rec.Close()
	}
	os.Exit(code)
}

func testRecognizer(t testing.TB) (*Sphinx, *kb.Shop) {
	t.Helper()
	shared.once.Do(func() {
		shared.shop = kbtest.DemoShop(t)
		shared.rec, shared.err = New(shared.shop)
	})
	if shared.err != nil {
		t.Skipf("sphinx: %v (install pocketsphinx-en-us; models in ../shared/models or $%s)", shared.err, EnvModels)
	}
	return shared.rec, shared.shop
}

func needModel(t testing.TB, rec *Sphinx, lang string, rate int) {
	t.Helper()
	if _, err := pickModel(rec.models, lang, rate); err != nil {
		t.Skipf("%v", err)
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// conditions are the language/rate pairs tested: Chinese at 16 kHz is
// resampled to the 8 kHz model.
var conditions = []struct {
	lang string
	rate int
}{{"en", 16000}, {"en", 8000}, {"zh", 8000}, {"zh", 16000}}

// canonical is every third FAQ's canonical question (plus the cards).
func canonical(shop *kb.Shop, lang string) []string {
	seen := map[string]bool{}
	var qs []string
	for i, f := range shop.FAQs {
		if i%3 == 0 || contains(shop.Shop.Cards, f.ID) {
			if q := f.Question[lang]; !seen[q] {
				seen[q] = true
				qs = append(qs, q)
			}
		}
	}
	return qs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// paraphrases are questions outside the grammar, written the way callers
// talk (not from the shop file).
var paraphrases = map[string][]string{
	"en": {"my parcel has not arrived yet", "do you sell gloves", "can I pay with my credit card",
		"how warm is the down coat", "I think the trousers are too long for me", "what time do you close today",
		"my daughter wants a red one", "could you send it to my office instead"},
	"zh": {"我的包裹怎么还没到", "你们卖手套吗", "可以用信用卡付款吗", "羽绒服暖和不暖和",
		"裤子太长了怎么办", "你们今天几点下班", "我女儿想要红色的", "能不能寄到我单位"},
}

// tally accumulates errors and timing.
type tally struct {
	edits, n, exact, count int
	audio, cpu             time.Duration
}

func (a *tally) add(lang, ref string, r asr.Result) {
	e, n := asrtest.Errors(lang, ref, r.Text)
	a.edits += e
	a.n += n
	a.count++
	if e == 0 {
		a.exact++
	}
	a.audio += r.Audio
	a.cpu += r.CPU
}

func (a tally) rate() float64 { return float64(a.edits) / float64(max(a.n, 1)) }
func (a tally) String() string {
	return fmt.Sprintf("%5.1f%% (%d/%d exact) RTF %.3f", 100*a.rate(), a.exact, a.count, float64(a.cpu)/float64(max(a.audio, 1)))
}

// TestRecognizeShop recognises the demo shop's canonical questions (in
// the grammar) and paraphrases (outside it) synthesised by espeak-ng, at
// 16 kHz and in the 8 kHz telephone band, with the domain grammar and the
// LM run together and picked by calibrated confidence. It reports WER
// (English) or CER (Chinese) per search and RTF, and bounds the in-domain
// error of the picked result.
func TestRecognizeShop(t *testing.T) {
	rec, shop := testRecognizer(t)
	// Bounds on the picked in-domain error rate: measured values are in
	// the final report (asr/sphinx doc); these leave a margin.
	maxErr := map[string]float64{"en/16000": 0.10, "en/8000": 0.35, "zh/8000": 0.40, "zh/16000": 0.40}
	var report []string
	for _, c := range conditions {
		name := fmt.Sprintf("%s/%d", c.lang, c.rate)
		t.Run(name, func(t *testing.T) {
			needModel(t, rec, c.lang, c.rate)
			for _, set := range []struct {
				kind string
				qs   []string
			}{{"in-grammar", canonical(shop, c.lang)}, {"paraphrase", paraphrases[c.lang]}} {
				var dom, lm, picked tally
				for _, q := range set.qs {
					samples := asrtest.Synth(t, q, c.lang, c.rate)
					st, err := asr.StartAll(ctxT(t), rec, Pick(asr.DefaultTrust),
						asr.Options{Lang: c.lang, Rate: c.rate, Search: asr.SearchDomain},
						asr.Options{Lang: c.lang, Rate: c.rate, Search: asr.SearchLM})
					if err != nil {
						t.Fatal(err)
					}
					res, err := asrtest.Feed(ctxT(t), st, c.rate, samples)
					if cerr := st.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						t.Fatal(err)
					}
					all := append([]asr.Result{res}, res.Alternatives...)
					for _, r := range all {
						switch r.Search {
						case asr.SearchDomain:
							dom.add(c.lang, q, r)
						case asr.SearchLM:
							lm.add(c.lang, q, r)
						}
					}
					picked.add(c.lang, q, res)
					t.Logf("%s %q -> %q (%s, conf %.2f)", set.kind, q, res.Text, res.Search, res.Confidence)
					for _, r := range all {
						e, n := asrtest.Errors(c.lang, q, r.Text)
						t.Logf("PICKDATA %s %s %s %.3f %d %d", name, set.kind, r.Search, r.Confidence, e, n)
					}
				}
				line := fmt.Sprintf("%-8s %-10s domain %s | lm %s | picked %s", name, set.kind, dom, lm, picked)
				report = append(report, line)
				t.Log(line)
				if set.kind == "in-grammar" && picked.rate() > maxErr[name] {
					t.Errorf("%s in-grammar error %.1f%% > %.0f%%", name, 100*picked.rate(), 100*maxErr[name])
				}
			}
		})
	}
	sort.Strings(report)
	t.Logf("summary (WER en, CER zh):\n%s", strings.Join(report, "\n"))
}

// TestOrderNumber reads an order number digit by digit with the digits
// grammar (the dialog state "awaiting an order number").
func TestOrderNumber(t *testing.T) {
	rec, shop := testRecognizer(t)
	id := shop.Orders[0].ID
	spoken := map[string]string{}
	for _, lang := range []string{"en", "zh"} {
		var words []string
		for _, r := range id {
			words = append(words, map[string][]string{
				"en": {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"},
				"zh": {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"},
			}[lang][r-'0'])
		}
		sep := map[string]string{"en": " ", "zh": "，"}[lang]
		spoken[lang] = strings.Join(words, sep)
	}
	for _, c := range conditions {
		t.Run(fmt.Sprintf("%s/%d", c.lang, c.rate), func(t *testing.T) {
			needModel(t, rec, c.lang, c.rate)
			samples := asrtest.Synth(t, spoken[c.lang], c.lang, c.rate)
			res, err := asrtest.Recognize(ctxT(t), rec, asr.Options{Lang: c.lang, Rate: c.rate, Search: asr.SearchDigits}, samples)
			if err != nil {
				t.Fatal(err)
			}
			words := strings.Fields(res.Text)
			if c.lang == "zh" {
				words = nil
				for _, r := range res.Text {
					words = append(words, string(r))
				}
			}
			got := grammar.DigitString(words)
			e, n := asrtest.CER(id, got)
			t.Logf("%q -> %q -> %s (digit errors %d/%d, RTF %.3f)", spoken[c.lang], res.Text, got, e, n, res.RTF())
			// Only 16 kHz English is reliable enough to assert on: the digit
			// loop inserts digits at 8 kHz and in Mandarin (measured numbers
			// are in the report; the dialog confirms order numbers anyway).
			if c.lang == "en" && c.rate == 16000 && e > 3 {
				t.Errorf("order number %s recognised as %s (%d digit errors)", id, got, e)
			}
		})
	}
}

// TestYesNo uses the yes/no grammar (the dialog state after a yes/no question).
func TestYesNo(t *testing.T) {
	rec, _ := testRecognizer(t)
	yes := map[string]bool{"yes": true, "yeah": true, "yep": true, "yes please": true, "that's right": true,
		"correct": true, "right": true, "sure": true, "okay": true, "ok": true,
		"是": true, "是的": true, "是啊": true, "对": true, "对的": true, "对啊": true, "没错": true, "好的": true,
		"好": true, "可以": true, "行": true, "嗯": true}
	tests := []struct {
		lang, say string
		yes       bool
	}{
		{"en", "yes", true}, {"en", "no", false}, {"en", "yes please", true}, {"en", "no thanks", false},
		{"zh", "是的", true}, {"zh", "不是", false}, {"zh", "不用了", false}, {"zh", "对", true},
	}
	misses := 0
	defer func() {
		// Short single syllables at 8 kHz are the weak spot ("对" has come
		// out as "不用"); allow one miss in the set, report every one.
		if misses > 1 {
			t.Errorf("%d of %d yes/no answers misheard", misses, len(tests))
		}
	}()
	for _, tt := range tests {
		rate := 8000
		t.Run(tt.lang+"/"+tt.say, func(t *testing.T) {
			needModel(t, rec, tt.lang, rate)
			res, err := asrtest.Recognize(ctxT(t), rec, asr.Options{Lang: tt.lang, Rate: rate, Search: asr.SearchYesNo},
				asrtest.Synth(t, tt.say, tt.lang, rate))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%q -> %q", tt.say, res.Text)
			if res.Text == "" || yes[res.Text] != tt.yes {
				misses++
				t.Logf("MISS: %q -> %q, want a %v answer", tt.say, res.Text, map[bool]string{true: "yes", false: "no"}[tt.yes])
			}
		})
	}
}

// TestPoolAndClose checks that streams check decoders out and back, that
// Close frees every decoder (none leak), and the errors of misuse.
func TestPoolAndClose(t *testing.T) {
	mediatest.CheckLeaks(t)
	shop := kbtest.DemoShop(t)
	rec, err := New(shop, WithLanguages("en"), WithPool(2, 1))
	if err != nil {
		t.Skipf("sphinx: %v", err)
	}
	ctx := ctxT(t)
	opts := asr.Options{Lang: "en", Rate: 16000}
	var streams []asr.Stream
	for range 3 {
		st, err := rec.Start(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, st)
	}
	if st := rec.Stats()[ModelEnUS16k]; st.Live != 3 || st.Idle != 0 || st.Created != 3 {
		t.Errorf("3 streams open: %+v, want 3 live, 0 idle, 3 created", st)
	}
	t.Logf("decoder setup %v (mean over %d)", rec.Stats()[ModelEnUS16k].Setup, rec.Stats()[ModelEnUS16k].Created)

	// Misuse.
	frame := media.Frame{Samples: make([]int16, 320), Rate: 16000}
	if err := streams[0].WriteFrame(ctx, media.Frame{Samples: make([]int16, 160), Rate: 8000}); !errors.Is(err, media.ErrRateMismatch) {
		t.Errorf("8 kHz frame on a 16 kHz stream: %v", err)
	}
	if _, err := streams[0].Final(ctx); err != nil {
		t.Errorf("Final on silence: %v", err)
	}
	if err := streams[0].WriteFrame(ctx, frame); !errors.Is(err, asr.ErrFinished) {
		t.Errorf("write after Final: %v", err)
	}
	if _, err := rec.Start(ctx, asr.Options{Lang: "en", Rate: 16000, Search: "nope"}); !errors.Is(err, asr.ErrUnsupported) {
		t.Errorf("unknown search: %v", err)
	}
	if _, err := rec.Start(ctx, asr.Options{Lang: "fr", Rate: 16000}); !errors.Is(err, asr.ErrUnsupported) {
		t.Errorf("unknown language: %v", err)
	}

	// A stream closed mid-utterance returns a reusable decoder.
	if err := streams[1].WriteFrame(ctx, frame); err != nil {
		t.Fatal(err)
	}
	for _, st := range streams {
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
	if err := streams[2].WriteFrame(ctx, frame); !errors.Is(err, asr.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	// Pool keeps 2 idle, frees the third.
	if st := rec.Stats()[ModelEnUS16k]; st.Live != 2 || st.Idle != 2 {
		t.Errorf("after closing streams: %+v, want 2 live, 2 idle", st)
	}
	// A stream started now reuses a pooled decoder.
	st, err := rec.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := rec.Stats()[ModelEnUS16k]; s.Created != 3 {
		t.Errorf("reuse: created %d, want 3", s.Created)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if s := rec.Stats()[ModelEnUS16k]; s.Live != 1 {
		t.Errorf("after recogniser Close with one stream open: %d live, want 1", s.Live)
	}
	st.Close()
	for name, s := range rec.Stats() {
		if s.Live != 0 {
			t.Errorf("%s: %d decoders leaked", name, s.Live)
		}
	}
	if _, err := rec.Start(ctx, opts); !errors.Is(err, asr.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	if err := rec.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestConcurrentStreams decodes on several goroutines at once (run with
// -race); each stream owns its decoder.
func TestConcurrentStreams(t *testing.T) {
	rec, shop := testRecognizer(t)
	needModel(t, rec, "en", 8000)
	mediatest.CheckLeaks(t)
	qs := canonical(shop, "en")[:4]
	audio := make([][]int16, len(qs))
	for i, q := range qs {
		audio[i] = asrtest.Synth(t, q, "en", 8000)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type out struct {
		q   string
		res asr.Result
		err error
	}
	results := make(chan out, 2*len(qs))
	var wg sync.WaitGroup
	for i := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				res, err := asrtest.Recognize(ctx, rec, asr.Options{Lang: "en", Rate: 8000, Search: asr.SearchDomain}, audio[i])
				results <- out{qs[i], res, err}
			}
		}()
	}
	wg.Wait()
	close(results)
	var total tally
	for o := range results {
		if o.err != nil {
			t.Fatal(o.err)
		}
		total.add("en", o.q, o.res)
	}
	t.Logf("concurrent: %s", total)
	if total.rate() > 0.2 {
		t.Errorf("concurrent decoding error %.1f%%", 100*total.rate())
	}
}

func TestFindModels(t *testing.T) {
	dir := DefaultModelsDir()
	ms := FindModels(dir)
	for _, m := range ms {
		t.Logf("%s: %s %d Hz hmm=%s dict=%s", m.Name, m.Lang, m.Rate, m.HMM, m.Dict)
	}
	tests := []struct {
		lang string
		rate int
		want string
	}{
		{"en", 16000, ModelEnUS16k}, {"en", 8000, ModelEnUS8k}, {"zh", 8000, ModelZhCN8k},
		{"zh", 16000, ModelZhCN8k}, {"en", 48000, ModelEnUS16k},
	}
	for _, tt := range tests {
		m, err := pickModel(ms, tt.lang, tt.rate)
		if err != nil {
			t.Logf("%s/%d: %v (model not installed)", tt.lang, tt.rate, err)
			continue
		}
		if m.Name != tt.want {
			t.Errorf("%s/%d: %s, want %s", tt.lang, tt.rate, m.Name, tt.want)
		}
	}
	if _, err := pickModel(ms, "zh", 4000); !errors.Is(err, ErrNoModel) {
		t.Errorf("4 kHz: %v", err)
	}
}
