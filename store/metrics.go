package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// MetricsFilter selects the sessions and turns of a report: one shop (""
// for all) from Since (zero: the beginning) until Until (zero: now).
type MetricsFilter struct {
	Shop  string
	Since time.Time
	Until time.Time
}

// Count is a key and how often it occurred.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// DoorLatency is the latency of one door: what callers heard (voice turns,
// end of speech to first audio) and the brain's own time per turn.
type DoorLatency struct {
	Door     string       `json:"door"`
	Response LatencyStats `json:"response"`
	Brain    LatencyStats `json:"brain"`
}

// Metrics is the console's report of how the bot does.
type Metrics struct {
	Sessions       int           `json:"sessions"`     // sessions with at least one caller turn
	Turns          int           `json:"turns"`        // caller turns
	BotResolved    int           `json:"bot_resolved"` // sessions the bot finished without a person
	ResolutionRate float64       `json:"resolution_rate"`
	HandedOff      int           `json:"handed_off"` // sessions with a handoff the bot raised (not mode-driven)
	HandoffRate    float64       `json:"handoff_rate"`
	HandoffReasons []Count       `json:"handoff_reasons"`
	TopQuestions   []Count       `json:"top_questions"` // FAQ ids
	Unresolved     int           `json:"unresolved"`    // open unresolved questions
	LowConfidence  int           `json:"low_confidence"`
	CallsPerHour   []Count       `json:"calls_per_hour"` // key: UTC hour "2006-01-02T15"
	Latency        []DoorLatency `json:"latency"`
}

// modeReasons are handoff reasons that come from the service mode, not from
// the bot failing: they do not count against the bot's resolution.
const modeReasons = `('assist', 'human_first')`

// LowConfidenceBelow is the confidence under which an answered turn counts as
// low-confidence in Metrics.
const LowConfidenceBelow = 0.5

// maxReportRows bounds the rows a report reads (the latest ones).
const maxReportRows = 100_000

// span renders f's period for SQL.
func (f MetricsFilter) span(now time.Time) (string, string) {
	until := f.Until
	if until.IsZero() {
		until = now.Add(time.Second)
	}
	return fmtTime(f.Since), fmtTime(until)
}

// Metrics computes the console's report for f.
func (s *Store) Metrics(ctx context.Context, f MetricsFilter, topN int) (Metrics, error) {
	if err := s.check("metrics"); err != nil {
		return Metrics{}, err
	}
	if topN <= 0 {
		topN = 10
	}
	since, until := f.span(s.now())
	var m Metrics
	shopCond := "(? = '' OR se.shop_id = ?)"

	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*),
  COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.session_id = se.id AND h.reason NOT IN `+modeReasons+`)
    THEN 1 ELSE 0 END), 0)
FROM sessions se WHERE `+shopCond+` AND se.started_at >= ? AND se.started_at < ?
  AND EXISTS (SELECT 1 FROM turns t WHERE t.session_id = se.id)`, f.Shop, f.Shop, since, until).Scan(&m.Sessions, &m.HandedOff)
	if err != nil {
		return Metrics{}, fmt.Errorf("store: metrics: sessions: %w", err)
	}
	m.BotResolved = m.Sessions - m.HandedOff
	if m.Sessions > 0 {
		m.ResolutionRate = float64(m.BotResolved) / float64(m.Sessions)
		m.HandoffRate = float64(m.HandedOff) / float64(m.Sessions)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*),
  COALESCE(SUM(CASE WHEN t.faq != '' AND t.confidence < ? THEN 1 ELSE 0 END), 0)
FROM turns t JOIN sessions se ON se.id = t.session_id WHERE `+shopCond+` AND t.at >= ? AND t.at < ?`,
		LowConfidenceBelow, f.Shop, f.Shop, since, until).Scan(&m.Turns, &m.LowConfidence); err != nil {
		return Metrics{}, fmt.Errorf("store: metrics: turns: %w", err)
	}
	if m.HandoffReasons, err = s.counts(ctx, `SELECT h.reason, COUNT(*) FROM handoffs h JOIN sessions se ON se.id = h.session_id
WHERE `+shopCond+` AND h.at >= ? AND h.at < ? GROUP BY h.reason ORDER BY COUNT(*) DESC, h.reason`, 0, f.Shop, f.Shop, since, until); err != nil {
		return Metrics{}, err
	}
	if m.TopQuestions, err = s.counts(ctx, `SELECT t.faq, COUNT(*) FROM turns t JOIN sessions se ON se.id = t.session_id
WHERE `+shopCond+` AND t.at >= ? AND t.at < ? AND t.faq != '' GROUP BY t.faq ORDER BY COUNT(*) DESC, t.faq`, topN, f.Shop, f.Shop, since, until); err != nil {
		return Metrics{}, err
	}
	if m.CallsPerHour, err = s.counts(ctx, `SELECT substr(se.started_at, 1, 13), COUNT(*) FROM sessions se
WHERE `+shopCond+` AND se.started_at >= ? AND se.started_at < ? GROUP BY 1 ORDER BY 1`, 0, f.Shop, f.Shop, since, until); err != nil {
		return Metrics{}, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM unresolved WHERE (? = '' OR shop_id = ?) AND status = 'open'
AND at >= ? AND at < ?`, f.Shop, f.Shop, since, until).Scan(&m.Unresolved); err != nil {
		return Metrics{}, fmt.Errorf("store: metrics: unresolved: %w", err)
	}
	if m.Latency, err = s.doorLatency(ctx, f, since, until); err != nil {
		return Metrics{}, err
	}
	return m, nil
}

// counts runs a two-column key/count query.
func (s *Store) counts(ctx context.Context, q string, limit int, args ...any) ([]Count, error) {
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: metrics: %w", err)
	}
	defer rows.Close()
	out := []Count{}
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, fmt.Errorf("store: metrics: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: metrics: %w", err)
	}
	return out, nil
}

// doorLatency gives response and brain latency percentiles per door.
func (s *Store) doorLatency(ctx context.Context, f MetricsFilter, since, until string) ([]DoorLatency, error) {
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT se.channel, t.response_us, t.latency_us FROM turns t
JOIN sessions se ON se.id = t.session_id WHERE (? = '' OR se.shop_id = ?) AND t.at >= ? AND t.at < ?
ORDER BY t.at DESC LIMIT %d`, maxReportRows), f.Shop, f.Shop, since, until)
	if err != nil {
		return nil, fmt.Errorf("store: metrics: latency: %w", err)
	}
	defer rows.Close()
	resp, brain := map[string][]int64{}, map[string][]int64{}
	for rows.Next() {
		var (
			door   string
			rs, bs int64
		)
		if err := rows.Scan(&door, &rs, &bs); err != nil {
			return nil, fmt.Errorf("store: metrics: latency: %w", err)
		}
		if rs > 0 {
			resp[door] = append(resp[door], rs)
		}
		brain[door] = append(brain[door], bs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: metrics: latency: %w", err)
	}
	out := []DoorLatency{}
	for door, b := range brain {
		out = append(out, DoorLatency{Door: door, Response: percentiles(resp[door]), Brain: percentiles(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Door < out[j].Door })
	return out, nil
}

// percentiles gives nearest-rank percentiles of microsecond samples.
func percentiles(us []int64) LatencyStats {
	if len(us) == 0 {
		return LatencyStats{}
	}
	slices.Sort(us)
	at := func(p float64) time.Duration {
		k := int(math.Ceil(p/100*float64(len(us)))) - 1
		return time.Duration(us[min(max(k, 0), len(us)-1)]) * time.Microsecond
	}
	return LatencyStats{N: len(us), P50: at(50), P95: at(95), P99: at(99), Max: at(100)}
}

// ComplaintExample is one caller turn of a complaint type.
type ComplaintExample struct {
	At      time.Time `json:"at"`
	Session string    `json:"session"`
	Text    string    `json:"text"`
	Emotion string    `json:"emotion,omitempty"`
}

// ComplaintType is a kind of complaint (the ticket kind or FAQ the turn was
// about, "unclassified" otherwise), how often it came up and a few examples.
type ComplaintType struct {
	Type     string             `json:"type"`
	N        int                `json:"n"`
	Examples []ComplaintExample `json:"examples"`
}

// Complaints finds the complaint turns of f's period: turns with a negative
// emotion, a complaint handoff, or an after-sales ticket, grouped by type,
// most frequent first, with up to examples examples each (newest first).
func (s *Store) Complaints(ctx context.Context, f MetricsFilter, examples int) ([]ComplaintType, error) {
	if err := s.check("complaints"); err != nil {
		return nil, err
	}
	since, until := f.span(s.now())
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT t.at, t.session_id, t.user_text, t.emotion, t.faq, t.reply,
  COALESCE((SELECT k.kind FROM tickets k WHERE k.turn_id = t.id ORDER BY k.id LIMIT 1), '')
FROM turns t JOIN sessions se ON se.id = t.session_id
WHERE (? = '' OR se.shop_id = ?) AND t.at >= ? AND t.at < ? AND t.user_text != ''
  AND (t.emotion = 'negative' OR t.reply LIKE '%%"handoff_reason":"complaint"%%'
       OR EXISTS (SELECT 1 FROM tickets k WHERE k.turn_id = t.id))
ORDER BY t.at DESC LIMIT %d`, maxReportRows), f.Shop, f.Shop, since, until)
	if err != nil {
		return nil, fmt.Errorf("store: complaints: %w", err)
	}
	defer rows.Close()
	byType := map[string]*ComplaintType{}
	for rows.Next() {
		var (
			at, sess, text, emo, faq, ticket string
			reply                            sql.NullString
		)
		if err := rows.Scan(&at, &sess, &text, &emo, &faq, &reply, &ticket); err != nil {
			return nil, fmt.Errorf("store: complaints: %w", err)
		}
		typ := ticket
		if typ == "" {
			typ = faq
		}
		if typ == "" && reply.Valid {
			var r struct {
				Candidates []struct {
					FAQ string `json:"faq"`
				} `json:"candidates"`
			}
			if json.Unmarshal([]byte(reply.String), &r) == nil && len(r.Candidates) > 0 {
				typ = r.Candidates[0].FAQ
			}
		}
		if typ == "" {
			typ = "unclassified"
		}
		c := byType[typ]
		if c == nil {
			c = &ComplaintType{Type: typ, Examples: []ComplaintExample{}}
			byType[typ] = c
		}
		c.N++
		if len(c.Examples) < examples {
			t, err := parseTime(at)
			if err != nil {
				return nil, fmt.Errorf("store: complaints: %w", err)
			}
			c.Examples = append(c.Examples, ComplaintExample{At: t, Session: sess, Text: text, Emotion: emo})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: complaints: %w", err)
	}
	out := make([]ComplaintType, 0, len(byType))
	for _, c := range byType {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Type < out[j].Type
	})
	return out, nil
}

// TrainingTurn is a caller turn the bot answered with low confidence (or
// not at all), with its session's context, for scene training.
type TrainingTurn struct {
	TurnID     int64     `json:"turn_id"`
	SessionID  string    `json:"session_id"`
	Seq        int       `json:"seq"`
	At         time.Time `json:"at"`
	Lang       string    `json:"lang"`
	Text       string    `json:"text"`
	FAQ        string    `json:"faq,omitempty"`
	Confidence float64   `json:"confidence"`
	OutOfScope bool      `json:"out_of_scope"`
}

// LowConfidenceTurns lists recent caller turns of shop whose confidence is
// below `below` and which are not yet in the unresolved table (logged or
// handled there), newest first.
func (s *Store) LowConfidenceTurns(ctx context.Context, shop string, below float64, limit int) ([]TrainingTurn, error) {
	if err := s.check("low confidence turns"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.session_id, t.seq, t.at, t.lang, t.user_text, t.faq, t.confidence, t.out_of_scope
FROM turns t JOIN sessions se ON se.id = t.session_id
WHERE se.shop_id = ? AND t.user_text != '' AND t.confidence < ? AND t.action NOT IN ('agent', 'repeat', 'slower', 'louder')
  AND NOT EXISTS (SELECT 1 FROM unresolved u WHERE u.turn_id = t.id)
ORDER BY t.at DESC, t.id DESC LIMIT ?`, shop, below, limit)
	if err != nil {
		return nil, fmt.Errorf("store: low confidence turns: %w", err)
	}
	defer rows.Close()
	out := []TrainingTurn{}
	for rows.Next() {
		var (
			tt TrainingTurn
			at string
		)
		if err := rows.Scan(&tt.TurnID, &tt.SessionID, &tt.Seq, &at, &tt.Lang, &tt.Text, &tt.FAQ, &tt.Confidence, &tt.OutOfScope); err != nil {
			return nil, fmt.Errorf("store: low confidence turns: %w", err)
		}
		if tt.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: low confidence turns: %w", err)
		}
		out = append(out, tt)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: low confidence turns: %w", err)
	}
	return out, nil
}

// ResolveTurn files a low-confidence turn in the unresolved table with a
// final status (assigned, new_faq, out_of_scope) and resolution, so scene
// training keeps its context and the turn leaves LowConfidenceTurns. It
// returns the unresolved row's id, ErrNotFound for an unknown turn and
// ErrInvalid for a bad status.
func (s *Store) ResolveTurn(ctx context.Context, turnID int64, status, resolution string) (int64, error) {
	if err := s.check("resolve turn"); err != nil {
		return 0, err
	}
	if !validUnresolvedStatus(status) {
		return 0, fmt.Errorf("store: resolve turn %d: status %q: %w", turnID, status, ErrInvalid)
	}
	now := fmtTime(s.now())
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO unresolved (session_id, turn_id, shop_id, at, lang, text, top_faq,
    confidence, status, resolution, updated_at)
SELECT t.session_id, t.id, se.shop_id, t.at, t.lang, t.user_text, t.faq, t.confidence, ?, ?, ?
FROM turns t JOIN sessions se ON se.id = t.session_id WHERE t.id = ? AND t.user_text != '' RETURNING id`,
		status, resolution, now, turnID).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("store: resolve turn %d: %w", turnID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: resolve turn %d: %w", turnID, err)
	}
	return id, nil
}

// UnresolvedByID returns one unresolved question, or ErrNotFound.
func (s *Store) UnresolvedByID(ctx context.Context, id int64) (Unresolved, error) {
	if err := s.check("unresolved"); err != nil {
		return Unresolved{}, err
	}
	var (
		u           Unresolved
		turn        sql.NullInt64
		at, updated string
	)
	err := s.r.QueryRowContext(ctx, `SELECT id, session_id, shop_id, turn_id, at, lang, text, top_faq, confidence, status,
resolution, updated_at FROM unresolved WHERE id = ?`, id).Scan(&u.ID, &u.SessionID, &u.ShopID, &turn, &at, &u.Lang,
		&u.Text, &u.TopFAQ, &u.Confidence, &u.Status, &u.Resolution, &updated)
	if err == sql.ErrNoRows {
		return Unresolved{}, fmt.Errorf("store: unresolved %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Unresolved{}, fmt.Errorf("store: unresolved %d: %w", id, err)
	}
	if u.At, err = parseTime(at); err != nil {
		return Unresolved{}, fmt.Errorf("store: unresolved %d: %w", id, err)
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return Unresolved{}, fmt.Errorf("store: unresolved %d: %w", id, err)
	}
	u.TurnID = turn.Int64
	return u, nil
}
