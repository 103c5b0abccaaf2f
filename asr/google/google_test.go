package google_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/speech/apiv1/speechpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/google"
	"github.com/callbee/callbee/asr/google/googletest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// testDeadline bounds every test that talks to the fake.
const testDeadline = 15 * time.Second

// setup starts a fake and a Recognizer on it, with a leak check registered
// first so that it runs after both are closed.
func setup(t *testing.T, fake *googletest.Speech, cfg google.Config) (*google.Recognizer, context.Context) {
	t.Helper()
	mediatest.CheckLeaks(t)
	opts := googletest.Serve(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	t.Cleanup(cancel)
	r, err := google.New(ctx, cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r, ctx
}

// speech is d of a 440 Hz tone at rate (the fake does not listen).
func speech(rate int, d time.Duration) []media.Frame {
	return mediatest.Frames(rate, mediatest.Sine(rate, 440, 8000, d))
}

func writeAll(t *testing.T, ctx context.Context, s asr.Stream, frames []media.Frame) {
	t.Helper()
	for _, f := range frames {
		if err := s.WriteFrame(ctx, f); err != nil {
			t.Fatalf("WriteFrame: %v", err)
		}
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func phrases(c *speechpb.RecognitionConfig) []string {
	var out []string
	for _, sc := range c.GetSpeechContexts() {
		out = append(out, sc.GetPhrases()...)
	}
	return out
}

func TestConfigSent(t *testing.T) {
	hints := []string{"  where is my   order ", "退货运费", "where is my order", strings.Repeat("x", 101), "red dress"}
	tests := []struct {
		name   string
		cfg    func(*google.Config)
		opts   asr.Options
		lang   string
		enc    speechpb.RecognitionConfig_AudioEncoding
		model  string
		enh    bool
		hints  []string
		bytes  int // audio bytes for 200 ms
		single bool
	}{
		{name: "en-16k", opts: asr.Options{Lang: asr.LangEN, Rate: 16000, Hints: hints},
			lang: "en-US", enc: speechpb.RecognitionConfig_LINEAR16, model: "phone_call", enh: true,
			hints: []string{"where is my order", "退货运费", "red dress"}, bytes: 6400, single: true},
		{name: "zh-8k", opts: asr.Options{Lang: asr.LangZH, Rate: 8000, Hints: []string{"发货时间"}},
			lang: "cmn-Hans-CN", enc: speechpb.RecognitionConfig_LINEAR16, model: "",
			hints: []string{"发货时间"}, bytes: 3200, single: true},
		{name: "zh-8k-mulaw", cfg: func(c *google.Config) { c.MuLaw8k = true },
			opts: asr.Options{Lang: asr.LangZH, Rate: 8000},
			lang: "cmn-Hans-CN", enc: speechpb.RecognitionConfig_MULAW, bytes: 1600, single: true},
		{name: "mulaw-only-at-8k", cfg: func(c *google.Config) { c.MuLaw8k = true },
			opts: asr.Options{Lang: asr.LangZH, Rate: 16000},
			lang: "cmn-Hans-CN", enc: speechpb.RecognitionConfig_LINEAR16, bytes: 6400, single: true},
		{name: "digits-class", opts: asr.Options{Lang: asr.LangEN, Rate: 8000, Search: asr.SearchDigits},
			lang: "en-US", enc: speechpb.RecognitionConfig_LINEAR16, model: "phone_call", enh: true,
			hints: []string{google.DigitsClass}, bytes: 3200, single: true},
		{name: "custom-lang-model-hints-limit", cfg: func(c *google.Config) {
			c.Languages = map[string]string{asr.LangZH: "zh-TW", asr.LangEN: "en-GB"}
			c.Models = map[string]string{asr.LangEN: "latest_short"}
			c.SingleUtterance = false
			c.MaxHints = 2
		}, opts: asr.Options{Lang: asr.LangEN, Rate: 16000, Hints: []string{"a", "b", "c"}},
			lang: "en-GB", enc: speechpb.RecognitionConfig_LINEAR16, model: "latest_short",
			hints: []string{"a", "b"}, bytes: 6400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &googletest.Speech{}
			cfg := google.DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			r, ctx := setup(t, fake, cfg)
			s, err := r.Start(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			frames := speech(tt.opts.Rate, 200*time.Millisecond)
			writeAll(t, ctx, s, frames)
			if _, err := s.Final(ctx); err != nil {
				t.Fatalf("Final: %v", err)
			}
			got := fake.Received()
			if len(got) != 1 {
				t.Fatalf("streams = %d, want 1", len(got))
			}
			sc, c := got[0].Config, got[0].Config.GetConfig()
			checks := []struct {
				field     string
				got, want any
			}{
				{"language_code", c.GetLanguageCode(), tt.lang},
				{"sample_rate_hertz", c.GetSampleRateHertz(), int32(tt.opts.Rate)},
				{"encoding", c.GetEncoding(), tt.enc},
				{"model", c.GetModel(), tt.model},
				{"use_enhanced", c.GetUseEnhanced(), tt.enh},
				{"phrases", fmt.Sprint(phrases(c)), fmt.Sprint(tt.hints)},
				{"interim_results", sc.GetInterimResults(), true},
				{"single_utterance", sc.GetSingleUtterance(), tt.single},
				{"automatic_punctuation", c.GetEnableAutomaticPunctuation(), false},
				{"audio bytes", len(got[0].Audio), tt.bytes},
				{"half-closed", got[0].HalfClosed, true},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("%s = %v, want %v", ch.field, ch.got, ch.want)
				}
			}
			if tt.enc == speechpb.RecognitionConfig_LINEAR16 {
				want := frames[0].Samples[1]
				if g := int16(binary.LittleEndian.Uint16(got[0].Audio[2:])); g != want {
					t.Errorf("second sample = %d, want %d (LINEAR16 little-endian)", g, want)
				}
			}
			// 100 ms chunks by default.
			if want := 2; got[0].Requests != want {
				t.Errorf("audio requests = %d, want %d", got[0].Requests, want)
			}
		})
	}
}

func TestPartialThenFinal(t *testing.T) {
	fake := &googletest.Speech{
		Script: func(*speechpb.StreamingRecognitionConfig) []googletest.Step {
			return []googletest.Step{
				{After: 100 * time.Millisecond, Response: googletest.Interim("where is", 0.3)},
				{After: 200 * time.Millisecond, Response: googletest.Interim("where is my order", 0.8)},
				{After: 300 * time.Millisecond, Response: googletest.EndOfUtterance()},
				{After: 300 * time.Millisecond, Response: googletest.Final("where is my order", 0.92)},
			}
		},
	}
	r, ctx := setup(t, fake, google.DefaultConfig())
	s, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	frames := speech(16000, time.Second)
	writeAll(t, ctx, s, frames[:10]) // 200 ms
	waitFor(t, ctx, "the second interim", func() bool { return s.Partial().Text == "where is my order" })
	if p := s.Partial(); p.Confidence != 0 || p.Engine != google.Engine || p.Lang != asr.LangEN {
		t.Errorf("interim = %+v, want confidence 0, engine google, lang en", p)
	}
	writeAll(t, ctx, s, frames[10:15]) // 300 ms: end of utterance
	eou := s.(interface{ EndOfUtterance() <-chan struct{} }).EndOfUtterance()
	select {
	case <-eou:
	case <-ctx.Done():
		t.Fatal("no end of utterance")
	}
	writeAll(t, ctx, s, frames[15:]) // dropped, no error
	res, err := s.Final(ctx)
	if err != nil {
		t.Fatalf("Final: %v", err)
	}
	if res.Text != "where is my order" || res.Confidence < 0.919 || res.Confidence > 0.921 {
		t.Errorf("final = %q (%.3f), want %q (0.92)", res.Text, res.Confidence, "where is my order")
	}
	if res.Audio != time.Second || res.Search != asr.SearchDomain {
		t.Errorf("final audio %v search %q, want 1s, %q", res.Audio, res.Search, asr.SearchDomain)
	}
	again, err := s.Final(ctx)
	if err != nil || again.Text != res.Text {
		t.Errorf("second Final = %q, %v; want the same result", again.Text, err)
	}
	if err := s.WriteFrame(ctx, frames[0]); !errors.Is(err, asr.ErrFinished) {
		t.Errorf("write after Final: %v, want ErrFinished", err)
	}
	if got := len(fake.Received()[0].Audio); got > 16000*2*4/10 {
		t.Errorf("fake got %d bytes, want audio after the end of utterance dropped", got)
	}
}

func TestChineseJoinAndMultipleFinals(t *testing.T) {
	fake := &googletest.Speech{
		Script: func(*speechpb.StreamingRecognitionConfig) []googletest.Step {
			return []googletest.Step{
				{Response: googletest.Final("什么时候", 0.8)},
				{Response: googletest.Final(" 发货", 0.6)},
			}
		},
	}
	cfg := google.DefaultConfig()
	cfg.SingleUtterance = false
	r, ctx := setup(t, fake, cfg)
	s, err := r.Start(ctx, asr.Options{Lang: asr.LangZH, Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	writeAll(t, ctx, s, speech(8000, 100*time.Millisecond))
	res, err := s.Final(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "什么时候发货" || res.Confidence < 0.69 || res.Confidence > 0.71 {
		t.Errorf("final = %q (%.2f), want 什么时候发货 (0.70)", res.Text, res.Confidence)
	}
}

func TestCancel(t *testing.T) {
	fake := &googletest.Speech{} // never answers
	r, ctx := setup(t, fake, google.DefaultConfig())
	sctx, cancel := context.WithCancel(ctx)
	s, err := r.Start(sctx, asr.Options{Lang: asr.LangEN, Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, ctx, s, speech(8000, 300*time.Millisecond))
	cancel()
	_, err = s.Final(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Final after hang-up: %v, want context.Canceled", err)
	}
	if err := s.WriteFrame(ctx, speech(8000, 20*time.Millisecond)[0]); err == nil {
		t.Error("write after Final succeeded")
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}

}

func TestFinalDeadline(t *testing.T) {
	fake := &googletest.Speech{Hang: true, Script: func(*speechpb.StreamingRecognitionConfig) []googletest.Step {
		return []googletest.Step{{Response: googletest.Interim("hello", 0.5)}}
	}}
	r, ctx := setup(t, fake, google.DefaultConfig())
	s, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, ctx, s, speech(8000, 100*time.Millisecond))
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	res, err := s.Final(short)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Final against a silent service: %v, want DeadlineExceeded", err)
	}
	if res.Text != "hello" {
		t.Errorf("Final's fallback = %q, want the interim %q", res.Text, "hello")
	}
	if err := s.Close(); err != nil { // cancels the call and joins the receiver
		t.Error(err)
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct {
		name  string
		check func(*speechpb.StreamingRecognitionConfig) error
		steps []googletest.Step
		want  error
		code  codes.Code
	}{
		{name: "quota", steps: []googletest.Step{{After: 100 * time.Millisecond,
			Err: status.Error(codes.ResourceExhausted, "quota")}}, want: google.ErrQuota, code: codes.ResourceExhausted},
		{name: "auth", steps: []googletest.Step{{Err: status.Error(codes.PermissionDenied, "no")}},
			want: google.ErrAuth, code: codes.PermissionDenied},
		{name: "config-rejected", check: func(*speechpb.StreamingRecognitionConfig) error { return errors.New("bad") },
			want: google.ErrRejected, code: codes.InvalidArgument},
		{name: "unavailable-mid-stream", steps: []googletest.Step{
			{After: 40 * time.Millisecond, Response: googletest.Interim("hello", 0.1)},
			{After: 200 * time.Millisecond, Err: status.Error(codes.Unavailable, "gone")}},
			want: google.ErrUnavailable, code: codes.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &googletest.Speech{Check: tt.check,
				Script: func(*speechpb.StreamingRecognitionConfig) []googletest.Step { return tt.steps }}
			r, ctx := setup(t, fake, google.DefaultConfig())
			s, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: 16000})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var werr error
			for _, f := range speech(16000, 500*time.Millisecond) {
				if werr = s.WriteFrame(ctx, f); werr != nil {
					break
				}
			}
			_, ferr := s.Final(ctx)
			for _, err := range []error{werr, ferr} {
				if err == nil {
					continue
				}
				if !errors.Is(err, tt.want) || status.Code(err) != tt.code {
					t.Errorf("error %v (code %v), want %v (code %v)", err, status.Code(err), tt.want, tt.code)
				}
			}
			if ferr == nil {
				t.Errorf("Final succeeded, want %v", tt.want)
			}
		})
	}
}

func TestCloseSafety(t *testing.T) {
	fake := &googletest.Speech{}
	r, ctx := setup(t, fake, google.DefaultConfig())
	s, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	frames := speech(8000, 100*time.Millisecond)
	writeAll(t, ctx, s, frames[:2])
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	if err := s.WriteFrame(ctx, frames[2]); !errors.Is(err, asr.ErrClosed) {
		t.Errorf("write after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Final(ctx); !errors.Is(err, asr.ErrClosed) {
		t.Errorf("Final after Close: %v, want ErrClosed", err)
	}
	_ = s.Partial() // never blocks, even closed

	// A rate that does not match the stream is refused.
	s2, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.WriteFrame(ctx, speech(16000, 20*time.Millisecond)[0]); !errors.Is(err, media.ErrBadRate) {
		t.Errorf("16 kHz frame on an 8 kHz stream: %v, want ErrBadRate", err)
	}
	s2.Close()

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second recogniser Close: %v", err)
	}
	if _, err := r.Start(ctx, asr.Options{Lang: asr.LangEN, Rate: 8000}); !errors.Is(err, asr.ErrClosed) {
		t.Errorf("Start after Close: %v, want ErrClosed", err)
	}
}

func TestStartRejects(t *testing.T) {
	r, ctx := setup(t, &googletest.Speech{}, google.DefaultConfig())
	tests := []struct {
		name string
		opts asr.Options
		want error
	}{
		{"language", asr.Options{Lang: "fr", Rate: 8000}, asr.ErrUnsupported},
		{"rate", asr.Options{Lang: asr.LangEN, Rate: 7001}, media.ErrBadRate},
		{"rate-too-low", asr.Options{Lang: asr.LangEN, Rate: 7000}, asr.ErrUnsupported},
		{"rate-too-high", asr.Options{Lang: asr.LangEN, Rate: 96000}, asr.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.Start(ctx, tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("Start(%+v) = %v, want %v", tt.opts, err, tt.want)
			}
		})
	}
}

func TestConcurrentStreams(t *testing.T) {
	// Each stream's final echoes its first hint, so crossed wires show.
	fake := &googletest.Speech{
		Script: func(sc *speechpb.StreamingRecognitionConfig) []googletest.Step {
			p := phrases(sc.GetConfig())
			return []googletest.Step{
				{After: 60 * time.Millisecond, Response: googletest.Interim(p[0][:3], 0.2)},
				{After: 200 * time.Millisecond, Response: googletest.Final(p[0], 0.9)},
			}
		},
	}
	r, ctx := setup(t, fake, google.DefaultConfig())
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			want := fmt.Sprintf("order %04d", 1000+i)
			lang, rate := asr.LangEN, []int{8000, 16000}[i%2]
			s, err := r.Start(ctx, asr.Options{Lang: lang, Rate: rate, Hints: []string{want}})
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			for _, f := range speech(rate, 300*time.Millisecond) {
				if err := s.WriteFrame(ctx, f); err != nil {
					errs[i] = err
					return
				}
				_ = s.Partial()
			}
			res, err := s.Final(ctx)
			if err == nil && res.Text != want {
				err = fmt.Errorf("stream %d: got %q, want %q", i, res.Text, want)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := len(fake.Received()); got != n {
		t.Errorf("fake saw %d streams, want %d", got, n)
	}
}

func TestPhrases(t *testing.T) {
	long := strings.Repeat("长", google.MaxPhraseChars+1)
	tests := []struct {
		name  string
		hints []string
		max   int
		want  []string
	}{
		{"empty", nil, 10, nil},
		{"trim-dedupe", []string{" a  b ", "a b", "", "  ", "c"}, 10, []string{"a b", "c"}},
		{"too-long", []string{long, "ok"}, 10, []string{"ok"}},
		{"limit", []string{"a", "b", "c"}, 2, []string{"a", "b"}},
		{"zero", []string{"a"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := google.Phrases(tt.hints, tt.max); !slices.Equal(got, tt.want) {
				t.Errorf("Phrases = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*google.Config)
		ok   bool
	}{
		{"default", func(*google.Config) {}, true},
		{"no-zh-code", func(c *google.Config) { delete(c.Languages, asr.LangZH) }, false},
		{"latest_short-single", func(c *google.Config) { c.Models[asr.LangEN] = "latest_short" }, false},
		{"latest_short-continuous", func(c *google.Config) {
			c.Models[asr.LangEN] = "latest_short"
			c.SingleUtterance = false
		}, true},
		{"command_and_search", func(c *google.Config) { c.Models[asr.LangZH] = google.ModelCommandAndSearch }, true},
		{"hints", func(c *google.Config) { c.MaxHints = google.MaxPhrases + 1 }, false},
		{"chunk-odd", func(c *google.Config) { c.Chunk = 30 * time.Millisecond }, false},
		{"chunk-20ms", func(c *google.Config) { c.Chunk = 20 * time.Millisecond }, true},
		{"boost", func(c *google.Config) { c.HintBoost = 25 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := google.DefaultConfig()
			tt.mod(&c)
			err := c.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, google.ErrBadConfig) {
				t.Errorf("error %v is not ErrBadConfig", err)
			}
		})
	}
}
