package store

import (
	"context"
	"database/sql"
	"fmt"
)

// validHandoffStatus reports whether st is a known handoff status.
func validHandoffStatus(st string) bool {
	return st == HandoffQueued || st == HandoffAccepted || st == HandoffClosed
}

// Handoffs lists handoffs oldest first (queue order).
func (s *Store) Handoffs(ctx context.Context, f HandoffFilter) ([]Handoff, error) {
	if err := s.check("handoffs"); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.Shop != "" {
		where = append(where, "s.shop_id = ?")
		args = append(args, f.Shop)
	}
	if f.Status != "" {
		where = append(where, "h.status = ?")
		args = append(args, f.Status)
	}
	q := `SELECT h.id, h.session_id, s.shop_id, h.turn_id, h.at, h.reason, h.kind, h.status, h.summary, h.agent,
    h.updated_at FROM handoffs h JOIN sessions s ON s.id = h.session_id` +
		whereClause(where) + " ORDER BY h.at, h.id" + limitClause(f.Limit, &args)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: handoffs: %w", err)
	}
	defer rows.Close()
	var out []Handoff
	for rows.Next() {
		var (
			h           Handoff
			turn        sql.NullInt64
			at, updated string
			summary     sql.NullString
		)
		if err := rows.Scan(&h.ID, &h.SessionID, &h.ShopID, &turn, &at, &h.Reason, &h.Kind, &h.Status, &summary,
			&h.Agent, &updated); err != nil {
			return nil, fmt.Errorf("store: handoffs: %w", err)
		}
		if h.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: handoffs: %w", err)
		}
		if h.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, fmt.Errorf("store: handoffs: %w", err)
		}
		h.TurnID, h.Summary = turn.Int64, rawJSON(summary)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: handoffs: %w", err)
	}
	return out, nil
}

// UpdateHandoff sets a handoff's status and, when agent is not empty, its agent. It returns
// ErrNotFound for an unknown id and ErrInvalid for an unknown status.
func (s *Store) UpdateHandoff(ctx context.Context, id int64, status, agent string) error {
	if err := s.check("update handoff"); err != nil {
		return err
	}
	if !validHandoffStatus(status) {
		return fmt.Errorf("store: update handoff %d: status %q: %w", id, status, ErrInvalid)
	}
	const q = `UPDATE handoffs SET status = ?, agent = CASE WHEN ? = '' THEN agent ELSE ? END, updated_at = ?
WHERE id = ?`
	return s.updateOne(ctx, "update handoff", id, q, status, agent, agent, fmtTime(s.now()), id)
}

// updateOne runs an UPDATE that must touch exactly one row.
func (s *Store) updateOne(ctx context.Context, op string, id int64, q string, args ...any) error {
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: %s %d: %w", op, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s %d: %w", op, id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s %d: %w", op, id, ErrNotFound)
	}
	return nil
}
