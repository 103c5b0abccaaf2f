package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CreateSession stores a new session. A zero StartedAt is set to now, a zero UpdatedAt to
// StartedAt. It returns ErrExists if the id is taken.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	if err := s.check("create session"); err != nil {
		return err
	}
	if se.ID == "" || se.ShopID == "" {
		return fmt.Errorf("store: create session %q: id and shop are required: %w", se.ID, ErrInvalid)
	}
	if err := validJSON("state", se.State); err != nil {
		return fmt.Errorf("store: create session %s: %w", se.ID, err)
	}
	if se.StartedAt.IsZero() {
		se.StartedAt = s.now()
	}
	if se.UpdatedAt.IsZero() {
		se.UpdatedAt = se.StartedAt
	}
	const q = `INSERT INTO sessions (id, shop_id, lang, channel, caller, mode, started_at, updated_at, ended_at, state)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	res, err := s.w.ExecContext(ctx, q, se.ID, se.ShopID, se.Lang, se.Channel, se.Caller, se.Mode,
		fmtTime(se.StartedAt), fmtTime(se.UpdatedAt), nullTime(se.EndedAt), nullJSON(se.State))
	if err != nil {
		return fmt.Errorf("store: create session %s: %w", se.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: create session %s: %w", se.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: create session %s: %w", se.ID, ErrExists)
	}
	return nil
}

// Session returns a session with its state, or ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	if err := s.check("session"); err != nil {
		return Session{}, err
	}
	const q = `SELECT id, shop_id, lang, channel, caller, mode, started_at, updated_at, ended_at, state
FROM sessions WHERE id = ?`
	var state sql.NullString
	se, err := scanSession(s.r.QueryRowContext(ctx, q, id), &state)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("store: session %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: session %s: %w", id, err)
	}
	se.State = rawJSON(state)
	return se, nil
}

// Sessions lists sessions, newest first, without their state.
func (s *Store) Sessions(ctx context.Context, f SessionFilter) ([]Session, error) {
	if err := s.check("sessions"); err != nil {
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
	if f.Active {
		where = append(where, "ended_at IS NULL")
	}
	q := "SELECT id, shop_id, lang, channel, caller, mode, started_at, updated_at, ended_at FROM sessions" +
		whereClause(where) + " ORDER BY started_at DESC, id DESC" + limitClause(f.Limit, &args)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		se, err := scanSession(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("store: sessions: %w", err)
		}
		out = append(out, se)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	return out, nil
}

// EndSession marks a session ended at at (now if zero). Ending an ended session keeps the first
// end time. It returns ErrNotFound for an unknown session.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time) error {
	if err := s.check("end session"); err != nil {
		return err
	}
	if at.IsZero() {
		at = s.now()
	}
	ts := fmtTime(at)
	const q = `UPDATE sessions SET ended_at = COALESCE(ended_at, ?),
    updated_at = CASE WHEN ended_at IS NULL THEN ? ELSE updated_at END WHERE id = ?`
	res, err := s.w.ExecContext(ctx, q, ts, ts, id)
	if err != nil {
		return fmt.Errorf("store: end session %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: end session %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: end session %s: %w", id, ErrNotFound)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanSession reads the session columns; state, if not nil, receives the trailing state column.
func scanSession(sc scanner, state *sql.NullString) (Session, error) {
	var (
		se               Session
		started, updated string
		ended            sql.NullString
	)
	dest := []any{&se.ID, &se.ShopID, &se.Lang, &se.Channel, &se.Caller, &se.Mode, &started, &updated, &ended}
	if state != nil {
		dest = append(dest, state)
	}
	if err := sc.Scan(dest...); err != nil {
		return Session{}, err
	}
	var err error
	if se.StartedAt, err = parseTime(started); err != nil {
		return Session{}, err
	}
	if se.UpdatedAt, err = parseTime(updated); err != nil {
		return Session{}, err
	}
	if se.EndedAt, err = parseNullTime(ended); err != nil {
		return Session{}, err
	}
	return se, nil
}

// whereClause joins conditions with AND.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// limitClause returns a LIMIT clause for n > 0 and appends its argument.
func limitClause(n int, args *[]any) string {
	if n <= 0 {
		return ""
	}
	*args = append(*args, n)
	return " LIMIT ?"
}

// validJSON reports ErrInvalid if b is set but not JSON.
func validJSON(field string, b []byte) error {
	if len(b) == 0 || json.Valid(b) {
		return nil
	}
	return fmt.Errorf("%s is not valid JSON: %w", field, ErrInvalid)
}

// nullJSON stores empty JSON as NULL and the rest as text.
func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// rawJSON reads a stored JSON column; NULL becomes nil.
func rawJSON(v sql.NullString) json.RawMessage {
	if !v.Valid || v.String == "" {
		return nil
	}
	return json.RawMessage(v.String)
}

// RestartSession starts an existing session id over: new shop, language,
// channel, caller, mode, start time and state, not ended. Its earlier turns
// stay (their seq numbers continue). It returns ErrNotFound for an unknown id.
func (s *Store) RestartSession(ctx context.Context, se Session) error {
	if err := s.check("restart session"); err != nil {
		return err
	}
	if se.ID == "" || se.ShopID == "" {
		return fmt.Errorf("store: restart session %q: id and shop are required: %w", se.ID, ErrInvalid)
	}
	if err := validJSON("state", se.State); err != nil {
		return fmt.Errorf("store: restart session %s: %w", se.ID, err)
	}
	if se.StartedAt.IsZero() {
		se.StartedAt = s.now()
	}
	if se.UpdatedAt.IsZero() {
		se.UpdatedAt = se.StartedAt
	}
	const q = `UPDATE sessions SET shop_id = ?, lang = ?, channel = ?, caller = ?, mode = ?, started_at = ?,
updated_at = ?, ended_at = NULL, state = ? WHERE id = ?`
	res, err := s.w.ExecContext(ctx, q, se.ShopID, se.Lang, se.Channel, se.Caller, se.Mode,
		fmtTime(se.StartedAt), fmtTime(se.UpdatedAt), nullJSON(se.State), se.ID)
	if err != nil {
		return fmt.Errorf("store: restart session %s: %w", se.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("store: restart session %s: %w", se.ID, ErrNotFound)
	}
	return nil
}
