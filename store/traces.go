package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// SetTurnTrace records the voice-loop trace of a committed turn: the
// response latency the caller heard and the trace itself (a JSON object of
// named offsets, e.g. {"end_of_turn":380,"asr_final":437,...} in ms). Doors
// call it once the answer's first audio has gone out, after the brain has
// committed the turn. It returns ErrNotFound for an unknown turn.
func (s *Store) SetTurnTrace(ctx context.Context, sessionID string, seq int, response time.Duration, trace json.RawMessage) error {
	if err := s.check("set turn trace"); err != nil {
		return err
	}
	if response < 0 {
		return fmt.Errorf("store: set turn trace %s/%d: negative response time: %w", sessionID, seq, ErrInvalid)
	}
	if len(trace) > 0 && !json.Valid(trace) {
		return fmt.Errorf("store: set turn trace %s/%d: trace is not JSON: %w", sessionID, seq, ErrInvalid)
	}
	var tr any
	if len(trace) > 0 {
		tr = string(trace)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE turns SET response_us = ?, trace = ? WHERE session_id = ? AND seq = ?`,
		response.Microseconds(), tr, sessionID, seq)
	if err != nil {
		return fmt.Errorf("store: set turn trace %s/%d: %w", sessionID, seq, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: set turn trace %s/%d: %w", sessionID, seq, err)
	} else if n == 0 {
		return fmt.Errorf("store: set turn trace %s/%d: %w", sessionID, seq, ErrNotFound)
	}
	return nil
}

// LatencyFilter selects the turns of ResponseLatency; zero fields select all.
type LatencyFilter struct {
	Shop    string
	Channel string // the door: sip, webrtc, ws, twilio, file
	Since   time.Time
}

// LatencyStats summarises response latencies.
type LatencyStats struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50"`
	P95 time.Duration `json:"p95"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

// maxLatencySample bounds the turns ResponseLatency reads (the latest ones).
const maxLatencySample = 100_000

// ResponseLatency gives percentiles (nearest rank) of the response latency
// of voice turns, per door when f.Channel is set.
func (s *Store) ResponseLatency(ctx context.Context, f LatencyFilter) (LatencyStats, error) {
	if err := s.check("response latency"); err != nil {
		return LatencyStats{}, err
	}
	q := `SELECT t.response_us FROM turns t JOIN sessions se ON se.id = t.session_id WHERE t.response_us > 0`
	var args []any
	if f.Shop != "" {
		q += ` AND se.shop_id = ?`
		args = append(args, f.Shop)
	}
	if f.Channel != "" {
		q += ` AND se.channel = ?`
		args = append(args, f.Channel)
	}
	if !f.Since.IsZero() {
		q += ` AND t.at >= ?`
		args = append(args, fmtTime(f.Since))
	}
	q += fmt.Sprintf(` ORDER BY t.at DESC LIMIT %d`, maxLatencySample)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return LatencyStats{}, fmt.Errorf("store: response latency: %w", err)
	}
	defer rows.Close()
	var us []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return LatencyStats{}, fmt.Errorf("store: response latency: %w", err)
		}
		us = append(us, v)
	}
	if err := rows.Err(); err != nil {
		return LatencyStats{}, fmt.Errorf("store: response latency: %w", err)
	}
	if len(us) == 0 {
		return LatencyStats{}, nil
	}
	slices.Sort(us)
	at := func(p float64) time.Duration {
		k := int(math.Ceil(p/100*float64(len(us)))) - 1
		return time.Duration(us[min(max(k, 0), len(us)-1)]) * time.Microsecond
	}
	return LatencyStats{N: len(us), P50: at(50), P95: at(95), P99: at(99), Max: at(100)}, nil
}
