// Package dialog is the brain: it turns a caller's turn (text or keypad digits)
// into a Reply, keeping per-session memory (product and order under discussion,
// pending slots, last answer, speech settings), running actions against the shop,
// escalating to a human, and persisting every turn before it returns.
package dialog

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/callbee/callbee/kb"
)

// Engine answers the callers of one shop. It is safe for concurrent use.
type Engine struct {
	shop  *kb.Shop
	store Store
	clock func() time.Time
	log   *slog.Logger
}

// Option configures an Engine.
type Option func(*Engine) error

// WithClock sets the time source (service hours, schedules, timestamps).
func WithClock(now func() time.Time) Option {
	return func(e *Engine) error { e.clock = now; return nil }
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) error { e.log = l; return nil }
}

// New builds the brain for shop. st persists sessions and turns.
func New(shop *kb.Shop, st Store, opts ...Option) (*Engine, error) {
	e := &Engine{shop: shop, store: st, clock: time.Now, log: slog.Default()}
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Shop returns the shop this engine answers for.
func (e *Engine) Shop() *kb.Shop { return e.shop }

// Start opens a session and returns its welcome.
func (e *Engine) Start(ctx context.Context, o StartOptions) (Welcome, error) {
	return Welcome{}, errors.New("dialog: not implemented yet")
}

// Handle answers one caller turn. The turn is durable when Handle returns.
func (e *Engine) Handle(ctx context.Context, sessionID string, in Input) (Reply, error) {
	return Reply{}, errors.New("dialog: not implemented yet")
}

// Transcript returns a session's turns.
func (e *Engine) Transcript(ctx context.Context, sessionID string) (Transcript, error) {
	return Transcript{}, errors.New("dialog: not implemented yet")
}

// Transcript is a session with its turns, for the API and the agent console.
type Transcript struct {
	Session string           `json:"session"`
	Shop    string           `json:"shop"`
	Lang    string           `json:"lang"`
	Channel string           `json:"channel"`
	Started time.Time        `json:"started"`
	Turns   []TranscriptTurn `json:"turns"`
}

// TranscriptTurn is one caller turn and the bot's reply.
type TranscriptTurn struct {
	At    time.Time `json:"at"`
	Text  string    `json:"text,omitempty"`
	DTMF  string    `json:"dtmf,omitempty"`
	Reply Reply     `json:"reply"`
}

// Store is what the brain needs of persistence.
type Store interface{}
