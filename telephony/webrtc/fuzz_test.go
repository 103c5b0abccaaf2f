package webrtc

import (
	"encoding/binary"
	"errors"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/callbee/callbee/media"
)

// FuzzPickCodec: the page's offer SDP never panics the codec choice, and
// a choice is always one the door can run.
func FuzzPickCodec(f *testing.F) {
	f.Add("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\n")
	f.Add("v=0\r\nm=audio 9 RTP/AVP 0\r\n")
	f.Add("m=audio")
	f.Fuzz(func(t *testing.T, sdp string) {
		name, rate, err := pickCodec(sdp)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) && !errors.Is(err, ErrNoCodec) {
				t.Fatalf("error %v is neither ErrBadMessage nor ErrNoCodec", err)
			}
			return
		}
		if !(name == CodecOpus && rate == 48000) && !(name == CodecPCMU && rate == 8000) {
			t.Fatalf("picked %s at %d", name, rate)
		}
	})
}

// FuzzReceiver: any run of RTP sequence numbers and payloads gives only
// whole 20 ms frames, never more than the packets could carry plus the
// gaps it may fill.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 1, 3, 0xf8, 0xff, 0xfe, 0, 2, 1, 0x03})
	f.Add([]byte{0xff, 0xff, 1, 0x08, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{CodecOpus, CodecPCMU} {
			frames := 0
			r, err := newReceiver(name, media.Rate48k, func(s []int16) {
				if len(s) != 960 {
					t.Fatalf("%s: frame of %d samples", name, len(s))
				}
				frames++
			})
			if err != nil {
				t.Fatal(err)
			}
			// Records: seq (2 bytes), payload length (1 byte), payload.
			bytes := 0
			for rest := data; len(rest) >= 3; {
				seq := binary.BigEndian.Uint16(rest)
				n := min(int(rest[2]), len(rest)-3)
				_ = r.packet(seq, rest[3:3+n])
				bytes += n
				rest = rest[3+n:]
			}
			// An Opus packet holds at most 120 ms (6 frames); n PCMU bytes are
			// 6n samples at 48 kHz; each filled gap adds one frame.
			limit := 6*int(r.packets) + int(r.concealed)
			if name == CodecPCMU {
				limit = (6*bytes)/960 + int(r.concealed) + 1
			}
			if frames > limit {
				t.Fatalf("%s: %d frames from %d packets (%d bytes, %d concealed), limit %d", name, frames, r.packets, bytes, r.concealed, limit)
			}
		}
	})
}

// TestConfigYAML: the door's section of callbee's YAML config decodes
// into Config with its durations and servers.
func TestConfigYAML(t *testing.T) {
	const doc = `
ice_servers:
  - urls: ["stun:stun.example.org:3478"]
  - urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    username: callbee
    credential: secret
udp_port_min: 40000
udp_port_max: 40199
nat_1to1_ips: ["203.0.113.7"]
max_calls: 50
max_calls_per_ip: 2
max_call_duration: 20m
resume_window: 45s
`
	var c Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.fill(); err != nil {
		t.Fatal(err)
	}
	if len(c.ICEServers) != 2 || c.ICEServers[1].Username != "callbee" || c.UDPPortMax != 40199 ||
		c.MaxCallDuration.Minutes() != 20 || c.ResumeWindow.Seconds() != 45 || c.MaxCallsPerIP != 2 ||
		c.ConnectTimeout != DefaultConnectTimeout {
		t.Errorf("decoded %+v", c)
	}
	if _, err := New(&fakeAnswerer{}, c); err != nil {
		t.Errorf("door from the YAML config: %v", err)
	}
}
