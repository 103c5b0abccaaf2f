package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CommitTurn writes one caller turn in a single transaction: the turn (with seq = last + 1 for the
// session), the session's state and updated_at (and ended_at when EndSession), and any handoff,
// ticket or unresolved question raised by the turn. The turn is durable when CommitTurn returns nil.
//
// Zero times default to the turn's time, which defaults to now; an empty turn language defaults to
// the session's, and the unresolved question's shop and language to the session's and the turn's.
// It returns ErrNotFound for an unknown session and ErrSessionEnded for one that has ended.
//
// Concurrent calls are group-committed: the writer runs the turns waiting for it in one transaction,
// each inside its own savepoint, so one fsync acknowledges them all and a failing turn does not
// affect the others. ctx bounds the wait for the writer; once the writer has taken the turn, the call
// waits for its outcome (bounded by the busy timeout and one commit).
func (s *Store) CommitTurn(ctx context.Context, w TurnWrite) (TurnIDs, error) {
	if err := s.check("commit turn"); err != nil {
		return TurnIDs{}, err
	}
	if err := w.validate(); err != nil {
		return TurnIDs{}, fmt.Errorf("store: commit turn %s: %w", w.SessionID, err)
	}
	if err := ctx.Err(); err != nil {
		return TurnIDs{}, fmt.Errorf("store: commit turn %s: %w", w.SessionID, err)
	}
	req := &commitReq{ctx: ctx, w: w, done: make(chan commitResult, 1)}
	select {
	case s.commits <- req:
	case <-ctx.Done():
		return TurnIDs{}, fmt.Errorf("store: commit turn %s: %w", w.SessionID, ctx.Err())
	case <-s.closed:
		return TurnIDs{}, fmt.Errorf("store: commit turn %s: %w", w.SessionID, ErrClosed)
	}
	res := <-req.done // the writer always answers a request it has received
	if res.err != nil {
		return TurnIDs{}, fmt.Errorf("store: commit turn %s: %w", w.SessionID, res.err)
	}
	return res.ids, nil
}

// commitOne runs one TurnWrite's statements in tx. Errors are not wrapped with the session id.
func (s *Store) commitOne(ctx context.Context, tx *sql.Tx, w TurnWrite) (ids TurnIDs, err error) {
	t := w.Turn
	t.SessionID = w.SessionID
	if t.At.IsZero() {
		t.At = s.now()
	}
	at := fmtTime(t.At)

	var (
		shop, sessionLang string
		ended             sql.NullString
	)
	err = tx.QueryRowContext(ctx, "SELECT shop_id, lang, ended_at FROM sessions WHERE id = ?", w.SessionID).
		Scan(&shop, &sessionLang, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return TurnIDs{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return TurnIDs{}, fmt.Errorf("session: %w", err)
	}
	if ended.Valid {
		return TurnIDs{}, ErrSessionEnded
	}
	if t.Lang == "" {
		t.Lang = sessionLang
	}

	// The writer connection holds the write lock from BEGIN IMMEDIATE, so last+1 cannot race; the
	// unique (session_id, seq) index is the backstop.
	if err = tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?",
		w.SessionID).Scan(&ids.Seq); err != nil {
		return TurnIDs{}, fmt.Errorf("seq: %w", err)
	}
	const insTurn = `INSERT INTO turns (session_id, seq, at, lang, user_text, dtmf, reply, faq, action, confidence,
    out_of_scope, emotion, handoff, latency_us, trace)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	if err = tx.QueryRowContext(ctx, insTurn, w.SessionID, ids.Seq, at, t.Lang, t.UserText, t.DTMF,
		nullJSON(t.Reply), t.FAQ, t.Action, t.Confidence, t.OutOfScope, t.Emotion, t.Handoff, t.LatencyUS,
		nullJSON(t.Trace)).Scan(&ids.Turn); err != nil {
		return TurnIDs{}, fmt.Errorf("insert turn: %w", err)
	}

	var endedAt any
	if w.EndSession {
		endedAt = at
	}
	const updSession = `UPDATE sessions SET state = COALESCE(?, state), updated_at = ?, ended_at = COALESCE(?, ended_at)
WHERE id = ?`
	if _, err = tx.ExecContext(ctx, updSession, nullJSON(w.State), at, endedAt, w.SessionID); err != nil {
		return TurnIDs{}, fmt.Errorf("update session: %w", err)
	}

	if h := w.Handoff; h != nil {
		hAt := orTime(h.At, at)
		status := h.Status
		if status == "" {
			status = HandoffQueued
		}
		const q = `INSERT INTO handoffs (session_id, turn_id, at, reason, kind, status, summary, agent, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		if err = tx.QueryRowContext(ctx, q, w.SessionID, ids.Turn, hAt, h.Reason, h.Kind, status,
			nullJSON(h.Summary), h.Agent, hAt).Scan(&ids.Handoff); err != nil {
			return TurnIDs{}, fmt.Errorf("insert handoff: %w", err)
		}
	}
	if k := w.Ticket; k != nil {
		kAt := orTime(k.At, at)
		status := k.Status
		if status == "" {
			status = TicketOpen
		}
		const q = `INSERT INTO tickets (session_id, turn_id, at, kind, order_id, note, status, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		if err = tx.QueryRowContext(ctx, q, w.SessionID, ids.Turn, kAt, k.Kind, k.OrderID, k.Note, status,
			kAt).Scan(&ids.Ticket); err != nil {
			return TurnIDs{}, fmt.Errorf("insert ticket: %w", err)
		}
	}
	if w.LinkOrder != "" {
		const q = `UPDATE tickets SET order_id = ?, updated_at = ? WHERE session_id = ? AND order_id = ''`
		if _, err = tx.ExecContext(ctx, q, w.LinkOrder, at, w.SessionID); err != nil {
			return TurnIDs{}, fmt.Errorf("link ticket order: %w", err)
		}
	}
	if u := w.Unresolved; u != nil {
		uAt := orTime(u.At, at)
		status := u.Status
		if status == "" {
			status = UnresolvedOpen
		}
		uShop := u.ShopID
		if uShop == "" {
			uShop = shop
		}
		lang := u.Lang
		if lang == "" {
			lang = t.Lang
		}
		const q = `INSERT INTO unresolved (session_id, turn_id, shop_id, at, lang, text, top_faq, confidence, status,
    resolution, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		if err = tx.QueryRowContext(ctx, q, w.SessionID, ids.Turn, uShop, uAt, lang, u.Text, u.TopFAQ, u.Confidence,
			status, u.Resolution, uAt).Scan(&ids.Unresolved); err != nil {
			return TurnIDs{}, fmt.Errorf("insert unresolved: %w", err)
		}
	}
	return ids, nil
}

// validate checks a TurnWrite before any SQL runs.
func (w TurnWrite) validate() error {
	if w.SessionID == "" {
		return fmt.Errorf("empty session id: %w", ErrInvalid)
	}
	if w.Turn.SessionID != "" && w.Turn.SessionID != w.SessionID {
		return fmt.Errorf("turn is for session %q: %w", w.Turn.SessionID, ErrInvalid)
	}
	for _, j := range []struct {
		name string
		b    []byte
	}{{"state", w.State}, {"reply", w.Turn.Reply}, {"trace", w.Turn.Trace}} {
		if err := validJSON(j.name, j.b); err != nil {
			return err
		}
	}
	if h := w.Handoff; h != nil {
		if h.Kind != HandoffLive && h.Kind != HandoffCallback {
			return fmt.Errorf("handoff kind %q: %w", h.Kind, ErrInvalid)
		}
		if h.Status != "" && !validHandoffStatus(h.Status) {
			return fmt.Errorf("handoff status %q: %w", h.Status, ErrInvalid)
		}
		if err := validJSON("handoff summary", h.Summary); err != nil {
			return err
		}
	}
	if u := w.Unresolved; u != nil {
		if u.Text == "" {
			return fmt.Errorf("unresolved question without text: %w", ErrInvalid)
		}
		if u.Status != "" && !validUnresolvedStatus(u.Status) {
			return fmt.Errorf("unresolved status %q: %w", u.Status, ErrInvalid)
		}
	}
	return nil
}

// orTime formats t, or returns def when t is zero.
func orTime(t time.Time, def string) string {
	if t.IsZero() {
		return def
	}
	return fmtTime(t)
}

// Turns returns a session's turns in seq order. An unknown session has no turns.
func (s *Store) Turns(ctx context.Context, sessionID string) ([]Turn, error) {
	if err := s.check("turns"); err != nil {
		return nil, err
	}
	const q = `SELECT id, session_id, seq, at, lang, user_text, dtmf, reply, faq, action, confidence, out_of_scope,
    emotion, handoff, latency_us, response_us, trace FROM turns WHERE session_id = ? ORDER BY seq`
	rows, err := s.r.QueryContext(ctx, q, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: turns %s: %w", sessionID, err)
	}
	defer rows.Close()
	var out []Turn
	for rows.Next() {
		var (
			t            Turn
			at           string
			reply, trace sql.NullString
		)
		if err := rows.Scan(&t.ID, &t.SessionID, &t.Seq, &at, &t.Lang, &t.UserText, &t.DTMF, &reply, &t.FAQ,
			&t.Action, &t.Confidence, &t.OutOfScope, &t.Emotion, &t.Handoff, &t.LatencyUS, &t.ResponseUS, &trace); err != nil {
			return nil, fmt.Errorf("store: turns %s: %w", sessionID, err)
		}
		if t.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: turns %s: %w", sessionID, err)
		}
		t.Reply, t.Trace = rawJSON(reply), rawJSON(trace)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: turns %s: %w", sessionID, err)
	}
	return out, nil
}
