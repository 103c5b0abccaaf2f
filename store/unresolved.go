package store

import (
	"context"
	"database/sql"
	"fmt"
)

// validUnresolvedStatus reports whether st is a known unresolved-question status.
func validUnresolvedStatus(st string) bool {
	switch st {
	case UnresolvedOpen, UnresolvedAssigned, UnresolvedNewFAQ, UnresolvedOutOfScope:
		return true
	}
	return false
}

// Unresolved lists unresolved questions oldest first.
func (s *Store) Unresolved(ctx context.Context, f UnresolvedFilter) ([]Unresolved, error) {
	if err := s.check("unresolved"); err != nil {
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
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	q := `SELECT id, session_id, shop_id, turn_id, at, lang, text, top_faq, confidence, status, resolution, updated_at
FROM unresolved` + whereClause(where) + " ORDER BY at, id" + limitClause(f.Limit, &args)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unresolved: %w", err)
	}
	defer rows.Close()
	var out []Unresolved
	for rows.Next() {
		var (
			u           Unresolved
			turn        sql.NullInt64
			at, updated string
		)
		if err := rows.Scan(&u.ID, &u.SessionID, &u.ShopID, &turn, &at, &u.Lang, &u.Text, &u.TopFAQ, &u.Confidence,
			&u.Status, &u.Resolution, &updated); err != nil {
			return nil, fmt.Errorf("store: unresolved: %w", err)
		}
		if u.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: unresolved: %w", err)
		}
		if u.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, fmt.Errorf("store: unresolved: %w", err)
		}
		u.TurnID = turn.Int64
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unresolved: %w", err)
	}
	return out, nil
}

// ResolveUnresolved sets an unresolved question's status and resolution (an FAQ id or a note). It
// returns ErrNotFound for an unknown id and ErrInvalid for an unknown status.
func (s *Store) ResolveUnresolved(ctx context.Context, id int64, status, resolution string) error {
	if err := s.check("resolve unresolved"); err != nil {
		return err
	}
	if !validUnresolvedStatus(status) {
		return fmt.Errorf("store: resolve unresolved %d: status %q: %w", id, status, ErrInvalid)
	}
	return s.updateOne(ctx, "resolve unresolved", id,
		"UPDATE unresolved SET status = ?, resolution = ?, updated_at = ? WHERE id = ?",
		status, resolution, fmtTime(s.now()), id)
}
