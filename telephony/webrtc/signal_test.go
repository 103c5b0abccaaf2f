package webrtc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
		err  bool
	}{
		{"start", `{"type":"start","shop":"demo","lang":"en"}`, Message{Type: MsgStart, Shop: "demo", Lang: "en"}, false},
		{"start default lang", `{"type":"start"}`, Message{Type: MsgStart}, false},
		{"offer", `{"type":"offer","sdp":"v=0"}`, Message{Type: MsgOffer, SDP: "v=0"}, false},
		{"control card", `{"type":"control","action":"card","key":"3"}`, Message{Type: MsgControl, Action: ActionCard, Key: "3"}, false},
		{"control repeat", `{"type":"control","action":"repeat"}`, Message{Type: MsgControl, Action: ActionRepeat}, false},
		{"resume", `{"type":"resume","call":"ab","token":"cd"}`, Message{Type: MsgResume, Call: "ab", Token: "cd"}, false},
		{"hangup", `{"type":"hangup"}`, Message{Type: MsgHangup}, false},
		{"unknown fields are ignored", `{"type":"ping","x":1}`, Message{Type: MsgPing}, false},
		{"not json", `hello`, Message{}, true},
		{"empty", ``, Message{}, true},
		{"array", `[1,2]`, Message{}, true},
		{"trailing", `{"type":"ping"}{"type":"ping"}`, Message{}, true},
		{"unknown type", `{"type":"dial"}`, Message{}, true},
		{"no type", `{}`, Message{}, true},
		{"bad lang", `{"type":"start","lang":"fr"}`, Message{}, true},
		{"long shop", `{"type":"start","shop":"` + strings.Repeat("x", 65) + `"}`, Message{}, true},
		{"offer without sdp", `{"type":"offer"}`, Message{}, true},
		{"candidate missing", `{"type":"candidate"}`, Message{}, true},
		{"candidate too long", `{"type":"candidate","candidate":{"candidate":"` + strings.Repeat("a", 1025) + `"}}`, Message{}, true},
		{"card key 0", `{"type":"control","action":"card","key":"0"}`, Message{}, true},
		{"card key long", `{"type":"control","action":"card","key":"12"}`, Message{}, true},
		{"bad action", `{"type":"control","action":"dance"}`, Message{}, true},
		{"resume without token", `{"type":"resume","call":"ab"}`, Message{}, true},
		{"type is a number", `{"type":5}`, Message{}, true},
		// encoding/json turns invalid UTF-8 into U+FFFD.
		{"invalid utf8 replaced", "{\"type\":\"start\",\"shop\":\"\xff\"}", Message{Type: MsgStart, Shop: "\ufffd"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeMessage([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrBadMessage) {
					t.Fatalf("err = %v, want ErrBadMessage", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != tt.want.Type || got.Shop != tt.want.Shop || got.Lang != tt.want.Lang || got.SDP != tt.want.SDP ||
				got.Action != tt.want.Action || got.Key != tt.want.Key || got.Call != tt.want.Call || got.Token != tt.want.Token {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeMessageTooLarge(t *testing.T) {
	big := `{"type":"offer","sdp":"` + strings.Repeat("a", MaxMessageBytes) + `"}`
	if _, err := DecodeMessage([]byte(big)); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("err = %v, want ErrBadMessage", err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"start","shop":"demo","lang":"zh"}`,
		`{"type":"offer","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"}`,
		`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"control","action":"card","key":"2"}`,
		`{"type":"resume","call":"a","token":"b"}`,
		`{"type":"hangup"}`, `{`, `null`, `{"type":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMessage(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v does not wrap ErrBadMessage", err)
			}
			return
		}
		// A message that decodes passes its own checks again and names a
		// known type with bounded fields.
		if err := m.check(); err != nil {
			t.Fatalf("decoded message fails its check: %v", err)
		}
		if len(m.SDP) > maxSDPBytes || len(m.Shop) > maxShopLen {
			t.Fatalf("oversized field passed: %d/%d", len(m.SDP), len(m.Shop))
		}
		if m.Type == MsgControl && m.Action == ActionCard && (m.Key < "1" || m.Key > "9") {
			t.Fatalf("card key %q passed", m.Key)
		}
	})
}

func TestPickCodec(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	tests := []struct {
		name  string
		sdp   string
		codec string
		rate  int
		err   error
	}{
		{"opus and pcmu", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n", CodecOpus, 48000, nil},
		{"pcmu first still opus", head + "m=audio 9 UDP/TLS/RTP/SAVPF 0 111\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:111 opus/48000/2\r\n", CodecOpus, 48000, nil},
		{"pcmu only", head + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n", CodecPCMU, 8000, nil},
		{"static pcmu without rtpmap", head + "m=audio 9 RTP/AVP 0\r\n", CodecPCMU, 8000, nil},
		{"pcma only", head + "m=audio 9 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n", "", 0, ErrNoCodec},
		{"video only", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n", "", 0, ErrNoCodec},
		{"garbage", "hello", "", 0, ErrBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, err := pickCodec(tt.sdp)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || c != tt.codec || r != tt.rate {
				t.Fatalf("got %s %d %v, want %s %d", c, r, err, tt.codec, tt.rate)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero takes defaults", Config{}, true},
		{"stun", Config{ICEServers: []ICEServer{{URLs: []string{"stun:stun.example.org:3478"}}}}, true},
		{"turn with credentials", Config{ICEServers: []ICEServer{{URLs: []string{"turn:turn.example.org:3478?transport=udp"}, Username: "u", Credential: "p"}}}, true},
		{"turn without credentials", Config{ICEServers: []ICEServer{{URLs: []string{"turn:turn.example.org"}}}}, false},
		{"bad url", Config{ICEServers: []ICEServer{{URLs: []string{"http://x"}}}}, false},
		{"no urls", Config{ICEServers: []ICEServer{{}}}, false},
		{"port range", Config{UDPPortMin: 40000, UDPPortMax: 40100}, true},
		{"half port range", Config{UDPPortMin: 40000}, false},
		{"reversed ports", Config{UDPPortMin: 40100, UDPPortMax: 40000}, false},
		{"nat ip", Config{NAT1To1IPs: []string{"203.0.113.7"}}, true},
		{"bad nat ip", Config{NAT1To1IPs: []string{"example.org"}}, false},
		{"negative limit", Config{MaxCalls: -1}, false},
		{"loopback", Config{LoopbackOnly: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.fill()
			if err == nil {
				_, err = tt.cfg.settingEngine()
			}
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok && !errors.Is(err, ErrBadConfig) {
				t.Fatalf("err = %v, want ErrBadConfig", err)
			}
		})
	}
	var c Config
	if err := c.fill(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, DefaultConfig()) {
		t.Errorf("zero config filled to %+v, want the defaults", c)
	}
}
