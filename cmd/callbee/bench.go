package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/internal/voicebench"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu/match"
)

// benchReport is what `callbee bench` measures.
type benchReport struct {
	Shop      string `json:"shop"`
	GoVersion string `json:"go_version"`
	CPUs      int    `json:"cpus"`

	LoadShopMS    float64 `json:"load_shop_ms"`    // parse + validate the shop file
	BuildEngineMS float64 `json:"build_engine_ms"` // learn the matcher, build the brain
	HeapShopMB    float64 `json:"heap_shop_mb"`    // live heap the shop and its brain added (after GC)
	HeapTotalMB   float64 `json:"heap_total_mb"`   // live heap after loading (after GC)
	FirstAnswerMS float64 `json:"first_answer_ms"` // process start to the first reply (DB open, load, build, start, answer)

	DevSet      *devset.Report `json:"devset,omitempty"`
	Holdout     *devset.Report `json:"holdout,omitempty"` // held-out set: summary only, never tuned on
	DevSetNote  string         `json:"devset_note,omitempty"`
	LeaveOneOut []looResult    `json:"leave_one_out"`

	Throughput throughput `json:"throughput"`

	Voice *voicebench.Report `json:"voice,omitempty"` // --voice
}

type looResult struct {
	Lang     string  `json:"lang"`
	Total    int     `json:"total"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
}

// throughput is measured on one core (GOMAXPROCS 1).
type throughput struct {
	Questions int `json:"questions"`
	// Answer: Engine.Handle, each question in a fresh session, the turn
	// committed to the SQLite file before it returns.
	AnswerQPS   float64 `json:"answer_qps"`
	AnswerP50US float64 `json:"answer_p50_us"`
	AnswerP99US float64 `json:"answer_p99_us"`
	// Understand: the brain's language understanding alone (normalise,
	// entities, emotion, FAQ match), no session and no storage.
	UnderstandQPS   float64 `json:"understand_qps"`
	UnderstandP50US float64 `json:"understand_p50_us"`
	UnderstandP99US float64 `json:"understand_p99_us"`
}

func cmdBench(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("bench", "[--shop FILE] [--n N] [--json] [--db FILE]")
	shopPath := fs.String("shop", defaultBenchShop(), "shop file")
	dbPath := fs.String("db", "", "SQLite file for the sessions (default: a temporary file, removed after)")
	n := fs.Int("n", 2000, "questions in the throughput loop")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	skipEval := fs.Bool("no-eval", false, "skip the dev set and leave-one-out evaluations")
	failures := fs.Int("failures", 10, "dev set failures to list in the text report (-1: all)")
	voiceBench := fs.Bool("voice", false, "also measure the voice loop: ASR real-time factor, TTS time to first audio, concurrent real-time calls")
	levels := fs.String("calls", "10,20,40", "with --voice: numbers of concurrent calls to ramp through")
	voiceLang := fs.String("voice-lang", "", "with --voice: language of the load calls (default: the shop's first)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 || *shopPath == "" || *n < 1 {
		fs.Usage()
		return exitUsage
	}
	db := *dbPath
	if db == "" {
		dir, err := os.MkdirTemp("", "callbee-bench-")
		if err != nil {
			return c.errorf("bench", "%v", err)
		}
		defer os.RemoveAll(dir)
		db = filepath.Join(dir, "bench.db")
	}
	var vo *voicebench.Options
	if *voiceBench {
		vo = &voicebench.Options{Lang: *voiceLang, Progress: func(s string) { fmt.Fprintf(c.stderr, "callbee bench: %s\n", s) }}
		for _, f := range strings.Split(*levels, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || v < 1 {
				fmt.Fprintf(c.stderr, "callbee bench: --calls %q: want numbers like 10,20,40\n", *levels)
				return exitUsage
			}
			vo.Levels = append(vo.Levels, v)
		}
		if cfg, err := (&common{}).config(); err == nil {
			vo.Models = cfg.ModelsDir
		}
	}
	r, err := runBench(ctx, *shopPath, db, *n, !*skipEval, vo, c.stderr)
	if err != nil {
		return c.errorf("bench", "%s", problems(err))
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return c.errorf("bench", "%v", err)
		}
		return exitOK
	}
	r.print(c.stdout, *failures)
	return exitOK
}

// defaultBenchShop is the demo shop when it sits beside the repository, else
// the starter shop.
func defaultBenchShop() string {
	for _, p := range []string{"../shared/demo-shop/shop.yaml", "examples/starter-shop.yaml"} {
		if exists(p) {
			return p
		}
	}
	return ""
}

func runBench(ctx context.Context, shopPath, db string, n int, eval bool, vo *voicebench.Options, logw io.Writer) (*benchReport, error) {
	log := quietLogger(logw)
	r := &benchReport{GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}

	st, err := openStore(ctx, db, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	before := liveHeap()
	t0 := time.Now()
	shop, err := kb.Load(shopPath)
	if err != nil {
		return nil, err
	}
	r.Shop = shop.ID()
	r.LoadShopMS = ms(time.Since(t0))
	t1 := time.Now()
	e, err := dialog.New(shop, st, dialog.WithLogger(log))
	if err != nil {
		return nil, err
	}
	r.BuildEngineMS = ms(time.Since(t1))
	after := liveHeap()
	r.HeapTotalMB = mb(after)
	r.HeapShopMB = mb(after - min(before, after))

	lang := firstLang(shop)
	first := sampleQuestion(shop, lang)
	w, err := e.Start(ctx, dialog.StartOptions{Lang: lang, Channel: "bench"})
	if err != nil {
		return nil, err
	}
	if _, err := e.Handle(ctx, w.Session, dialog.Input{Text: first}); err != nil {
		return nil, err
	}
	r.FirstAnswerMS = ms(time.Since(processStart))
	runtime.KeepAlive(e)

	if eval {
		if err := r.evaluate(ctx, e, shop); err != nil {
			return nil, err
		}
	}
	qs := benchQuestions(shop)
	if err := r.Throughput.measure(ctx, e, qs, n); err != nil {
		return nil, err
	}
	if vo != nil {
		vo.Shop, vo.Brain = shop, e
		if r.Voice, err = voicebench.Run(ctx, *vo); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *benchReport) evaluate(ctx context.Context, e *dialog.Engine, shop *kb.Shop) error {
	set, err := devset.Default()
	if err != nil {
		return err
	}
	if set.Shop == shop.ID() {
		rep, err := devset.Evaluate(ctx, e, set)
		if err != nil {
			return err
		}
		r.DevSet = rep
	} else {
		r.DevSetNote = fmt.Sprintf("the dev set is for shop %s, not %s: skipped", set.Shop, shop.ID())
	}
	if hs, err := devset.HoldoutFor(shop.ID()); err == nil {
		rep, err := devset.Evaluate(ctx, e, hs)
		if err != nil {
			return err
		}
		rep.Failures = nil // keep the held-out set held out
		r.Holdout = rep
	}
	for _, l := range []string{kb.LangZH, kb.LangEN} {
		if shop.Shop.Welcome[l] == "" {
			continue
		}
		lr, err := match.LeaveOneOut(shop, l)
		if err != nil {
			return err
		}
		r.LeaveOneOut = append(r.LeaveOneOut, looResult{Lang: l, Total: lr.Total, Correct: lr.Correct, Accuracy: lr.Accuracy})
	}
	return nil
}

type question struct{ lang, text string }

// benchQuestions are the dev set's questions for the shop, else the shop's
// own phrasings.
func benchQuestions(shop *kb.Shop) []question {
	var qs []question
	if set, err := devset.Default(); err == nil && set.Shop == shop.ID() {
		for _, s := range set.Singles {
			qs = append(qs, question{s.Lang, s.Text})
		}
	}
	if len(qs) == 0 {
		for _, f := range shop.ActiveFAQs() {
			for _, l := range []string{kb.LangZH, kb.LangEN} {
				for _, p := range f.Phrasings.Get(l) {
					qs = append(qs, question{l, p})
				}
			}
		}
	}
	if len(qs) == 0 {
		qs = append(qs, question{firstLang(shop), sampleQuestion(shop, firstLang(shop))})
	}
	return qs
}

func sampleQuestion(shop *kb.Shop, lang string) string {
	if lang == kb.LangEN {
		return "when will my parcel ship"
	}
	return "什么时候发货"
}

// measure runs n questions on one core: first through the whole brain and
// store, then through language understanding alone.
func (t *throughput) measure(ctx context.Context, e *dialog.Engine, qs []question, n int) error {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	t.Questions = n

	ids := make([]string, n)
	for i := range n { // sessions opened outside the timed loop
		q := qs[i%len(qs)]
		w, err := e.Start(ctx, dialog.StartOptions{Lang: q.lang, Channel: "bench"})
		if err != nil {
			return err
		}
		ids[i] = w.Session
	}
	lat := make([]time.Duration, n)
	start := time.Now()
	for i := range n {
		q := qs[i%len(qs)]
		t0 := time.Now()
		if _, err := e.Handle(ctx, ids[i], dialog.Input{Text: q.text}); err != nil {
			return err
		}
		lat[i] = time.Since(t0)
	}
	t.AnswerQPS = float64(n) / time.Since(start).Seconds()
	t.AnswerP50US, t.AnswerP99US = percentiles(lat)

	a := e.Analyzer()
	start = time.Now()
	for i := range n {
		q := qs[i%len(qs)]
		t0 := time.Now()
		a.Analyze(q.text, q.lang)
		lat[i] = time.Since(t0)
	}
	t.UnderstandQPS = float64(n) / time.Since(start).Seconds()
	t.UnderstandP50US, t.UnderstandP99US = percentiles(lat)
	return ctx.Err()
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) float64 {
		i := int(p * float64(len(s)-1))
		return float64(s[i].Nanoseconds()) / 1e3
	}
	return at(0.50), at(0.99)
}

// liveHeap returns the live heap in bytes after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
func mb(b uint64) float64        { return float64(b) / (1 << 20) }

func (r *benchReport) print(w io.Writer, failures int) {
	fmt.Fprintf(w, "callbee bench: shop %s, %s, %d CPUs\n\n", r.Shop, r.GoVersion, r.CPUs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "load shop file\t%.1f ms\n", r.LoadShopMS)
	fmt.Fprintf(tw, "build brain\t%.1f ms\n", r.BuildEngineMS)
	fmt.Fprintf(tw, "heap for shop + brain\t%.1f MiB (live heap %.1f MiB)\n", r.HeapShopMB, r.HeapTotalMB)
	fmt.Fprintf(tw, "process start to first answer\t%.1f ms\n", r.FirstAnswerMS)
	tp := r.Throughput
	fmt.Fprintf(tw, "answer (brain + SQLite commit), 1 core\t%.0f questions/s, p50 %.0f µs, p99 %.0f µs (%d questions)\n",
		tp.AnswerQPS, tp.AnswerP50US, tp.AnswerP99US, tp.Questions)
	fmt.Fprintf(tw, "understand only, 1 core\t%.0f questions/s, p50 %.0f µs, p99 %.0f µs\n",
		tp.UnderstandQPS, tp.UnderstandP50US, tp.UnderstandP99US)
	for _, l := range r.LeaveOneOut {
		fmt.Fprintf(tw, "leave-one-out %s\t%.1f%% (%d of %d phrasings)\n", l.Lang, 100*l.Accuracy, l.Correct, l.Total)
	}
	tw.Flush()
	fmt.Fprintln(w)
	if r.DevSet != nil {
		shown := *r.DevSet
		if failures >= 0 && len(shown.Failures) > failures {
			shown.Failures = shown.Failures[:failures]
		}
		text := shown.String()
		if len(shown.Failures) == 0 {
			text = shown.Summary()
		}
		fmt.Fprint(w, strings.TrimRight(text, "\n")+"\n")
		if n := len(r.DevSet.Failures) - len(shown.Failures); n > 0 {
			fmt.Fprintf(w, "  ... and %d more (%d failures in all; --failures -1 lists them, --json has them)\n", n, len(r.DevSet.Failures))
		}
	}
	if r.Holdout != nil {
		fmt.Fprintln(w)
		fmt.Fprint(w, "held-out "+strings.TrimRight(r.Holdout.Summary(), "\n")+"\n")
	}
	if r.DevSetNote != "" {
		fmt.Fprintln(w, r.DevSetNote)
	}
	if r.Voice != nil {
		printVoice(w, r.Voice)
	}
}

func printVoice(w io.Writer, v *voicebench.Report) {
	fmt.Fprintf(w, "\nvoice loop (%d CPUs)\n", v.CPUs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range v.RTF {
		fmt.Fprintf(tw, "ASR real-time factor %s %s\t%.3f (%d utterances)\n", r.Model, r.Search, r.RTF, r.N)
	}
	for _, t := range v.TTS {
		kind := "uncached"
		if t.Cached {
			kind = "cached"
		}
		fmt.Fprintf(tw, "TTS first audio %s %s %s\tp50 %.2f ms, p95 %.2f ms (%d texts)\n", t.Engine, t.Lang, kind, t.P50MS, t.P95MS, t.N)
	}
	for _, l := range v.Levels {
		fmt.Fprintf(tw, "%d concurrent real-time calls\tresponse p50 %.0f ms, p95 %.0f ms; %d/%d turns right, %d failed; CPU %.0f%% of a core; +%.1f MB RSS per call; %d late frames\n",
			l.Calls, l.P50MS, l.P95MS, l.Correct, l.Turns, l.Failed, l.CPUPct, l.RSSPerMB, l.Underruns)
		fmt.Fprintf(tw, "  stages after end of speech, p95\tend of turn %.0f ms, ASR final %.0f ms, answer ready %.0f ms, first audio %.0f ms\n",
			l.StagesP95MS["end_of_turn"], l.StagesP95MS["asr_final"], l.StagesP95MS["answer_ready"], l.StagesP95MS["first_audio"])
	}
	fmt.Fprintf(tw, "sustained in real time (p95 <= 1 s)\t%d calls\n", v.SustainedCalls)
	tw.Flush()
}
