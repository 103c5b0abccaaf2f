// Package live keeps the sessions in progress on every door — who is
// calling, in which language, what they last asked, how they feel, the
// transcript so far — so the agent console can watch them, and lets a person
// take a session over: Hold silences the bot, Say delivers the agent's words
// through the door that owns the session, Release gives it back.
//
// Doors and the brain report into a *Registry: Begin when a session opens
// (with the door's AgentSink, if it can carry an agent's words), Caller and
// Bot for each turn, End when it closes. For dialog/voice sessions,
// VoiceObserver turns voice.Events into those calls. Text sessions of the
// HTTP API get all of it from the Brain decorator in this package.
//
// Memory is bounded: each session keeps its last MaxLines lines, ended
// sessions are kept for the console until MaxEnded more have ended, and
// subscribers get updates on bounded channels that drop their oldest update
// when full (Sub.Dropped counts them).
package live

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/callbee/callbee/dialog"
)

// Defaults.
const (
	DefaultMaxLines = 100              // lines kept per session
	DefaultMaxEnded = 200              // ended sessions kept for the console
	DefaultSubBuf   = 64               // updates buffered per subscriber
	DefaultIdle     = 30 * time.Minute // a session silent this long (and not held) counts as ended
	MaxSessions     = 20_000           // sessions tracked at once; the oldest ended go first, then the least active
	maxTextRunes    = 4000             // longest line text kept
	sweepEvery      = time.Minute      // how often idle sessions are looked for
)

// AgentSink is what a door offers to carry a person's words into a session:
// a text door queues or sends the text, a voice door speaks it by TTS. It is
// called without any registry lock held and must not block beyond ctx.
type AgentSink interface {
	SayAgent(ctx context.Context, agent, text string) error
}

// SinkFunc adapts a function to AgentSink.
type SinkFunc func(ctx context.Context, agent, text string) error

// SayAgent calls f.
func (f SinkFunc) SayAgent(ctx context.Context, agent, text string) error { return f(ctx, agent, text) }

// Recorder durably records what agents said (store.Store through an
// adapter); Say calls it after the door took the words.
type Recorder interface {
	RecordAgent(ctx context.Context, session, agent, text string, at time.Time) error
}

// Info describes a session in progress.
type Info struct {
	Session    string     `json:"session"`
	Shop       string     `json:"shop"`
	Door       string     `json:"door"` // the channel: text, sip, webrtc, ws, twilio ...
	Caller     string     `json:"caller,omitempty"`
	Lang       string     `json:"lang"`
	Started    time.Time  `json:"started"`
	LastAt     time.Time  `json:"last_at"`
	Intent     string     `json:"intent,omitempty"` // last FAQ id or action
	Confidence float64    `json:"confidence"`
	Emotion    string     `json:"emotion,omitempty"`
	Handoff    bool       `json:"handoff,omitempty"` // the brain asked for a person
	Agent      string     `json:"agent,omitempty"`   // the person holding it, "" when the bot answers
	CanReply   bool       `json:"can_reply"`         // the door takes agent replies
	Turns      int        `json:"turns"`
	Ended      *time.Time `json:"ended,omitempty"`
}

// Line is one line of a live transcript.
type Line struct {
	At         time.Time          `json:"at"`
	Who        string             `json:"who"` // caller, bot, agent, system
	Text       string             `json:"text"`
	FAQ        string             `json:"faq,omitempty"`
	Confidence float64            `json:"confidence,omitempty"`
	Emotion    string             `json:"emotion,omitempty"`
	Draft      bool               `json:"draft,omitempty"` // a bot answer nobody heard (held or assist modes)
	Candidates []dialog.Candidate `json:"candidates,omitempty"`
}

// Who values of a Line.
const (
	WhoCaller = "caller"
	WhoBot    = "bot"
	WhoAgent  = "agent"
	WhoSystem = "system"
)

// Update kinds.
const (
	UpdateBegin   = "begin"
	UpdateLine    = "line"
	UpdateHold    = "hold"
	UpdateRelease = "release"
	UpdateEnd     = "end"
)

// Update is one change a subscriber sees.
type Update struct {
	Kind string `json:"kind"`
	Info Info   `json:"info"`
	Line *Line  `json:"line,omitempty"`
}

// session is a tracked session; guarded by Registry.mu.
type session struct {
	info  Info
	lines []Line // ring of the last maxLines lines, oldest first
	sink  AgentSink
}

// Registry is the set of sessions in progress. It is safe for concurrent use.
type Registry struct {
	clock    func() time.Time
	log      *slog.Logger
	rec      Recorder
	maxLines int
	maxEnded int
	idle     time.Duration

	mu        sync.Mutex          // guards sessions, ended, subs, lastSweep
	sessions  map[string]*session // by session id
	ended     []string            // ended session ids, oldest first
	subs      map[*Sub]struct{}
	lastSweep time.Time
}

// Option configures a Registry.
type Option func(*Registry) error

// WithClock sets the time source.
func WithClock(now func() time.Time) Option {
	return func(r *Registry) error {
		if now == nil {
			return fmt.Errorf("live: nil clock")
		}
		r.clock = now
		return nil
	}
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(r *Registry) error {
		if l == nil {
			return fmt.Errorf("live: nil logger")
		}
		r.log = l
		return nil
	}
}

// WithRecorder records agents' words durably.
func WithRecorder(rec Recorder) Option {
	return func(r *Registry) error { r.rec = rec; return nil }
}

// WithLimits sets the lines kept per session and the ended sessions kept.
func WithLimits(lines, ended int) Option {
	return func(r *Registry) error {
		if lines < 1 || ended < 0 {
			return fmt.Errorf("live: limits %d lines, %d ended", lines, ended)
		}
		r.maxLines, r.maxEnded = lines, ended
		return nil
	}
}

// WithIdle sets how long a session may stay silent before it counts as
// ended (default DefaultIdle): text clients often just go away.
func WithIdle(d time.Duration) Option {
	return func(r *Registry) error {
		if d <= 0 {
			return fmt.Errorf("live: idle %v", d)
		}
		r.idle = d
		return nil
	}
}

// New returns an empty registry.
func New(opts ...Option) (*Registry, error) {
	r := &Registry{clock: time.Now, log: slog.Default(), maxLines: DefaultMaxLines, maxEnded: DefaultMaxEnded, idle: DefaultIdle,
		sessions: map[string]*session{}, subs: map[*Sub]struct{}{}}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, err
		}
	}
	r.log = r.log.With("component", "live")
	return r, nil
}

// Begin reports a session that opened (or is seen again after a restart):
// info.Session is required; a zero Started is now. sink carries agents'
// words into the session; nil means the door cannot. Beginning a known
// session updates its door facts and sink and keeps its lines and holder.
func (r *Registry) Begin(info Info, sink AgentSink) {
	if info.Session == "" {
		return
	}
	now := r.clock()
	if info.Started.IsZero() {
		info.Started = now
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[info.Session]
	if ok {
		s.info.Shop, s.info.Door, s.info.Lang = or(info.Shop, s.info.Shop), or(info.Door, s.info.Door), or(info.Lang, s.info.Lang)
		s.info.Caller = or(info.Caller, s.info.Caller)
		if sink != nil {
			s.sink = sink
		}
	} else {
		r.sweepLocked(now)
		r.evictLocked()
		info.LastAt, info.Agent, info.Ended, info.Turns = now, "", nil, 0
		s = &session{info: info, sink: sink}
		r.sessions[info.Session] = s
	}
	s.info.CanReply = s.sink != nil
	r.publishLocked(Update{Kind: UpdateBegin, Info: s.info})
}

// Known reports whether the registry tracks session.
func (r *Registry) Known(session string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.sessions[session]
	return ok
}

// Caller reports what the caller said (recognised or typed; dtmf keys as text).
func (r *Registry) Caller(session, text string) {
	r.line(session, Line{Who: WhoCaller, Text: text}, nil)
}

// Bot reports the brain's reply to a caller turn; it updates the session's
// intent, emotion and handoff flag. held marks a reply that was not
// delivered because a person holds the session.
func (r *Registry) Bot(session string, rp dialog.Reply, held bool) {
	l := Line{Who: WhoBot, Text: rp.Text, Confidence: rp.Confidence, Emotion: rp.Emotion, Draft: rp.Draft || held,
		Candidates: rp.Candidates}
	if rp.FAQ != nil {
		l.FAQ = *rp.FAQ
	}
	change := func(in *Info) {
		in.Intent = l.FAQ
		if in.Intent == "" {
			in.Intent = rp.Action
		}
		in.Confidence = rp.Confidence
		if rp.Emotion != "" {
			in.Emotion = rp.Emotion
		}
		if rp.Handoff {
			in.Handoff = true
		}
		if rp.Lang != "" {
			in.Lang = rp.Lang
		}
		in.Turns++
	}
	if l.Text == "" {
		// Nothing was said (a held session): only the session's facts change.
		r.update(session, change)
		return
	}
	r.line(session, l, change)
}

// update applies change to a session's info and tells subscribers.
func (r *Registry) update(session string, change func(*Info)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[session]
	if !ok {
		return
	}
	change(&s.info)
	s.info.LastAt = r.clock()
	r.publishLocked(Update{Kind: UpdateLine, Info: s.info})
}

// System adds a note to the transcript (hold, release, errors a person should see).
func (r *Registry) System(session, text string) {
	r.line(session, Line{Who: WhoSystem, Text: text}, nil)
}

// line appends l to a session, applying change to its info first.
func (r *Registry) line(session string, l Line, change func(*Info)) {
	if l.At.IsZero() {
		l.At = r.clock()
	}
	l.Text = clip(l.Text)
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[session]
	if !ok {
		return
	}
	if change != nil {
		change(&s.info)
	}
	s.info.LastAt = l.At
	if len(s.lines) >= r.maxLines {
		copy(s.lines, s.lines[1:])
		s.lines = s.lines[:len(s.lines)-1]
	}
	s.lines = append(s.lines, l)
	r.publishLocked(Update{Kind: UpdateLine, Info: s.info, Line: &l})
}

// End reports that a session is over. It stays visible until MaxEnded more
// sessions have ended.
func (r *Registry) End(session string) {
	now := r.clock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.sessions[session]; ok {
		r.endLocked(s, now)
	}
}

// endLocked marks s ended at now and drops the oldest ended sessions beyond maxEnded.
func (r *Registry) endLocked(s *session, now time.Time) {
	if s.info.Ended != nil {
		return
	}
	s.info.Ended = &now
	s.info.Agent = ""
	s.sink = nil
	s.info.CanReply = false
	r.ended = append(r.ended, s.info.Session)
	for len(r.ended) > r.maxEnded {
		delete(r.sessions, r.ended[0])
		r.ended = r.ended[1:]
	}
	r.publishLocked(Update{Kind: UpdateEnd, Info: s.info})
}

// sweepLocked ends sessions silent for longer than idle (not those a person
// holds), at most once per sweepEvery.
func (r *Registry) sweepLocked(now time.Time) {
	if now.Sub(r.lastSweep) < sweepEvery {
		return
	}
	r.lastSweep = now
	for _, s := range r.sessions {
		if s.info.Ended == nil && s.info.Agent == "" && now.Sub(s.info.LastAt) > r.idle {
			r.endLocked(s, now)
		}
	}
}

// evictLocked makes room for one more session when MaxSessions are tracked:
// the oldest ended session goes first, else the least recently active one.
func (r *Registry) evictLocked() {
	if len(r.sessions) < MaxSessions {
		return
	}
	if len(r.ended) > 0 {
		delete(r.sessions, r.ended[0])
		r.ended = r.ended[1:]
		return
	}
	var oldest *session
	for _, s := range r.sessions {
		if oldest == nil || s.info.LastAt.Before(oldest.info.LastAt) {
			oldest = s
		}
	}
	if oldest != nil {
		delete(r.sessions, oldest.info.Session)
	}
}

// Hold gives session to agent: the bot stays silent while it is held. An
// agent may hold a session it already holds; another agent gets ErrHeld.
func (r *Registry) Hold(session, agent string) error {
	if agent == "" {
		return fmt.Errorf("live: hold %s: no agent", session)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[session]
	if !ok {
		return fmt.Errorf("hold %s: %w", session, ErrUnknownSession)
	}
	if s.info.Ended != nil {
		return fmt.Errorf("hold %s: %w", session, ErrEnded)
	}
	if s.info.Agent != "" && s.info.Agent != agent {
		return fmt.Errorf("hold %s (held by %s): %w", session, s.info.Agent, ErrHeld)
	}
	s.info.Agent = agent
	r.publishLocked(Update{Kind: UpdateHold, Info: s.info})
	return nil
}

// Release gives session back to the bot. Releasing a session nobody holds is not an error.
func (r *Registry) Release(session string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[session]
	if !ok {
		return fmt.Errorf("release %s: %w", session, ErrUnknownSession)
	}
	s.info.Agent = ""
	r.publishLocked(Update{Kind: UpdateRelease, Info: s.info})
	return nil
}

// Held reports whether a person holds session.
func (r *Registry) Held(session string) bool { return r.Holder(session) != "" }

// Holder returns the agent holding session, "" when the bot answers.
func (r *Registry) Holder(session string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.sessions[session]; ok {
		return s.info.Agent
	}
	return ""
}

// Say delivers agent's text into session through its door's sink, records
// it (WithRecorder) and adds it to the live transcript. The agent must hold
// the session. The sink runs without the registry lock.
func (r *Registry) Say(ctx context.Context, session, agent, text string) error {
	r.mu.Lock()
	s, ok := r.sessions[session]
	var (
		sink   AgentSink
		holder string
		ended  bool
	)
	if ok {
		sink, holder, ended = s.sink, s.info.Agent, s.info.Ended != nil
	}
	r.mu.Unlock()
	switch {
	case !ok:
		return fmt.Errorf("say %s: %w", session, ErrUnknownSession)
	case ended:
		return fmt.Errorf("say %s: %w", session, ErrEnded)
	case holder != agent || agent == "":
		return fmt.Errorf("say %s: %w", session, ErrNotHeld)
	case sink == nil:
		return fmt.Errorf("say %s: %w", session, ErrNoSink)
	}
	if err := sink.SayAgent(ctx, agent, text); err != nil {
		return fmt.Errorf("live: say %s: %w", session, err)
	}
	at := r.clock()
	if r.rec != nil {
		if err := r.rec.RecordAgent(ctx, session, agent, text, at); err != nil {
			// The caller already has the words; the console still shows them.
			r.log.Warn("recording an agent's reply failed", "session", session, "err", err)
		}
	}
	r.line(session, Line{At: at, Who: WhoAgent, Text: agent + ": " + text}, nil)
	return nil
}

// Sessions lists the tracked sessions: in progress first (newest first), then ended ones.
func (r *Registry) Sessions() []Info {
	now := r.clock()
	r.mu.Lock()
	r.sweepLocked(now)
	out := make([]Info, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s.info)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Ended == nil) != (out[j].Ended == nil) {
			return out[i].Ended == nil
		}
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].Session < out[j].Session
	})
	return out
}

// Session returns a tracked session and a copy of its lines.
func (r *Registry) Session(session string) (Info, []Line, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[session]
	if !ok {
		return Info{}, nil, false
	}
	return s.info, append([]Line(nil), s.lines...), true
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func clip(s string) string {
	n := 0
	for i := range s {
		if n == maxTextRunes {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
