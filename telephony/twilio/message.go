package twilio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// Events of the Media Streams protocol (Twilio, "Media Streams - WebSocket
// Messages"). The provider sends connected, start, media, dtmf, mark and
// stop; the server sends media, mark and clear.
const (
	EventConnected = "connected"
	EventStart     = "start"
	EventMedia     = "media"
	EventDTMF      = "dtmf"
	EventMark      = "mark"
	EventStop      = "stop"
	EventClear     = "clear"
)

// The one media format of the protocol: G.711 μ-law, 8 kHz, mono.
const (
	Encoding   = "audio/x-mulaw"
	SampleRate = 8000
	Channels   = 1
)

// Bounds of provider messages.
const (
	MaxSidLen     = 64
	MaxParams     = 32
	MaxParamLen   = 256
	MaxPayloadLen = 8000 // one second of μ-law per media message
)

// Message is one provider message. Only the part its event names is set.
type Message struct {
	Event          string `json:"event"`
	SequenceNumber string `json:"sequenceNumber,omitempty"`
	StreamSid      string `json:"streamSid,omitempty"`
	Protocol       string `json:"protocol,omitempty"` // connected
	Version        string `json:"version,omitempty"`  // connected
	Start          *Start `json:"start,omitempty"`
	Media          *Media `json:"media,omitempty"`
	DTMF           *DTMF  `json:"dtmf,omitempty"`
	Mark           *Mark  `json:"mark,omitempty"`
	Stop           *Stop  `json:"stop,omitempty"`
	Audio          []byte `json:"-"` // media: the decoded μ-law payload
}

// Start is the stream's metadata.
type Start struct {
	StreamSid        string            `json:"streamSid"`
	AccountSid       string            `json:"accountSid"`
	CallSid          string            `json:"callSid"`
	Tracks           []string          `json:"tracks"`
	CustomParameters map[string]string `json:"customParameters"`
	MediaFormat      MediaFormat       `json:"mediaFormat"`
}

// MediaFormat is the audio format of media payloads.
type MediaFormat struct {
	Encoding   string `json:"encoding"`
	SampleRate int    `json:"sampleRate"`
	Channels   int    `json:"channels"`
}

// Media is one chunk of audio. Chunk and Timestamp (ms since the stream
// started) are decimal strings.
type Media struct {
	Track     string `json:"track,omitempty"`
	Chunk     string `json:"chunk,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
	Payload   string `json:"payload"`
}

// DTMF is one key.
type DTMF struct {
	Track string `json:"track,omitempty"`
	Digit string `json:"digit"`
}

// Mark names a point in the played audio.
type Mark struct {
	Name string `json:"name"`
}

// Stop ends the stream.
type Stop struct {
	AccountSid string `json:"accountSid"`
	CallSid    string `json:"callSid"`
}

func bad(format string, args ...any) error {
	return fmt.Errorf("twilio: "+format+": %w", append(args, ErrBadMessage)...)
}

// Parse decodes and checks one provider message; media payloads are
// base64-decoded into Audio.
func Parse(data []byte) (Message, error) {
	var m Message
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Message{}, bad("a message is a JSON object")
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, bad("invalid JSON: %v", err)
	}
	if err := checkSid("streamSid", m.StreamSid, false); err != nil {
		return Message{}, err
	}
	switch m.Event {
	case EventConnected:
		return m, nil
	case EventStart:
		return m, m.checkStart()
	case EventMedia:
		if m.Media == nil {
			return Message{}, bad("media: missing media")
		}
		if len(m.Media.Payload) > base64.StdEncoding.EncodedLen(MaxPayloadLen) {
			return Message{}, bad("media: payload over %d bytes", MaxPayloadLen)
		}
		a, err := base64.StdEncoding.DecodeString(m.Media.Payload)
		if err != nil {
			return Message{}, bad("media: payload is not base64: %v", err)
		}
		if m.Media.Timestamp != "" {
			if _, err := strconv.ParseUint(m.Media.Timestamp, 10, 63); err != nil {
				return Message{}, bad("media: timestamp %q", clip(m.Media.Timestamp))
			}
		}
		m.Audio = a
		return m, nil
	case EventDTMF:
		if m.DTMF == nil || len(m.DTMF.Digit) != 1 || !isKey(m.DTMF.Digit[0]) {
			return Message{}, bad("dtmf: want one digit 0-9 * # A-D")
		}
		return m, nil
	case EventMark:
		if m.Mark == nil || m.Mark.Name == "" || len(m.Mark.Name) > MaxParamLen {
			return Message{}, bad("mark: want a name of 1 to %d bytes", MaxParamLen)
		}
		return m, nil
	case EventStop:
		return m, nil
	case "":
		return Message{}, bad("event: missing")
	}
	return Message{}, bad("event %q: unknown", clip(m.Event))
}

func (m *Message) checkStart() error {
	s := m.Start
	if s == nil {
		return bad("start: missing start")
	}
	if m.StreamSid == "" {
		m.StreamSid = s.StreamSid
	}
	if s.StreamSid == "" {
		s.StreamSid = m.StreamSid
	}
	if err := checkSid("start.streamSid", s.StreamSid, true); err != nil {
		return err
	}
	if s.StreamSid != m.StreamSid {
		return bad("start: streamSid %q and start.streamSid %q differ", clip(m.StreamSid), clip(s.StreamSid))
	}
	for _, f := range [...]struct{ name, v string }{{"accountSid", s.AccountSid}, {"callSid", s.CallSid}} {
		if err := checkSid("start."+f.name, f.v, false); err != nil {
			return err
		}
	}
	f := s.MediaFormat
	if f.Encoding != Encoding || f.SampleRate != SampleRate || f.Channels != Channels {
		return bad("start: media format %s/%d/%d, want %s/%d/%d", clip(f.Encoding), f.SampleRate, f.Channels,
			Encoding, SampleRate, Channels)
	}
	if len(s.CustomParameters) > MaxParams {
		return bad("start: %d custom parameters, at most %d", len(s.CustomParameters), MaxParams)
	}
	for k, v := range s.CustomParameters {
		if len(k) > MaxParamLen || len(v) > MaxParamLen {
			return bad("start: custom parameter %q longer than %d bytes", clip(k), MaxParamLen)
		}
	}
	return nil
}

// checkSid accepts ids of letters, digits, '-' and '_' (Twilio's are "MZ"
// or "CA" and 32 hex digits), so they can be written into JSON unescaped.
func checkSid(name, v string, required bool) error {
	if v == "" {
		if required {
			return bad("%s: missing", name)
		}
		return nil
	}
	if len(v) > MaxSidLen {
		return bad("%s: longer than %d", name, MaxSidLen)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return bad("%s: character %q", name, c)
		}
	}
	return nil
}

func isKey(c byte) bool {
	return c >= '0' && c <= '9' || c == '*' || c == '#' || c >= 'A' && c <= 'D' || c >= 'a' && c <= 'd'
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// appendMedia appends an outbound media message carrying ulaw.
// streamSid has passed checkSid, so it needs no escaping.
func appendMedia(dst []byte, streamSid string, ulaw []byte) []byte {
	dst = append(dst, `{"event":"media","streamSid":"`...)
	dst = append(dst, streamSid...)
	dst = append(dst, `","media":{"payload":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, ulaw)
	return append(dst, `"}}`...)
}

// markMessage is an outbound mark.
func markMessage(streamSid, name string) []byte {
	b, _ := json.Marshal(Message{Event: EventMark, StreamSid: streamSid, Mark: &Mark{Name: name}})
	return b
}

// clearMessage is an outbound clear: the provider drops buffered audio.
func clearMessage(streamSid string) []byte {
	return []byte(`{"event":"clear","streamSid":"` + streamSid + `"}`)
}
