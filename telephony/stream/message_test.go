package stream_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/callbee/callbee/telephony/stream"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name, in string
		want     stream.Message // checked fields: Type, Mode, Shop, Lang, Caller, Audio, Text, User, Digits
		code     string         // error code, "" for success
	}{
		{"start audio", `{"type":"start","shop":"s1","lang":"zh","caller":"dev-9","audio":{"encoding":"pcm16le","rate":16000,"channels":1}}`,
			stream.Message{Type: "start", Mode: "audio", Shop: "s1", Lang: "zh", Caller: "dev-9", Audio: &stream.AudioFormat{Encoding: "pcm16le", Rate: 16000, Channels: 1}}, ""},
		{"start audio channels default", `{"type":"start","audio":{"encoding":"pcm16le","rate":48000}}`,
			stream.Message{Type: "start", Mode: "audio", Audio: &stream.AudioFormat{Encoding: "pcm16le", Rate: 48000, Channels: 1}}, ""},
		{"start text", `{"type":"start","mode":"text","lang":"en"}`, stream.Message{Type: "start", Mode: "text", Lang: "en"}, ""},
		{"unknown fields ignored", `{"type":"ping","extra":[1,2,{}]}`, stream.Message{Type: "ping"}, ""},
		{"whitespace", " \n{\"type\":\"stop\"}\n", stream.Message{Type: "stop"}, ""},
		{"text", `{"type":"text","text":"什么时候发货","user":"观众1"}`, stream.Message{Type: "text", Text: "什么时候发货", User: "观众1"}, ""},
		{"dtmf", `{"type":"dtmf","digits":"12*#AbD"}`, stream.Message{Type: "dtmf", Digits: "12*#AbD"}, ""},

		{"empty", ``, stream.Message{}, stream.CodeBadJSON},
		{"array", `[]`, stream.Message{}, stream.CodeBadJSON},
		{"truncated", `{"type":"st`, stream.Message{}, stream.CodeBadJSON},
		{"type not string", `{"type":5}`, stream.Message{}, stream.CodeBadJSON},
		{"rate not number", `{"type":"start","audio":{"encoding":"pcm16le","rate":"16000"}}`, stream.Message{}, stream.CodeBadJSON},
		{"no type", `{"text":"hi"}`, stream.Message{}, stream.CodeUnknownType},
		{"unknown type", `{"type":"hello"}`, stream.Message{}, stream.CodeUnknownType},
		{"bad mode", `{"type":"start","mode":"fax"}`, stream.Message{}, stream.CodeBadField},
		{"bad lang", `{"type":"start","mode":"text","lang":"de"}`, stream.Message{}, stream.CodeBadField},
		{"long shop", `{"type":"start","mode":"text","shop":"` + strings.Repeat("s", 129) + `"}`, stream.Message{}, stream.CodeBadField},
		{"control char caller", `{"type":"start","mode":"text","caller":"a\u0007b"}`, stream.Message{}, stream.CodeBadField},
		{"no audio", `{"type":"start","mode":"audio"}`, stream.Message{}, stream.CodeBadAudio},
		{"rate 44100", `{"type":"start","audio":{"encoding":"pcm16le","rate":44100}}`, stream.Message{}, stream.CodeBadAudio},
		{"rate 0", `{"type":"start","audio":{"encoding":"pcm16le"}}`, stream.Message{}, stream.CodeBadAudio},
		{"stereo", `{"type":"start","audio":{"encoding":"pcm16le","rate":8000,"channels":2}}`, stream.Message{}, stream.CodeBadAudio},
		{"mulaw", `{"type":"start","audio":{"encoding":"mulaw","rate":8000}}`, stream.Message{}, stream.CodeBadAudio},
		{"empty text", `{"type":"text","text":""}`, stream.Message{}, stream.CodeBadField},
		{"long text", `{"type":"text","text":"` + strings.Repeat("a", 2001) + `"}`, stream.Message{}, stream.CodeBadField},
		{"long user", `{"type":"text","text":"a","user":"` + strings.Repeat("u", 129) + `"}`, stream.Message{}, stream.CodeBadField},
		{"empty digits", `{"type":"dtmf","digits":""}`, stream.Message{}, stream.CodeBadField},
		{"bad digit", `{"type":"dtmf","digits":"1e"}`, stream.Message{}, stream.CodeBadField},
		{"long digits", `{"type":"dtmf","digits":"` + strings.Repeat("1", 33) + `"}`, stream.Message{}, stream.CodeBadField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stream.ParseMessage([]byte(tt.in))
			if tt.code != "" {
				var pe *stream.ProtocolError
				if !errors.As(err, &pe) || pe.Code != tt.code || !errors.Is(err, stream.ErrBadMessage) {
					t.Fatalf("err = %v, want code %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != tt.want.Type || got.Mode != tt.want.Mode || got.Shop != tt.want.Shop || got.Lang != tt.want.Lang ||
				got.Caller != tt.want.Caller || got.Text != tt.want.Text || got.User != tt.want.User || got.Digits != tt.want.Digits {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if (got.Audio == nil) != (tt.want.Audio == nil) || got.Audio != nil && *got.Audio != *tt.want.Audio {
				t.Errorf("audio %+v, want %+v", got.Audio, tt.want.Audio)
			}
		})
	}
}

// FuzzParseMessage: any bytes give a message that passes its own checks
// or a ProtocolError, never a panic.
func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"start","shop":"s1","lang":"zh","audio":{"encoding":"pcm16le","rate":16000,"channels":1}}`,
		`{"type":"start","mode":"text"}`, `{"type":"text","text":"hi","user":"u"}`, `{"type":"dtmf","digits":"1#"}`,
		`{"type":"stop"}`, `{"type":"ping"}`, `{"type":"text","text":"\ud800"}`, `{`, `null`, `{"type":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := stream.ParseMessage(data)
		if err != nil {
			var pe *stream.ProtocolError
			if !errors.As(err, &pe) || pe.Code == "" {
				t.Fatalf("error %v is not a ProtocolError with a code", err)
			}
			return
		}
		switch m.Type {
		case stream.TypeStart:
			if m.Mode == stream.ModeAudio && (m.Audio == nil || m.Audio.Channels != 1) {
				t.Fatalf("audio start without a checked format: %+v", m)
			}
		case stream.TypeText:
			if m.Text == "" {
				t.Fatal("empty text accepted")
			}
		case stream.TypeDTMF:
			if m.Digits == "" || len(m.Digits) > stream.MaxDTMFKeys {
				t.Fatalf("digits %q accepted", m.Digits)
			}
		case stream.TypeStop, stream.TypePing:
		default:
			t.Fatalf("type %q accepted", m.Type)
		}
	})
}
