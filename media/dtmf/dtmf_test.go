package dtmf

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

const ms = time.Millisecond

func detect(rate int, sig []int16) (string, []time.Duration) {
	d := NewDetector()
	var s []rune
	var at []time.Duration
	for _, f := range mediatest.Frames(rate, sig) {
		if ev, ok := d.Process(f); ok {
			s = append(s, ev.Digit)
			at = append(at, ev.At)
		}
	}
	return string(s), at
}

func amp(db float64) float64 { return 32767 * math.Pow(10, db/20) }

// keys builds tones of on, separated by off, over noise at noiseDB.
func keypad(t *testing.T, rate int, digits string, on, off time.Duration, toneDB, noiseDB float64) []int16 {
	t.Helper()
	var sig []int16
	sig = append(sig, mediatest.Silence(rate, 100*ms)...)
	for _, k := range digits {
		tone, err := Tone(rate, k, on, amp(toneDB))
		if err != nil {
			t.Fatal(err)
		}
		sig = append(sig, tone...)
		sig = append(sig, mediatest.Silence(rate, off)...)
	}
	if noiseDB > -100 {
		mediatest.Mix(sig, mediatest.Noise(rate, amp(noiseDB), time.Duration(len(sig))*time.Second/time.Duration(rate), 1))
	}
	return sig
}

func TestDetect(t *testing.T) {
	all := "0123456789*#ABCD"
	tests := []struct {
		name    string
		digits  string
		on, off time.Duration
		toneDB  float64
		noiseDB float64
		want    string
	}{
		{"all keys", all, 100 * ms, 100 * ms, -12, -200, all},
		{"fast dialling 60/60", "5551234", 60 * ms, 60 * ms, -12, -200, "5551234"},
		{"quiet tones in noise", "0#9", 80 * ms, 80 * ms, -30, -50, "0#9"},
		{"too short", "7", 25 * ms, 100 * ms, -12, -200, ""},
		{"too quiet", "7", 100 * ms, 100 * ms, -55, -200, ""},
		{"long press once", "8", 2 * time.Second, 100 * ms, -12, -200, "8"},
	}
	for _, rate := range []int{8000, 16000} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%dHz", tt.name, rate), func(t *testing.T) {
				got, _ := detect(rate, keypad(t, rate, tt.digits, tt.on, tt.off, tt.toneDB, tt.noiseDB))
				if got != tt.want {
					t.Fatalf("detected %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestNoFalseDigits(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		tests := map[string][]int16{
			"speech":     mediatest.SpeechLike(rate, 6000, 20*time.Second, 2),
			"noise":      mediatest.Noise(rate, 4000, 5*time.Second, 3),
			"sweep":      mediatest.Sweep(rate, 300, 3400, 10000, 5*time.Second),
			"one tone":   mediatest.Sine(rate, 770, 10000, time.Second),
			"twist 12dB": mediatest.Mix(mediatest.Sine(rate, 852, 12000, time.Second), mediatest.Sine(rate, 1477, 12000/4, time.Second)),
		}
		for name, sig := range tests {
			if got, _ := detect(rate, sig); got != "" {
				t.Errorf("%s at %d Hz: false digits %q", name, rate, got)
			}
		}
	}
}

func TestEventTime(t *testing.T) {
	sig := keypad(t, 8000, "4", 100*ms, 100*ms, -12, -200) // tone starts at 100 ms
	_, at := detect(8000, sig)
	if len(at) != 1 || at[0] != 100*ms {
		t.Fatalf("events at %v, want [100ms]", at)
	}
}

func TestToneErrors(t *testing.T) {
	if _, err := Tone(8000, 'x', time.Second, 1000); !errors.Is(err, media.ErrBadDigit) {
		t.Errorf("bad digit: %v", err)
	}
	if _, err := Tone(0, '1', time.Second, 1000); !errors.Is(err, media.ErrBadRate) {
		t.Errorf("bad rate: %v", err)
	}
}

func BenchmarkDetector(b *testing.B) {
	for _, rate := range []int{8000, 16000} {
		b.Run(fmt.Sprintf("%dHz", rate), func(b *testing.B) {
			frames := mediatest.Frames(rate, mediatest.SpeechLike(rate, 3000, time.Second, 1))
			d := NewDetector()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Process(frames[i%len(frames)])
				i++
			}
		})
	}
}
