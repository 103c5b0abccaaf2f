// Package voice owns the call session: the door-agnostic loop that joins a
// caller's audio (a media.Reader of frames, plus DTMF events) and the bot's
// audio sink (a media.Writer) to one brain session (dialog.Engine).
//
// Caller frames run through voice activity and end-of-turn detection
// (media/vad); each caller turn is recognised by its own asr.Stream whose
// search follows the dialog state (an order number asked for: the digits
// search; otherwise the domain grammar and the shop LM, picked by confidence
// with asr.StartAll); the text (or keypad digit) goes to the brain; the
// answer is synthesised (tts) with the session's speech settings and played
// (media/playout) with barge-in: sustained caller voice or a key stops the
// bot at once. The welcome is spoken first; the call hangs up after the
// goodbye of a reply with EndCall, or when the caller's source ends.
//
// Every turn carries a trace on the session's clock: end of the caller's last
// voiced frame, end-of-turn decision, ASR final, answer ready, first bot
// audio frame out. Latency is first bot audio minus end of speech, the
// end-of-turn wait included.
package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/playout"
	"github.com/callbee/callbee/media/resample"
	"github.com/callbee/callbee/media/vad"
	"github.com/callbee/callbee/tts"
)

// Brain is what a session needs of the dialog engine (*dialog.Engine).
type Brain interface {
	Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error)
	Handle(ctx context.Context, sessionID string, in dialog.Input) (dialog.Reply, error)
}

var _ Brain = (*dialog.Engine)(nil)

// AsksOrderNumber is the Reply.AsksFor value that switches the next turn's
// recognition to the digits search.
const AsksOrderNumber = "order_number"

// Queue sizes on the session's paths.
const (
	// MaxPendingTurns bounds the caller turns waiting for the brain; a turn
	// beyond it is dropped (Turn.Err = ErrTurnDropped).
	MaxPendingTurns = 4
	// PrerollFrames is the caller audio kept before a turn starts (300 ms)
	// so the recogniser hears the onset the detector needed to decide.
	PrerollFrames = 15
	// MaxDTMFDigits ends a keyed order number.
	MaxDTMFDigits = 24
)

// DTMFDigitTimeout ends a keyed order number when no key follows.
const DTMFDigitTimeout = 3 * time.Second

// Config sets up a Session. Zero values take the defaults named.
type Config struct {
	Lang    string // "zh" or "en" (required)
	Rate    int    // sample rate of caller and bot frames (required)
	Channel string // recorded with the session; default "voice"
	Caller  string
	// Clock paces playout and times the traces (media.SystemClock; FastClock
	// for file-driven calls).
	Clock media.Clock
	VAD   vad.Config     // vad.DefaultConfig() when zero
	Turn  vad.TurnConfig // vad.DefaultTurnConfig() when zero
	// Pick chooses between the domain and LM results (asr.PickBy(asr.DefaultTrust)).
	Pick   asr.PickFunc
	Logger *slog.Logger
	// Opening, when set, is spoken instead of the shop's welcome (an
	// outbound call's reason for calling).
	Opening string
	// OnEvent, when set, is told what happens in the call (see EventKind).
	// It is called from the session's goroutines and must not block: a door
	// pushes the event into a bounded queue of its own.
	OnEvent func(Event)
}

func (c *Config) fill() error {
	if c.Lang != "zh" && c.Lang != "en" {
		return fmt.Errorf("voice: lang %q: %w", c.Lang, ErrBadConfig)
	}
	if !media.ValidRate(c.Rate) {
		return fmt.Errorf("voice: rate %d: %w", c.Rate, ErrBadConfig)
	}
	if c.Channel == "" {
		c.Channel = "voice"
	}
	if c.Clock == nil {
		c.Clock = media.SystemClock{}
	}
	if c.VAD == (vad.Config{}) {
		c.VAD = vad.DefaultConfig()
	}
	if c.Turn == (vad.TurnConfig{}) {
		c.Turn = vad.DefaultTurnConfig()
	}
	if c.Pick == nil {
		c.Pick = asr.PickBy(asr.DefaultTrust)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Trace times one turn on the session's clock. Zero fields did not happen.
type Trace struct {
	LastVoiced  time.Time // end of the caller's last voiced frame
	EndOfTurn   time.Time // end-of-turn decided (or the DTMF key arrived)
	ASRFinal    time.Time // recogniser's final result
	AnswerReady time.Time // the brain's reply
	FirstAudio  time.Time // first frame of the answer written to the sink
}

// Latency is first bot audio minus the end of the caller's speech
// (0 when either is missing).
func (t Trace) Latency() time.Duration {
	start := t.LastVoiced
	if start.IsZero() {
		start = t.EndOfTurn
	}
	if start.IsZero() || t.FirstAudio.IsZero() {
		return 0
	}
	return t.FirstAudio.Sub(start)
}

// Offsets returns each stage's time after the end of the caller's speech
// (EndOfTurn for DTMF turns); stages that did not happen are left out.
func (t Trace) Offsets() map[string]time.Duration {
	start := t.LastVoiced
	if start.IsZero() {
		start = t.EndOfTurn
	}
	out := map[string]time.Duration{}
	if start.IsZero() {
		return out
	}
	for name, at := range map[string]time.Time{"end_of_turn": t.EndOfTurn, "asr_final": t.ASRFinal,
		"answer_ready": t.AnswerReady, "first_audio": t.FirstAudio} {
		if !at.IsZero() {
			out[name] = at.Sub(start)
		}
	}
	return out
}

// Turn is the outcome of one caller turn.
type Turn struct {
	Transcript  string       // recognised text ("" for DTMF)
	DTMF        string       // keypad digits of a DTMF turn
	ASR         asr.Result   // the picked recognition result
	Reply       dialog.Reply // zero when Err is set
	Trace       Trace
	Interrupted bool // the caller talked over the answer
	Err         error
}

// Session is one call. Create it with New, run it once with Run. Spoken,
// WaitIdle and TurnsEnded may be called from any goroutine.
type Session struct {
	brain Brain
	rec   asr.Recognizer
	read  asr.ReadFunc // the brain's reading of hypotheses (nil: no rescoring)
	syn   tts.Synthesizer
	cfg   Config
	log   *slog.Logger

	mu       sync.Mutex // guards the fields below
	ran      bool
	ended    bool // Run returned or hung up
	welcomed bool
	turnsEnd int    // caller turns ended (submitted)
	turnsDon int    // caller turns finished (answered, failed or dropped)
	asksFor  string // the last reply's AsksFor
	// confirming: the last reply asked the caller to confirm what was heard.
	confirming bool
	sid        string        // the brain session, once started
	changed    chan struct{} // closed and replaced when the counters change
	jobsOpen   bool
	jobs       chan job
}

// New returns a session on brain using rec and syn.
func New(brain Brain, rec asr.Recognizer, syn tts.Synthesizer, cfg Config) (*Session, error) {
	if brain == nil || rec == nil || syn == nil {
		return nil, fmt.Errorf("voice: brain, recognizer and synthesizer are required: %w", ErrBadConfig)
	}
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if err := cfg.VAD.Validate(); err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	return &Session{brain: brain, rec: rec, syn: syn, cfg: cfg, log: cfg.Logger.With("component", "voice"),
		read: Reader(brain, cfg.Lang), changed: make(chan struct{})}, nil
}

// job is a caller turn handed from the listener (or the DTMF reader) to the
// worker.
type job struct {
	stream     asr.Stream // nil for DTMF and text
	dtmf       string
	text       string // a caller turn that came as text (Submit)
	say        string // words of a person to speak, not a caller turn (Say)
	lastVoiced time.Time
	endOfTurn  time.Time
}

func (s *Session) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ID is the brain session of the call ("" until Run has started it).
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sid
}

// TurnsEnded is the number of caller turns whose end was detected so far.
func (s *Session) TurnsEnded() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.turnsEnd
}

// WaitIdle waits until the welcome has been played and every caller turn
// ended so far has been answered. It returns ErrCallEnded once the call is over.
func (s *Session) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		idle, ended, ch := s.welcomed && s.turnsDon >= s.turnsEnd, s.ended, s.changed
		s.mu.Unlock()
		if ended {
			return ErrCallEnded
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// submit queues a turn for the worker without blocking; it reports false
// (and counts the turn done) when the queue is full or closed.
func (s *Session) submit(j job) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.jobsOpen {
		return false
	}
	s.turnsEnd++
	defer s.notifyLocked()
	select {
	case s.jobs <- j:
		return true
	default:
		s.turnsDon++
		return false
	}
}

func (s *Session) closeJobs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jobsOpen {
		s.jobsOpen = false
		close(s.jobs)
	}
}

// Run runs the call until the brain ends it (after the goodbye is played),
// the caller's source ends (after the last turn is answered), or ctx is
// done. in delivers caller frames at the session's rate; dtmf (may be nil)
// delivers keypad events; out receives the bot's frames. Run owns every
// goroutine it starts and has stopped them when it returns the turns.
func (s *Session) Run(ctx context.Context, in media.Reader, dtmf *media.EventQueue, out media.Writer) ([]Turn, error) {
	s.mu.Lock()
	if s.ran {
		s.mu.Unlock()
		return nil, ErrRunning
	}
	s.ran = true
	s.jobs = make(chan job, MaxPendingTurns)
	s.jobsOpen = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.ended = true
		s.notifyLocked()
		s.mu.Unlock()
	}()

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.brain.Start(ctx, dialog.StartOptions{Lang: s.cfg.Lang, Channel: s.cfg.Channel, Caller: s.cfg.Caller})
	if err != nil {
		return nil, fmt.Errorf("voice: start session: %w", err)
	}
	s.mu.Lock()
	s.sid = w.Session
	s.mu.Unlock()
	log := s.log.With("session", w.Session)
	tap := &tap{w: out, clock: s.cfg.Clock}
	player, err := playout.New(tap, s.cfg.Rate, playout.WithClock(s.cfg.Clock))
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	l, err := newListener(s, player, log)
	if err != nil {
		return nil, errors.Join(err, player.Close())
	}

	var wg sync.WaitGroup
	var listenErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		listenErr = l.run(ctx, in)
		s.closeJobs()
	}()
	if dtmf != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.readDTMF(ctx, dtmf, player)
		}()
	}

	wk := &worker{s: s, sid: w.Session, player: player, tap: tap, log: log}
	turns := wk.run(ctx, w)
	cancel()
	wg.Wait()
	s.closeJobs()
	for j := range s.jobs { // left behind by a hang-up
		if j.stream != nil {
			_ = j.stream.Close()
		}
	}
	err = player.Close()
	if listenErr != nil && !errors.Is(listenErr, context.Canceled) {
		err = errors.Join(fmt.Errorf("voice: caller audio: %w", listenErr), err)
	}
	s.emit(Event{Kind: EventEnd, Text: endReason(parent, turns, listenErr)})
	return turns, err
}

// readDTMF turns keypad events into turns and interrupts playout on each
// key. One key is one turn (a card), except while the brain asks for an
// order number: then keys are collected until '#', MaxDTMFDigits keys, or
// DTMFDigitTimeout without a key ('*' starts over).
func (s *Session) readDTMF(ctx context.Context, q *media.EventQueue, player *playout.Player) {
	keys := make(chan media.Event)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // pumps the queue so keys can be waited for with a timer
		defer wg.Done()
		defer close(keys)
		for {
			ev, err := q.Next(ctx)
			if err != nil {
				return
			}
			select {
			case keys <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	var digits []rune
	var timeout <-chan time.Time
	flush := func() {
		if len(digits) > 0 {
			s.submit(job{dtmf: string(digits), endOfTurn: s.cfg.Clock.Now()})
		}
		digits, timeout = digits[:0], nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-timeout:
			flush()
		case ev, ok := <-keys:
			if !ok {
				flush()
				return
			}
			if ev.Kind != media.DTMF {
				continue
			}
			player.Observe(ev)
			s.mu.Lock()
			collect := s.asksFor == AsksOrderNumber
			s.mu.Unlock()
			switch {
			case !collect && len(digits) == 0:
				s.submit(job{dtmf: string(ev.Digit), endOfTurn: s.cfg.Clock.Now()})
			case ev.Digit == '#':
				flush()
			case ev.Digit == '*':
				digits, timeout = digits[:0], nil
			default:
				digits = append(digits, ev.Digit)
				timeout = s.cfg.Clock.After(DTMFDigitTimeout)
				if len(digits) >= MaxDTMFDigits {
					flush()
				}
			}
		}
	}
}

// tap passes frames to the sink and notes when the first frame after Arm
// went out.
type tap struct {
	w     media.Writer
	clock media.Clock

	mu    sync.Mutex // guards armed, first
	armed bool
	first time.Time
}

func (t *tap) arm() {
	t.mu.Lock()
	t.armed, t.first = true, time.Time{}
	t.mu.Unlock()
}

func (t *tap) firstOut() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.first
}

func (t *tap) WriteFrame(ctx context.Context, f media.Frame) error {
	t.mu.Lock()
	if t.armed {
		t.armed, t.first = false, t.clock.Now()
	}
	t.mu.Unlock()
	return t.w.WriteFrame(ctx, f)
}

// worker answers turns one at a time: recognition final, brain, speech.
type worker struct {
	s      *Session
	sid    string
	player *playout.Player
	tap    *tap
	log    *slog.Logger
	speech dialog.Speech // the session's speech settings, from the last reply
}

func (wk *worker) run(ctx context.Context, w dialog.Welcome) []Turn {
	s := wk.s
	text := w.Text
	if s.cfg.Opening != "" {
		text = s.cfg.Opening
	}
	s.emit(Event{Kind: EventWelcome, Text: text})
	if _, interrupted, err := wk.speak(ctx, text, w.Speech); err != nil && ctx.Err() == nil {
		wk.log.Warn("welcome", "err", err)
	} else if interrupted {
		s.emit(Event{Kind: EventInterrupted}) // callers often start before the welcome ends
	}
	s.mu.Lock()
	s.welcomed = true
	s.notifyLocked()
	s.mu.Unlock()

	var turns []Turn
	for {
		var j job
		var ok bool
		select {
		case <-ctx.Done():
			return turns
		case j, ok = <-s.jobs:
		}
		if !ok {
			return turns
		}
		if j.say != "" {
			wk.sayAgent(ctx, j.say)
			continue
		}
		t := wk.turn(ctx, j)
		turns = append(turns, t)
		s.emit(Event{Kind: EventTurn, Turn: &t})
		s.mu.Lock()
		s.turnsDon++
		if t.Err == nil && !t.Reply.EndCall {
			s.asksFor = ""
			if t.Reply.AsksFor != nil {
				s.asksFor = *t.Reply.AsksFor
			}
			s.confirming = t.Reply.Action == dialog.ActionConfirm
		}
		s.notifyLocked()
		s.mu.Unlock()
		if t.Reply.EndCall || ctx.Err() != nil {
			return turns
		}
	}
}

func (wk *worker) turn(ctx context.Context, j job) Turn {
	clock := wk.s.cfg.Clock
	t := Turn{DTMF: j.dtmf, Transcript: j.text, Trace: Trace{LastVoiced: j.lastVoiced, EndOfTurn: j.endOfTurn}}
	in := dialog.Input{DTMF: j.dtmf, Text: j.text}
	if j.stream != nil {
		res, err := j.stream.Final(ctx)
		err = errors.Join(err, j.stream.Close())
		res = asr.Rescore(res, wk.s.read, asr.DefaultRescore(wk.s.cfg.Lang))
		t.Trace.ASRFinal = clock.Now()
		if err != nil {
			t.Err = fmt.Errorf("voice: recognise: %w", err)
			return t
		}
		t.ASR, t.Transcript = res, res.Text
		if res.Text == "" {
			t.Err = ErrNothingHeard
			return t
		}
		in.Text = res.Text
		in.ASRConfidence = min(max(res.Confidence, 0), 1)
	}
	wk.s.emit(Event{Kind: EventTranscript, Text: t.Transcript, DTMF: t.DTMF})
	reply, err := wk.s.brain.Handle(ctx, wk.sid, in)
	t.Trace.AnswerReady = clock.Now()
	if err != nil {
		t.Err = fmt.Errorf("voice: brain: %w", err)
		return t
	}
	t.Reply = reply
	wk.speech = reply.Speech
	wk.s.emit(Event{Kind: EventReply, Text: reply.Text, Reply: &reply})
	if reply.Handoff {
		wk.s.emit(Event{Kind: EventHandoff, Text: reply.Text, Reply: &reply})
	}
	first, interrupted, err := wk.speak(ctx, reply.Text, reply.Speech)
	t.Trace.FirstAudio, t.Interrupted = first, interrupted
	if interrupted {
		wk.s.emit(Event{Kind: EventInterrupted})
	}
	if err != nil && ctx.Err() == nil {
		wk.log.Warn("speak", "err", err)
	}
	wk.log.Debug("turn", "text", t.Transcript, "dtmf", t.DTMF, "faq", reply.FAQ, "latency", t.Trace.Latency())
	return t
}

// speak synthesises text and plays it to the end (or the barge-in). It
// returns when the first frame went out and whether the caller interrupted.
func (wk *worker) speak(ctx context.Context, text string, sp dialog.Speech) (time.Time, bool, error) {
	if text == "" {
		return time.Time{}, false, nil
	}
	v := tts.DefaultVoice(wk.s.cfg.Lang).WithSpeech(sp.Rate, sp.Volume)
	before := wk.player.Stats().Interrupts
	wk.tap.arm()
	st, err := wk.s.syn.Synthesize(ctx, text, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("voice: synthesise: %w", err)
	}
	defer st.Close()
	var r media.Reader = st
	if st.Rate() != wk.s.cfg.Rate {
		if r, err = resample.NewReader(st, wk.s.cfg.Rate); err != nil {
			return time.Time{}, false, fmt.Errorf("voice: %w", err)
		}
	}
	err = wk.player.Play(ctx, r)
	if errors.Is(err, playout.ErrInterrupted) {
		return wk.tap.firstOut(), true, nil
	}
	if err == nil {
		err = wk.player.Drain(ctx)
	}
	return wk.tap.firstOut(), wk.player.Stats().Interrupts > before, err
}

// endReason says why a call ended, for EventEnd.
func endReason(ctx context.Context, turns []Turn, listenErr error) string {
	switch {
	case len(turns) > 0 && turns[len(turns)-1].Reply.EndCall:
		return "goodbye"
	case listenErr != nil && !errors.Is(listenErr, context.Canceled):
		return "caller audio error"
	case ctx.Err() != nil:
		return "cancelled"
	default:
		return "caller hung up"
	}
}

// Percentile is the p-th percentile (0-100, nearest rank) of the latencies
// of the turns that have one; 0 when none has.
func Percentile(turns []Turn, p float64) time.Duration {
	var ls []time.Duration
	for _, t := range turns {
		if l := t.Trace.Latency(); l > 0 {
			ls = append(ls, l)
		}
	}
	if len(ls) == 0 {
		return 0
	}
	slices.Sort(ls)
	k := int(math.Ceil(p/100*float64(len(ls)))) - 1
	return ls[min(max(k, 0), len(ls)-1)]
}
