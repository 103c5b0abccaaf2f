package audiofile

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hajimehoshi/go-mp3"

	"github.com/callbee/callbee/media"
)

// MP3Reader reads an MP3 stream as mono PCM16 frames at its sample rate
// (go-mp3 always yields 16-bit stereo; the channels are averaged). The last
// frame is padded with silence.
type MP3Reader struct {
	dec    *mp3.Decoder
	format Format
	raw    []byte
	mono   []int16
	framer *media.Framer
	eof    bool
}

var _ media.Reader = (*MP3Reader)(nil)

// DecodeMP3 reads a whole MP3 file from r (up to MaxFileSize) and returns a
// reader of its frames.
func DecodeMP3(r io.Reader) (rd *MP3Reader, err error) {
	b, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("audiofile: mp3: %w", err)
	}
	return decodeMP3Bytes(b)
}

func decodeMP3Bytes(b []byte) (rd *MP3Reader, err error) {
	dec, err := mp3.NewDecoder(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("audiofile: mp3: %v: %w", err, ErrMalformed)
	}
	rate := dec.SampleRate()
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("audiofile: mp3: sample rate %d Hz: %w", rate, ErrUnsupported)
	}
	framer, err := media.NewFramer(rate)
	if err != nil {
		return nil, fmt.Errorf("audiofile: mp3: %w", err)
	}
	var d time.Duration
	if n := dec.Length(); n > 0 {
		d = time.Duration(n/4) * time.Second / time.Duration(rate)
	}
	return &MP3Reader{
		dec:    dec,
		format: Format{Container: "mp3", Rate: rate, Channels: 2, BitDepth: 16, Duration: d},
		raw:    make([]byte, media.SamplesPerFrame(rate)*4*5),
		framer: framer,
	}, nil
}

// Format describes the stream (Channels and BitDepth are go-mp3's output).
func (m *MP3Reader) Format() Format { return m.format }

// ReadFrame returns the next frame, or io.EOF after the last.
func (m *MP3Reader) ReadFrame(ctx context.Context) (media.Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return media.Frame{}, err
		}
		if f, ok := m.framer.Next(m.eof); ok {
			return f, nil
		}
		if m.eof {
			return media.Frame{}, io.EOF
		}
		n, err := io.ReadFull(m.dec, m.raw)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			m.eof = true
		} else if err != nil {
			return media.Frame{}, fmt.Errorf("audiofile: mp3: %v: %w", err, ErrMalformed)
		}
		m.mono = m.mono[:0]
		for i := 0; i+4 <= n; i += 4 {
			l := int(int16(binary.LittleEndian.Uint16(m.raw[i:])))
			r := int(int16(binary.LittleEndian.Uint16(m.raw[i+2:])))
			m.mono = append(m.mono, int16((l+r)/2))
		}
		m.framer.Push(m.mono)
	}
}

// Reader is a decoded file: frames plus their format.
type Reader interface {
	media.Reader
	Format() Format
}

// Decode reads a WAV or MP3 file from r, telling them apart by their first
// bytes (RIFF/WAVE; an ID3 tag or an MPEG audio frame sync).
func Decode(r io.Reader) (Reader, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("audiofile: %w", err)
	}
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF":
		return decodeWAVBytes(b)
	case len(b) >= 3 && string(b[:3]) == "ID3", len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return decodeMP3Bytes(b)
	}
	return nil, fmt.Errorf("audiofile: %w", ErrUnknownFormat)
}
