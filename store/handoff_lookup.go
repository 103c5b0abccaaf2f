package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// HandoffByID returns one handoff with its summary, or ErrNotFound.
func (s *Store) HandoffByID(ctx context.Context, id int64) (Handoff, error) {
	if err := s.check("handoff"); err != nil {
		return Handoff{}, err
	}
	var (
		h           Handoff
		turn        sql.NullInt64
		at, updated string
		summary     sql.NullString
	)
	err := s.r.QueryRowContext(ctx, `SELECT h.id, h.session_id, s.shop_id, h.turn_id, h.at, h.reason, h.kind, h.status,
    h.summary, h.agent, h.updated_at FROM handoffs h JOIN sessions s ON s.id = h.session_id WHERE h.id = ?`, id).
		Scan(&h.ID, &h.SessionID, &h.ShopID, &turn, &at, &h.Reason, &h.Kind, &h.Status, &summary, &h.Agent, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Handoff{}, fmt.Errorf("store: handoff %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Handoff{}, fmt.Errorf("store: handoff %d: %w", id, err)
	}
	if h.At, err = parseTime(at); err != nil {
		return Handoff{}, fmt.Errorf("store: handoff %d: %w", id, err)
	}
	if h.UpdatedAt, err = parseTime(updated); err != nil {
		return Handoff{}, fmt.Errorf("store: handoff %d: %w", id, err)
	}
	h.TurnID, h.Summary = turn.Int64, rawJSON(summary)
	return h, nil
}

// CloseSessionHandoffs closes every handoff of a session that is not closed
// yet (an agent gave the session back) and returns how many it closed.
func (s *Store) CloseSessionHandoffs(ctx context.Context, sessionID string) (int64, error) {
	if err := s.check("close session handoffs"); err != nil {
		return 0, err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE handoffs SET status = ?, updated_at = ? WHERE session_id = ? AND status != ?`,
		HandoffClosed, fmtTime(s.now()), sessionID, HandoffClosed)
	if err != nil {
		return 0, fmt.Errorf("store: close handoffs of %s: %w", sessionID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: close handoffs of %s: %w", sessionID, err)
	}
	return n, nil
}

// UntrainedTurn returns a caller turn of shop that scene training has not
// handled yet (it is not in the unresolved table), or ErrNotFound.
func (s *Store) UntrainedTurn(ctx context.Context, shop string, turnID int64) (TrainingTurn, error) {
	if err := s.check("untrained turn"); err != nil {
		return TrainingTurn{}, err
	}
	var (
		tt TrainingTurn
		at string
	)
	err := s.r.QueryRowContext(ctx, `SELECT t.id, t.session_id, t.seq, t.at, t.lang, t.user_text, t.faq, t.confidence, t.out_of_scope
FROM turns t JOIN sessions se ON se.id = t.session_id
WHERE t.id = ? AND se.shop_id = ? AND t.user_text != '' AND NOT EXISTS (SELECT 1 FROM unresolved u WHERE u.turn_id = t.id)`,
		turnID, shop).Scan(&tt.TurnID, &tt.SessionID, &tt.Seq, &at, &tt.Lang, &tt.Text, &tt.FAQ, &tt.Confidence, &tt.OutOfScope)
	if errors.Is(err, sql.ErrNoRows) {
		return TrainingTurn{}, fmt.Errorf("store: untrained turn %d: %w", turnID, ErrNotFound)
	}
	if err != nil {
		return TrainingTurn{}, fmt.Errorf("store: untrained turn %d: %w", turnID, err)
	}
	if tt.At, err = parseTime(at); err != nil {
		return TrainingTurn{}, fmt.Errorf("store: untrained turn %d: %w", turnID, err)
	}
	return tt, nil
}
