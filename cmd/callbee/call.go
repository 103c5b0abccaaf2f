package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/sphinx"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/audiofile"
	"github.com/callbee/callbee/media/resample"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/switchboard"
	"github.com/callbee/callbee/tts/espeak"
	"github.com/callbee/callbee/tts/ttscache"
)

// callChannel is the channel sessions opened by `callbee call` are recorded with.
const callChannel = "file"

func cmdCall(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("call", "--shop FILE|ID --lang zh|en --in question.wav [--in more.wav...] --out answer.wav [--realtime] [--db FILE]")
	var o common
	o.register(fs)
	shopArg := fs.String("shop", "", "shop file, or the id of a shop imported into the DB (required)")
	lang := fs.String("lang", "", "zh or en (default: the shop's first language)")
	var ins listFlag
	fs.Var(&ins, "in", "a WAV or MP3 file with one caller turn (repeat for more turns)")
	outPath := fs.String("out", "", "WAV file for the bot's audio (required)")
	realtime := fs.Bool("realtime", false, "run at the speed of a real call instead of as fast as possible")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	switch {
	case *shopArg == "" || len(ins) == 0 || *outPath == "" || len(pos) > 0:
		fs.Usage()
		return exitUsage
	case *lang != "" && !validLang(*lang):
		fmt.Fprintf(c.stderr, "callbee call: --lang %q: want zh or en\n", *lang)
		return exitUsage
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	log := quietLogger(c.stderr)
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	defer st.Close()
	shop, err := resolveShop(ctx, st, *shopArg)
	if err != nil {
		return c.errorf("call", "%s", problems(err))
	}
	if *lang == "" {
		*lang = firstLang(shop)
	}
	e, err := dialog.New(shop, st, engineOptions(cfg, log)...)
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	sopts := []sphinx.Option{sphinx.WithLanguages(*lang), sphinx.WithLogger(log)}
	if cfg.ModelsDir != "" {
		sopts = append(sopts, sphinx.WithModelsDir(cfg.ModelsDir))
	}
	rec, err := sphinx.New(shop, sopts...)
	if err != nil {
		return c.errorf("call", "speech recognition: %v", err)
	}
	defer rec.Close()
	files := make([]turnAudio, 0, len(ins))
	minRate := 0
	for _, p := range ins {
		a, err := decodeTurn(p)
		if err != nil {
			return c.errorf("call", "%v", err)
		}
		files = append(files, a)
		if minRate == 0 || a.rate < minRate {
			minRate = a.rate
		}
	}
	rate := modelRate(rec.Models(), *lang, minRate)
	turns := make([][]int16, 0, len(files))
	for _, a := range files {
		s, err := a.at(ctx, rate)
		if err != nil {
			return c.errorf("call", "%v", err)
		}
		turns = append(turns, s)
	}
	eng, err := espeak.New(espeak.WithOutputRate(rate))
	if err != nil {
		return c.errorf("call", "speech synthesis: %v", err)
	}
	defer eng.Close()
	syn, err := ttscache.New(eng)
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	defer syn.Close()

	var clock media.Clock = media.SystemClock{}
	if !*realtime {
		clock = &voice.FastClock{}
	}
	sess, err := voice.New(e, rec, syn, voice.Config{Lang: *lang, Rate: rate, Channel: callChannel, Clock: clock,
		Pick: sphinx.Pick(asr.DefaultTrust), Logger: log})
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	script, err := voice.NewScript(sess, clock, rate, turns)
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	f, err := os.Create(*outPath)
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	defer f.Close()
	ww, err := audiofile.NewWAVWriter(f, rate)
	if err != nil {
		return c.errorf("call", "%v", err)
	}
	results, runErr := sess.Run(ctx, script, nil, ww)
	if err := errors.Join(ww.Close(), f.Close()); err != nil {
		return c.errorf("call", "write %s: %v", *outPath, err)
	}
	store := switchboard.StoreTraces(st, log)
	for _, t := range results {
		store(telephony.Call{Door: callChannel}, sess.ID(), t)
		line, err := turnJSON(t)
		if err != nil {
			return c.errorf("call", "%v", err)
		}
		fmt.Fprintf(c.stdout, "%s\n", line)
	}
	fmt.Fprintf(c.stderr, "callbee call: %d turns; end of speech to first answer audio p50 %d ms, p95 %d ms\n",
		len(results), voice.Percentile(results, 50).Milliseconds(), voice.Percentile(results, 95).Milliseconds())
	if runErr != nil {
		return c.errorf("call", "%v", runErr)
	}
	return exitOK
}

// modelRate is the rate the call runs at: 16 kHz when the language has a
// 16 kHz model and the caller's audio is wideband (inRate >= 16 kHz), else
// 8 kHz. A 16 kHz model fails on narrowband audio and upsampling phone audio
// more than doubles its errors, so phone recordings get the 8 kHz model.
func modelRate(models []sphinx.Model, lang string, inRate int) int {
	if inRate >= media.Rate16k {
		for _, m := range models {
			if m.Lang == lang && m.Rate == media.Rate16k {
				return media.Rate16k
			}
		}
	}
	return media.Rate8k
}

// turnAudio is one decoded caller file.
type turnAudio struct {
	path    string
	rate    int
	samples []int16 // mono PCM16 at rate
}

// decodeTurn decodes an audio file (WAV or MP3) as mono PCM16 at its own rate.
func decodeTurn(path string) (turnAudio, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return turnAudio{}, err
	}
	d, err := audiofile.Decode(bytes.NewReader(data))
	if err != nil {
		return turnAudio{}, fmt.Errorf("%s: %w", path, err)
	}
	var buf media.Buffer
	if _, err := media.Copy(context.Background(), &buf, d); err != nil {
		return turnAudio{}, fmt.Errorf("%s: %w", path, err)
	}
	return turnAudio{path: path, rate: d.Format().Rate, samples: buf.Samples}, nil
}

// at returns the file's audio at rate.
func (a turnAudio) at(ctx context.Context, rate int) ([]int16, error) {
	if a.rate == rate {
		return a.samples, nil
	}
	rs, err := resample.New(a.rate, rate)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return rs.Process(nil, a.samples), nil
}

// turnJSON is the reply JSON of the brain plus transcript and latency_ms
// (and error when the turn failed).
func turnJSON(t voice.Turn) ([]byte, error) {
	b, err := json.Marshal(t.Reply)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["transcript"] = t.Transcript
	if t.DTMF != "" {
		m["dtmf"] = t.DTMF
	}
	m["latency_ms"] = t.Trace.Latency().Milliseconds()
	trace := map[string]int64{}
	for k, d := range t.Trace.Offsets() {
		trace[k] = d.Milliseconds()
	}
	m["trace_ms"] = trace
	m["interrupted"] = t.Interrupted
	if t.Err != nil {
		m["error"] = t.Err.Error()
	}
	return json.Marshal(m)
}
