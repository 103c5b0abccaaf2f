package google

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/texttospeech/apiv1/texttospeechpb"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/audiofile"
	"github.com/callbee/callbee/media/resample"
)

// decoder turns one stream's responses into samples at the output rate. It
// keeps one resampler across the stream's sentences so they join without a
// click; it is used by the stream's producer goroutine only.
type decoder struct {
	rate int
	rs   *resample.Resampler // nil until audio arrives at another rate
}

func newDecoder(rate int) *decoder { return &decoder{rate: rate} }

// decode returns the samples of one response at d.rate. LINEAR16 comes
// with a WAV header (removed; a headerless body is taken as PCM at the
// requested rate), MP3 is decoded and downmixed. last flushes the
// resampler's delay.
func (d *decoder) decode(ctx context.Context, b []byte, ac *texttospeechpb.AudioConfig, last bool) ([]int16, error) {
	var (
		samples []int16
		in      int
		err     error
	)
	switch {
	case len(b) == 0:
		return nil, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF":
		var rd *audiofile.WAVReader
		if rd, err = audiofile.DecodeWAV(bytes.NewReader(b)); err == nil {
			in = rd.Format().Rate
			samples, err = readAll(ctx, rd)
		}
	case ac.GetAudioEncoding() == texttospeechpb.AudioEncoding_LINEAR16:
		if len(b)%2 != 0 {
			return nil, fmt.Errorf("tts google: LINEAR16 body of %d bytes: %w", len(b), ErrBadAudio)
		}
		in = int(ac.GetSampleRateHertz())
		samples = make([]int16, len(b)/2)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case ac.GetAudioEncoding() == texttospeechpb.AudioEncoding_MP3:
		var rd *audiofile.MP3Reader
		if rd, err = audiofile.DecodeMP3(bytes.NewReader(b)); err == nil {
			in = rd.Format().Rate
			samples, err = readAll(ctx, rd)
		}
	default:
		return nil, fmt.Errorf("tts google: encoding %v: %w", ac.GetAudioEncoding(), ErrBadAudio)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tts google: decode: %w", ctx.Err())
		}
		return nil, fmt.Errorf("tts google: decode: %w: %w", ErrBadAudio, err)
	}
	if in == d.rate {
		return samples, nil
	}
	if d.rs == nil || d.rs.InRate() != in {
		rs, err := resample.New(in, d.rate)
		if err != nil {
			return nil, fmt.Errorf("tts google: resample %d to %d Hz: %w: %w", in, d.rate, ErrBadAudio, err)
		}
		d.rs = rs
	}
	out := d.rs.Process(make([]int16, 0, len(samples)*d.rate/in+d.rate/50), samples)
	if last {
		// Push the filter's delay out with silence so the end is not cut.
		n := int(d.rs.Delay().Seconds()*float64(in)) + 1
		out = d.rs.Process(out, make([]int16, n))
	}
	return out, nil
}

// readAll collects a reader's frames.
func readAll(ctx context.Context, r media.Reader) ([]int16, error) {
	var out []int16
	for {
		f, err := r.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, f.Samples...)
	}
}
