package voice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/playout"
	"github.com/callbee/callbee/media/vad"
	"github.com/callbee/callbee/nlu"
)

// listener runs on the goroutine that reads the caller: voice activity and
// end of turn, barge-in, and one recognition stream per caller turn. It never
// waits on the brain or on synthesis.
type listener struct {
	s      *Session
	player *playout.Player
	log    *slog.Logger
	det    *vad.Detector
	turn   *vad.Turn
	events []media.Event // from the current frame; only touched by run

	pre     []media.Frame // ring of the last PrerollFrames frames (owned samples)
	preN    int
	preAt   int
	cur     asr.Stream    // the turn being recognised, nil between turns
	start   time.Time     // clock time of stream time 0
	lastEnd time.Duration // stream time at the end of the latest frame read
	// Partial transcripts of the current turn.
	sincePartial time.Duration
	lastPartial  string
	warned       bool // an ASR error was logged (rate-limit)
}

func newListener(s *Session, player *playout.Player, log *slog.Logger) (*listener, error) {
	det, err := vad.New(s.cfg.VAD)
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	turn, err := vad.NewTurn(s.cfg.Turn, s.cfg.VAD.Hangover)
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	return &listener{s: s, player: player, log: log, det: det, turn: turn, pre: make([]media.Frame, PrerollFrames)}, nil
}

// streamTime maps a stream time to the session clock.
func (l *listener) clockAt(at time.Duration) time.Time { return l.start.Add(at) }

func (l *listener) run(ctx context.Context, in media.Reader) error {
	vl := vad.NewListener(in, l.det, l.turn, func(ev media.Event) { l.events = append(l.events, ev) })
	defer func() {
		if l.cur != nil {
			_ = l.cur.Close()
		}
	}()
	first, speaking := true, false
	var lastVoicedEnd time.Duration // stream time just after the latest voiced frame
	for {
		l.events = l.events[:0]
		f, err := vl.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			if l.cur != nil { // the source ended mid-turn: the turn ends here
				l.endTurn(lastVoicedEnd, l.s.cfg.Clock.Now())
			}
			return nil
		}
		if err != nil {
			return err
		}
		if f.Rate != l.s.cfg.Rate {
			return fmt.Errorf("%d Hz frame for a %d Hz session: %w", f.Rate, l.s.cfg.Rate, media.ErrRateMismatch)
		}
		now := l.s.cfg.Clock.Now()
		if first {
			l.start, first = now.Add(-f.At), false
		}
		l.lastEnd = f.End()
		for _, ev := range l.events {
			switch ev.Kind {
			case media.VoiceStart:
				speaking = true
			case media.VoiceEnd:
				speaking, lastVoicedEnd = false, ev.At+f.Duration()
			case media.VoiceSustained:
				l.player.Observe(ev) // barge-in: never blocks
			case media.SpeechStart:
				l.s.emit(Event{Kind: EventSpeechStart})
				l.startTurn(ctx, ev.At)
			case media.SpeechEnd:
				l.endTurn(ev.At+f.Duration(), now)
			}
		}
		if l.cur != nil {
			l.partial(f)
			if err := l.cur.WriteFrame(ctx, f); err != nil {
				l.warnOnce("asr write", err)
				_ = l.cur.Close()
				l.cur = nil
			}
			if speaking {
				lastVoicedEnd = f.End()
			}
		} else {
			l.keep(f)
		}
	}
}

// PartialEvery is how often a turn's partial transcript is looked at.
const PartialEvery = 300 * time.Millisecond

// partial reports the turn's partial transcript when it changed, every
// PartialEvery of caller audio.
func (l *listener) partial(f media.Frame) {
	if l.s.cfg.OnEvent == nil {
		return
	}
	l.sincePartial += f.Duration()
	if l.sincePartial < PartialEvery {
		return
	}
	l.sincePartial = 0
	if p := l.cur.Partial().Text; p != "" && p != l.lastPartial {
		l.lastPartial = p
		l.s.emit(Event{Kind: EventPartial, Text: p})
	}
}

// keep stores f in the pre-roll ring.
func (l *listener) keep(f media.Frame) {
	slot := &l.pre[l.preAt]
	samples := append(slot.Samples[:0], f.Samples...)
	*slot = f
	slot.Samples = samples
	l.preAt = (l.preAt + 1) % len(l.pre)
	l.preN = min(l.preN+1, len(l.pre))
}

// startTurn opens the recognition stream for a turn whose first voiced frame
// is at stream time at, and feeds it the pre-roll.
func (l *listener) startTurn(ctx context.Context, at time.Duration) {
	if l.cur != nil {
		_ = l.cur.Close()
		l.cur = nil
	}
	// The stream starts and decodes on its own goroutine: this one keeps
	// reading the caller (barge-in, end of turn) whatever the engine costs.
	var st *feeder
	if _, files := l.s.cfg.Clock.(*FastClock); files {
		st = startFeeder(ctx, l.s.startASR, fileQueuedASRFrames, true)
	} else {
		st = startFeeder(ctx, l.s.startASR, MaxQueuedASRFrames, false)
	}
	l.cur = st
	l.sincePartial, l.lastPartial = 0, ""
	for i := range l.preN {
		f := l.pre[(l.preAt-l.preN+i+len(l.pre))%len(l.pre)]
		if err := st.WriteFrame(ctx, f); err != nil {
			l.warnOnce("asr write", err)
			break
		}
	}
	l.preN = 0
}

// endTurn hands the turn to the worker; voicedEnd is the stream time just
// after the last voiced frame.
func (l *listener) endTurn(voicedEnd time.Duration, now time.Time) {
	st := l.cur
	l.cur = nil
	if st == nil {
		return
	}
	// The end of speech in clock time: now, less the caller audio read since
	// (robust to doors whose frame timestamps drift from the clock, e.g.
	// a jitter buffer that bursts); the stream-time mapping otherwise.
	lastVoiced := l.clockAt(voicedEnd)
	if d := l.lastEnd - voicedEnd; d >= 0 {
		lastVoiced = now.Add(-d)
	}
	if !l.s.submit(job{stream: st, lastVoiced: lastVoiced, endOfTurn: now}) {
		_ = st.Close()
		l.log.Warn("caller turn dropped", "err", ErrTurnDropped)
	}
}

func (l *listener) warnOnce(what string, err error) {
	if !l.warned {
		l.warned = true
		l.log.Warn(what, "err", err)
	}
}

// startASR starts the recognition of one caller turn, with the searches the
// dialog state asks for.
func (s *Session) startASR(ctx context.Context) (asr.Stream, error) {
	s.mu.Lock()
	asks, confirming := s.asksFor, s.confirming
	s.mu.Unlock()
	o := asr.Options{Lang: s.cfg.Lang, Rate: s.cfg.Rate}
	if asks == AsksOrderNumber {
		o.Search = asr.SearchDigits
		return s.rec.Start(ctx, o)
	}
	if confirming { // "是的" / "no, not that": yes or no first, anything else by the LM
		yn, lm := o, o
		yn.Search, lm.Search = asr.SearchYesNo, asr.SearchLM
		return asr.StartAll(ctx, s.rec, s.cfg.Pick, yn, lm)
	}
	dom, lm := o, o
	dom.Search, lm.Search = asr.SearchDomain, asr.SearchLM
	return asr.StartAll(ctx, s.rec, s.cfg.Pick, dom, lm)
}

// analyzed is what rescoring needs of a brain (*dialog.Engine): the
// analyzer whose FAQ matcher reads each hypothesis.
type analyzed interface{ Analyzer() *nlu.Analyzer }

// Reader returns how brain's FAQ matcher reads recognition hypotheses in
// lang, for asr.Rescore: the top FAQ and the matcher's confidence, or no
// key when it finds the text out of scope. It is nil when brain has no
// analyzer (the picked hypothesis then goes to the brain as it is).
func Reader(brain Brain, lang string) asr.ReadFunc {
	b, ok := brain.(analyzed)
	if !ok {
		return nil
	}
	a := b.Analyzer()
	if a == nil {
		return nil
	}
	m := a.Matcher()
	return func(text string) asr.Reading {
		r := m.Match(text, lang)
		if r.OutOfScope || len(r.Candidates) == 0 {
			return asr.Reading{}
		}
		return asr.Reading{Key: r.Candidates[0].FAQ, Confidence: r.Confidence}
	}
}
