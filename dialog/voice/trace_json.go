package voice

import "encoding/json"

// MillisJSON is the trace as a JSON object of stage offsets in whole
// milliseconds after the end of the caller's speech
// ({"end_of_turn":380,"asr_final":437,"answer_ready":441,"first_audio":448}),
// the form stored with the turn.
func (t Trace) MillisJSON() json.RawMessage {
	m := map[string]int64{}
	for k, d := range t.Offsets() {
		m[k] = d.Milliseconds()
	}
	b, err := json.Marshal(m)
	if err != nil { // a map of int64 always marshals
		return nil
	}
	return b
}
