package stream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/media"
)

// Types of the messages a client sends (JSON text messages). Audio is sent
// as binary messages of PCM16 little-endian samples.
const (
	TypeStart = "start" // opens the session: mode, shop, lang, caller, audio format
	TypeText  = "text"  // a typed question or livestream comment (text sessions)
	TypeDTMF  = "dtmf"  // keypad digits
	TypeStop  = "stop"  // the caller is done; the server ends the session
	TypePing  = "ping"  // application keepalive; answered with "pong"
)

// Types of the events the server sends (JSON text messages). Bot audio is
// sent as binary messages of PCM16 little-endian samples at the session's rate.
const (
	TypeReady       = "ready"        // start accepted
	TypeWelcome     = "welcome"      // the welcome (text, cards), about to be spoken
	TypeSpeechStart = "speech_start" // the caller started a turn (possibly over the bot)
	TypeTranscript  = "transcript"   // the caller's turn as recognised or keyed
	TypeReply       = "reply"        // the brain's answer
	TypeInterrupted = "interrupted"  // the caller talked over the answer: drop buffered bot audio
	TypeHandoff     = "handoff"      // the brain handed the caller to a person
	TypeTurn        = "turn"         // a caller turn is over: its latency and stage timings
	TypeEnd         = "end"          // the session is over; the server closes after it
	TypeError       = "error"        // a message was refused (code, message)
	TypePong        = "pong"         // answer to ping
)

// Session modes.
const (
	ModeAudio = "audio" // a speaker: caller audio in, bot audio and events out
	ModeText  = "text"  // typed questions or livestream comments: text in, events out
)

// EncodingPCM16 is the one audio encoding: signed 16-bit little-endian mono.
const EncodingPCM16 = "pcm16le"

// Field bounds of client messages.
const (
	MaxIDLen     = 128 // shop, caller, user
	MaxDTMFKeys  = 32
	maxTextRunes = dialog.MaxTextLen
)

// AudioFormat is the audio of an audio session, both ways.
type AudioFormat struct {
	Encoding string `json:"encoding"` // EncodingPCM16
	Rate     int    `json:"rate"`     // 8000, 16000 or 48000
	Channels int    `json:"channels"` // 1 (0 is taken as 1)
}

// Message is one client message. Fields a type does not use are ignored.
type Message struct {
	Type string `json:"type"`
	// start
	Mode   string       `json:"mode,omitempty"`
	Shop   string       `json:"shop,omitempty"`
	Lang   string       `json:"lang,omitempty"`
	Caller string       `json:"caller,omitempty"`
	Audio  *AudioFormat `json:"audio,omitempty"`
	// text
	Text string `json:"text,omitempty"`
	User string `json:"user,omitempty"` // livestream viewer; one brain session each
	// dtmf
	Digits string `json:"digits,omitempty"`
}

// ProtocolError is a refused client message; it becomes an error event.
type ProtocolError struct {
	Code string // one of the Code constants
	Msg  string
}

func (e *ProtocolError) Error() string { return fmt.Sprintf("stream: %s: %s", e.Code, e.Msg) }

// Unwrap makes every ProtocolError an ErrBadMessage.
func (e *ProtocolError) Unwrap() error { return ErrBadMessage }

func protoErr(code, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// ParseMessage decodes and checks one client text message. A *ProtocolError
// says what is wrong with it.
func ParseMessage(data []byte) (Message, error) {
	var m Message
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Message{}, protoErr(CodeBadJSON, "a message is a JSON object")
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, protoErr(CodeBadJSON, "invalid JSON: %v", err)
	}
	if err := m.check(); err != nil {
		return Message{}, err
	}
	return m, nil
}

func (m *Message) check() error {
	switch m.Type {
	case TypeStart:
		return m.checkStart()
	case TypeText:
		if m.Text == "" {
			return protoErr(CodeBadField, "text: empty")
		}
		if n := utf8.RuneCountInString(m.Text); n > maxTextRunes {
			return protoErr(CodeBadField, "text: %d characters, at most %d", n, maxTextRunes)
		}
		return checkID("user", m.User)
	case TypeDTMF:
		if m.Digits == "" || len(m.Digits) > MaxDTMFKeys {
			return protoErr(CodeBadField, "digits: 1 to %d keys", MaxDTMFKeys)
		}
		for _, d := range m.Digits {
			if _, err := media.CodeFromDigit(d); err != nil {
				return protoErr(CodeBadField, "digits: key %q (want 0-9 * # A-D)", d)
			}
		}
		return nil
	case TypeStop, TypePing:
		return nil
	case "":
		return protoErr(CodeUnknownType, "type: missing")
	}
	return protoErr(CodeUnknownType, "type %q: want start, text, dtmf, stop or ping", clip(m.Type))
}

func (m *Message) checkStart() error {
	switch m.Mode {
	case "":
		m.Mode = ModeAudio
	case ModeAudio, ModeText:
	default:
		return protoErr(CodeBadField, "mode %q: want audio or text", clip(m.Mode))
	}
	switch m.Lang {
	case "", "zh", "en":
	default:
		return protoErr(CodeBadField, "lang %q: want zh or en", clip(m.Lang))
	}
	for _, f := range [...]struct{ name, v string }{{"shop", m.Shop}, {"caller", m.Caller}} {
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	if m.Mode == ModeText {
		return nil
	}
	a := m.Audio
	if a == nil {
		return protoErr(CodeBadAudio, "audio: required in audio mode ({\"encoding\":%q,\"rate\":16000,\"channels\":1})", EncodingPCM16)
	}
	if a.Encoding != EncodingPCM16 {
		return protoErr(CodeBadAudio, "audio.encoding %q: want %q", clip(a.Encoding), EncodingPCM16)
	}
	if a.Rate != media.Rate8k && a.Rate != media.Rate16k && a.Rate != media.Rate48k {
		return protoErr(CodeBadAudio, "audio.rate %d: want 8000, 16000 or 48000", a.Rate)
	}
	if a.Channels == 0 {
		a.Channels = 1
	}
	if a.Channels != 1 {
		return protoErr(CodeBadAudio, "audio.channels %d: want 1 (mono)", a.Channels)
	}
	return nil
}

// checkID accepts short printable identifiers.
func checkID(name, v string) error {
	if len(v) > MaxIDLen {
		return protoErr(CodeBadField, "%s: longer than %d bytes", name, MaxIDLen)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return protoErr(CodeBadField, "%s: unprintable character %U", name, r)
		}
	}
	return nil
}

// clip shortens a client value quoted back in an error.
func clip(s string) string { return clipN(s, 32) }

// clipN shortens s to at most n bytes on a rune boundary, marking the cut.
func clipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}

// Event is one server event. Fields an event type does not use are left out.
type Event struct {
	Type    string `json:"type"`
	AtMS    int64  `json:"at_ms"`             // milliseconds since the connection opened
	Call    string `json:"call,omitempty"`    // ready: the door's call id
	Mode    string `json:"mode,omitempty"`    // ready
	Rate    int    `json:"rate,omitempty"`    // ready: audio rate both ways
	Session string `json:"session,omitempty"` // the brain session
	User    string `json:"user,omitempty"`    // text sessions: the viewer the event is for
	Text    string `json:"text,omitempty"`    // welcome, transcript, reply: what was said; end: the reason
	Final   *bool  `json:"final,omitempty"`   // transcript
	DTMF    string `json:"dtmf,omitempty"`    // transcript of keyed digits
	// welcome
	Cards []dialog.Card `json:"cards,omitempty"`
	// reply, handoff: the brain's reply as the API returns it
	// (faq, action, confidence, handoff, end_call ...).
	Reply *dialog.Reply `json:"reply,omitempty"`
	// turn: first bot audio minus the end of the caller's speech, and each
	// stage's time after the end of speech (end_of_turn, asr_final,
	// answer_ready, first_audio)
	LatencyMS   *int64           `json:"latency_ms,omitempty"`
	StagesMS    map[string]int64 `json:"stages_ms,omitempty"`
	Interrupted bool             `json:"interrupted,omitempty"`
	// error
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}
