// Package googletest is a protocol-level fake of Google Cloud
// Text-to-Speech v1: a real gRPC server on 127.0.0.1:0 that the real client
// library (cloud.google.com/go/texttospeech) talks to. SynthesizeSpeech
// checks each request the way the service does (plus the test's own
// Check), records it, and answers with generated audio: LINEAR16 as a WAV
// file (as the service does), or MP3 as silent MPEG-1 Layer III frames
// (there is no MP3 encoder here; silence still exercises decoding, rate and
// length).
package googletest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/texttospeech/apiv1/texttospeechpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/callbee/callbee/internal/gcloudtest"
)

// NaturalRate is the rate of audio when a request names none (Google's
// voices are mostly 24 kHz).
const NaturalRate = 24000

// MP3Rate is the rate of the fake's MP3 output.
const MP3Rate = 48000

// TextToSpeech is the fake service. Set its fields before the first call.
type TextToSpeech struct {
	texttospeechpb.UnimplementedTextToSpeechServer

	// Check, when set, vets each request after the built-in checks; an
	// error answers InvalidArgument.
	Check func(*texttospeechpb.SynthesizeSpeechRequest) error
	// Audio, when set, makes the samples (at rate) for a request, or fails
	// it with a status error; it may block on ctx. The default is
	// Tone: 20 ms of a 400 Hz tone per character of text.
	Audio func(ctx context.Context, req *texttospeechpb.SynthesizeSpeechRequest, rate int) ([]int16, error)
	// RawLinear16 answers LINEAR16 without the WAV header.
	RawLinear16 bool

	mu       sync.Mutex // guards received
	received []*texttospeechpb.SynthesizeSpeechRequest
}

var _ texttospeechpb.TextToSpeechServer = (*TextToSpeech)(nil)

// Received returns the requests the fake got, in arrival order.
func (f *TextToSpeech) Received() []*texttospeechpb.SynthesizeSpeechRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*texttospeechpb.SynthesizeSpeechRequest(nil), f.received...)
}

// Tone is the default audio: 20 ms per character of a 400 Hz sine of
// amplitude 8000.
func Tone(_ context.Context, req *texttospeechpb.SynthesizeSpeechRequest, rate int) ([]int16, error) {
	n := len([]rune(req.GetInput().GetText()))
	return Sine(rate, 400, 8000, time.Duration(n)*20*time.Millisecond), nil
}

// Sine is d of a sine of freq Hz and amplitude amp at rate.
func Sine(rate int, freq, amp float64, d time.Duration) []int16 {
	out := make([]int16, int(int64(rate)*int64(d)/int64(time.Second)))
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// SynthesizeSpeech implements the call.
func (f *TextToSpeech) SynthesizeSpeech(ctx context.Context, req *texttospeechpb.SynthesizeSpeechRequest) (*texttospeechpb.SynthesizeSpeechResponse, error) {
	f.mu.Lock()
	f.received = append(f.received, proto.Clone(req).(*texttospeechpb.SynthesizeSpeechRequest))
	f.mu.Unlock()
	if err := CheckRequest(req); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if f.Check != nil {
		if err := f.Check(req); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	ac := req.GetAudioConfig()
	rate := int(ac.GetSampleRateHertz())
	if rate == 0 {
		rate = NaturalRate
	}
	if ac.GetAudioEncoding() == texttospeechpb.AudioEncoding_MP3 {
		rate = MP3Rate
	}
	audio := f.Audio
	if audio == nil {
		audio = Tone
	}
	samples, err := audio(ctx, req, rate)
	if err != nil {
		return nil, err
	}
	var body []byte
	switch {
	case ac.GetAudioEncoding() == texttospeechpb.AudioEncoding_MP3:
		body = SilentMP3(len(samples))
	case f.RawLinear16:
		body = pcm(samples)
	default:
		body = WAV(rate, samples)
	}
	return &texttospeechpb.SynthesizeSpeechResponse{AudioContent: body}, nil
}

// CheckRequest applies the service's own rules: text present and at most
// 5000 bytes, a language code, a supported encoding, and AudioConfig values
// inside the API's ranges.
func CheckRequest(req *texttospeechpb.SynthesizeSpeechRequest) error {
	text := req.GetInput().GetText()
	if text == "" {
		return errors.New("input.text is required")
	}
	if len(text) > 5000 {
		return fmt.Errorf("input of %d bytes exceeds 5000", len(text))
	}
	if req.GetVoice().GetLanguageCode() == "" {
		return errors.New("voice.language_code is required")
	}
	ac := req.GetAudioConfig()
	if ac == nil {
		return errors.New("audio_config is required")
	}
	switch ac.AudioEncoding {
	case texttospeechpb.AudioEncoding_LINEAR16, texttospeechpb.AudioEncoding_MP3:
	default:
		return fmt.Errorf("audio_encoding %v not supported by the fake", ac.AudioEncoding)
	}
	if r := ac.SpeakingRate; r != 0 && (r < 0.25 || r > 2) {
		return fmt.Errorf("speaking_rate %g outside [0.25, 2.0]", r)
	}
	if g := ac.VolumeGainDb; g < -96 || g > 16 {
		return fmt.Errorf("volume_gain_db %g outside [-96, 16]", g)
	}
	if p := ac.Pitch; p < -20 || p > 20 {
		return fmt.Errorf("pitch %g outside [-20, 20]", p)
	}
	if r := ac.SampleRateHertz; r != 0 && (r < 8000 || r > 48000) {
		return fmt.Errorf("sample_rate_hertz %d outside 8000..48000", r)
	}
	return nil
}

func pcm(samples []int16) []byte {
	b := make([]byte, 0, 2*len(samples))
	for _, v := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

// WAV is a mono 16-bit PCM WAV file of samples at rate.
func WAV(rate int, samples []int16) []byte {
	data := pcm(samples)
	b := make([]byte, 0, 44+len(data))
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(36+len(data)))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1) // PCM
	b = binary.LittleEndian.AppendUint16(b, 1) // mono
	b = binary.LittleEndian.AppendUint32(b, uint32(rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate*2))
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// mp3FrameSamples is the samples per MPEG-1 Layer III frame.
const mp3FrameSamples = 1152

// SilentMP3 is at least n samples (whole frames) of silence as MPEG-1 Layer
// III at MP3Rate, 128 kbit/s, mono: every frame is a header and zero side
// information and main data, which decodes to silence.
func SilentMP3(n int) []byte {
	frames := max(1, (n+mp3FrameSamples-1)/mp3FrameSamples)
	const frameBytes = 144 * 128000 / MP3Rate // 384, no padding at 48 kHz
	// 0xFFFB: sync, MPEG-1, Layer III, no CRC; 0x94: 128 kbit/s, 48 kHz;
	// 0xC0: mono.
	header := []byte{0xFF, 0xFB, 0x94, 0xC0}
	b := make([]byte, 0, frames*frameBytes)
	for range frames {
		b = append(b, header...)
		b = append(b, make([]byte, frameBytes-len(header))...)
	}
	return b
}

// Serve runs srv on a gRPC server on 127.0.0.1:0 until the test ends and
// returns the client options that point the real client at it.
func Serve(t testing.TB, srv texttospeechpb.TextToSpeechServer) []option.ClientOption {
	t.Helper()
	return gcloudtest.Serve(t, func(gs *grpc.Server) { texttospeechpb.RegisterTextToSpeechServer(gs, srv) })
}

// ClientOptions point a Google client at a fake on addr: no TLS, no
// credentials.
func ClientOptions(addr string) []option.ClientOption { return gcloudtest.ClientOptions(addr) }
