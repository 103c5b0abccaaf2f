package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Call directions (CallRecord.Direction).
const (
	CallIn  = "in"  // the caller rang the shop
	CallOut = "out" // the bot placed the call (callbacks, proactive service)
)

// CallRecord is one phone call at a door: who, when, how it ended, the
// media quality and what the voice loop did with it.
type CallRecord struct {
	ID        int64      `json:"id"`
	Door      string     `json:"door"`                 // telephony door: "sip", "webrtc"...
	CallID    string     `json:"call_id"`              // the door's id (SIP Call-ID)
	SessionID string     `json:"session_id,omitempty"` // brain session; "" if the loop never ran
	Shop      string     `json:"shop,omitempty"`
	From      string     `json:"from,omitempty"`
	To        string     `json:"to,omitempty"`
	Direction string     `json:"direction"` // CallIn or CallOut
	Started   time.Time  `json:"started"`
	Answered  *time.Time `json:"answered,omitempty"` // nil: never answered
	Ended     time.Time  `json:"ended"`
	Reason    string     `json:"reason,omitempty"` // the door's end reason (few values)
	Status    int        `json:"status,omitempty"` // final SIP status
	Codec     string     `json:"codec,omitempty"`
	Packets   int64      `json:"packets"`   // audio packets received
	Lost      int64      `json:"lost"`      // RFC 3550 cumulative loss (may be negative with duplicates)
	JitterMS  float64    `json:"jitter_ms"` // RFC 3550 interarrival jitter
	Turns     int        `json:"turns"`     // caller turns
	Handoff   bool       `json:"handoff"`   // the brain handed the call to a person
	// TransferTarget and TransferResult tell where a handoff went
	// ("sip:agent@pbx") and how it ended ("transferred", "no-answer"...).
	TransferTarget string `json:"transfer_target,omitempty"`
	TransferResult string `json:"transfer_result,omitempty"`
}

// CallFilter selects call records, newest first; zero fields select everything.
type CallFilter struct {
	Shop      string
	Session   string
	Direction string
	Since     time.Time // started at or after
	Limit     int       // 0: no limit
}

// RecordCall stores one call record and returns its id. Door, CallID,
// Direction and Started are required; a zero Ended is now.
func (s *Store) RecordCall(ctx context.Context, c CallRecord) (int64, error) {
	if err := s.check("record call"); err != nil {
		return 0, err
	}
	if c.Door == "" || c.CallID == "" || c.Started.IsZero() {
		return 0, fmt.Errorf("store: record call: door, call id and start are required: %w", ErrInvalid)
	}
	if c.Direction != CallIn && c.Direction != CallOut {
		return 0, fmt.Errorf("store: record call %s: direction %q: %w", c.CallID, c.Direction, ErrInvalid)
	}
	if c.Ended.IsZero() {
		c.Ended = s.now()
	}
	handoff := 0
	if c.Handoff {
		handoff = 1
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO calls (door, call_id, session_id, shop_id, from_user, to_user,
direction, started, answered, ended, reason, status, codec, packets, lost, jitter_ms, turns, handoff,
transfer_target, transfer_result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Door, c.CallID, c.SessionID, c.Shop, c.From, c.To, c.Direction, fmtTime(c.Started), nullTime(c.Answered),
		fmtTime(c.Ended), c.Reason, c.Status, c.Codec, c.Packets, c.Lost, c.JitterMS, c.Turns, handoff,
		c.TransferTarget, c.TransferResult).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: record call %s: %w", c.CallID, err)
	}
	return id, nil
}

// Calls lists call records, newest first.
func (s *Store) Calls(ctx context.Context, f CallFilter) ([]CallRecord, error) {
	if err := s.check("calls"); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.Shop != "" {
		where = append(where, "shop_id = ?")
		args = append(args, f.Shop)
	}
	if f.Session != "" {
		where = append(where, "session_id = ?")
		args = append(args, f.Session)
	}
	if f.Direction != "" {
		where = append(where, "direction = ?")
		args = append(args, f.Direction)
	}
	if !f.Since.IsZero() {
		where = append(where, "started >= ?")
		args = append(args, fmtTime(f.Since))
	}
	q := `SELECT id, door, call_id, session_id, shop_id, from_user, to_user, direction, started, answered, ended,
reason, status, codec, packets, lost, jitter_ms, turns, handoff, transfer_target, transfer_result FROM calls` +
		whereClause(where) + " ORDER BY started DESC, id DESC" + limitClause(f.Limit, &args)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: calls: %w", err)
	}
	defer rows.Close()
	var out []CallRecord
	for rows.Next() {
		var (
			c              CallRecord
			started, ended string
			answered       sql.NullString
			handoff        int
		)
		if err := rows.Scan(&c.ID, &c.Door, &c.CallID, &c.SessionID, &c.Shop, &c.From, &c.To, &c.Direction,
			&started, &answered, &ended, &c.Reason, &c.Status, &c.Codec, &c.Packets, &c.Lost, &c.JitterMS, &c.Turns,
			&handoff, &c.TransferTarget, &c.TransferResult); err != nil {
			return nil, fmt.Errorf("store: calls: %w", err)
		}
		if c.Started, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("store: calls: %w", err)
		}
		if c.Ended, err = parseTime(ended); err != nil {
			return nil, fmt.Errorf("store: calls: %w", err)
		}
		if c.Answered, err = parseNullTime(answered); err != nil {
			return nil, fmt.Errorf("store: calls: %w", err)
		}
		c.Handoff = handoff != 0
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: calls: %w", err)
	}
	return out, nil
}
