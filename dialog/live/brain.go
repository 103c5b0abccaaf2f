package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/nlu"
	"github.com/callbee/callbee/nlu/emotion"
	"github.com/callbee/callbee/store"
)

// Engine is the brain the decorator wraps; *dialog.Engine is one.
type Engine interface {
	Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error)
	Handle(ctx context.Context, sessionID string, in dialog.Input) (dialog.Reply, error)
	Transcript(ctx context.Context, sessionID string) (dialog.Transcript, error)
}

// Store is what the decorator needs of persistence; *store.Store is one.
type Store interface {
	CommitTurn(ctx context.Context, w store.TurnWrite) (store.TurnIDs, error)
	AgentMessages(ctx context.Context, sessionID string) ([]store.AgentMessage, error)
}

var (
	_ Store       = (*store.Store)(nil)
	_ Engine      = (*dialog.Engine)(nil)
	_ voice.Brain = (*Brain)(nil)
)

// ActionAgent is the Reply.Action of a caller turn taken while a person
// holds the session, and of an agent's message in a transcript.
const ActionAgent = "agent"

// Brain decorates a shop's brain for text sessions (the HTTP API) and for
// voice sessions (voice.Brain; together with WatchCalls): it
// reports sessions and turns into the registry and, while a person holds a
// session, keeps the bot silent.
//
// While held, Handle does not run the brain: it records the caller's turn
// (text, keys, emotion) in the store with an empty reply and returns a Reply
// with Text "" and Action "agent", so a text client shows nothing from the
// bot and a voice session (which speaks nothing for an empty text) stays
// silent. Handoff is false: the session is already with a person, and
// doors that announce handoffs should not repeat it every turn.
// The agent's replies (Registry.Say, recorded through StoreRecorder) reach
// the client through Transcript, which merges them in as turns with Action
// "agent" and no caller text: a client polls GET /api/v1/sessions/{id}.
type Brain struct {
	e    Engine
	shop string
	reg  *Registry
	st   Store
}

// Wrap decorates e, the brain of shop. reg must record agents' words with a
// StoreRecorder on the same store for Transcript to show them.
func Wrap(shop string, e Engine, reg *Registry, st Store) *Brain {
	return &Brain{e: e, shop: shop, reg: reg, st: st}
}

// Unwrap returns the decorated brain.
func (b *Brain) Unwrap() Engine { return b.e }

// PullSink is the AgentSink of text sessions whose client pulls the
// transcript: the words are delivered by being recorded (Registry's
// Recorder), so SayAgent has nothing more to do.
var PullSink AgentSink = SinkFunc(func(context.Context, string, string) error { return nil })

// Start opens a session with the brain and reports it.
func (b *Brain) Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error) {
	w, err := b.e.Start(ctx, o)
	if err != nil {
		return w, err
	}
	door := o.Channel
	if door == "" {
		door = "text"
	}
	b.reg.Begin(Info{Session: w.Session, Shop: b.shop, Door: door, Caller: o.Caller, Lang: w.Lang}, PullSink)
	if w.Text != "" {
		b.reg.line(w.Session, Line{Who: WhoBot, Text: w.Text}, nil)
	}
	return w, nil
}

// Handle answers a caller turn, or records it silently while a person holds the session.
func (b *Brain) Handle(ctx context.Context, sessionID string, in dialog.Input) (dialog.Reply, error) {
	if !b.reg.Known(sessionID) {
		// A session opened before a restart: learn its door from the transcript.
		t, err := b.e.Transcript(ctx, sessionID)
		if err != nil {
			return dialog.Reply{}, err
		}
		b.reg.Begin(Info{Session: sessionID, Shop: or(t.Shop, b.shop), Door: t.Channel, Lang: t.Lang, Started: t.Started}, PullSink)
	}
	said := in.Text
	if said == "" && in.DTMF != "" {
		said = "[keypad " + in.DTMF + "]"
	}
	if b.reg.Held(sessionID) {
		b.reg.Caller(sessionID, said)
		rp, err := b.held(ctx, sessionID, in)
		if err != nil {
			return dialog.Reply{}, err
		}
		b.reg.Bot(sessionID, rp, true)
		return rp, nil
	}
	rp, err := b.e.Handle(ctx, sessionID, in)
	if err != nil {
		return rp, err
	}
	b.reg.Caller(sessionID, said)
	b.reg.Bot(sessionID, rp, false)
	if rp.EndCall {
		b.reg.End(sessionID)
	}
	return rp, nil
}

// held records a caller turn of a held session without the bot.
func (b *Brain) held(ctx context.Context, sessionID string, in dialog.Input) (dialog.Reply, error) {
	if err := checkInput(in); err != nil {
		return dialog.Reply{}, err
	}
	info, _, _ := b.reg.Session(sessionID)
	if info.Shop != "" && info.Shop != b.shop {
		return dialog.Reply{}, fmt.Errorf("%w: %q", dialog.ErrShopMismatch, sessionID)
	}
	lang := info.Lang
	if in.Text != "" {
		lang = nlu.DetectLang(in.Text, lang)
	}
	emo := emotion.Result{Label: emotion.Neutral}
	if in.Text != "" {
		emo = emotion.Detect(in.Text, lang)
	}
	rp := dialog.Reply{Session: sessionID, Action: ActionAgent, Emotion: emo.Label,
		Intensity: emo.Intensity, Lang: lang, Related: []string{}, Speech: dialog.Speech{Rate: 1, Volume: 1}}
	blob, err := json.Marshal(rp)
	if err != nil {
		return dialog.Reply{}, fmt.Errorf("live: encode reply: %w", err)
	}
	ids, err := b.st.CommitTurn(ctx, store.TurnWrite{SessionID: sessionID, Turn: store.Turn{Lang: lang,
		UserText: in.Text, DTMF: in.DTMF, Reply: blob, Action: ActionAgent, Emotion: emo.Label}})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return dialog.Reply{}, fmt.Errorf("%w: %q", dialog.ErrUnknownSession, sessionID)
	case errors.Is(err, store.ErrSessionEnded):
		return dialog.Reply{}, fmt.Errorf("%w: %q", dialog.ErrSessionEnded, sessionID)
	case err != nil:
		return dialog.Reply{}, fmt.Errorf("live: save held turn: %w", err)
	}
	rp.Turn = ids.Seq
	return rp, nil
}

// checkInput applies the brain's input rules to a held turn.
func checkInput(in dialog.Input) error {
	if in.Text == "" && in.DTMF == "" {
		return fmt.Errorf("%w: empty turn (need text or dtmf)", dialog.ErrBadInput)
	}
	if len([]rune(in.Text)) > dialog.MaxTextLen {
		return fmt.Errorf("%w: text longer than %d characters", dialog.ErrBadInput, dialog.MaxTextLen)
	}
	return nil
}

// Transcript returns the brain's transcript with the agents' messages merged
// in by time, as turns with Action "agent" and no caller text.
func (b *Brain) Transcript(ctx context.Context, sessionID string) (dialog.Transcript, error) {
	t, err := b.e.Transcript(ctx, sessionID)
	if err != nil {
		return t, err
	}
	msgs, err := b.st.AgentMessages(ctx, sessionID)
	if err != nil {
		return dialog.Transcript{}, fmt.Errorf("live: agent messages: %w", err)
	}
	if len(msgs) == 0 {
		return t, nil
	}
	for _, m := range msgs {
		t.Turns = append(t.Turns, dialog.TranscriptTurn{At: m.At, Reply: dialog.Reply{Session: sessionID,
			Text: m.Text, Action: ActionAgent, Lang: t.Lang, Related: []string{}, Speech: dialog.Speech{Rate: 1, Volume: 1}}})
	}
	sort.SliceStable(t.Turns, func(i, j int) bool { return t.Turns[i].At.Before(t.Turns[j].At) })
	return t, nil
}

// StoreRecorder records agents' words in the store's agent_messages.
type StoreRecorder struct {
	St interface {
		AddAgentMessage(ctx context.Context, m store.AgentMessage) (int64, error)
	}
}

// RecordAgent implements Recorder.
func (r StoreRecorder) RecordAgent(ctx context.Context, session, agent, text string, at time.Time) error {
	_, err := r.St.AddAgentMessage(ctx, store.AgentMessage{SessionID: session, Agent: agent, Text: text, At: at})
	return err
}
