package audiofile

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// makeWAV builds a PCM WAV file: chans[c][i] are samples already at the
// given bit depth (8-bit unsigned).
func makeWAV(rate, bits int, chans [][]int, tag uint16) []byte {
	nch := len(chans)
	var data bytes.Buffer
	for i := range chans[0] {
		for c := 0; c < nch; c++ {
			v := chans[c][i]
			switch bits {
			case 8:
				data.WriteByte(byte(v))
			case 16:
				binary.Write(&data, binary.LittleEndian, int16(v))
			case 24:
				data.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16)})
			case 32:
				binary.Write(&data, binary.LittleEndian, int32(v))
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data.Len()))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, tag)
	binary.Write(&b, binary.LittleEndian, uint16(nch))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*nch*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(nch*bits/8))
	binary.Write(&b, binary.LittleEndian, uint16(bits))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	return b.Bytes()
}

func readAllFrames(t *testing.T, r media.Reader) (samples []int16, rate int) {
	t.Helper()
	for {
		f, err := r.ReadFrame(context.Background())
		if errors.Is(err, io.EOF) {
			return samples, rate
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
		rate = f.Rate
		samples = append(samples, f.Samples...)
	}
}

func TestDecodeWAV(t *testing.T) {
	left := mediatest.Sine(16000, 440, 10000, 100*time.Millisecond)
	right := mediatest.Sine(16000, 1000, 6000, 100*time.Millisecond)
	mono16 := make([]int16, len(left))
	for i := range left {
		mono16[i] = int16((int(left[i]) + int(right[i])) / 2)
	}
	ints := func(s []int16, f func(int) int) []int {
		out := make([]int, len(s))
		for i, v := range s {
			out[i] = f(int(v))
		}
		return out
	}
	id := func(v int) int { return v }
	tests := []struct {
		name  string
		rate  int
		bits  int
		chans [][]int
		want  []int16
		tol   int
	}{
		{"16-bit mono", 16000, 16, [][]int{ints(left, id)}, left, 0},
		{"16-bit stereo", 16000, 16, [][]int{ints(left, id), ints(right, id)}, mono16, 0},
		{"8-bit mono", 16000, 8, [][]int{ints(left, func(v int) int { return v>>8 + 128 })}, left, 256},
		{"24-bit stereo", 16000, 24, [][]int{ints(left, func(v int) int { return v << 8 }), ints(right, func(v int) int { return v << 8 })}, mono16, 1},
		{"32-bit mono", 16000, 32, [][]int{ints(left, func(v int) int { return v << 16 })}, left, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeWAV(bytes.NewReader(makeWAV(tt.rate, tt.bits, tt.chans, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if f := r.Format(); f.Rate != tt.rate || f.Channels != len(tt.chans) || f.BitDepth != tt.bits || f.Duration != 100*time.Millisecond {
				t.Fatalf("format %+v", f)
			}
			got, rate := readAllFrames(t, r)
			if rate != tt.rate || len(got) != len(tt.want) {
				t.Fatalf("got %d samples at %d Hz, want %d at %d", len(got), rate, len(tt.want), tt.rate)
			}
			for i := range got {
				if d := int(got[i]) - int(tt.want[i]); d > tt.tol || -d > tt.tol {
					t.Fatalf("sample %d = %d, want %d±%d", i, got[i], tt.want[i], tt.tol)
				}
			}
		})
	}
}

func TestDecodeWAVPadsLastFrame(t *testing.T) {
	s := mediatest.Sine(8000, 300, 1000, 30*time.Millisecond) // 1.5 frames
	r, err := DecodeWAV(bytes.NewReader(makeWAV(8000, 16, [][]int{toInts(s)}, 1)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readAllFrames(t, r)
	if len(got) != 320 {
		t.Fatalf("%d samples, want 2 frames of 160", len(got))
	}
}

func toInts(s []int16) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

func TestDecodeWAVErrors(t *testing.T) {
	good := makeWAV(8000, 16, [][]int{toInts(mediatest.Sine(8000, 300, 1000, 40*time.Millisecond))}, 1)
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrNotWAV},
		{"garbage", []byte("hello, this is not audio at all"), ErrNotWAV},
		{"RIFF not WAVE", mut(func(b []byte) []byte { copy(b[8:], "AVI "); return b }), ErrNotWAV},
		{"float", makeWAV(8000, 32, [][]int{{0, 0}}, 3), ErrUnsupported},
		{"12-bit", mut(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[34:], 12); return b }), ErrUnsupported},
		{"no channels", mut(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[22:], 0); return b }), ErrUnsupported},
		{"11025 Hz", makeWAV(11025, 16, [][]int{{0, 0}}, 1), ErrUnsupported},
		{"bad block align", mut(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[32:], 3); return b }), ErrMalformed},
		{"fmt past end", mut(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 1<<30); return b }), ErrMalformed},
		{"no data", good[:36], ErrMalformed},
		{"tiny fmt", mut(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 8); return b[:44] }), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeWAV(bytes.NewReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("truncated data is read as far as it goes", func(t *testing.T) {
		r, err := DecodeWAV(bytes.NewReader(good[:len(good)-100]))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := readAllFrames(t, r)
		if len(got) != 320 {
			t.Fatalf("%d samples, want 320 (2 frames, the second padded)", len(got))
		}
	})
}

func TestWAVWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	sig := mediatest.SpeechLike(16000, 4000, 500*time.Millisecond, 7)
	path := filepath.Join(dir, "out.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWAVWriter(f, 16000)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := media.NewSliceReader(16000, sig)
	if _, err := media.Copy(context.Background(), w, src); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(context.Background(), media.Frame{Rate: 8000, Samples: make([]int16, 160)}); !errors.Is(err, media.ErrRateMismatch) {
		t.Fatalf("8 kHz frame: %v", err)
	}
	if err := errors.Join(w.Close(), w.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	got, rate := readAllFrames(t, r)
	if rate != 16000 || !equal(got, sig) {
		t.Fatalf("round trip: %d samples at %d Hz, want %d at 16000 equal", len(got), rate, len(sig))
	}
}

func TestWAVWriterEmpty(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "empty.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, _ := NewWAVWriter(f, 8000)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	r, err := DecodeWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := readAllFrames(t, r); len(got) != 0 {
		t.Fatalf("%d samples from an empty file", len(got))
	}
}

func equal(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// silentMP3 builds n MPEG-1 Layer III frames of digital silence (all side
// info zero) at 48 kHz, 128 kbit/s: 384 bytes and 1152 samples per frame.
func silentMP3(n int, mono bool) []byte {
	frame := make([]byte, 384)
	frame[0], frame[1], frame[2] = 0xFF, 0xFB, 0x94
	if mono {
		frame[3] = 0xC0
	}
	var b []byte
	for range n {
		b = append(b, frame...)
	}
	return b
}

func TestDecodeMP3(t *testing.T) {
	for _, mono := range []bool{false, true} {
		r, err := Decode(bytes.NewReader(silentMP3(25, mono)))
		if err != nil {
			t.Fatal(err)
		}
		if f := r.Format(); f.Container != "mp3" || f.Rate != 48000 || f.Channels != 2 {
			t.Fatalf("format %+v", f)
		}
		got, rate := readAllFrames(t, r)
		// 25·1152 = 28800 samples = 30 frames of 960.
		if rate != 48000 || len(got) != 28800 {
			t.Fatalf("mono=%v: %d samples at %d Hz, want 28800 at 48000", mono, len(got), rate)
		}
		if rms := mediatest.RMS(got); rms != 0 {
			t.Fatalf("silence decoded with RMS %v", rms)
		}
	}
}

func TestDecodeUnknown(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("OggS...."), {0xFF}} {
		if _, err := Decode(bytes.NewReader(in)); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Decode(%q) = %v, want ErrUnknownFormat", in, err)
		}
	}
	if _, err := Decode(bytes.NewReader([]byte("ID3garbage-garbage-garbage"))); err == nil {
		t.Error("garbage after ID3: no error")
	}
}

// FuzzDecode feeds arbitrary bytes to the WAV and MP3 decoders: errors are
// fine, panics and runaway reads are not.
func FuzzDecode(f *testing.F) {
	f.Add(makeWAV(8000, 16, [][]int{toInts(mediatest.Sine(8000, 300, 1000, 40*time.Millisecond))}, 1))
	f.Add(makeWAV(16000, 24, [][]int{{1, 2, 3}, {4, 5, 6}}, 1))
	f.Add(makeWAV(8000, 8, [][]int{{1, 2, 3}}, 1))
	f.Add(silentMP3(2, false))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt "))
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		r, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		for range 100000 {
			fr, err := r.ReadFrame(ctx)
			if err != nil {
				return
			}
			if err := fr.Validate(); err != nil {
				t.Fatalf("bad frame: %v", err)
			}
		}
		t.Fatal("reader never ended")
	})
}

func BenchmarkWAVRead(b *testing.B) {
	data := makeWAV(16000, 16, [][]int{toInts(mediatest.SpeechLike(16000, 3000, time.Second, 1))}, 1)
	b.ReportAllocs()
	for b.Loop() {
		r, _ := DecodeWAV(bytes.NewReader(data))
		for {
			if _, err := r.ReadFrame(context.Background()); err != nil {
				break
			}
		}
	}
}
