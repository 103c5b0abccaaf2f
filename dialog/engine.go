// Package dialog is the brain: it turns a caller's turn (text or keypad digits)
// into a Reply, keeping per-session memory (product and order under discussion,
// pending slots, last answer, speech settings), running actions against the shop,
// escalating to a human, and persisting every turn before it returns.
package dialog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu"
	"github.com/callbee/callbee/nlu/normalize"
	"github.com/callbee/callbee/store"
)

// Store is what the brain needs of persistence. *store.Store implements it.
type Store interface {
	CreateSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, id string) (store.Session, error)
	Turns(ctx context.Context, sessionID string) ([]store.Turn, error)
	CommitTurn(ctx context.Context, w store.TurnWrite) (store.TurnIDs, error)
	RestartSession(ctx context.Context, s store.Session) error
}

var _ Store = (*store.Store)(nil)

// Engine answers the callers of one shop. It is safe for concurrent use;
// turns of one session are serialised.
type Engine struct {
	shop  *kb.Shop
	nlu   *nlu.Analyzer
	store Store
	clock func() time.Time
	log   *slog.Logger
	loc   *time.Location

	orderLen [2]int // shortest and longest order number the shop uses
	// wording holds each FAQ's normalised question and phrasings per language
	// ("id\x00lang"), read when a product question names no fact of its own.
	wording map[string]string

	onDuty func(time.Time) bool // agents on duty; default: the shop's service hours
	modes  *modeSwitch

	locks [64]sync.Mutex // striped per-session locks: one turn of a session at a time
}

// Option configures an Engine.
type Option func(*Engine) error

// WithClock sets the time source (service hours, schedules, timestamps).
func WithClock(now func() time.Time) Option {
	return func(e *Engine) error {
		if now == nil {
			return errors.New("dialog: nil clock")
		}
		e.clock = now
		return nil
	}
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) error {
		if l != nil {
			e.log = l
		}
		return nil
	}
}

// WithAnalyzer shares an already built analyzer (it must be for the same shop).
func WithAnalyzer(a *nlu.Analyzer) Option {
	return func(e *Engine) error { e.nlu = a; return nil }
}

// WithAgentsOnDuty overrides how the brain learns whether people are on duty
// (default: the shop's service hours in its time zone).
func WithAgentsOnDuty(f func(time.Time) bool) Option {
	return func(e *Engine) error { e.onDuty = f; return nil }
}

// WithModes sets the service-mode schedule.
func WithModes(s Schedule) Option {
	return func(e *Engine) error {
		if err := s.Validate(); err != nil {
			return err
		}
		e.modes.setSchedule(s)
		return nil
	}
}

// New builds the brain for shop. st persists sessions and turns.
func New(shop *kb.Shop, st Store, opts ...Option) (*Engine, error) {
	if shop == nil || st == nil {
		return nil, errors.New("dialog: New needs a shop and a store")
	}
	e := &Engine{shop: shop, store: st, clock: time.Now, log: slog.Default(), loc: shop.Location(),
		modes: newModeSwitch()}
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	if e.nlu == nil {
		a, err := nlu.New(shop)
		if err != nil {
			return nil, fmt.Errorf("dialog: %w", err)
		}
		e.nlu = a
	}
	if e.onDuty == nil {
		hours, err := parseHours(shop.Shop.ServiceHours)
		if err != nil {
			return nil, fmt.Errorf("dialog: shop service_hours: %w", err)
		}
		e.onDuty = func(t time.Time) bool { return hours.contains(t.In(e.loc)) }
	}
	e.orderLen = [2]int{8, 20}
	for i, o := range shop.Orders {
		if i == 0 || len(o.ID) < e.orderLen[0] {
			e.orderLen[0] = len(o.ID)
		}
		if i == 0 || len(o.ID) > e.orderLen[1] {
			e.orderLen[1] = len(o.ID)
		}
	}
	e.wording = make(map[string]string, 2*len(shop.FAQs))
	for _, q := range shop.FAQs {
		for _, lang := range []string{kb.LangZH, kb.LangEN} {
			var b strings.Builder
			b.WriteString(normalize.Normalize(q.Question.Get(lang), lang))
			for _, ph := range q.Phrasings.Get(lang) {
				b.WriteByte(' ')
				b.WriteString(normalize.Normalize(ph, lang))
			}
			e.wording[q.ID+"\x00"+lang] = b.String()
		}
	}
	e.log = e.log.With("component", "dialog", "shop", shop.ID())
	return e, nil
}

// faqWording returns FAQ id's normalised question and phrasings in lang.
func (e *Engine) faqWording(id, lang string) string { return e.wording[id+"\x00"+lang] }

// Shop returns the shop this engine answers for.
func (e *Engine) Shop() *kb.Shop { return e.shop }

// Analyzer returns the engine's language understanding (for scene training).
func (e *Engine) Analyzer() *nlu.Analyzer { return e.nlu }

// AgentsOnDuty reports whether people are on duty at t.
func (e *Engine) AgentsOnDuty(t time.Time) bool { return e.onDuty(t) }

func (e *Engine) lock(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &e.locks[h.Sum32()%uint32(len(e.locks))]
	m.Lock()
	return m.Unlock
}

func newSessionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func checkLang(lang string) error {
	if lang != kb.LangZH && lang != kb.LangEN {
		return fmt.Errorf("%w: %q (want zh or en)", ErrBadLang, lang)
	}
	return nil
}

// Start opens a session and returns its welcome.
func (e *Engine) Start(ctx context.Context, o StartOptions) (Welcome, error) {
	now := e.clock()
	w, st, err := e.welcome(o, now)
	if err != nil {
		return Welcome{}, err
	}
	blob, err := st.marshal()
	if err != nil {
		return Welcome{}, err
	}
	err = e.store.CreateSession(ctx, store.Session{ID: w.Session, ShopID: e.shop.ID(), Lang: w.Lang,
		Channel: st.Channel, Caller: o.Caller, Mode: w.Mode, StartedAt: now, UpdatedAt: now, State: blob})
	if err != nil {
		return Welcome{}, fmt.Errorf("dialog: start session: %w", err)
	}
	return w, nil
}

// welcome checks start options and builds a new session's welcome and state.
func (e *Engine) welcome(o StartOptions, now time.Time) (Welcome, *state, error) {
	if o.Lang == "" {
		o.Lang = kb.LangZH
	}
	if err := checkLang(o.Lang); err != nil {
		return Welcome{}, nil, err
	}
	if o.SessionID == "" {
		o.SessionID = newSessionID()
	}
	if len(o.SessionID) > 128 {
		return Welcome{}, nil, fmt.Errorf("%w: session id longer than 128 bytes", ErrBadInput)
	}
	if o.Channel == "" {
		o.Channel = "text"
	}
	text := e.shop.Fill(e.shop.Shop.Welcome.Get(o.Lang), o.Lang)
	st := &state{Shop: e.shop.ID(), Lang: o.Lang, Channel: o.Channel, Caller: o.Caller,
		Speech: defaultSpeech(), LastText: text}
	return Welcome{Session: o.SessionID, Text: text, Cards: e.cards(o.Lang), Speech: st.Speech,
		Lang: o.Lang, Mode: e.ModeAt(now)}, st, nil
}

// Resume continues session o.SessionID when it exists, has not ended,
// belongs to this shop and was used within idle; otherwise it starts the
// session (over). started reports a new start, whose welcome is returned.
// Text doors that name their own session ids (`callbee ask --session`) use it.
func (e *Engine) Resume(ctx context.Context, o StartOptions, idle time.Duration) (w Welcome, started bool, err error) {
	if o.SessionID == "" {
		w, err = e.Start(ctx, o)
		return w, err == nil, err
	}
	sess, err := e.store.Session(ctx, o.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		w, err = e.Start(ctx, o)
		if errors.Is(err, store.ErrExists) { // another process created it meanwhile
			return Welcome{Session: o.SessionID, Lang: o.Lang}, false, nil
		}
		return w, err == nil, err
	}
	if err != nil {
		return Welcome{}, false, fmt.Errorf("dialog: load session: %w", err)
	}
	now := e.clock()
	if sess.ShopID == e.shop.ID() && sess.EndedAt == nil && now.Sub(sess.UpdatedAt) <= idle {
		return Welcome{Session: sess.ID, Lang: sess.Lang, Mode: e.ModeAt(now)}, false, nil
	}
	w, st, err := e.welcome(o, now)
	if err != nil {
		return Welcome{}, false, err
	}
	blob, err := st.marshal()
	if err != nil {
		return Welcome{}, false, err
	}
	err = e.store.RestartSession(ctx, store.Session{ID: o.SessionID, ShopID: e.shop.ID(), Lang: o.Lang,
		Channel: o.Channel, Caller: o.Caller, Mode: w.Mode, StartedAt: now, UpdatedAt: now, State: blob})
	if err != nil {
		return Welcome{}, false, fmt.Errorf("dialog: restart session: %w", err)
	}
	return w, true, nil
}

func defaultSpeech() Speech { return Speech{Rate: 1, Volume: 1} }

// cards returns the welcome question cards with their keypad keys.
func (e *Engine) cards(lang string) []Card {
	out := []Card{}
	for _, id := range e.shop.Shop.Cards {
		q := e.shop.FAQ(id)
		if q == nil || !e.shop.Active(id) || len(out) >= kb.MaxCards {
			continue
		}
		out = append(out, Card{Key: fmt.Sprint(len(out) + 1), FAQ: id, Question: q.Question.Get(lang)})
	}
	return out
}

// Handle answers one caller turn. The turn is durable when Handle returns.
func (e *Engine) Handle(ctx context.Context, sessionID string, in Input) (Reply, error) {
	if err := checkInput(in); err != nil {
		return Reply{}, err
	}
	unlock := e.lock(sessionID)
	defer unlock()
	sess, err := e.store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return Reply{}, fmt.Errorf("%w: %q", ErrUnknownSession, sessionID)
	}
	if err != nil {
		return Reply{}, fmt.Errorf("dialog: load session: %w", err)
	}
	if sess.ShopID != e.shop.ID() {
		return Reply{}, fmt.Errorf("%w: %q", ErrShopMismatch, sessionID)
	}
	if sess.EndedAt != nil {
		return Reply{}, fmt.Errorf("%w: %q", ErrSessionEnded, sessionID)
	}
	st, err := unmarshalState(sess.State)
	if err != nil {
		return Reply{}, err
	}
	if st.Lang == "" {
		st.Lang = sess.Lang
	}
	if st.Speech.Rate == 0 {
		st.Speech = defaultSpeech()
	}
	start := time.Now()
	t := &turn{e: e, ctx: ctx, st: st, in: in, now: e.clock(), sessionID: sessionID, lang: st.Lang}
	t.run()
	r := &t.r
	blob, err := st.marshal()
	if err != nil {
		return Reply{}, err
	}
	replyJSON, err := json.Marshal(r)
	if err != nil {
		return Reply{}, fmt.Errorf("dialog: encode reply: %w", err)
	}
	faq := ""
	if r.FAQ != nil {
		faq = *r.FAQ
	}
	w := store.TurnWrite{
		SessionID: sessionID,
		State:     blob,
		Turn: store.Turn{SessionID: sessionID, At: t.now, Lang: t.lang, UserText: in.Text, DTMF: in.DTMF,
			Reply: replyJSON, FAQ: faq, Action: r.Action, Confidence: r.Confidence, OutOfScope: r.OutOfScope,
			Emotion: r.Emotion, Handoff: r.Handoff, LatencyUS: time.Since(start).Microseconds()},
		Handoff:    t.handoff,
		Ticket:     t.ticket,
		Unresolved: t.unresolved,
		LinkOrder:  t.linkOrder,
		EndSession: r.EndCall,
	}
	ids, err := e.store.CommitTurn(ctx, w)
	if err != nil {
		return Reply{}, fmt.Errorf("dialog: save turn: %w", err)
	}
	if t.ticket != nil {
		id := ids.Ticket
		r.Ticket = &id
	}
	r.Turn = ids.Seq
	return *r, nil
}

func checkInput(in Input) error {
	if in.Text == "" && in.DTMF == "" {
		return fmt.Errorf("%w: empty turn (need text or dtmf)", ErrBadInput)
	}
	if !utf8.ValidString(in.Text) {
		return fmt.Errorf("%w: text is not valid UTF-8", ErrBadInput)
	}
	if n := utf8.RuneCountInString(in.Text); n > MaxTextLen {
		return fmt.Errorf("%w: text of %d characters, at most %d", ErrBadInput, n, MaxTextLen)
	}
	if len(in.DTMF) > 32 {
		return fmt.Errorf("%w: dtmf longer than 32 keys", ErrBadInput)
	}
	if !(in.ASRConfidence >= 0 && in.ASRConfidence <= 1) { // NaN fails too
		return fmt.Errorf("%w: asr_confidence %v outside 0-1", ErrBadInput, in.ASRConfidence)
	}
	for _, c := range in.DTMF {
		if !(c >= '0' && c <= '9' || c == '*' || c == '#' || c >= 'A' && c <= 'D') {
			return fmt.Errorf("%w: dtmf key %q (want 0-9 * # A-D)", ErrBadInput, c)
		}
	}
	return nil
}

// Transcript returns a session's turns.
func (e *Engine) Transcript(ctx context.Context, sessionID string) (Transcript, error) {
	sess, err := e.store.Session(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return Transcript{}, fmt.Errorf("%w: %q", ErrUnknownSession, sessionID)
	}
	if err != nil {
		return Transcript{}, fmt.Errorf("dialog: load session: %w", err)
	}
	turns, err := e.store.Turns(ctx, sessionID)
	if err != nil {
		return Transcript{}, fmt.Errorf("dialog: load turns: %w", err)
	}
	tr := Transcript{Session: sess.ID, Shop: sess.ShopID, Lang: sess.Lang, Channel: sess.Channel,
		Started: sess.StartedAt, Turns: make([]TranscriptTurn, 0, len(turns))}
	if sess.EndedAt != nil {
		tr.Ended = sess.EndedAt
	}
	for _, t := range turns {
		tt := TranscriptTurn{At: t.At, Text: t.UserText, DTMF: t.DTMF}
		if err := json.Unmarshal(t.Reply, &tt.Reply); err != nil {
			return Transcript{}, fmt.Errorf("dialog: turn %d reply: %w", t.Seq, err)
		}
		tr.Turns = append(tr.Turns, tt)
	}
	return tr, nil
}

// Transcript is a session with its turns, for the API and the agent console.
type Transcript struct {
	Session string           `json:"session"`
	Shop    string           `json:"shop"`
	Lang    string           `json:"lang"`
	Channel string           `json:"channel"`
	Started time.Time        `json:"started"`
	Ended   *time.Time       `json:"ended,omitempty"`
	Turns   []TranscriptTurn `json:"turns"`
}

// TranscriptTurn is one caller turn and the bot's reply.
type TranscriptTurn struct {
	At    time.Time `json:"at"`
	Text  string    `json:"text,omitempty"`
	DTMF  string    `json:"dtmf,omitempty"`
	Reply Reply     `json:"reply"`
}
