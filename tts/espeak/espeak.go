// Package espeak is callbee's offline speech synthesiser: espeak-ng through
// its C library (Debian libespeak-ng-dev, linked with cgo), streaming
// standard media frames sentence by sentence.
//
// Voices: en-us for English and cmn-latn-pinyin for Chinese (Debian's cmn
// voice reads many Chinese characters as English letters).
//
// Concurrency: libespeak-ng keeps its state in C globals and is not thread
// safe, so this package holds one process-wide lock around every call into
// it. Synthesis takes the lock one sentence at a time, so concurrent streams
// interleave by sentence; waiters queue in arrival order, except that a
// stream about to run dry (its first sentence, or less than urgentBuffered
// left for its reader) goes before streams synthesising ahead (turnstile).
// Waiting honours ctx, and a cancelled or closed stream gives the lock up
// within one audio callback (callbackMS). All Engines share the one library;
// its data files and callback buffer size are fixed by the first New.
//
// Audio leaves C through a callback that copies it into the stream's
// tts.Pipe; the stream is found through a runtime/cgo.Handle passed as
// espeak_Synth's user_data, so C never holds a Go pointer.
package espeak

/*
#cgo pkg-config: espeak-ng
#include <stdint.h>
#include <stdlib.h>
#include <espeak-ng/speak_lib.h>

int callbee_espeak_init(int buflength, const char *path);
int callbee_espeak_synth(const char *text, int endpause, uintptr_t handle);
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"runtime/cgo"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/resample"
	"github.com/callbee/callbee/tts"
)

// Default voices per language.
const (
	VoiceEn = "en-us"
	VoiceZh = "cmn-latn-pinyin"
)

// espeak-ng parameter scales: a Voice multiplier of 1 maps to these.
const (
	normalWPM    = 175 // espeakRATE_NORMAL, words per minute
	minWPM       = 80  // espeak-ng's slowest rate
	maxWPM       = 450 // espeak-ng's fastest rate
	normalVolume = 100 // espeakVOLUME: 0-200, 100 normal
	maxVolume    = 200
	normalPitch  = 50 // espeakPITCH: 0-100, 50 normal
	maxPitch     = 100
)

// callbackMS is the audio length of each espeak-ng callback buffer: the
// granularity at which audio reaches the stream and cancellation is seen.
const callbackMS = 40

// lib is the process-wide espeak-ng library; it mirrors the C library's
// global state, which is why it is package-level.
var lib = struct {
	turn turnstile // held around every call into libespeak-ng; guards the fields below
	// rate is the native sample rate after initialisation, 0 before.
	rate int
	// voice and params are what the C library is set to now.
	voice  string
	params [3]C.int // rate, volume, pitch
}{}

// urgentBuffered: a stream with less audio than this left for its reader
// synthesises its next sentence before streams that have more.
const urgentBuffered = time.Second

func lock(ctx context.Context, urgent bool) error { return lib.turn.acquire(ctx, urgent) }

func unlock() { lib.turn.release() }

// initLocked initialises the library once per process.
func initLocked() (int, error) {
	if lib.rate > 0 {
		return lib.rate, nil
	}
	rate := int(C.callbee_espeak_init(C.int(callbackMS), nil))
	if rate <= 0 {
		return 0, fmt.Errorf("espeak: espeak_Initialize returned %d: %w", rate, ErrInit)
	}
	lib.rate = rate
	return rate, nil
}

// Engine synthesises speech with espeak-ng. It is safe for concurrent use.
type Engine struct {
	voices  map[string]string // Voice.Lang → espeak-ng voice name
	native  int               // espeak-ng's sample rate
	outRate int               // rate of the streams' frames
	ahead   time.Duration
	closed  atomic.Bool

	resamplers sync.Pool // of *resample.Resampler, native → outRate
}

var (
	_ tts.Synthesizer = (*Engine)(nil)
	_ tts.Stream      = (*resampled)(nil)
)

// Option configures an Engine.
type Option func(*Engine) error

// WithVoice uses the espeak-ng voice name for lang (tts.LangZh, tts.LangEn).
func WithVoice(lang, name string) Option {
	return func(e *Engine) error {
		if err := (tts.Voice{Lang: lang}).Validate(); err != nil {
			return err
		}
		if name == "" {
			return fmt.Errorf("espeak: empty voice name for %s: %w", lang, ErrBadOption)
		}
		e.voices[lang] = name
		return nil
	}
}

// WithOutputRate resamples the streams to rate Hz (for example
// media.Rate8k or media.Rate16k) with media/resample. The default is
// espeak-ng's native rate (NativeRate, 22050 Hz).
func WithOutputRate(rate int) Option {
	return func(e *Engine) error {
		if !media.ValidRate(rate) {
			return fmt.Errorf("espeak: output rate %d: %w", rate, ErrBadOption)
		}
		e.outRate = rate
		return nil
	}
}

// WithAhead bounds how far synthesis runs ahead of the stream's reader
// (tts.DefaultAhead by default).
func WithAhead(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("espeak: ahead %v: %w", d, ErrBadOption)
		}
		e.ahead = d
		return nil
	}
}

// New initialises espeak-ng (once per process) and checks that the voices
// load.
func New(opts ...Option) (*Engine, error) {
	e := &Engine{
		voices: map[string]string{tts.LangEn: VoiceEn, tts.LangZh: VoiceZh},
		ahead:  tts.DefaultAhead,
	}
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	if err := lock(context.Background(), false); err != nil {
		return nil, err
	}
	defer unlock()
	rate, err := initLocked()
	if err != nil {
		return nil, err
	}
	e.native = rate
	if e.outRate == 0 {
		e.outRate = rate
	}
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("espeak: native rate %d: %w", rate, media.ErrBadRate)
	}
	for _, lang := range []string{tts.LangEn, tts.LangZh} {
		if err := setVoiceLocked(e.voices[lang]); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// NativeRate is espeak-ng's own sample rate.
func (e *Engine) NativeRate() int { return e.native }

// Rate is the sample rate of the frames of every stream.
func (e *Engine) Rate() int { return e.outRate }

// Name identifies the engine, its voices and output rate (a cache key part).
func (e *Engine) Name() string {
	return fmt.Sprintf("espeak-ng/en=%s,zh=%s/%d", e.voices[tts.LangEn], e.voices[tts.LangZh], e.outRate)
}

// Close makes later Synthesize calls fail with tts.ErrClosed. Streams
// already returned keep working until their owners close them. The C
// library stays loaded for the process (espeak_Terminate would break other
// Engines). Safe to call twice.
func (e *Engine) Close() error {
	e.closed.Store(true)
	return nil
}

// Synthesize starts synthesising text with v and returns its stream at
// once. Sentences are synthesised in order (tts.Sentences), each under the
// library lock, and at most the ahead limit is buffered beyond the reader.
func (e *Engine) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Stream, error) {
	if e.closed.Load() {
		return nil, fmt.Errorf("espeak: synthesize: %w", tts.ErrClosed)
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	sentences := tts.Sentences(text, v.Lang)
	if len(sentences) == 0 {
		return nil, fmt.Errorf("espeak: synthesize: %w", tts.ErrEmptyText)
	}
	name := e.voices[v.Lang]
	params := paramsFor(v)
	s, err := tts.NewStream(ctx, e.native, e.ahead, func(ctx context.Context, p *tts.Pipe) error {
		for i, sent := range sentences {
			if err := p.WaitRoom(ctx); err != nil {
				return err
			}
			// A sentence pause between sentences, none after the last: the
			// answer's end is not delayed by ~0.4 s of silence.
			if err := synthOne(ctx, p, sent, name, params, i < len(sentences)-1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if e.outRate == e.native {
		return s, nil
	}
	rs, err := e.resampler()
	if err != nil {
		s.Close()
		return nil, err
	}
	return &resampled{s: s, e: e, rs: rs, rate: e.outRate}, nil
}

// resampler returns a reset Resampler from native to the output rate.
// Building one computes its filter table (about 1 MB and a few ms for
// 22050 → 8000 Hz), so streams share them through a pool.
func (e *Engine) resampler() (*resample.Resampler, error) {
	if rs, ok := e.resamplers.Get().(*resample.Resampler); ok {
		rs.Reset()
		return rs, nil
	}
	rs, err := resample.New(e.native, e.outRate)
	if err != nil {
		return nil, fmt.Errorf("espeak: resample %d to %d Hz: %w", e.native, e.outRate, err)
	}
	return rs, nil
}

// resampled is a stream converted to the engine's output rate; each native
// 20 ms frame becomes one output frame.
type resampled struct {
	s    tts.Stream
	e    *Engine
	rate int

	mu  sync.Mutex // guards rs (nil once returned to the pool) and out
	rs  *resample.Resampler
	out []int16
}

func (r *resampled) Rate() int { return r.rate }

func (r *resampled) ReadFrame(ctx context.Context) (media.Frame, error) {
	f, err := r.s.ReadFrame(ctx)
	if err != nil {
		return f, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rs == nil {
		return media.Frame{}, tts.ErrClosed
	}
	r.out = r.rs.Process(r.out[:0], f.Samples)
	f.Samples, f.Rate = r.out, r.rate
	return f, nil
}

func (r *resampled) Close() error {
	err := r.s.Close()
	r.mu.Lock()
	if r.rs != nil {
		r.e.resamplers.Put(r.rs)
		r.rs = nil
	}
	r.mu.Unlock()
	return err
}

// paramsFor maps v's multipliers to espeak-ng's rate, volume and pitch.
func paramsFor(v tts.Voice) [3]C.int {
	v = v.Normalized()
	scale := func(mul float64, normal, lo, hi int) C.int {
		return C.int(min(max(int(math.Round(mul*float64(normal))), lo), hi))
	}
	return [3]C.int{
		scale(v.Rate, normalWPM, minWPM, maxWPM),
		scale(v.Volume, normalVolume, 0, maxVolume),
		scale(v.Pitch, normalPitch, 0, maxPitch),
	}
}

func setVoiceLocked(name string) error {
	if lib.voice == name {
		return nil
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if rc := C.espeak_SetVoiceByName(cs); rc != C.EE_OK {
		lib.voice = ""
		return fmt.Errorf("espeak: voice %q (error %d): %w", name, int(rc), ErrVoice)
	}
	lib.voice = name
	lib.params = [3]C.int{} // a new voice resets the parameters
	return nil
}

func setParamsLocked(params [3]C.int) error {
	ids := [3]C.espeak_PARAMETER{C.espeakRATE, C.espeakVOLUME, C.espeakPITCH}
	for i, id := range ids {
		if lib.params[i] == params[i] {
			continue
		}
		if rc := C.espeak_SetParameter(id, params[i], 0); rc != C.EE_OK {
			lib.params[i] = 0
			return fmt.Errorf("espeak: parameter %d = %d (error %d): %w", int(id), int(params[i]), int(rc), ErrSynth)
		}
		lib.params[i] = params[i]
	}
	return nil
}

// job is what the C callback reaches through its handle.
type job struct {
	ctx context.Context
	p   *tts.Pipe
	err error // why the callback aborted synthesis
}

// synthOne synthesises one sentence into p, holding the library lock.
func synthOne(ctx context.Context, p *tts.Pipe, text, voice string, params [3]C.int, endPause bool) error {
	text = strings.ReplaceAll(text, "\x00", " ")
	cs := C.CString(text)
	defer C.free(unsafe.Pointer(cs))
	j := &job{ctx: ctx, p: p}
	h := cgo.NewHandle(j)
	defer h.Delete()

	if err := lock(ctx, p.Buffered() < urgentBuffered); err != nil {
		return err
	}
	defer unlock()
	if err := setVoiceLocked(voice); err != nil {
		return err
	}
	if err := setParamsLocked(params); err != nil {
		return err
	}
	pause := C.int(0)
	if endPause {
		pause = 1
	}
	rc := C.callbee_espeak_synth(cs, pause, C.uintptr_t(h))
	if j.err != nil {
		return j.err
	}
	if rc != C.EE_OK {
		return fmt.Errorf("espeak: espeak_Synth error %d: %w", int(rc), ErrSynth)
	}
	return nil
}
