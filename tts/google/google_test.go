package google_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/texttospeech/apiv1/texttospeechpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/tts"
	"github.com/callbee/callbee/tts/google"
	"github.com/callbee/callbee/tts/google/googletest"
)

const testDeadline = 15 * time.Second

// setup starts a fake and a Synthesizer on it, with a leak check registered
// first so that it runs after both are closed.
func setup(t *testing.T, fake *googletest.TextToSpeech, cfg google.Config) (*google.Synthesizer, context.Context) {
	t.Helper()
	mediatest.CheckLeaks(t)
	opts := googletest.Serve(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	t.Cleanup(cancel)
	s, err := google.New(ctx, cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, ctx
}

func speak(t *testing.T, ctx context.Context, s tts.Synthesizer, text string, v tts.Voice) ([]int16, int, error) {
	t.Helper()
	st, err := s.Synthesize(ctx, text, v)
	if err != nil {
		return nil, 0, err
	}
	defer st.Close()
	return tts.ReadAll(ctx, st)
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestAudioConfigFor(t *testing.T) {
	tests := []struct {
		name              string
		v                 tts.Voice
		rate, gain, pitch float64
	}{
		{"zero-is-normal", tts.Voice{Lang: tts.LangEn}, 1, 0, 0},
		{"normal", tts.Voice{Lang: tts.LangEn, Rate: 1, Volume: 1, Pitch: 1}, 1, 0, 0},
		{"elderly-default", tts.DefaultVoice(tts.LangZh), 0.85, 1.21, 0},
		{"louder-x2", tts.Voice{Lang: tts.LangZh, Volume: 2}, 1, 6.02, 0},
		{"quieter-half", tts.Voice{Lang: tts.LangZh, Volume: 0.5}, 1, -6.02, 0},
		{"max-volume", tts.Voice{Lang: tts.LangZh, Volume: 4}, 1, 12.04, 0},
		{"rate-clamped-to-2", tts.Voice{Lang: tts.LangEn, Rate: 3}, 2, 0, 0},
		{"rate-min", tts.Voice{Lang: tts.LangEn, Rate: 0.1}, 0.25, 0, 0},
		{"slower", tts.DefaultVoice(tts.LangEn).WithSpeech(0.8, 0), 0.68, 1.21, 0},
		{"pitch-octave-up", tts.Voice{Lang: tts.LangEn, Pitch: 2}, 1, 0, 12},
		{"pitch-clamped", tts.Voice{Lang: tts.LangEn, Pitch: 0.25}, 1, 0, -20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ac := google.AudioConfigFor(tt.v)
			if !near(ac.SpeakingRate, tt.rate, 1e-9) || !near(ac.VolumeGainDb, tt.gain, 1e-9) || !near(ac.Pitch, tt.pitch, 1e-9) {
				t.Errorf("AudioConfigFor(%+v) = rate %g gain %g pitch %g, want %g %g %g",
					tt.v, ac.SpeakingRate, ac.VolumeGainDb, ac.Pitch, tt.rate, tt.gain, tt.pitch)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*google.Config)
		voice    tts.Voice
		text     string
		lang     string
		vname    string
		enc      texttospeechpb.AudioEncoding
		reqRate  int32
		outRate  int
		raw      bool
		audio    time.Duration // expected length, ±40 ms
		rms      float64       // expected RMS, ±10%
		requests []string
	}{
		{name: "en-16k-linear16", voice: tts.DefaultVoice(tts.LangEn), text: "Hello there.",
			lang: "en-US", vname: "en-US-Standard-C", enc: texttospeechpb.AudioEncoding_LINEAR16,
			reqRate: 16000, outRate: 16000, audio: 12 * 20 * time.Millisecond, rms: 8000 / math.Sqrt2,
			requests: []string{"Hello there."}},
		{name: "zh-8k-two-sentences", cfg: func(c *google.Config) { c.Rate = 8000 },
			voice: tts.DefaultVoice(tts.LangZh), text: "您好。欢迎光临！",
			lang: "cmn-CN", vname: "cmn-CN-Standard-A", enc: texttospeechpb.AudioEncoding_LINEAR16,
			reqRate: 8000, outRate: 8000, audio: 7 * 20 * time.Millisecond, rms: 8000 / math.Sqrt2,
			requests: []string{"您好。", "欢迎光临！"}},
		{name: "raw-linear16", voice: tts.DefaultVoice(tts.LangEn), text: "Hi.", raw: true,
			lang: "en-US", vname: "en-US-Standard-C", enc: texttospeechpb.AudioEncoding_LINEAR16,
			reqRate: 16000, outRate: 16000, audio: 3 * 20 * time.Millisecond, rms: 8000 / math.Sqrt2,
			requests: []string{"Hi."}},
		{name: "custom-voice", cfg: func(c *google.Config) {
			c.Voices[tts.LangEn] = google.VoiceConfig{LanguageCode: "en-GB"}
		}, voice: tts.DefaultVoice(tts.LangEn), text: "Hi.",
			lang: "en-GB", vname: "", enc: texttospeechpb.AudioEncoding_LINEAR16,
			reqRate: 16000, outRate: 16000, audio: 60 * time.Millisecond, rms: 8000 / math.Sqrt2,
			requests: []string{"Hi."}},
		// MP3 comes back as 48 kHz silence (the fake cannot encode a
		// tone): decoded, downmixed and resampled to 16 kHz.
		{name: "mp3-48k-to-16k", cfg: func(c *google.Config) { c.Encoding = google.EncodingMP3 },
			voice: tts.DefaultVoice(tts.LangEn), text: strings.Repeat("a", 50) + ".",
			lang: "en-US", vname: "en-US-Standard-C", enc: texttospeechpb.AudioEncoding_MP3,
			reqRate: 0, outRate: 16000, audio: 43 * 1152 * time.Second / 48000, rms: 0, // 51 chars × 20 ms in whole 1152-sample frames
			requests: []string{strings.Repeat("a", 50) + "."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &googletest.TextToSpeech{RawLinear16: tt.raw}
			cfg := google.DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			s, ctx := setup(t, fake, cfg)
			got, rate, err := speak(t, ctx, s, tt.text, tt.voice)
			if err != nil {
				t.Fatal(err)
			}
			if rate != tt.outRate {
				t.Errorf("rate = %d, want %d", rate, tt.outRate)
			}
			d := time.Duration(len(got)) * time.Second / time.Duration(rate)
			if tt.enc == texttospeechpb.AudioEncoding_MP3 {
				// go-mp3 yields whole frames; the fake rounds up to one.
				if d < tt.audio-40*time.Millisecond || d > tt.audio+80*time.Millisecond {
					t.Errorf("audio %v, want about %v", d, tt.audio)
				}
			} else if d < tt.audio || d > tt.audio+40*time.Millisecond*time.Duration(len(tt.requests)) {
				t.Errorf("audio %v, want %v (+ at most 40 ms padding per sentence)", d, tt.audio)
			}
			if rms := mediatest.RMS(got[:len(got)*9/10]); !near(rms, tt.rms, tt.rms*0.1+1) {
				t.Errorf("RMS %.0f, want %.0f", rms, tt.rms)
			}
			reqs := fake.Received()
			if len(reqs) != len(tt.requests) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tt.requests))
			}
			want := google.AudioConfigFor(tt.voice)
			for i, r := range reqs {
				ac := r.GetAudioConfig()
				checks := []struct {
					field     string
					got, want any
				}{
					{"text", r.GetInput().GetText(), tt.requests[i]},
					{"language_code", r.GetVoice().GetLanguageCode(), tt.lang},
					{"voice name", r.GetVoice().GetName(), tt.vname},
					{"audio_encoding", ac.GetAudioEncoding(), tt.enc},
					{"sample_rate_hertz", ac.GetSampleRateHertz(), tt.reqRate},
					{"speaking_rate", ac.GetSpeakingRate(), want.SpeakingRate},
					{"volume_gain_db", ac.GetVolumeGainDb(), want.VolumeGainDb},
					{"pitch", ac.GetPitch(), want.Pitch},
				}
				for _, c := range checks {
					if c.got != c.want {
						t.Errorf("request %d: %s = %v, want %v", i, c.field, c.got, c.want)
					}
				}
			}
		})
	}
}

// TestSentenceOrder: the first sentence's audio is readable while the
// second is still being synthesised, and sentences play in order.
func TestSentenceOrder(t *testing.T) {
	amps := map[string]float64{"One.": 2000, "Two.": 4000, "Three.": 8000}
	gate := make(chan struct{})
	fake := &googletest.TextToSpeech{
		Audio: func(ctx context.Context, req *texttospeechpb.SynthesizeSpeechRequest, rate int) ([]int16, error) {
			text := req.GetInput().GetText()
			if text != "One." {
				select { // the later sentences wait until the test heard the first
				case <-gate:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return googletest.Sine(rate, 400, amps[text], 200*time.Millisecond), nil
		},
	}
	s, ctx := setup(t, fake, google.DefaultConfig())
	st, err := s.Synthesize(ctx, "One. Two. Three.", tts.DefaultVoice(tts.LangEn))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := st.ReadFrame(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rms := mediatest.RMS(f.Samples); !near(rms, 2000/math.Sqrt2, 100) {
		t.Errorf("first frame RMS %.0f, want the first sentence's %.0f", rms, 2000/math.Sqrt2)
	}
	// The second request is in flight (blocked) while the first plays.
	for len(fake.Received()) < 2 {
		select {
		case <-ctx.Done():
			t.Fatal("the second sentence was never requested")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if n := len(fake.Received()); n != 2 {
		t.Errorf("%d requests while the second was blocked, want 2", n)
	}
	close(gate)
	rest, _, err := tts.ReadAll(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	// Per 20 ms frame, RMS steps up 2000 → 4000 → 8000, never down.
	prev := 0.0
	seen := map[float64]bool{}
	for i := 0; i+320 <= len(rest); i += 320 {
		rms := mediatest.RMS(rest[i : i+320])
		if rms < 100 { // padding
			continue
		}
		level := math.Round(rms*math.Sqrt2/2000) * 2000
		if level < prev {
			t.Fatalf("frame %d: level %.0f after %.0f: sentences out of order", i/320, level, prev)
		}
		prev = level
		seen[level] = true
	}
	if !seen[2000] || !seen[4000] || !seen[8000] {
		t.Errorf("levels seen %v, want all three sentences", seen)
	}
	var texts []string
	for _, r := range fake.Received() {
		texts = append(texts, r.GetInput().GetText())
	}
	if got := strings.Join(texts, "|"); got != "One.|Two.|Three." {
		t.Errorf("requests %q, want One.|Two.|Three.", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		fake  *googletest.TextToSpeech
		cfg   func(*google.Config)
		text  string
		voice tts.Voice
		want  error
		code  codes.Code
	}{
		{name: "rejected", fake: &googletest.TextToSpeech{
			Check: func(*texttospeechpb.SynthesizeSpeechRequest) error { return errors.New("no such voice") }},
			text: "Hi.", voice: tts.DefaultVoice(tts.LangEn), want: google.ErrRejected, code: codes.InvalidArgument},
		{name: "quota", fake: &googletest.TextToSpeech{
			Audio: func(context.Context, *texttospeechpb.SynthesizeSpeechRequest, int) ([]int16, error) {
				return nil, status.Error(codes.ResourceExhausted, "quota")
			}},
			text: "Hi.", voice: tts.DefaultVoice(tts.LangEn), want: google.ErrQuota, code: codes.ResourceExhausted},
		{name: "auth", fake: &googletest.TextToSpeech{
			Audio: func(context.Context, *texttospeechpb.SynthesizeSpeechRequest, int) ([]int16, error) {
				return nil, status.Error(codes.Unauthenticated, "who")
			}},
			text: "Hi.", voice: tts.DefaultVoice(tts.LangEn), want: google.ErrAuth, code: codes.Unauthenticated},
		{name: "request-timeout", cfg: func(c *google.Config) { c.Timeout = 100 * time.Millisecond },
			fake: &googletest.TextToSpeech{
				Audio: func(ctx context.Context, _ *texttospeechpb.SynthesizeSpeechRequest, _ int) ([]int16, error) {
					<-ctx.Done()
					return nil, ctx.Err()
				}},
			text: "Hi.", voice: tts.DefaultVoice(tts.LangEn), want: context.DeadlineExceeded, code: codes.DeadlineExceeded},
		{name: "language", fake: &googletest.TextToSpeech{}, text: "Bonjour.", voice: tts.Voice{Lang: "fr"},
			want: tts.ErrLanguage, code: codes.Unknown},
		{name: "empty", fake: &googletest.TextToSpeech{}, text: "  \n ", voice: tts.DefaultVoice(tts.LangZh),
			want: tts.ErrEmptyText, code: codes.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := google.DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			s, ctx := setup(t, tt.fake, cfg)
			_, _, err := speak(t, ctx, s, tt.text, tt.voice)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if tt.code != codes.Unknown && tt.code != codes.DeadlineExceeded && status.Code(err) != tt.code {
				t.Errorf("status code %v, want %v", status.Code(err), tt.code)
			}
		})
	}
}

func TestCancelAndClose(t *testing.T) {
	started := make(chan struct{}, 8)
	fake := &googletest.TextToSpeech{
		Audio: func(ctx context.Context, _ *texttospeechpb.SynthesizeSpeechRequest, _ int) ([]int16, error) {
			started <- struct{}{}
			<-ctx.Done() // a service that never answers
			return nil, ctx.Err()
		},
	}
	s, ctx := setup(t, fake, google.DefaultConfig())

	// Hang-up: cancelling the call's context ends the stream.
	cctx, cancel := context.WithCancel(ctx)
	st, err := s.Synthesize(cctx, "Hello.", tts.DefaultVoice(tts.LangEn))
	if err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	if _, err := st.ReadFrame(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFrame after hang-up: %v, want context.Canceled", err)
	}
	for range 2 {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}

	// Barge-in: Close in the middle of synthesis stops it and returns.
	st, err = s.Synthesize(ctx, "Hello. World.", tts.DefaultVoice(tts.LangEn))
	if err != nil {
		t.Fatal(err)
	}
	<-started
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { _ = st.Close() })
	}
	wg.Wait()
	if _, err := st.ReadFrame(ctx); !errors.Is(err, tts.ErrClosed) {
		t.Errorf("ReadFrame after Close: %v, want ErrClosed", err)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Synthesize(ctx, "Hi.", tts.DefaultVoice(tts.LangEn)); !errors.Is(err, tts.ErrClosed) {
		t.Errorf("Synthesize after Close: %v, want ErrClosed", err)
	}
}

func TestConcurrentStreams(t *testing.T) {
	fake := &googletest.TextToSpeech{}
	s, ctx := setup(t, fake, google.DefaultConfig())
	texts := []struct{ lang, text string }{
		{tts.LangEn, "Your order ships today. It arrives in two days."},
		{tts.LangZh, "您的订单今天发货。两天内送达。"},
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			tx := texts[i%len(texts)]
			v := tts.DefaultVoice(tx.lang).WithSpeech(1+float64(i)/10, 1)
			st, err := s.Synthesize(ctx, tx.text, v)
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			got, _, err := tts.ReadAll(ctx, st)
			if err == nil && len(got) == 0 {
				err = fmt.Errorf("stream %d: no audio", i)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := len(fake.Received()); got != n*2 {
		t.Errorf("%d requests, want %d (two sentences each)", got, n*2)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*google.Config)
		ok   bool
	}{
		{"default", func(*google.Config) {}, true},
		{"mp3-8k", func(c *google.Config) { c.Encoding, c.Rate = google.EncodingMP3, 8000 }, true},
		{"no-en-voice", func(c *google.Config) { delete(c.Voices, tts.LangEn) }, false},
		{"ogg", func(c *google.Config) { c.Encoding = "ogg_opus" }, false},
		{"rate", func(c *google.Config) { c.Rate = 96000 }, false},
		{"timeout", func(c *google.Config) { c.Timeout = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := google.DefaultConfig()
			tt.mod(&c)
			if err := c.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, google.ErrBadConfig)) {
				t.Errorf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestName(t *testing.T) {
	s, _ := setup(t, &googletest.TextToSpeech{}, google.DefaultConfig())
	if got, want := s.Name(), "google/en=en-US-Standard-C,zh=cmn-CN-Standard-A/linear16/16000"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if s.Rate() != 16000 {
		t.Errorf("Rate = %d", s.Rate())
	}
}
