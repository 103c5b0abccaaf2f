package webrtc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Signalling over the WebSocket at /ws/call: one JSON object per text
// message, {"type": ...}. The page sends the Msg* types below; the door
// sends the Ev* types.
//
//	page                               door
//	(socket opens)                     hello {ice_servers}
//	start {shop, lang, caller}
//	offer {sdp}                        answer {sdp}, candidate {candidate}*
//	candidate {candidate}*             (media connects; the bot speaks)
//	                                   ready {call, token, codec}
//	                                   welcome, speech_start, transcript,
//	                                   reply, interrupted, handoff, error
//	control {action[, key]}
//	hangup                             end {reason}
//
// Candidates trickle both ways; a page that cannot trickle sends a complete
// offer, and the door's answer already holds every candidate it gathered
// within Config.GatherTimeout. After a network blip the page opens a new
// socket and sends resume {call, token}; the door re-attaches the call
// (queued events follow) and the page may then send a new offer with an
// ICE restart on the same peer connection.
const (
	MsgStart     = "start"
	MsgOffer     = "offer"
	MsgCandidate = "candidate"
	MsgControl   = "control"
	MsgResume    = "resume"
	MsgHangup    = "hangup"
	MsgPing      = "ping"
)

// Events the door sends.
const (
	EvHello       = "hello"
	EvAnswer      = "answer"
	EvCandidate   = "candidate"
	EvReady       = "ready"
	EvResumed     = "resumed"
	EvWelcome     = "welcome"
	EvSpeechStart = "speech_start"
	EvTranscript  = "transcript"
	EvReply       = "reply"
	EvInterrupted = "interrupted"
	EvHandoff     = "handoff"
	EvEnd         = "end"
	EvError       = "error"
	EvPong        = "pong"
)

// Control actions the page sends, with what the brain gets.
const (
	ActionSlower = "slower" // text turn "speak more slowly" (see Door docs)
	ActionLouder = "louder" // text turn "speak louder"
	ActionRepeat = "repeat" // keypad '*'
	ActionHuman  = "human"  // keypad '0'
	ActionCard   = "card"   // keypad Key (the card's digit, 1-9)
)

// Limits on what the page sends.
const (
	MaxMessageBytes   = 64 << 10
	maxSDPBytes       = 48 << 10
	maxCandidateBytes = 1024
	maxShopLen        = 64
	maxCallerLen      = 128
	maxIDLen          = 64
)

// Candidate is an ICE candidate as the browser's RTCIceCandidateInit
// (RFC 8839 section 5.1 candidate-attribute in Candidate). An empty
// Candidate marks the end of candidates.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Message is what the page sends. Fields beyond Type depend on it.
type Message struct {
	Type      string     `json:"type"`
	Shop      string     `json:"shop,omitempty"`      // start
	Lang      string     `json:"lang,omitempty"`      // start: "zh", "en" or "" (the shop's first)
	Caller    string     `json:"caller,omitempty"`    // start: a device or user id, for records
	SDP       string     `json:"sdp,omitempty"`       // offer
	Candidate *Candidate `json:"candidate,omitempty"` // candidate
	Action    string     `json:"action,omitempty"`    // control
	Key       string     `json:"key,omitempty"`       // control card
	Call      string     `json:"call,omitempty"`      // resume
	Token     string     `json:"token,omitempty"`     // resume
}

// DecodeMessage parses and checks one message from the page. Every error
// wraps ErrBadMessage.
func DecodeMessage(data []byte) (Message, error) {
	var m Message
	if len(data) > MaxMessageBytes {
		return m, fmt.Errorf("webrtc: message of %d bytes: %w", len(data), ErrBadMessage)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("webrtc: message: %w: %w", ErrBadMessage, err)
	}
	if dec.More() {
		return Message{}, fmt.Errorf("webrtc: trailing data after the message: %w", ErrBadMessage)
	}
	if err := m.check(); err != nil {
		return Message{}, err
	}
	return m, nil
}

func (m *Message) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("webrtc: %s message: %s: %w", m.Type, fmt.Sprintf(format, args...), ErrBadMessage)
	}
	for _, s := range []string{m.Shop, m.Lang, m.Caller, m.SDP, m.Action, m.Key, m.Call, m.Token} {
		if !utf8.ValidString(s) {
			return bad("invalid UTF-8")
		}
	}
	switch m.Type {
	case MsgStart:
		if len(m.Shop) > maxShopLen || len(m.Caller) > maxCallerLen {
			return bad("shop or caller too long")
		}
		if m.Lang != "" && m.Lang != "zh" && m.Lang != "en" {
			return bad("lang %q", m.Lang)
		}
	case MsgOffer:
		if m.SDP == "" || len(m.SDP) > maxSDPBytes {
			return bad("sdp of %d bytes", len(m.SDP))
		}
	case MsgCandidate:
		if m.Candidate == nil {
			return bad("no candidate")
		}
		if len(m.Candidate.Candidate) > maxCandidateBytes {
			return bad("candidate of %d bytes", len(m.Candidate.Candidate))
		}
		for _, p := range []*string{m.Candidate.SDPMid, m.Candidate.UsernameFragment} {
			if p != nil && (len(*p) > maxIDLen || !utf8.ValidString(*p)) {
				return bad("candidate field too long")
			}
		}
	case MsgControl:
		switch m.Action {
		case ActionSlower, ActionLouder, ActionRepeat, ActionHuman:
		case ActionCard:
			if len(m.Key) != 1 || m.Key[0] < '1' || m.Key[0] > '9' {
				return bad("card key %q", m.Key)
			}
		default:
			return bad("action %q", m.Action)
		}
	case MsgResume:
		if m.Call == "" || m.Token == "" || len(m.Call) > maxIDLen || len(m.Token) > maxIDLen {
			return bad("call and token required")
		}
	case MsgHangup, MsgPing:
	default:
		return fmt.Errorf("webrtc: message type %q: %w", m.Type, ErrBadMessage)
	}
	return nil
}

// Event is what the door sends. Fields beyond Type depend on it.
type Event struct {
	Type       string      `json:"type"`
	ICEServers []ICEServer `json:"ice_servers,omitempty"` // hello
	SDP        string      `json:"sdp,omitempty"`         // answer
	Candidate  *Candidate  `json:"candidate,omitempty"`   // candidate
	Call       string      `json:"call,omitempty"`        // ready, resumed
	Token      string      `json:"token,omitempty"`       // ready
	Codec      string      `json:"codec,omitempty"`       // ready: "opus" or "PCMU"
	Session    string      `json:"session,omitempty"`     // brain session
	Text       string      `json:"text,omitempty"`        // welcome, transcript, reply, handoff
	DTMF       string      `json:"dtmf,omitempty"`        // transcript of keyed input
	FAQ        string      `json:"faq,omitempty"`         // reply
	Action     string      `json:"action,omitempty"`      // reply
	Related    []string    `json:"related,omitempty"`     // reply: related questions in the call's language
	Handoff    bool        `json:"handoff,omitempty"`     // reply
	EndCall    bool        `json:"end_call,omitempty"`    // reply
	Spoken     *bool       `json:"spoken,omitempty"`      // reply: false for control replies shown but not spoken
	Reason     string      `json:"reason,omitempty"`      // end
	Code       string      `json:"code,omitempty"`        // error
	Message    string      `json:"message,omitempty"`     // error
}
