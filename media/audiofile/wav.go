// Package audiofile turns audio files into media frames and back: WAV
// (github.com/go-audio/wav) in PCM 8/16/24/32-bit, mono or multi-channel,
// read as mono PCM16 frames at the file's rate (channels averaged), written
// as mono PCM16; MP3 (github.com/hajimehoshi/go-mp3, always decoded as
// 16-bit stereo) read the same way. To get another rate, wrap the reader in
// resample.NewReader.
//
// Files come from users (shop prompts, test calls), so the WAV structure is
// checked by this package before the decoder sees it: a garbage file yields
// an error wrapping ErrNotWAV, ErrMalformed or ErrUnsupported, never a panic.
package audiofile

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/callbee/callbee/media"
)

// MaxFileSize bounds what the decoders read into memory (about 35 minutes of
// 16 kHz 16-bit stereo).
const MaxFileSize = 128 << 20

// Format describes a decoded file.
type Format struct {
	Container string // "wav" or "mp3"
	Rate      int    // samples per second (the frames' rate)
	Channels  int    // channels in the file (frames are always mono)
	BitDepth  int    // bits per sample in the file
	Duration  time.Duration
}

// WAV format tags (RIFF fmt chunk, wFormatTag).
const (
	wavFormatPCM        = 1
	wavFormatExtensible = 0xFFFE
	maxChannels         = 8
)

// wavInfo is what checkWAV learned from the RIFF structure.
type wavInfo struct {
	channels, rate, bits int
	dataBytes            int
}

// checkWAV walks the RIFF chunks of b and validates the fmt and data chunks.
func checkWAV(b []byte) (wavInfo, error) {
	var info wavInfo
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return info, ErrNotWAV
	}
	var haveFmt, haveData bool
	pos := 12
	for pos+8 <= len(b) {
		id := string(b[pos : pos+4])
		size := int(binary.LittleEndian.Uint32(b[pos+4 : pos+8]))
		body := pos + 8
		if size < 0 || size > len(b)-body {
			if id == "data" && haveFmt {
				// Streams written without a final size: take what is there.
				size = len(b) - body
			} else {
				return info, fmt.Errorf("chunk %q of %d bytes runs past the end: %w", id, size, ErrMalformed)
			}
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return info, fmt.Errorf("fmt chunk of %d bytes: %w", size, ErrMalformed)
			}
			f := b[body : body+size]
			tag := binary.LittleEndian.Uint16(f[0:2])
			info.channels = int(binary.LittleEndian.Uint16(f[2:4]))
			info.rate = int(binary.LittleEndian.Uint32(f[4:8]))
			align := int(binary.LittleEndian.Uint16(f[12:14]))
			info.bits = int(binary.LittleEndian.Uint16(f[14:16]))
			if tag == wavFormatExtensible {
				if size < 40 {
					return info, fmt.Errorf("extensible fmt chunk of %d bytes: %w", size, ErrMalformed)
				}
				tag = binary.LittleEndian.Uint16(f[24:26]) // sub-format GUID's first two bytes
			}
			if tag != wavFormatPCM {
				return info, fmt.Errorf("WAV format tag %#x (only integer PCM): %w", tag, ErrUnsupported)
			}
			if info.channels < 1 || info.channels > maxChannels {
				return info, fmt.Errorf("%d channels: %w", info.channels, ErrUnsupported)
			}
			switch info.bits {
			case 8, 16, 24, 32:
			default:
				return info, fmt.Errorf("%d bits per sample: %w", info.bits, ErrUnsupported)
			}
			if align != info.channels*info.bits/8 {
				return info, fmt.Errorf("block align %d for %d channels of %d bits: %w", align, info.channels, info.bits, ErrMalformed)
			}
			if !media.ValidRate(info.rate) {
				return info, fmt.Errorf("sample rate %d Hz (need whole 20 ms frames, at most %d Hz): %w", info.rate, media.MaxRate, ErrUnsupported)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return info, fmt.Errorf("data chunk before fmt chunk: %w", ErrMalformed)
			}
			info.dataBytes = size
			haveData = true
		}
		if haveData {
			break
		}
		pos = body + size + size&1 // chunks are padded to even sizes
	}
	if !haveFmt {
		return info, fmt.Errorf("no fmt chunk: %w", ErrMalformed)
	}
	if !haveData {
		return info, fmt.Errorf("no data chunk: %w", ErrMalformed)
	}
	return info, nil
}

// readAll reads r up to MaxFileSize.
func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, ErrTooLarge
	}
	return b, nil
}

// WAVReader reads a WAV file as mono PCM16 frames at the file's rate. The
// last frame is padded with silence.
type WAVReader struct {
	dec    *wav.Decoder
	format Format
	shift  int // right shift to 16 bits
	offset int // added before the shift (8-bit WAV is unsigned)
	ibuf   *audio.IntBuffer
	mono   []int16
	framer *media.Framer
	eof    bool
}

var _ media.Reader = (*WAVReader)(nil)

// DecodeWAV reads a whole WAV file from r (up to MaxFileSize) and returns a
// reader of its frames.
func DecodeWAV(r io.Reader) (*WAVReader, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("audiofile: wav: %w", err)
	}
	return decodeWAVBytes(b)
}

func decodeWAVBytes(b []byte) (*WAVReader, error) {
	info, err := checkWAV(b)
	if err != nil {
		return nil, fmt.Errorf("audiofile: wav: %w", err)
	}
	dec := wav.NewDecoder(bytes.NewReader(b))
	if err := dec.FwdToPCM(); err != nil {
		return nil, fmt.Errorf("audiofile: wav: %v: %w", err, ErrMalformed)
	}
	if dec.PCMChunk == nil || int(dec.NumChans) != info.channels || int(dec.BitDepth) != info.bits || int(dec.SampleRate) != info.rate {
		return nil, fmt.Errorf("audiofile: wav: decoder disagrees with the header: %w", ErrMalformed)
	}
	framer, err := media.NewFramer(info.rate)
	if err != nil {
		return nil, fmt.Errorf("audiofile: wav: %w", err)
	}
	frameBytes := info.channels * info.bits / 8
	w := &WAVReader{
		dec: dec,
		format: Format{
			Container: "wav",
			Rate:      info.rate,
			Channels:  info.channels,
			BitDepth:  info.bits,
			Duration:  time.Duration(info.dataBytes/frameBytes) * time.Second / time.Duration(info.rate),
		},
		shift:  info.bits - 16,
		framer: framer,
	}
	if info.bits == 8 {
		w.offset = -128
		w.shift = -8
	}
	// Decode about 100 ms per block, whole sample frames only.
	n := media.SamplesPerFrame(info.rate) * 5 * info.channels
	w.ibuf = &audio.IntBuffer{Data: make([]int, n), Format: &audio.Format{NumChannels: info.channels, SampleRate: info.rate}}
	return w, nil
}

// Format describes the file.
func (w *WAVReader) Format() Format { return w.format }

// ReadFrame returns the next frame, or io.EOF after the last.
func (w *WAVReader) ReadFrame(ctx context.Context) (media.Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return media.Frame{}, err
		}
		if f, ok := w.framer.Next(w.eof); ok {
			return f, nil
		}
		if w.eof {
			return media.Frame{}, io.EOF
		}
		n, err := w.dec.PCMBuffer(w.ibuf)
		if err != nil {
			return media.Frame{}, fmt.Errorf("audiofile: wav: %v: %w", err, ErrMalformed)
		}
		ch := w.format.Channels
		n -= n % ch
		if n <= 0 {
			w.eof = true
			continue
		}
		w.mono = w.mono[:0]
		for i := 0; i < n; i += ch {
			var sum int
			for c := 0; c < ch; c++ {
				sum += w.ibuf.Data[i+c]
			}
			w.mono = append(w.mono, w.to16(sum, ch))
		}
		w.framer.Push(w.mono)
	}
}

// to16 averages a sum of ch samples and scales it to 16 bits.
func (w *WAVReader) to16(sum, ch int) int16 {
	v := (sum + w.offset*ch) / ch
	if w.shift > 0 {
		v >>= w.shift
	} else if w.shift < 0 {
		v <<= -w.shift
	}
	return int16(max(-32768, min(32767, v)))
}

// WAVWriter writes mono PCM16 frames to a WAV file. Close finishes the
// header; it does not close the underlying writer.
type WAVWriter struct {
	enc    *wav.Encoder
	rate   int
	buf    *audio.IntBuffer
	frames int
	closed bool
}

var _ media.Writer = (*WAVWriter)(nil)

// NewWAVWriter starts a mono 16-bit WAV file at rate Hz on w.
func NewWAVWriter(w io.WriteSeeker, rate int) (*WAVWriter, error) {
	if !media.ValidRate(rate) {
		return nil, fmt.Errorf("audiofile: wav writer rate %d: %w", rate, media.ErrBadRate)
	}
	return &WAVWriter{
		enc:  wav.NewEncoder(w, rate, 16, 1, wavFormatPCM),
		rate: rate,
		buf:  &audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: rate}, SourceBitDepth: 16},
	}, nil
}

// WriteFrame appends f, which must be at the writer's rate.
func (w *WAVWriter) WriteFrame(_ context.Context, f media.Frame) error {
	if w.closed {
		return fmt.Errorf("audiofile: wav writer: %w", media.ErrClosed)
	}
	if f.Rate != w.rate {
		return fmt.Errorf("audiofile: wav writer at %d Hz got %d Hz: %w", w.rate, f.Rate, media.ErrRateMismatch)
	}
	w.buf.Data = w.buf.Data[:0]
	for _, s := range f.Samples {
		w.buf.Data = append(w.buf.Data, int(s))
	}
	if err := w.enc.Write(w.buf); err != nil {
		return fmt.Errorf("audiofile: wav writer: %w", err)
	}
	w.frames++
	return nil
}

// Close writes the final sizes into the header. Safe to call twice.
func (w *WAVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.frames == 0 { // make the header and an empty data chunk
		w.buf.Data = w.buf.Data[:0]
		if err := w.enc.Write(w.buf); err != nil {
			return fmt.Errorf("audiofile: wav writer: %w", err)
		}
	}
	if err := w.enc.Close(); err != nil {
		return fmt.Errorf("audiofile: wav writer: %w", err)
	}
	return nil
}
