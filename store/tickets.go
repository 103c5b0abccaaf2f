package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Tickets lists after-sales tickets oldest first; TicketFilter{Session: id} gives one session's.
func (s *Store) Tickets(ctx context.Context, f TicketFilter) ([]Ticket, error) {
	if err := s.check("tickets"); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.Session != "" {
		where = append(where, "k.session_id = ?")
		args = append(args, f.Session)
	}
	if f.Shop != "" {
		where = append(where, "s.shop_id = ?")
		args = append(args, f.Shop)
	}
	if f.Status != "" {
		where = append(where, "k.status = ?")
		args = append(args, f.Status)
	}
	q := `SELECT k.id, k.session_id, s.shop_id, k.turn_id, k.at, k.kind, k.order_id, k.note, k.status, k.updated_at
FROM tickets k JOIN sessions s ON s.id = k.session_id` +
		whereClause(where) + " ORDER BY k.at, k.id" + limitClause(f.Limit, &args)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tickets: %w", err)
	}
	defer rows.Close()
	var out []Ticket
	for rows.Next() {
		var (
			k           Ticket
			turn        sql.NullInt64
			at, updated string
		)
		if err := rows.Scan(&k.ID, &k.SessionID, &k.ShopID, &turn, &at, &k.Kind, &k.OrderID, &k.Note, &k.Status,
			&updated); err != nil {
			return nil, fmt.Errorf("store: tickets: %w", err)
		}
		if k.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: tickets: %w", err)
		}
		if k.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, fmt.Errorf("store: tickets: %w", err)
		}
		k.TurnID = turn.Int64
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tickets: %w", err)
	}
	return out, nil
}

// UpdateTicket sets a ticket's status (free text, not empty). It returns ErrNotFound for an unknown id.
func (s *Store) UpdateTicket(ctx context.Context, id int64, status string) error {
	if err := s.check("update ticket"); err != nil {
		return err
	}
	if status == "" {
		return fmt.Errorf("store: update ticket %d: empty status: %w", id, ErrInvalid)
	}
	return s.updateOne(ctx, "update ticket", id, "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?",
		status, fmtTime(s.now()), id)
}
