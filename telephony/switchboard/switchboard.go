// Package switchboard answers the calls every door brings: it finds the
// shop's brain, the recogniser compiled for that shop and the synthesiser
// for the rate the recogniser runs at, converts between the door's sample
// rate and that rate, and runs one voice.Session per call. It is the
// telephony.Answerer (and telephony.Brains) that `callbee serve` hands to
// the SIP, WebRTC and WebSocket doors.
//
// Speech engines come from a Speech: Offline (pocketsphinx + espeak-ng,
// compiled per shop, cached, with the shop's static answers synthesised in
// the background the first time a shop is called) or any other set of
// engines (the Google Cloud ones).
package switchboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/resample"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/tts"
)

// Line is one shop as the switchboard sees it.
type Line struct {
	Shop  *kb.Shop
	Brain voice.Brain
	// Static lists what the brain says in a language regardless of the
	// caller (dialog.Engine.StaticTexts); it is synthesised ahead of time.
	// May be nil.
	Static func(lang string) []string
}

// Lines finds the line of a shop; "" is the default shop.
type Lines interface {
	Line(shop string) (Line, bool)
}

// Recognition is what a Speech gives for one call.
type Recognition struct {
	Recognizer asr.Recognizer
	// Rate is the sample rate the recogniser wants; the session runs at it.
	Rate int
	// Pick chooses between parallel searches (nil: asr.PickBy(asr.DefaultTrust)).
	Pick asr.PickFunc
}

// Speech provides the engines of a call.
type Speech interface {
	// Recognition returns the recogniser of shop for lang, chosen for a
	// door whose audio is at doorRate.
	Recognition(ctx context.Context, shop *kb.Shop, lang string, doorRate int) (Recognition, error)
	// Synthesizer returns a synthesiser producing audio at rate (it may
	// produce another rate; the session converts).
	Synthesizer(ctx context.Context, rate int) (tts.Synthesizer, error)
	// Warm synthesises texts() in the background for a voice at rate,
	// once per shop, language and rate (texts is only called then); it
	// never blocks on synthesis.
	Warm(shop *kb.Shop, lang string, rate int, texts func() []string)
}

// TraceStore keeps the voice traces of turns (*store.Store).
type TraceStore interface {
	SetTurnTrace(ctx context.Context, sessionID string, seq int, response time.Duration, trace json.RawMessage) error
}

// StoreTraces is a turn observer (WithTurnObserver) that records each
// turn's response latency and trace in st; failures are logged.
func StoreTraces(st TraceStore, log *slog.Logger) func(telephony.Call, string, voice.Turn) {
	return func(c telephony.Call, session string, t voice.Turn) {
		if t.Reply.Turn == 0 || t.Trace.Latency() <= 0 {
			return // failed or unanswered turn: nothing committed or nothing heard
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := st.SetTurnTrace(ctx, session, t.Reply.Turn, t.Trace.Latency(), t.Trace.MillisJSON()); err != nil {
			log.Warn("store turn trace", "door", c.Door, "session", session, "err", err)
		}
	}
}

// Switchboard answers calls. It is safe for concurrent use.
type Switchboard struct {
	lines  Lines
	speech Speech
	log    *slog.Logger
	clock  media.Clock
	onTurn func(c telephony.Call, session string, t voice.Turn)
}

var (
	_ telephony.Answerer = (*Switchboard)(nil)
	_ telephony.Brains   = (*Switchboard)(nil)
)

// Option configures New.
type Option func(*Switchboard)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(s *Switchboard) {
		if l != nil {
			s.log = l
		}
	}
}

// WithClock sets the clock calls are paced and traced with (voice.FastClock
// runs file-driven calls faster than real time); default media.SystemClock.
func WithClock(c media.Clock) Option { return func(s *Switchboard) { s.clock = c } }

// WithTurnObserver calls fn as soon as each caller turn of every call is
// over (for the store's traces and metrics). fn runs on the call's
// goroutine: keep it short.
func WithTurnObserver(fn func(c telephony.Call, session string, t voice.Turn)) Option {
	return func(s *Switchboard) { s.onTurn = fn }
}

// New returns a switchboard over lines using speech.
func New(lines Lines, speech Speech, opts ...Option) (*Switchboard, error) {
	if lines == nil || speech == nil {
		return nil, errors.New("switchboard: lines and speech are required")
	}
	s := &Switchboard{lines: lines, speech: speech, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("component", "switchboard")
	return s, nil
}

// Brain returns the brain of shop ("" is the default shop) for text-only
// sessions at a door.
func (s *Switchboard) Brain(shop string) (voice.Brain, bool) {
	l, ok := s.lines.Line(shop)
	if !ok {
		return nil, false
	}
	return l.Brain, true
}

// ShopLang is lang when the shop offers it, or the shop's first language
// when lang is empty.
func ShopLang(shop *kb.Shop, lang string) (string, error) {
	offered := func(l string) bool { return shop.Shop.Welcome[l] != "" }
	if lang == "" {
		for _, l := range []string{kb.LangZH, kb.LangEN} {
			if offered(l) {
				return l, nil
			}
		}
		return kb.LangZH, nil
	}
	if lang != kb.LangZH && lang != kb.LangEN {
		return "", fmt.Errorf("switchboard: lang %q: %w", lang, ErrNoLanguage)
	}
	return lang, nil
}

// Answer runs call c until it ends (see telephony.Answerer).
func (s *Switchboard) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	line, ok := s.lines.Line(c.Shop)
	if !ok {
		return telephony.Result{}, fmt.Errorf("switchboard: shop %q: %w", c.Shop, ErrUnknownShop)
	}
	if !media.ValidRate(c.Rate) {
		return telephony.Result{}, fmt.Errorf("switchboard: door rate %d: %w", c.Rate, media.ErrBadRate)
	}
	lang, err := ShopLang(line.Shop, c.Lang)
	if err != nil {
		return telephony.Result{}, err
	}
	rec, err := s.speech.Recognition(ctx, line.Shop, lang, c.Rate)
	if err != nil {
		return telephony.Result{}, fmt.Errorf("switchboard: speech recognition: %w", err)
	}
	syn, err := s.speech.Synthesizer(ctx, rec.Rate)
	if err != nil {
		return telephony.Result{}, fmt.Errorf("switchboard: speech synthesis: %w", err)
	}
	if line.Static != nil {
		s.speech.Warm(line.Shop, lang, rec.Rate, func() []string { return line.Static(lang) })
	}
	if c.Rate != rec.Rate {
		if in, err = resample.NewReader(in, rec.Rate); err != nil {
			return telephony.Result{}, fmt.Errorf("switchboard: %w", err)
		}
		if out, err = resample.NewWriter(out, c.Rate); err != nil {
			return telephony.Result{}, fmt.Errorf("switchboard: %w", err)
		}
	}
	log := s.log.With("door", c.Door, "call", c.ID, "shop", line.Shop.ID(), "lang", lang)
	var sess *voice.Session
	onEvent := func(ev voice.Event) {
		switch {
		case ev.Kind == voice.EventWelcome && c.OnStart != nil:
			c.OnStart(sess) // the session runs: its controls work from now on
		case ev.Kind == voice.EventTurn && ev.Turn != nil && s.onTurn != nil:
			s.onTurn(c, ev.Session, *ev.Turn)
		}
		if c.OnEvent != nil {
			c.OnEvent(ev)
		}
	}
	sess, err = voice.New(line.Brain, rec.Recognizer, syn, voice.Config{
		Lang: lang, Rate: rec.Rate, Channel: c.Door, Caller: c.Caller, Pick: rec.Pick,
		Opening: c.Opening, OnEvent: onEvent, Logger: log, Clock: s.clock,
	})
	if err != nil {
		return telephony.Result{}, fmt.Errorf("switchboard: %w", err)
	}
	log.Info("call answered", "caller", c.Caller, "door_rate", c.Rate, "rate", rec.Rate)
	turns, err := sess.Run(ctx, in, dtmf, out)
	res := telephony.Result{Session: sess.ID(), Turns: turns}
	for i := range turns {
		if turns[i].Reply.Handoff {
			r := turns[i].Reply
			res.Handoff = &r
		}
	}
	log.Info("call ended", "turns", len(turns), "p50_ms", voice.Percentile(turns, 50).Milliseconds(),
		"handoff", res.Handoff != nil, "err", err)
	if err != nil {
		return res, fmt.Errorf("switchboard: %w", err)
	}
	return res, nil
}
