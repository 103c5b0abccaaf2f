package twilio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const sid = "MZ18ad3ab5a668481ce02b83e7395059f0"

func TestParse(t *testing.T) {
	start := `{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC123","streamSid":"` + sid + `","callSid":"CA123",` +
		`"tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},` +
		`"customParameters":{"shop":"demo","lang":"zh","caller":"+8613800000000"}},"streamSid":"` + sid + `"}`
	ulaw := []byte{0xff, 0x7f, 0x00, 0x80}
	tests := []struct {
		name, in string
		ok       bool
		check    func(t *testing.T, m Message)
	}{
		{"connected", `{"event":"connected","protocol":"Call","version":"1.0.0"}`, true, func(t *testing.T, m Message) {
			if m.Protocol != "Call" || m.Version != "1.0.0" {
				t.Errorf("%+v", m)
			}
		}},
		{"start", start, true, func(t *testing.T, m Message) {
			s := m.Start
			if m.StreamSid != sid || s.CallSid != "CA123" || s.AccountSid != "AC123" || s.CustomParameters["shop"] != "demo" ||
				s.CustomParameters["caller"] != "+8613800000000" || len(s.Tracks) != 1 {
				t.Errorf("%+v %+v", m, s)
			}
		}},
		{"start sid only inside", strings.Replace(start, `,"streamSid":"`+sid+`"}`, `}`, 1), true, func(t *testing.T, m Message) {
			if m.StreamSid != sid {
				t.Errorf("streamSid %q", m.StreamSid)
			}
		}},
		{"media", `{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"` +
			base64.StdEncoding.EncodeToString(ulaw) + `"},"streamSid":"` + sid + `"}`, true, func(t *testing.T, m Message) {
			if !bytes.Equal(m.Audio, ulaw) || m.Media.Chunk != "1" || m.Media.Timestamp != "5" {
				t.Errorf("%+v audio %v", m.Media, m.Audio)
			}
		}},
		{"dtmf", `{"event":"dtmf","streamSid":"` + sid + `","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"#"}}`, true, func(t *testing.T, m Message) {
			if m.DTMF.Digit != "#" {
				t.Errorf("%+v", m.DTMF)
			}
		}},
		{"mark", `{"event":"mark","sequenceNumber":"4","streamSid":"` + sid + `","mark":{"name":"callbee-1"}}`, true, func(t *testing.T, m Message) {
			if m.Mark.Name != "callbee-1" {
				t.Errorf("%+v", m.Mark)
			}
		}},
		{"stop", `{"event":"stop","sequenceNumber":"5","streamSid":"` + sid + `","stop":{"accountSid":"AC123","callSid":"CA123"}}`, true, func(t *testing.T, m Message) {
			if m.Stop.CallSid != "CA123" {
				t.Errorf("%+v", m.Stop)
			}
		}},

		{"not json", `hello`, false, nil},
		{"no event", `{"streamSid":"x"}`, false, nil},
		{"unknown event", `{"event":"transcript"}`, false, nil},
		{"start without start", `{"event":"start","streamSid":"` + sid + `"}`, false, nil},
		{"start without sid", `{"event":"start","start":{"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`, false, nil},
		{"start sids differ", strings.Replace(start, `"streamSid":"`+sid+`"}`, `"streamSid":"MZother"}`, 1), false, nil},
		{"start pcm", strings.Replace(start, "audio/x-mulaw", "audio/l16", 1), false, nil},
		{"start 16k", strings.Replace(start, `"sampleRate":8000`, `"sampleRate":16000`, 1), false, nil},
		{"start stereo", strings.Replace(start, `"channels":1`, `"channels":2`, 1), false, nil},
		{"start param not string", strings.Replace(start, `"shop":"demo"`, `"shop":5`, 1), false, nil},
		{"sid with quote", `{"event":"stop","streamSid":"MZ\"x"}`, false, nil},
		{"media no payload object", `{"event":"media","streamSid":"` + sid + `"}`, false, nil},
		{"media bad base64", `{"event":"media","streamSid":"` + sid + `","media":{"payload":"***"}}`, false, nil},
		{"media huge", `{"event":"media","streamSid":"` + sid + `","media":{"payload":"` + base64.StdEncoding.EncodeToString(make([]byte, MaxPayloadLen+3)) + `"}}`, false, nil},
		{"media bad timestamp", `{"event":"media","streamSid":"` + sid + `","media":{"timestamp":"-1","payload":""}}`, false, nil},
		{"dtmf two digits", `{"event":"dtmf","streamSid":"` + sid + `","dtmf":{"digit":"12"}}`, false, nil},
		{"dtmf letter", `{"event":"dtmf","streamSid":"` + sid + `","dtmf":{"digit":"x"}}`, false, nil},
		{"mark no name", `{"event":"mark","streamSid":"` + sid + `","mark":{"name":""}}`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			if !tt.ok {
				if !errors.Is(err, ErrBadMessage) {
					t.Fatalf("err = %v, want ErrBadMessage", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

// TestOutbound: the server's messages are valid JSON in the protocol's shape.
func TestOutbound(t *testing.T) {
	ulaw := []byte{1, 2, 3, 250}
	var m Message
	if err := json.Unmarshal(appendMedia(nil, sid, ulaw), &m); err != nil {
		t.Fatal(err)
	}
	if a, _ := base64.StdEncoding.DecodeString(m.Media.Payload); m.Event != "media" || m.StreamSid != sid || !bytes.Equal(a, ulaw) {
		t.Errorf("media %+v", m)
	}
	if err := json.Unmarshal(markMessage(sid, `a "quoted" mark`), &m); err != nil || m.Event != "mark" || m.Mark.Name != `a "quoted" mark` {
		t.Errorf("mark %+v %v", m, err)
	}
	m = Message{}
	if err := json.Unmarshal(clearMessage(sid), &m); err != nil || m.Event != "clear" || m.StreamSid != sid {
		t.Errorf("clear %+v %v", m, err)
	}
}

// FuzzParse: any bytes give a checked message or ErrBadMessage, never a
// panic; an accepted streamSid can be written into JSON unescaped.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"event":"connected","protocol":"Call","version":"1.0.0"}`,
		`{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"shop":"x"}}}`,
		`{"event":"media","streamSid":"MZ1","media":{"track":"inbound","chunk":"1","timestamp":"20","payload":"/w=="}}`,
		`{"event":"dtmf","streamSid":"MZ1","dtmf":{"digit":"5"}}`, `{"event":"mark","streamSid":"MZ1","mark":{"name":"m"}}`,
		`{"event":"stop","streamSid":"MZ1"}`, `{}`, `{"event":"media","media":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v is not ErrBadMessage", err)
			}
			return
		}
		var back Message
		if err := json.Unmarshal(clearMessage(m.StreamSid), &back); err != nil || back.StreamSid != m.StreamSid {
			t.Fatalf("streamSid %q does not round-trip: %v", m.StreamSid, err)
		}
		switch m.Event {
		case EventStart:
			if m.Start == nil || m.Start.StreamSid != m.StreamSid || m.Start.MediaFormat.SampleRate != SampleRate {
				t.Fatalf("start accepted unchecked: %+v", m)
			}
		case EventMedia:
			if m.Media == nil || len(m.Audio) > MaxPayloadLen {
				t.Fatalf("media accepted unchecked: %+v", m)
			}
		case EventDTMF:
			if m.DTMF == nil || len(m.DTMF.Digit) != 1 {
				t.Fatalf("dtmf accepted unchecked: %+v", m)
			}
		case EventMark:
			if m.Mark == nil || m.Mark.Name == "" {
				t.Fatalf("mark accepted unchecked: %+v", m)
			}
		case EventConnected, EventStop:
		default:
			t.Fatalf("event %q accepted", m.Event)
		}
	})
}
