// Package telephony holds the doors callers come through (SIP in
// telephony/sip, WebRTC in telephony/webrtc, the WebSocket stream protocols
// in telephony/stream and telephony/twilio) and the small contract they
// share with the voice loop: a door turns its transport into a Call plus a
// media.Reader of caller frames, a queue of keypad events and a
// media.Writer for the bot's frames, and hands them to an Answerer, which
// runs the call to its end. telephony/switchboard is the Answerer that
// `callbee serve` uses: the shop's brain, the offline (or cloud) speech
// engines and a voice.Session per call.
package telephony

import (
	"context"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
)

// Doors, as recorded with a call's session (Call.Door).
const (
	DoorSIP    = "sip"
	DoorWebRTC = "webrtc"
	DoorStream = "ws"
	DoorTwilio = "twilio"
	DoorFile   = "file"
)

// Call describes one caller connection at a door.
type Call struct {
	Door   string // one of the Door constants
	ID     string // the door's id of the call (SIP Call-ID, stream sid), for logs and records
	Shop   string // shop id; "" means the default shop
	Lang   string // "zh" or "en"; "" means the shop's first language
	Caller string // caller id (phone number, device id)
	Callee string // the number or address called, when known
	// Rate is the sample rate of the frames the door reads and writes
	// (8000 for G.711, 48000 for Opus...). The Answerer converts to and
	// from the rate its recogniser needs.
	Rate int
	// Opening, when set, is spoken instead of the shop's welcome
	// (outbound calls: "This is … calling about your order …").
	Opening string
	// OnEvent, when set, is told what happens in the call (captions,
	// protocol events). It must not block.
	OnEvent func(voice.Event)
	// OnStart, when set, is called once the call is running with the
	// controls a door may use while it lasts (buttons of the call page as
	// text turns, a person's words). It must not block.
	OnStart func(Controls)
}

// Controls act on a running call (*voice.Session).
type Controls interface {
	// Submit queues a caller turn that came as text or keys.
	Submit(in dialog.Input) error
	// Say speaks a person's words into the call.
	Say(ctx context.Context, text string) error
}

var _ Controls = (*voice.Session)(nil)

// Result is what an Answerer reports when a call is over.
type Result struct {
	Session string       // the brain session id
	Turns   []voice.Turn // every caller turn, with its trace
	// Handoff is the reply that handed the call to a person, if one did.
	Handoff *dialog.Reply
}

// Answerer runs one call through the voice loop until the caller hangs up
// (in returns io.EOF), the bot ends the call, or ctx is done. dtmf may be
// nil. Implementations are safe for concurrent calls.
type Answerer interface {
	Answer(ctx context.Context, c Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (Result, error)
}

// Brains finds a shop's brain for text-only sessions at a door (livestream
// comments typed into a WebSocket). shop "" is the default shop.
type Brains interface {
	Brain(shop string) (voice.Brain, bool)
}
