// Package googletest is a protocol-level fake of Google Cloud
// Speech-to-Text v1 streaming recognition: a real gRPC server on
// 127.0.0.1:0 that the real client library (cloud.google.com/go/speech)
// talks to. It checks each stream's configuration the way the service does
// (plus the test's own Check), records what it received, and answers with
// a scripted sequence of interim and final results.
package googletest

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/speech/apiv1/speechpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/callbee/callbee/internal/gcloudtest"
)

// Limits the real service enforces that the fake checks too.
const (
	maxChunkBytes = 25600
	maxPhrases    = 5000
	maxPhraseLen  = 100
)

// Step is one scripted action on a stream, taken once the stream has
// received After of audio (or when the client half-closes, whichever comes
// first): send Response, or end the call with Err (a status error).
type Step struct {
	After    time.Duration
	Response *speechpb.StreamingRecognizeResponse
	Err      error
}

// Interim is a response with one interim result.
func Interim(text string, stability float32) *speechpb.StreamingRecognizeResponse {
	return &speechpb.StreamingRecognizeResponse{Results: []*speechpb.StreamingRecognitionResult{{
		Alternatives: []*speechpb.SpeechRecognitionAlternative{{Transcript: text}},
		Stability:    stability,
	}}}
}

// Final is a response with one final result.
func Final(text string, confidence float32) *speechpb.StreamingRecognizeResponse {
	return &speechpb.StreamingRecognizeResponse{Results: []*speechpb.StreamingRecognitionResult{{
		Alternatives: []*speechpb.SpeechRecognitionAlternative{{Transcript: text, Confidence: confidence}},
		IsFinal:      true,
	}}}
}

// EndOfUtterance is the END_OF_SINGLE_UTTERANCE speech event.
func EndOfUtterance() *speechpb.StreamingRecognizeResponse {
	return &speechpb.StreamingRecognizeResponse{
		SpeechEventType: speechpb.StreamingRecognizeResponse_END_OF_SINGLE_UTTERANCE,
	}
}

// Received is what the fake got on one stream.
type Received struct {
	Config     *speechpb.StreamingRecognitionConfig
	Audio      []byte // audio_content, concatenated
	Requests   int    // audio requests
	HalfClosed bool   // the client closed its side (io.EOF)
	Err        error  // the status the fake ended the call with
}

// Speech is the fake service. Set Check and Script before the first call.
type Speech struct {
	speechpb.UnimplementedSpeechServer

	// Check, when set, vets each stream's configuration after the
	// built-in checks; an error ends the call with InvalidArgument.
	Check func(*speechpb.StreamingRecognitionConfig) error
	// Script returns the steps for a stream (nil: no results; the call
	// ends when the client half-closes or cancels).
	Script func(*speechpb.StreamingRecognitionConfig) []Step
	// Hang keeps a call open after the client half-closes until the client
	// cancels it: a service that never answers.
	Hang bool
	// DiscardAudio keeps only the count of audio requests, not the audio
	// (benchmarks).
	DiscardAudio bool

	mu       sync.Mutex // guards received
	received []*Received
}

var _ speechpb.SpeechServer = (*Speech)(nil)

// Received returns copies of what the fake got, one per stream in the order
// the streams started.
func (f *Speech) Received() []Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Received, len(f.received))
	for i, r := range f.received {
		out[i] = *r
		out[i].Audio = append([]byte(nil), r.Audio...)
	}
	return out
}

func (f *Speech) record(fn func()) {
	f.mu.Lock()
	fn()
	f.mu.Unlock()
}

// StreamingRecognize implements the call.
func (f *Speech) StreamingRecognize(srv speechpb.Speech_StreamingRecognizeServer) (err error) {
	rec := &Received{}
	f.record(func() { f.received = append(f.received, rec) })
	defer func() { f.record(func() { rec.Err = err }) }()

	first, err := srv.Recv()
	if err != nil {
		return err
	}
	sc := first.GetStreamingConfig()
	if sc == nil {
		return status.Error(codes.InvalidArgument, "first request must carry streaming_config")
	}
	f.record(func() { rec.Config = proto.Clone(sc).(*speechpb.StreamingRecognitionConfig) })
	if err := CheckConfig(sc); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	if f.Check != nil {
		if err := f.Check(sc); err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
	}
	var steps []Step
	if f.Script != nil {
		steps = f.Script(sc)
	}
	bytesPerSec := int(sc.Config.SampleRateHertz) * 2
	if sc.Config.Encoding == speechpb.RecognitionConfig_MULAW {
		bytesPerSec /= 2
	}
	var audio int
	run := func(halfClosed bool) (done bool, err error) {
		heard := time.Duration(audio) * time.Second / time.Duration(bytesPerSec)
		for len(steps) > 0 && (halfClosed || steps[0].After <= heard) {
			st := steps[0]
			steps = steps[1:]
			if st.Err != nil {
				return true, st.Err
			}
			if err := srv.Send(st.Response); err != nil {
				return true, err
			}
		}
		return false, nil
	}
	if done, err := run(false); done {
		return err
	}
	for {
		req, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			f.record(func() { rec.HalfClosed = true })
			if done, err := run(true); done || !f.Hang {
				return err
			}
			<-srv.Context().Done()
			return status.FromContextError(srv.Context().Err()).Err()
		}
		if err != nil {
			return err
		}
		if req.GetStreamingConfig() != nil {
			return status.Error(codes.InvalidArgument, "streaming_config sent twice")
		}
		a := req.GetAudioContent()
		if len(a) > maxChunkBytes {
			return status.Errorf(codes.InvalidArgument, "audio_content of %d bytes exceeds %d", len(a), maxChunkBytes)
		}
		f.record(func() {
			if !f.DiscardAudio {
				rec.Audio = append(rec.Audio, a...)
			}
			rec.Requests++
		})
		audio += len(a)
		if done, err := run(false); done {
			return err
		}
	}
}

// CheckConfig applies the service's own rules to a streaming
// configuration: an encoding and rate it can take, a language, phrase
// limits, and single_utterance only with the models that allow it.
func CheckConfig(sc *speechpb.StreamingRecognitionConfig) error {
	c := sc.GetConfig()
	if c == nil {
		return errors.New("streaming_config.config is required")
	}
	switch c.Encoding {
	case speechpb.RecognitionConfig_LINEAR16:
	case speechpb.RecognitionConfig_MULAW:
		if c.SampleRateHertz != 8000 {
			return fmt.Errorf("MULAW at %d Hz (the fake expects 8000)", c.SampleRateHertz)
		}
	default:
		return fmt.Errorf("encoding %v not supported by the fake", c.Encoding)
	}
	if c.SampleRateHertz < 8000 || c.SampleRateHertz > 48000 {
		return fmt.Errorf("sample_rate_hertz %d outside 8000..48000", c.SampleRateHertz)
	}
	if c.LanguageCode == "" {
		return errors.New("language_code is required")
	}
	n := 0
	for _, ctx := range c.SpeechContexts {
		for _, p := range ctx.Phrases {
			n++
			if len([]rune(p)) > maxPhraseLen {
				return fmt.Errorf("phrase %q longer than %d characters", p, maxPhraseLen)
			}
		}
	}
	if n > maxPhrases {
		return fmt.Errorf("%d phrases exceed %d", n, maxPhrases)
	}
	if sc.SingleUtterance {
		switch c.Model {
		case "", "command_and_search":
		case "phone_call":
			if !c.UseEnhanced {
				return errors.New("single_utterance with phone_call needs use_enhanced")
			}
		default:
			return fmt.Errorf("single_utterance is not supported by model %q", c.Model)
		}
	}
	return nil
}

// Serve runs srv on a gRPC server on 127.0.0.1:0 until the test ends and
// returns the client options that point the real client at it.
func Serve(t testing.TB, srv speechpb.SpeechServer) []option.ClientOption {
	t.Helper()
	return gcloudtest.Serve(t, func(gs *grpc.Server) { speechpb.RegisterSpeechServer(gs, srv) })
}

// ClientOptions point a Google client at a fake on addr: no TLS, no
// credentials.
func ClientOptions(addr string) []option.ClientOption { return gcloudtest.ClientOptions(addr) }
