package dialog

// Reply is the brain's answer to one caller turn. Its JSON form is the public
// interface of `callbee ask`, the HTTP API and every door.
type Reply struct {
	Session         string    `json:"session"`
	Turn            int       `json:"turn,omitempty"` // the turn's number in the session (1, 2, ...), once saved
	Text            string    `json:"text"`
	FAQ             *string   `json:"faq"`
	Action          string    `json:"action"`
	Confidence      float64   `json:"confidence"`
	OutOfScope      bool      `json:"out_of_scope"`
	Product         *string   `json:"product"`
	Order           *OrderRef `json:"order"`
	AsksFor         *string   `json:"asks_for"`
	Size            *string   `json:"size"`
	Emotion         string    `json:"emotion"`
	Handoff         bool      `json:"handoff"`
	EndCall         bool      `json:"end_call"`
	RepeatsPrevious bool      `json:"repeats_previous"`
	Speech          Speech    `json:"speech"`
	Related         []string  `json:"related"`
	// RelatedQuestions are the related FAQs' questions in the turn's language,
	// for doors that offer them (buttons, "you can also ask ...").
	RelatedQuestions []string `json:"related_questions,omitempty"`

	// Extras beyond the evaluated interface.
	Lang          string      `json:"lang"`
	Mode          string      `json:"mode"`                     // service mode this turn ran in
	Draft         bool        `json:"draft,omitempty"`          // smart-assist/human-first: text is a draft for an agent, not sent
	HandoffReason string      `json:"handoff_reason,omitempty"` // request | complaint | not_understood | action
	Callback      bool        `json:"callback,omitempty"`       // handoff taken as a callback request (outside service hours)
	Ticket        *int64      `json:"ticket,omitempty"`         // after-sales ticket created this turn
	Intensity     float64     `json:"emotion_intensity"`
	Candidates    []Candidate `json:"candidates,omitempty"` // runner-up FAQs, best first
	Entities      *Entities   `json:"entities,omitempty"`
}

// OrderRef names the order under discussion.
type OrderRef struct {
	ID     string `json:"id"`
	Found  bool   `json:"found"`
	Status string `json:"status"` // as in the shop file; "" when not found
}

// Speech holds a session's speech settings, applied by TTS.
// Rate and Volume are multipliers of the engine's normal (1.0).
type Speech struct {
	Rate   float64 `json:"rate"`
	Volume float64 `json:"volume"`
}

// Candidate is a FAQ the matcher considered.
type Candidate struct {
	FAQ        string  `json:"faq"`
	Confidence float64 `json:"confidence"`
}

// Entities are what the turn's text named.
type Entities struct {
	Order    string  `json:"order,omitempty"`
	Phone4   string  `json:"phone_last4,omitempty"`
	HeightCM float64 `json:"height_cm,omitempty"`
	WeightKG float64 `json:"weight_kg,omitempty"`
	Size     string  `json:"size,omitempty"`
	Color    string  `json:"color,omitempty"`
	Product  string  `json:"product,omitempty"`
}

// Input is one caller turn: typed or recognised text, or keypad digits.
type Input struct {
	Text string `json:"text,omitempty"`
	DTMF string `json:"dtmf,omitempty"`
	// ASRConfidence is the speech recogniser's confidence in Text (0-1;
	// 0: typed text or unknown). Unsure transcripts are confirmed before
	// they are answered (ConfirmASRBelow).
	ASRConfidence float64 `json:"asr_confidence,omitempty"`
}

// StartOptions open a session.
type StartOptions struct {
	SessionID string // empty: a new random id
	Lang      string // "zh" or "en"
	Channel   string // text, sip, webrtc, ws, twilio...
	Caller    string
}

// Welcome is what a session opens with.
type Welcome struct {
	Session string `json:"session"`
	Text    string `json:"welcome"`
	Cards   []Card `json:"cards"`
	Speech  Speech `json:"speech"`
	Lang    string `json:"lang"`
	Mode    string `json:"mode"`
}

// Card is a welcome question card; Key is the keypad digit that picks it.
type Card struct {
	Key      string `json:"key"`
	FAQ      string `json:"faq"`
	Question string `json:"question"`
}
