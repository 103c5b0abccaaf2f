// Package voicebench measures the voice loop for `callbee bench --voice`:
// the recognisers' real-time factor per model, speech synthesis time to
// first audio (uncached and cached), and whole calls through the
// switchboard in real time — many at once — with the response latency
// callers hear (end of speech to first bot audio, end-of-turn wait
// included), the CPU they cost and the memory each call adds.
package voicebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/sphinx"
	"github.com/callbee/callbee/dialog"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/switchboard"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/espeak"
	"github.com/callbee/callbee/tts/ttscache"
)

// StartSpread is the time over which a level's calls start.
const StartSpread = 10 * time.Second

// Options configure Run.
type Options struct {
	Shop   *kb.Shop
	Brain  *dialog.Engine
	Models string // models dir ("" = default)
	// Levels are the numbers of concurrent real-time calls to try, in order
	// (default 10, 20, 40). A level stops the ramp when its p95 passes 1 s.
	Levels []int
	// Lang and DoorRate of the load calls (default the shop's first
	// language at 8 kHz, a phone line).
	Lang     string
	DoorRate int
	Progress func(string) // optional progress lines
	// MaxQuestions limits the canonical questions used per language
	// (0: all the cards and up to 8 FAQs).
	MaxQuestions int
}

// Report is what Run measured.
type Report struct {
	CPUs   int         `json:"cpus"`
	RTF    []RTF       `json:"asr_rtf"`
	TTS    []TTFA      `json:"tts_ttfa"`
	Levels []LoadLevel `json:"load"`
	// SustainedCalls is the largest level whose calls kept p95 ≤ 1 s.
	SustainedCalls int `json:"sustained_calls"`
}

// RTF is one model's real-time factor (CPU time / audio time) per search.
type RTF struct {
	Model  string  `json:"model"`
	Search string  `json:"search"`
	RTF    float64 `json:"rtf"`
	N      int     `json:"utterances"`
}

// TTFA is synthesis time to first audio frame.
type TTFA struct {
	Engine string  `json:"engine"`
	Lang   string  `json:"lang"`
	Cached bool    `json:"cached"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	N      int     `json:"n"`
}

// LoadLevel is one ramp step: Calls concurrent calls in real time.
type LoadLevel struct {
	Calls     int     `json:"calls"`
	Turns     int     `json:"turns"`           // answered caller turns
	Failed    int     `json:"failed"`          // turns with an error or nothing recognised
	Correct   int     `json:"correct"`         // turns answered with the FAQ asked about
	P50MS     float64 `json:"p50_ms"`          // response latency
	P95MS     float64 `json:"p95_ms"`          //
	CPUPct    float64 `json:"cpu_pct"`         // process CPU over the level, % of one core
	RSSPerMB  float64 `json:"rss_per_call_mb"` // resident memory added per concurrent call
	WallS     float64 `json:"wall_s"`
	Underruns int     `json:"late_frames"` // caller frames delivered >100 ms late (the machine fell behind)
	// StagesP95MS: each stage's offset after the end of speech, p95
	// (end_of_turn, asr_final, answer_ready, first_audio): where the time goes.
	StagesP95MS map[string]float64 `json:"stages_p95_ms"`
}

// Run measures everything.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Shop == nil || o.Brain == nil {
		return nil, errors.New("voicebench: shop and brain are required")
	}
	if len(o.Levels) == 0 {
		o.Levels = []int{10, 20, 40}
	}
	if o.Lang == "" {
		lang, err := switchboard.ShopLang(o.Shop, "")
		if err != nil {
			return nil, err
		}
		o.Lang = lang
	}
	if o.DoorRate == 0 {
		o.DoorRate = media.Rate8k
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	r := &Report{CPUs: runtime.NumCPU()}
	sopts := []sphinx.Option{}
	if o.Models != "" {
		sopts = append(sopts, sphinx.WithModelsDir(o.Models))
	}
	rec, err := sphinx.New(o.Shop, sopts...)
	if err != nil {
		return nil, fmt.Errorf("voicebench: %w", err)
	}
	defer rec.Close()
	questions := canonical(o.Shop)
	if o.MaxQuestions > 0 {
		for l, qs := range questions {
			questions[l] = qs[:min(len(qs), o.MaxQuestions)]
		}
	}

	progress("recogniser real-time factor")
	if r.RTF, err = measureRTF(ctx, rec, questions); err != nil {
		return nil, err
	}
	progress("synthesis time to first audio")
	if r.TTS, err = measureTTFA(ctx, questions); err != nil {
		return nil, err
	}

	sp := switchboard.NewOffline(switchboard.WithModelsDir(o.Models))
	defer sp.Close()
	sb, err := switchboard.New(switchboard.Engines{o.Brain}, sp)
	if err != nil {
		return nil, err
	}
	if err := sp.Prepare(ctx, o.Shop); err != nil {
		return nil, fmt.Errorf("voicebench: %w", err)
	}
	callers, err := speakCallers(ctx, questions[o.Lang], o.Lang, o.DoorRate)
	if err != nil {
		return nil, err
	}
	// One call first: compiles, warms the cache, and is not counted.
	progress("warm-up call")
	if _, err := runLevel(ctx, sb, o, callers, 1); err != nil {
		return nil, err
	}
	for _, n := range o.Levels {
		progress(fmt.Sprintf("%d concurrent calls in real time", n))
		lv, err := runLevel(ctx, sb, o, callers, n)
		if err != nil {
			return nil, err
		}
		r.Levels = append(r.Levels, lv)
		if lv.P95MS > 1000 || lv.Failed*10 > lv.Turns {
			break
		}
		r.SustainedCalls = n
	}
	return r, nil
}

// question is a canonical shop question and its FAQ.
type question struct{ text, faq string }

// canonical lists the shop's card questions (falling back to the first
// FAQs), per language: what callers ask most.
func canonical(shop *kb.Shop) map[string][]question {
	out := map[string][]question{}
	ids := append([]string(nil), shop.Shop.Cards...)
	for _, q := range shop.ActiveFAQs() {
		if len(ids) >= 8 {
			break
		}
		if !slices.Contains(ids, q.ID) && q.Category != "chat" {
			ids = append(ids, q.ID)
		}
	}
	for _, id := range ids {
		q := shop.FAQ(id)
		if q == nil {
			continue
		}
		for _, lang := range []string{kb.LangZH, kb.LangEN} {
			if t := q.Question[lang]; t != "" {
				out[lang] = append(out[lang], question{text: t, faq: q.ID})
			}
		}
	}
	return out
}

// speak synthesises text with a plain caller voice at rate.
func speak(ctx context.Context, syn tts.Synthesizer, lang, text string) ([]int16, error) {
	st, err := syn.Synthesize(ctx, text, tts.Voice{Lang: lang, Rate: 1, Volume: 1, Pitch: 1})
	if err != nil {
		return nil, err
	}
	var buf media.Buffer
	_, err = media.Copy(ctx, &buf, st)
	return buf.Samples, errors.Join(err, st.Close())
}

func measureRTF(ctx context.Context, rec *sphinx.Sphinx, qs map[string][]question) ([]RTF, error) {
	var out []RTF
	for _, m := range rec.Models() {
		syn, err := espeak.New(espeak.WithOutputRate(m.Rate))
		if err != nil {
			return nil, err
		}
		for _, search := range []string{asr.SearchDomain, asr.SearchLM, asr.SearchDigits} {
			var cpu, audio time.Duration
			n := 0
			for _, q := range qs[m.Lang] {
				pcm, err := speak(ctx, syn, m.Lang, q.text)
				if err != nil {
					return nil, errors.Join(err, syn.Close())
				}
				st, err := rec.Start(ctx, asr.Options{Lang: m.Lang, Rate: m.Rate, Search: search})
				if err != nil {
					return nil, errors.Join(err, syn.Close())
				}
				sr, _ := media.NewSliceReader(m.Rate, pcm)
				_, err = media.Copy(ctx, st, sr)
				res, ferr := st.Final(ctx)
				_ = st.Close()
				if err = errors.Join(err, ferr); err != nil {
					return nil, errors.Join(err, syn.Close())
				}
				cpu += res.CPU
				audio += res.Audio
				n++
			}
			if audio > 0 {
				out = append(out, RTF{Model: m.Name, Search: search, RTF: round(float64(cpu)/float64(audio), 4), N: n})
			}
		}
		if err := syn.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func measureTTFA(ctx context.Context, qs map[string][]question) ([]TTFA, error) {
	eng, err := espeak.New(espeak.WithOutputRate(media.Rate8k))
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	cache, err := ttscache.New(eng)
	if err != nil {
		return nil, err
	}
	defer cache.Close()
	first := func(syn tts.Synthesizer, lang, text string) (time.Duration, error) {
		start := time.Now()
		st, err := syn.Synthesize(ctx, text, tts.DefaultVoice(lang))
		if err != nil {
			return 0, err
		}
		_, err = st.ReadFrame(ctx)
		d := time.Since(start)
		var buf media.Buffer
		_, cerr := media.Copy(ctx, &buf, st) // read to the end: the cache keeps only whole answers
		return d, errors.Join(err, cerr, st.Close())
	}
	var out []TTFA
	for _, lang := range []string{kb.LangZH, kb.LangEN} {
		var unc, cached []time.Duration
		for _, q := range qs[lang] {
			d, err := first(eng, lang, q.text)
			if err != nil {
				return nil, err
			}
			unc = append(unc, d)
			if _, err := first(cache, lang, q.text); err != nil { // fills the cache
				return nil, err
			}
			if d, err = first(cache, lang, q.text); err != nil {
				return nil, err
			}
			cached = append(cached, d)
		}
		if len(unc) == 0 {
			continue
		}
		out = append(out, ttfa(eng.Name(), lang, false, unc), ttfa(eng.Name(), lang, true, cached))
	}
	return out, nil
}

func ttfa(engine, lang string, cached bool, ds []time.Duration) TTFA {
	slices.Sort(ds)
	return TTFA{Engine: engine, Lang: lang, Cached: cached, P50MS: msAt(ds, 50), P95MS: msAt(ds, 95), N: len(ds)}
}

// caller is one scripted caller: audio turns and the FAQ each asks about.
type caller struct {
	turns [][]int16
	faqs  []string
}

// speakCallers makes callers asking two questions each, rotating through qs.
func speakCallers(ctx context.Context, qs []question, lang string, rate int) ([]caller, error) {
	if len(qs) == 0 {
		return nil, fmt.Errorf("voicebench: the shop has no %s questions", lang)
	}
	syn, err := espeak.New(espeak.WithOutputRate(rate))
	if err != nil {
		return nil, err
	}
	defer syn.Close()
	audio := make([][]int16, len(qs))
	for i, q := range qs {
		if audio[i], err = speak(ctx, syn, lang, q.text); err != nil {
			return nil, err
		}
	}
	var out []caller
	for i := range qs {
		j := (i + 1) % len(qs)
		out = append(out, caller{turns: [][]int16{audio[i], audio[j]}, faqs: []string{qs[i].faq, qs[j].faq}})
	}
	return out, nil
}

// pacedReader delivers a caller's audio in real time: a pause for the
// welcome, then each turn followed by a pause long enough for the answer.
type pacedReader struct {
	rate  int
	pcm   []int16
	pos   int
	seq   uint64
	start time.Time
	late  *int
	buf   []int16
}

func newPacedReader(c caller, rate int, late *int) *pacedReader {
	sil := func(d time.Duration) []int16 { return make([]int16, int(d.Seconds()*float64(rate))) }
	pcm := sil(7 * time.Second) // the welcome plays first
	for _, t := range c.turns {
		pcm = append(append(pcm, t...), sil(9*time.Second)...)
	}
	return &pacedReader{rate: rate, pcm: pcm, late: late, buf: make([]int16, media.SamplesPerFrame(rate))}
}

func (p *pacedReader) ReadFrame(ctx context.Context) (media.Frame, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	if p.pos >= len(p.pcm) {
		return media.Frame{}, errEOF
	}
	due := p.start.Add(media.FrameAt(p.seq))
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return media.Frame{}, ctx.Err()
		case <-t.C:
		}
	} else if -d > 100*time.Millisecond {
		*p.late++
	}
	n := copy(p.buf, p.pcm[p.pos:])
	clear(p.buf[n:])
	p.pos += n
	f := media.Frame{Samples: p.buf, Rate: p.rate, At: media.FrameAt(p.seq), Seq: p.seq}
	p.seq++
	return f, nil
}

// discard is a bot audio sink.
type discard struct{}

func (discard) WriteFrame(context.Context, media.Frame) error { return nil }

func runLevel(ctx context.Context, sb *switchboard.Switchboard, o Options, callers []caller, n int) (LoadLevel, error) {
	runtime.GC()
	rss0 := rss()
	cpu0 := cpuTime()
	start := time.Now()
	lv := LoadLevel{Calls: n}
	var mu sync.Mutex // guards lv, lat, peak
	var lat []time.Duration
	stages := map[string][]time.Duration{}
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample resident memory while the calls run
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if v := rss(); v > 0 {
					mu.Lock()
					peak = max(peak, v)
					mu.Unlock()
				}
			}
		}
	}()
	errs := make([]error, n)
	var calls sync.WaitGroup
	for i := range n {
		calls.Add(1)
		go func() {
			defer calls.Done()
			// Calls start spread over StartSpread, as callers do: all in
			// lockstep, every question would be decoded in the same second.
			select {
			case <-time.After(time.Duration(i) * StartSpread / time.Duration(n)):
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			c := callers[i%len(callers)]
			late := 0
			in := newPacedReader(c, o.DoorRate, &late)
			res, err := sb.Answer(ctx, telephony.Call{Door: telephony.DoorFile, ID: strconv.Itoa(i), Lang: o.Lang, Rate: o.DoorRate},
				in, nil, discard{})
			mu.Lock()
			defer mu.Unlock()
			lv.Underruns += late
			if err != nil {
				errs[i] = err
				return
			}
			for k, t := range res.Turns {
				lv.Turns++
				if t.Err != nil {
					lv.Failed++
					continue
				}
				if l := t.Trace.Latency(); l > 0 {
					lat = append(lat, l)
					for k, d := range t.Trace.Offsets() {
						stages[k] = append(stages[k], d)
					}
				}
				if k < len(c.faqs) && t.Reply.FAQ != nil && *t.Reply.FAQ == c.faqs[k] {
					lv.Correct++
				}
			}
		}()
	}
	calls.Wait()
	close(stop)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return lv, fmt.Errorf("voicebench: %d calls: %w", n, err)
	}
	wall := time.Since(start)
	lv.WallS = round(wall.Seconds(), 1)
	lv.CPUPct = round(100*float64(cpuTime()-cpu0)/float64(wall), 1)
	slices.Sort(lat)
	lv.P50MS, lv.P95MS = msAt(lat, 50), msAt(lat, 95)
	lv.StagesP95MS = map[string]float64{}
	for k, ds := range stages {
		slices.Sort(ds)
		lv.StagesP95MS[k] = msAt(ds, 95)
	}
	if peak > rss0 {
		lv.RSSPerMB = round(float64(peak-rss0)/float64(n)/(1<<20), 1)
	}
	return lv, nil
}

var errEOF = io.EOF

func msAt(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(ds)))) - 1
	return round(float64(ds[min(max(k, 0), len(ds)-1)].Microseconds())/1e3, 1)
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss is the process's resident memory in bytes (Linux), 0 when unknown.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
