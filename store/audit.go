package store

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one knowledge edit: who, when, what, and a short summary of
// the value before and after.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Shop   string    `json:"shop,omitempty"`
	Action string    `json:"action"` // e.g. faq.update, faq.phrasing, packs.subscribe, shop.import
	Target string    `json:"target,omitempty"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
}

// AuditFilter selects audit entries, newest first; zero fields select everything.
type AuditFilter struct {
	Shop  string
	User  string
	Limit int // 0: no limit
}

// maxAuditText bounds the before/after summaries (bytes).
const maxAuditText = 4000

// AddAudit records a knowledge edit. A zero At is now; long summaries are cut.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) (int64, error) {
	if err := s.check("add audit"); err != nil {
		return 0, err
	}
	if e.User == "" || e.Action == "" {
		return 0, fmt.Errorf("store: add audit: user and action are required: %w", ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO audit (at, user_name, shop_id, action, target, before, after)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, fmtTime(e.At), e.User, e.Shop, e.Action, e.Target,
		cut(e.Before, maxAuditText), cut(e.After, maxAuditText)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: add audit: %w", err)
	}
	return id, nil
}

// Audit lists audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if err := s.check("audit"); err != nil {
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
	if f.User != "" {
		where = append(where, "user_name = ?")
		args = append(args, f.User)
	}
	q := `SELECT id, at, user_name, shop_id, action, target, before, after FROM audit` + whereClause(where) +
		" ORDER BY at DESC, id DESC" + limitClause(f.Limit, &args)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var (
			e  AuditEntry
			at string
		)
		if err := rows.Scan(&e.ID, &at, &e.User, &e.Shop, &e.Action, &e.Target, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	return out, nil
}

// cut shortens s to at most n bytes on a rune boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
