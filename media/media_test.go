package media_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

func TestSamplesPerFrame(t *testing.T) {
	tests := []struct {
		rate, want int
	}{{8000, 160}, {16000, 320}, {48000, 960}, {44100, 882}, {22050, 441}, {11025, 0}, {0, 0}, {-8000, 0}}
	for _, tt := range tests {
		if got := media.SamplesPerFrame(tt.rate); got != tt.want {
			t.Errorf("SamplesPerFrame(%d) = %d, want %d", tt.rate, got, tt.want)
		}
	}
}

func TestFrameValidate(t *testing.T) {
	tests := []struct {
		name string
		f    media.Frame
		want error
	}{
		{"8k", media.Frame{Rate: 8000, Samples: make([]int16, 160)}, nil},
		{"48k", media.Frame{Rate: 48000, Samples: make([]int16, 960)}, nil},
		{"short", media.Frame{Rate: 8000, Samples: make([]int16, 80)}, media.ErrFrameSize},
		{"no rate", media.Frame{Samples: make([]int16, 160)}, media.ErrBadRate},
		{"odd rate", media.Frame{Rate: 11025, Samples: make([]int16, 220)}, media.ErrBadRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f.Validate(); !errors.Is(err, tt.want) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
	f := media.Frame{Rate: 16000, Samples: make([]int16, 320), At: 40 * time.Millisecond}
	if f.Duration() != 20*time.Millisecond || f.End() != 60*time.Millisecond {
		t.Fatalf("Duration %v End %v", f.Duration(), f.End())
	}
	g := f.Clone()
	g.Samples[0] = 1
	if f.Samples[0] != 0 {
		t.Fatal("Clone shares samples")
	}
}

func TestSliceReaderAndCopy(t *testing.T) {
	sig := mediatest.Sine(8000, 440, 1000, 50*time.Millisecond) // 2.5 frames
	r, err := media.NewSliceReader(8000, sig)
	if err != nil {
		t.Fatal(err)
	}
	var buf media.Buffer
	n, err := media.Copy(context.Background(), &buf, r)
	if err != nil || n != 3 || len(buf.Samples) != 480 {
		t.Fatalf("Copy = %d frames, %d samples, %v; want 3 frames, 480 samples", n, len(buf.Samples), err)
	}
	for i, v := range sig {
		if buf.Samples[i] != v {
			t.Fatalf("sample %d differs", i)
		}
	}
	if _, err := r.ReadFrame(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v", err)
	}
	if err := buf.WriteFrame(context.Background(), media.Frame{Rate: 16000, Samples: make([]int16, 320)}); !errors.Is(err, media.ErrRateMismatch) {
		t.Fatalf("rate change: %v", err)
	}
	if _, err := media.NewSliceReader(11025, nil); !errors.Is(err, media.ErrBadRate) {
		t.Fatalf("bad rate: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := media.Copy(ctx, &buf, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Copy: %v", err)
	}
}

func TestFramer(t *testing.T) {
	fr, err := media.NewFramer(8000)
	if err != nil {
		t.Fatal(err)
	}
	var got []media.Frame
	for _, chunk := range []int{100, 100, 7, 200, 33} { // 440 samples
		fr.Push(make([]int16, chunk))
		for {
			f, ok := fr.Next(false)
			if !ok {
				break
			}
			got = append(got, f.Clone())
		}
	}
	if len(got) != 2 || fr.Buffered() != 120 {
		t.Fatalf("%d frames, %d buffered; want 2 and 120", len(got), fr.Buffered())
	}
	f, ok := fr.Next(true)
	if !ok || len(f.Samples) != 160 || f.Seq != 2 || f.At != 40*time.Millisecond {
		t.Fatalf("flush: %v %+v", ok, f)
	}
	if _, ok := fr.Next(true); ok {
		t.Fatal("frame from an empty framer")
	}
}

func TestDTMFCodes(t *testing.T) {
	for code := uint8(0); code < 16; code++ {
		d, err := media.DigitFromCode(code)
		if err != nil {
			t.Fatal(err)
		}
		back, err := media.CodeFromDigit(d)
		if err != nil || back != code {
			t.Fatalf("code %d -> %q -> %d, %v", code, d, back, err)
		}
	}
	tests := []struct {
		d    rune
		code uint8
		err  error
	}{{'5', 5, nil}, {'*', 10, nil}, {'#', 11, nil}, {'a', 12, nil}, {'D', 15, nil}, {'E', 0, media.ErrBadDigit}, {'五', 0, media.ErrBadDigit}}
	for _, tt := range tests {
		code, err := media.CodeFromDigit(tt.d)
		if code != tt.code || !errors.Is(err, tt.err) {
			t.Errorf("CodeFromDigit(%q) = %d, %v; want %d, %v", tt.d, code, err, tt.code, tt.err)
		}
	}
	if _, err := media.DigitFromCode(16); !errors.Is(err, media.ErrBadDigit) {
		t.Errorf("code 16: %v", err)
	}
}

func FuzzDTMF(f *testing.F) {
	f.Add(uint8(3), "5")
	f.Fuzz(func(t *testing.T, code uint8, s string) {
		if d, err := media.DigitFromCode(code); err == nil {
			if c, err := media.CodeFromDigit(d); err != nil || c != code {
				t.Fatalf("code %d round trip: %d %v", code, c, err)
			}
		}
		for _, r := range s {
			if c, err := media.CodeFromDigit(r); err == nil {
				if c > 15 {
					t.Fatalf("%q -> %d", r, c)
				}
			}
		}
	})
}

func TestEventQueue(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q := media.NewEventQueue(3)
	for i := range 5 {
		q.Push(media.Event{Kind: media.DTMF, Digit: rune('0' + i)})
	}
	if q.Len() != 3 || q.Dropped() != 2 {
		t.Fatalf("len %d dropped %d, want 3 and 2", q.Len(), q.Dropped())
	}
	ev, err := q.Next(ctx)
	if err != nil || ev.Digit != '2' {
		t.Fatalf("oldest kept = %v %v, want digit 2", ev, err)
	}
	// A consumer goroutine receives what a producer pushes, in order.
	var wg sync.WaitGroup
	got := make(chan []rune, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ds []rune
		for {
			ev, err := q.Next(ctx)
			if err != nil {
				got <- ds
				return
			}
			ds = append(ds, ev.Digit)
		}
	}()
	for _, d := range "#*9" {
		q.Push(media.Event{Kind: media.DTMF, Digit: d, At: time.Second})
		time.Sleep(time.Millisecond)
	}
	q.Close()
	q.Close()
	wg.Wait()
	if ds := string(<-got); ds != "34#*9" {
		t.Fatalf("consumer got %q, want 34#*9", ds)
	}
	if q.Push(media.Event{Kind: media.DTMF, Digit: '1'}) {
		t.Fatal("Push after Close accepted")
	}
	if _, err := q.Next(ctx); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestEventString(t *testing.T) {
	tests := []struct {
		ev   media.Event
		want string
	}{
		{media.Event{Kind: media.DTMF, Digit: '5', At: time.Second}, "dtmf 5 at 1s"},
		{media.Event{Kind: media.SpeechEnd, At: 2 * time.Second, Duration: time.Second}, "speech-end at 2s (1s)"},
	}
	for _, tt := range tests {
		if got := tt.ev.String(); got != tt.want {
			t.Errorf("%v, want %q", got, tt.want)
		}
	}
}
