package sip

import (
	"testing"
	"time"

	"github.com/callbee/callbee/media"
)

// TestVoicemailRule feeds the rule talk and silence as 20 ms frames and
// checks when (in stream time) it calls a machine, if at all.
func TestVoicemailRule(t *testing.T) {
	type part struct {
		talk bool
		d    time.Duration
	}
	cfg := DialConfig{NoSpeech: 5 * time.Second, Monologue: 4 * time.Second}
	for _, tc := range []struct {
		name  string
		parts []part
		want  time.Duration // when onMachine fires; 0: never
	}{
		{"hello then wait", []part{{false, 500 * time.Millisecond}, {true, 800 * time.Millisecond}, {false, 10 * time.Second}}, 0},
		{"silence", []part{{false, 10 * time.Second}}, 5 * time.Second},
		{"greeting", []part{{false, 300 * time.Millisecond}, {true, 10 * time.Second}}, 4300*time.Millisecond + media.FrameDuration},
		{"greeting with short dips", []part{{true, 2 * time.Second}, {false, 200 * time.Millisecond}, {true, 3 * time.Second}}, 4*time.Second + media.FrameDuration},
		{"two sentences", []part{{true, 2 * time.Second}, {false, 500 * time.Millisecond}, {true, 5 * time.Second}}, 0},
		{"late hello", []part{{false, 4900 * time.Millisecond}, {true, 400 * time.Millisecond}, {false, time.Second}}, 0},
		{"click then silence", []part{{true, 40 * time.Millisecond}, {false, 6 * time.Second}}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var at, fired time.Duration
			calls := 0
			a := newAMD(cfg, func() { calls++; fired = at })
			loud, quiet := make([]int16, 160), make([]int16, 160)
			for i := range loud {
				loud[i] = int16(3000 * (1 - 2*(i%2)))
			}
			for _, p := range tc.parts {
				for n := p.d / media.FrameDuration; n > 0; n-- {
					at += media.FrameDuration
					f := media.Frame{Samples: quiet, Rate: 8000}
					if p.talk {
						f.Samples = loud
					}
					a.frame(f)
				}
			}
			if tc.want == 0 && calls != 0 {
				t.Errorf("machine at %v, want a person", fired)
			}
			if tc.want != 0 && (calls != 1 || fired != tc.want) {
				t.Errorf("machine %d times at %v, want once at %v", calls, fired, tc.want)
			}
		})
	}
}
