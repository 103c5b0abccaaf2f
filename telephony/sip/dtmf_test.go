package sip

import (
	"errors"
	"testing"
	"time"
)

type evPkt struct {
	ts     uint32
	marker bool
	code   uint8
	end    bool
	dur    uint16
}

func runDetector(pkts []evPkt) string {
	var d eventDetector
	var got []rune
	for _, p := range pkts {
		payload := appendTelephoneEvent(nil, telephoneEvent{Code: p.code, End: p.end, Volume: 10, Duration: p.dur})
		if digit, _, ok := d.packet(p.ts, p.marker, payload); ok {
			got = append(got, digit)
		}
	}
	return string(got)
}

// sippEvent is how sipp's play_dtmf sends one key: duration 0 first, then
// growing durations, then three end packets, all with one timestamp.
func sippEvent(ts uint32, code uint8) []evPkt {
	return []evPkt{
		{ts, true, code, false, 0}, {ts, false, code, false, 160}, {ts, false, code, false, 320},
		{ts, false, code, true, 480}, {ts, false, code, true, 480}, {ts, false, code, true, 480},
	}
}

func TestEventDetector(t *testing.T) {
	cat := func(parts ...[]evPkt) []evPkt {
		var out []evPkt
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name string
		pkts []evPkt
		want string
	}{
		{"sipp duration 0 first", sippEvent(1000, 1), "1"},
		{"three keys", cat(sippEvent(1000, 1), sippEvent(2000, 2), sippEvent(3000, 11)), "12#"},
		{"same key twice", cat(sippEvent(1000, 5), sippEvent(2000, 5)), "55"},
		{"only end packets (start lost)", []evPkt{{500, false, 9, true, 800}, {500, false, 9, true, 800}}, "9"},
		{"late end of an earlier key", cat(sippEvent(1000, 1), sippEvent(2000, 2), []evPkt{{1000, false, 1, true, 480}}), "12"},
		{"long event segments (RFC 4733 2.5.1.3)", []evPkt{
			{1000, true, 4, false, 0}, {1000, false, 4, false, 0xFFFF}, {1000 + 0xFFFF, false, 4, false, 100}, {1000 + 0xFFFF, false, 4, true, 200},
		}, "4"},
		{"timestamp wrap", cat(sippEvent(0xFFFFFF00, 3), sippEvent(0x100, 4)), "34"},
		{"flash and unknown events ignored", []evPkt{{10, true, 16, false, 0}, {20, true, 200, true, 0}}, ""},
		{"star and letters", cat(sippEvent(10, 10), sippEvent(20, 12), sippEvent(30, 15)), "*AD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := runDetector(tc.pkts); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEventDetectorBadPayload(t *testing.T) {
	var d eventDetector
	for _, p := range [][]byte{nil, {1}, {1, 2, 3}} {
		if _, _, ok := d.packet(1, true, p); ok {
			t.Errorf("payload %v gave a digit", p)
		}
	}
	if d.bad != 3 {
		t.Errorf("bad %d, want 3", d.bad)
	}
	if _, err := parseTelephoneEvent([]byte{1}); !errors.Is(err, ErrBadEvent) {
		t.Errorf("short payload: %v", err)
	}
}

func TestParseInfoDTMF(t *testing.T) {
	tests := []struct {
		ct, body string
		want     rune
		dur      time.Duration
		err      bool
	}{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', 160 * time.Millisecond, false},
		{"application/dtmf-relay; charset=utf-8", "signal= #\nduration=100", '#', 100 * time.Millisecond, false},
		{"application/dtmf-relay", "Signal=10\r\nDuration=250", '*', 250 * time.Millisecond, false},
		{"application/dtmf-relay", "Signal=11", '#', 0, false},
		{"Application/DTMF", "7", '7', 0, false},
		{"application/dtmf", "a", 'A', 0, false},
		{"application/dtmf-relay", "Duration=160", 0, 0, true},
		{"application/dtmf-relay", "Signal=55", 0, 0, true},
		{"application/dtmf", "x", 0, 0, true},
		{"text/plain", "5", 0, 0, true},
	}
	for _, tc := range tests {
		got, dur, err := parseInfoDTMF(tc.ct, []byte(tc.body))
		if (err != nil) != tc.err || got != tc.want || dur != tc.dur {
			t.Errorf("%s %q: got %q %v %v, want %q %v err=%v", tc.ct, tc.body, got, dur, err, tc.want, tc.dur, tc.err)
		}
		if err != nil && !errors.Is(err, ErrBadEvent) {
			t.Errorf("%q: error %v does not wrap ErrBadEvent", tc.body, err)
		}
	}
}

// FuzzTelephoneEvent feeds arbitrary payloads and timestamps: the detector
// never panics, reports at most one digit per packet, and only keypad digits.
func FuzzTelephoneEvent(f *testing.F) {
	f.Add([]byte{1, 0x0a, 0, 0}, uint32(1000), true, []byte{1, 0x8a, 1, 0xe0}, uint32(1000))
	f.Add([]byte{11, 0x80, 0xff, 0xff}, uint32(0xffffffff), false, []byte{}, uint32(0))
	f.Fuzz(func(t *testing.T, a []byte, tsa uint32, marker bool, b []byte, tsb uint32) {
		var d eventDetector
		for _, p := range []struct {
			payload []byte
			ts      uint32
		}{{a, tsa}, {b, tsb}, {a, tsa}, {b, tsb}} {
			digit, _, ok := d.packet(p.ts, marker, p.payload)
			if ok && !(digit >= '0' && digit <= '9' || digit == '*' || digit == '#' || digit >= 'A' && digit <= 'D') {
				t.Fatalf("digit %q", digit)
			}
		}
		if d.events > 2 {
			t.Fatalf("%d digits from two distinct packets repeated", d.events)
		}
		_, _, _ = parseInfoDTMF("application/dtmf-relay", a)
		_, _, _ = parseInfoDTMF("application/dtmf", b)
	})
}
