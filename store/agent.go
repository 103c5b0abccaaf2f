package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AgentMessage is what a person said to a caller while holding a session.
type AgentMessage struct {
	ID        int64     `json:"id"`
	SessionID string    `json:"session_id"`
	At        time.Time `json:"at"`
	Agent     string    `json:"agent"`
	Text      string    `json:"text"`
}

// AddAgentMessage records an agent's message in a session. A zero At is now.
// It returns ErrNotFound for an unknown session.
func (s *Store) AddAgentMessage(ctx context.Context, m AgentMessage) (int64, error) {
	if err := s.check("add agent message"); err != nil {
		return 0, err
	}
	if m.SessionID == "" || m.Agent == "" || m.Text == "" {
		return 0, fmt.Errorf("store: add agent message: session, agent and text are required: %w", ErrInvalid)
	}
	if m.At.IsZero() {
		m.At = s.now()
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO agent_messages (session_id, at, agent, text)
SELECT id, ?, ?, ? FROM sessions WHERE id = ? RETURNING id`, fmtTime(m.At), m.Agent, m.Text, m.SessionID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: add agent message %s: %w", m.SessionID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: add agent message %s: %w", m.SessionID, err)
	}
	return id, nil
}

// AgentMessages returns a session's agent messages, oldest first.
func (s *Store) AgentMessages(ctx context.Context, sessionID string) ([]AgentMessage, error) {
	if err := s.check("agent messages"); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, session_id, at, agent, text FROM agent_messages
WHERE session_id = ? ORDER BY at, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: agent messages %s: %w", sessionID, err)
	}
	defer rows.Close()
	var out []AgentMessage
	for rows.Next() {
		var (
			m  AgentMessage
			at string
		)
		if err := rows.Scan(&m.ID, &m.SessionID, &at, &m.Agent, &m.Text); err != nil {
			return nil, fmt.Errorf("store: agent messages %s: %w", sessionID, err)
		}
		if m.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: agent messages %s: %w", sessionID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: agent messages %s: %w", sessionID, err)
	}
	return out, nil
}

// ShopModes is a shop's service-mode settings set from the console.
type ShopModes struct {
	Shop      string          `json:"shop"`
	Override  string          `json:"override"`           // "" follows the schedule
	Schedule  json.RawMessage `json:"schedule,omitempty"` // dialog.Schedule as JSON; nil keeps the config's
	UpdatedAt time.Time       `json:"updated_at"`
}

// PutShopModes stores a shop's service-mode settings.
func (s *Store) PutShopModes(ctx context.Context, m ShopModes) error {
	if err := s.check("put shop modes"); err != nil {
		return err
	}
	if m.Shop == "" {
		return fmt.Errorf("store: put shop modes: empty shop: %w", ErrInvalid)
	}
	if err := validJSON("schedule", m.Schedule); err != nil {
		return fmt.Errorf("store: put shop modes %s: %w", m.Shop, err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO shop_modes (shop_id, override, schedule, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (shop_id) DO UPDATE SET override = excluded.override, schedule = excluded.schedule,
updated_at = excluded.updated_at`, m.Shop, m.Override, nullJSON(m.Schedule), fmtTime(s.now()))
	if err != nil {
		return fmt.Errorf("store: put shop modes %s: %w", m.Shop, err)
	}
	return nil
}

// AllShopModes returns every shop's stored service-mode settings.
func (s *Store) AllShopModes(ctx context.Context) ([]ShopModes, error) {
	if err := s.check("shop modes"); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT shop_id, override, schedule, updated_at FROM shop_modes ORDER BY shop_id`)
	if err != nil {
		return nil, fmt.Errorf("store: shop modes: %w", err)
	}
	defer rows.Close()
	var out []ShopModes
	for rows.Next() {
		var (
			m     ShopModes
			sched sql.NullString
			at    string
		)
		if err := rows.Scan(&m.Shop, &m.Override, &sched, &at); err != nil {
			return nil, fmt.Errorf("store: shop modes: %w", err)
		}
		if m.UpdatedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: shop modes: %w", err)
		}
		m.Schedule = rawJSON(sched)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: shop modes: %w", err)
	}
	return out, nil
}
