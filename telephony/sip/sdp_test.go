package sip

import (
	"errors"
	"net"
	"strings"
	"testing"
)

const offerPCMU = "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n" +
	"m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"

func TestSDPChoose(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		prefs     []string
		audio     string
		pt, event int // event -1: none
		err       error
	}{
		{"pcmu first", offerPCMU, []string{"PCMU", "PCMA"}, "PCMU", 0, 101, nil},
		{"our preference wins", offerPCMU, []string{"PCMA", "PCMU"}, "PCMA", 8, 101, nil},
		{"static types without rtpmap", "v=0\nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 8\n", []string{"PCMU", "PCMA"}, "PCMA", 8, -1, nil},
		{"dynamic event type sipp uses", strings.Replace(offerPCMU, "101", "96", 3), []string{"PCMU"}, "PCMU", 0, 96, nil},
		{"no common codec", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 9 18\r\na=rtpmap:9 G722/8000\r\na=rtpmap:18 G729/8000\r\n", []string{"PCMU", "PCMA"}, "", 0, 0, ErrNoCommonCodec},
		{"events only", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n", []string{"PCMU"}, "", 0, 0, ErrNoCommonCodec},
		{"video only", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 5000 RTP/AVP 96\r\n", []string{"PCMU"}, "", 0, 0, ErrNoCommonCodec},
		{"disabled stream", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n", []string{"PCMU"}, "", 0, 0, ErrNoCommonCodec},
		{"SRTP", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n", []string{"PCMU"}, "", 0, 0, ErrNoCommonCodec},
		{"PCMU at 16 kHz is not G.711", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 97\r\na=rtpmap:97 PCMU/16000\r\n", []string{"PCMU"}, "", 0, 0, ErrNoCommonCodec},
		{"no version", "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\n", []string{"PCMU"}, "", 0, 0, ErrBadSDP},
		{"garbage", "hello world", []string{"PCMU"}, "", 0, 0, ErrBadSDP},
		{"bad payload type", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0 300\r\n", []string{"PCMU"}, "", 0, 0, ErrBadSDP},
		{"no address", "v=0\r\nm=audio 5000 RTP/AVP 0\r\n", []string{"PCMU"}, "", 0, 0, ErrBadSDP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off, err := parseSDPOffer([]byte(tc.body))
			var neg negotiated
			if err == nil {
				neg, err = off.choose(tc.prefs)
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if neg.Audio.Name != tc.audio || int(neg.Audio.PT) != tc.pt {
				t.Errorf("audio %+v, want %s/%d", neg.Audio, tc.audio, tc.pt)
			}
			if ev := neg.Event; (tc.event < 0) != (ev.Name == "") || (tc.event >= 0 && int(ev.PT) != tc.event) {
				t.Errorf("event %+v, want %d", ev, tc.event)
			}
		})
	}
}

func TestSDPMediaLevelAddress(t *testing.T) {
	body := "v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5000 RTP/AVP 0\r\nc=IN IP4 2.2.2.2\r\n"
	off, err := parseSDPOffer([]byte(body))
	if err != nil || !off.Addr.Equal(net.ParseIP("2.2.2.2")) || off.Port != 5000 {
		t.Fatalf("%+v %v", off, err)
	}
}

func TestAnswerSDPRoundTrip(t *testing.T) {
	off, _ := parseSDPOffer([]byte(strings.Replace(offerPCMU, "101", "96", 3)))
	neg, err := off.choose([]string{"PCMU"})
	if err != nil {
		t.Fatal(err)
	}
	ans := answerSDP(net.ParseIP("127.0.0.1"), 20000, neg, 42)
	back, err := parseSDPOffer(ans)
	if err != nil {
		t.Fatalf("our answer does not parse: %v\n%s", err, ans)
	}
	neg2, err := back.choose([]string{"PCMU"})
	if err != nil || neg2 != neg || back.Port != 20000 || !back.Addr.Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("answer %+v %+v %v\n%s", back, neg2, err, ans)
	}
}

// FuzzSDPOffer: any body parses or fails with ErrBadSDP/ErrNoCommonCodec;
// a chosen codec is always one we take; our answer to it parses again.
func FuzzSDPOffer(f *testing.F) {
	f.Add([]byte(offerPCMU))
	f.Add([]byte("v=0\nc=IN IP6 ::1\nm=audio 1/2 RTP/AVP 8 0\na=rtpmap:8 pcma/8000/1\n"))
	f.Add([]byte("v=0\r\nm=audio 70000 RTP/AVP x\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		off, err := parseSDPOffer(body)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) && !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		neg, err := off.choose([]string{"PCMU", "PCMA"})
		if err != nil {
			if !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		if neg.Audio.Name != "PCMU" && neg.Audio.Name != "PCMA" {
			t.Fatalf("chose %+v", neg.Audio)
		}
		if _, err := parseSDPOffer(answerSDP(off.Addr, off.Port, neg, 1)); err != nil {
			t.Fatalf("answer does not parse: %v", err)
		}
	})
}
