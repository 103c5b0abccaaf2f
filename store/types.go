package store

import (
	"encoding/json"
	"time"
)

// ShopRecord is a stored shop file.
type ShopRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	YAML      []byte    `json:"yaml,omitempty"` // the validated shop file; empty in Shops listings
	UpdatedAt time.Time `json:"updated_at"`
}

// Session is one conversation with a caller. State is the brain's JSON memory of it.
type Session struct {
	ID        string          `json:"id"`
	ShopID    string          `json:"shop_id"`
	Lang      string          `json:"lang"`
	Channel   string          `json:"channel"` // e.g. "text", "web", "sip"
	Caller    string          `json:"caller,omitempty"`
	Mode      string          `json:"mode"` // service mode the session started in
	StartedAt time.Time       `json:"started_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	EndedAt   *time.Time      `json:"ended_at,omitempty"`
	State     json.RawMessage `json:"state,omitempty"` // not loaded by Sessions listings
}

// Active reports whether the session has not ended.
func (s Session) Active() bool { return s.EndedAt == nil }

// SessionFilter selects sessions; zero fields select everything.
type SessionFilter struct {
	Shop   string `json:"shop,omitempty"`
	Active bool   `json:"active,omitempty"` // only sessions that have not ended
	Limit  int    `json:"limit,omitempty"`  // 0: no limit
}

// Turn is one caller turn and the bot's reply.
type Turn struct {
	ID         int64           `json:"id"`
	SessionID  string          `json:"session_id"`
	Seq        int             `json:"seq"` // 1..n within the session, assigned by CommitTurn
	At         time.Time       `json:"at"`
	Lang       string          `json:"lang"`
	UserText   string          `json:"user_text,omitempty"`
	DTMF       string          `json:"dtmf,omitempty"`
	Reply      json.RawMessage `json:"reply,omitempty"` // the dialog.Reply as JSON
	FAQ        string          `json:"faq,omitempty"`
	Action     string          `json:"action,omitempty"`
	Confidence float64         `json:"confidence"`
	OutOfScope bool            `json:"out_of_scope"`
	Emotion    string          `json:"emotion,omitempty"`
	Handoff    bool            `json:"handoff"`
	LatencyUS  int64           `json:"latency_us"`
	ResponseUS int64           `json:"response_us,omitempty"` // voice turns: end of speech to first bot audio
	Trace      json.RawMessage `json:"trace,omitempty"`       // per-turn timing trace (voice loop), optional
}

// Handoff kinds.
const (
	HandoffLive     = "live"
	HandoffCallback = "callback"
)

// Handoff statuses.
const (
	HandoffQueued   = "queued"
	HandoffAccepted = "accepted"
	HandoffClosed   = "closed"
)

// Handoff is a conversation handed to a person, live or as a callback request.
type Handoff struct {
	ID        int64           `json:"id"`
	SessionID string          `json:"session_id"`
	ShopID    string          `json:"shop_id,omitempty"` // read from the session; ignored on write
	TurnID    int64           `json:"turn_id,omitempty"` // the turn that raised it; set by CommitTurn
	At        time.Time       `json:"at"`
	Reason    string          `json:"reason"`
	Kind      string          `json:"kind"`   // HandoffLive or HandoffCallback
	Status    string          `json:"status"` // HandoffQueued (default), HandoffAccepted, HandoffClosed
	Summary   json.RawMessage `json:"summary,omitempty"`
	Agent     string          `json:"agent,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// HandoffFilter selects handoffs; zero fields select everything.
type HandoffFilter struct {
	Shop   string `json:"shop,omitempty"`
	Status string `json:"status,omitempty"`
	Limit  int    `json:"limit,omitempty"` // 0: no limit
}

// TicketOpen is the status a new ticket gets when none is given.
const TicketOpen = "open"

// Ticket is an after-sales request (return, exchange, complaint, ...) raised in a session.
type Ticket struct {
	ID        int64     `json:"id"`
	SessionID string    `json:"session_id"`
	ShopID    string    `json:"shop_id,omitempty"` // read from the session; ignored on write
	TurnID    int64     `json:"turn_id,omitempty"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	OrderID   string    `json:"order_id,omitempty"`
	Note      string    `json:"note,omitempty"`
	Status    string    `json:"status"` // TicketOpen by default; free text otherwise
	UpdatedAt time.Time `json:"updated_at"`
}

// TicketFilter selects tickets; zero fields select everything.
type TicketFilter struct {
	Session string `json:"session,omitempty"`
	Shop    string `json:"shop,omitempty"`
	Status  string `json:"status,omitempty"`
	Limit   int    `json:"limit,omitempty"` // 0: no limit
}

// Unresolved question statuses.
const (
	UnresolvedOpen       = "open"
	UnresolvedAssigned   = "assigned"
	UnresolvedNewFAQ     = "new_faq"
	UnresolvedOutOfScope = "out_of_scope"
)

// Unresolved is a caller question the bot could not answer, kept for scene training.
type Unresolved struct {
	ID         int64     `json:"id"`
	SessionID  string    `json:"session_id"`
	ShopID     string    `json:"shop_id"` // defaults to the session's shop
	TurnID     int64     `json:"turn_id,omitempty"`
	At         time.Time `json:"at"`
	Lang       string    `json:"lang"`
	Text       string    `json:"text"`
	TopFAQ     string    `json:"top_faq,omitempty"`
	Confidence float64   `json:"confidence"`
	Status     string    `json:"status"`               // UnresolvedOpen (default), ...Assigned, ...NewFAQ, ...OutOfScope
	Resolution string    `json:"resolution,omitempty"` // FAQ id or a note
	UpdatedAt  time.Time `json:"updated_at"`
}

// UnresolvedFilter selects unresolved questions; zero fields select everything.
type UnresolvedFilter struct {
	Shop   string `json:"shop,omitempty"`
	Status string `json:"status,omitempty"`
	Limit  int    `json:"limit,omitempty"` // 0: no limit
}

// TurnWrite is everything one caller turn changes, written atomically by CommitTurn.
type TurnWrite struct {
	SessionID  string          `json:"session_id"`
	State      json.RawMessage `json:"state,omitempty"` // the session's new state; nil keeps the old one
	Turn       Turn            `json:"turn"`            // ID, SessionID and Seq are assigned
	Handoff    *Handoff        `json:"handoff,omitempty"`
	Ticket     *Ticket         `json:"ticket,omitempty"`
	Unresolved *Unresolved     `json:"unresolved,omitempty"`
	EndSession bool            `json:"end_session,omitempty"` // mark the session ended at the turn's time
	// LinkOrder attaches this order number to the session's tickets that have none yet
	// (an after-sales case opened before the caller found the order number).
	LinkOrder string `json:"link_order,omitempty"`
}

// TurnIDs are the ids CommitTurn assigned; zero for rows it did not write.
type TurnIDs struct {
	Turn       int64 `json:"turn"`
	Seq        int   `json:"seq"`
	Handoff    int64 `json:"handoff,omitempty"`
	Ticket     int64 `json:"ticket,omitempty"`
	Unresolved int64 `json:"unresolved,omitempty"`
}
