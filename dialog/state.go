package dialog

import (
	"encoding/json"
	"fmt"
)

// Slots the brain can ask for (Reply.AsksFor).
const (
	SlotOrderNumber  = "order_number"
	SlotHeightWeight = "height_weight"
	SlotProduct      = "product"
)

// state is a session's memory between turns. It is stored as JSON with every
// turn, so a session continues across processes (`callbee ask --session`).
type state struct {
	Version int    `json:"v"`
	Shop    string `json:"shop"`
	Lang    string `json:"lang"`
	Channel string `json:"channel"`
	Caller  string `json:"caller,omitempty"`

	// What is under discussion.
	Product  string  `json:"product,omitempty"`
	Order    string  `json:"order,omitempty"`
	HeightCM float64 `json:"height_cm,omitempty"`
	WeightKG float64 `json:"weight_kg,omitempty"`
	Size     string  `json:"size,omitempty"`
	Color    string  `json:"color,omitempty"`

	// Slot filling: the FAQ whose action waits for Pending.
	Pending    string `json:"pending,omitempty"`
	PendingFAQ string `json:"pending_faq,omitempty"`
	// Confirm is the FAQ a confirmation question ("did you mean …?") waits on.
	Confirm string `json:"confirm,omitempty"`
	// TicketOpen: an after-sales ticket of this session still waits for its order number.
	TicketOpen bool `json:"ticket_open,omitempty"`

	// Last answer, for repeat.
	LastText string `json:"last_text,omitempty"`
	LastFAQ  string `json:"last_faq,omitempty"`

	Misses      int      `json:"misses,omitempty"`       // consecutive turns not understood
	OrderMisses int      `json:"order_misses,omitempty"` // unknown order numbers in a row
	Speech      Speech   `json:"speech"`
	Turns       int      `json:"turns"`
	Intents     []string `json:"intents,omitempty"`     // FAQ/intent per turn, for the handoff summary
	WorstMood   float64  `json:"worst_mood,omitempty"`  // strongest negative intensity seen
	Angry       bool     `json:"angry,omitempty"`       // the last turn was strongly negative
	Handoff     bool     `json:"handoff,omitempty"`     // handed to a person
	AgentHolds  bool     `json:"agent_holds,omitempty"` // a person holds the session: the bot stays silent
	Ended       bool     `json:"ended,omitempty"`
}

const stateVersion = 1

func (s *state) marshal() ([]byte, error) {
	s.Version = stateVersion
	return json.Marshal(s)
}

func unmarshalState(b []byte) (*state, error) {
	s := &state{}
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("dialog: session state: %w", err)
	}
	return s, nil
}

func (s *state) clearPending() {
	s.Pending, s.PendingFAQ = "", ""
}
