package sip

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// Dial defaults (DialConfig).
const (
	DefaultDialRing  = 30 * time.Second
	DefaultNoSpeech  = 5 * time.Second
	DefaultMonologue = 4 * time.Second
	DefaultSpeechRMS = 300 // of 16-bit samples, about -41 dBFS
	amdPause         = 400 * time.Millisecond
	amdMinSpeech     = 100 * time.Millisecond
	ReasonVoicemail  = "voicemail" // outbound: a machine answered (CallInfo.Reason)
	maxOpening       = 2000        // bytes
)

// DialConfig is how the door places calls (Server.Dial).
type DialConfig struct {
	// RingTimeout is how long the callee's phone may ring.
	RingTimeout time.Duration `yaml:"ring_timeout"`
	// CallerID is the From user of our calls ("" uses UserAgent); a trunk
	// usually wants the shop's number here.
	CallerID string `yaml:"caller_id"`
	// NoSpeech and Monologue are the voicemail rule (see Dial).
	NoSpeech  time.Duration `yaml:"voicemail_no_speech"`
	Monologue time.Duration `yaml:"voicemail_monologue"`
}

func (d DialConfig) validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("sip config: dial.%s: %s: %w", field, fmt.Sprintf(format, args...), ErrBadConfig)
	}
	if d.RingTimeout < time.Second || d.RingTimeout > 5*time.Minute {
		return bad("ring_timeout", "%v not in 1s-5m", d.RingTimeout)
	}
	if d.NoSpeech < 0 || d.Monologue < 0 {
		return bad("voicemail_*", "negative (0 turns the rule off)")
	}
	if strings.ContainsAny(d.CallerID, " \r\n@:;<>\"") {
		return bad("caller_id", "%q must be one token", d.CallerID)
	}
	return nil
}

// DialRequest is one call for the bot to place.
type DialRequest struct {
	// To is a SIP URI ("sip:+15550100@trunk.example.com") or, when the
	// door registers to a trunk, a number sent to the registrar.
	To   string
	Shop string // "" uses Config.Shop
	Lang string // "" uses Config.Lang (then the shop's first language)
	// Opening is spoken instead of the shop's welcome ("Hello, this is
	// the Demo Shop calling back about your order ...").
	Opening string
	// CallID, when set, is the SIP Call-ID to use (an API that answers
	// 202 at once can hand it out: the call record has it). It must be
	// unique; "" makes a random one.
	CallID string
}

// DialResult is how a placed call went.
type DialResult struct {
	CallID string
	// Outcome is OutcomeAnswered (a person: the voice loop ran),
	// OutcomeVoicemail, OutcomeNoAnswer, OutcomeBusy, OutcomeRejected or
	// OutcomeFailed.
	Outcome string
	Status  int              // the final SIP status of the INVITE (0 if none)
	Info    CallInfo         // the call record's fields
	Result  telephony.Result // the voice loop's session and turns (answered calls)
}

// Dial places a call to r.To and, once answered, runs it through the
// Answerer with r.Opening as the first thing said, until one side hangs up
// or ctx is done (the bot then hangs up). It blocks for the whole call.
// Outcomes other than a person answering are reported in DialResult, not
// as errors; the error is for requests that could not be tried (a bad
// request, the server closed, draining or at Config.MaxCalls) and for the
// Answerer's failure. The call counts against MaxCalls, is recorded by
// WithCallRecords and reported to WithOnCallEnd like an inbound one.
//
// Voicemail rule (answering-machine detection on the callee's audio, by
// stream time, from the answer): a frame is speech when its RMS is at
// least DefaultSpeechRMS. The call is voicemail-like when no talkspurt of
// 100 ms comes within DialConfig.NoSpeech, or when the callee's first talkspurt runs
// longer than DialConfig.Monologue without a pause of 400 ms (a greeting;
// people say "hello?" and wait). The bot then hangs up. Once the first
// talkspurt ends in time, the callee is taken for a person and the rule
// stops.
func (s *Server) Dial(ctx context.Context, r DialRequest) (DialResult, error) {
	target, err := s.dialTarget(r.To)
	if err != nil {
		return DialResult{Outcome: OutcomeFailed}, err
	}
	if r.Lang != "" && r.Lang != "en" && r.Lang != "zh" {
		return DialResult{Outcome: OutcomeFailed}, fmt.Errorf("sip: dial: lang %q (want en or zh): %w", r.Lang, ErrBadOption)
	}
	if len(r.Opening) > maxOpening {
		return DialResult{Outcome: OutcomeFailed}, fmt.Errorf("sip: dial: opening of %d bytes (max %d): %w", len(r.Opening), maxOpening, ErrBadOption)
	}
	uri, transport, _ := s.parseTarget(target)
	id := r.CallID
	if id == "" {
		id = NewCallID()
	} else if len(id) > 128 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' }) {
		return DialResult{Outcome: OutcomeFailed}, fmt.Errorf("sip: dial: call id %q is not a SIP word: %w", truncate(id, 40), ErrBadOption)
	}
	from := s.cfg.Dial.CallerID
	if from == "" {
		from = s.cfg.UserAgent
	}
	c := &Call{id: rand.Uint64() >> 1, notify: make(chan int, 8), opening: r.Opening, dialCtx: ctx}
	c.info = CallInfo{ID: id, Outbound: true, From: from, To: uri.User, Transport: transport,
		Remote: uri.HostPort(), Shop: r.Shop, Lang: r.Lang, Start: s.clock.Now()}
	if c.info.Shop == "" {
		c.info.Shop = s.cfg.Shop
	}
	if c.info.Lang == "" {
		c.info.Lang = s.cfg.Lang
	}
	if _, ok := s.admit(c); !ok {
		if s.isClosed() {
			return DialResult{CallID: id, Outcome: OutcomeFailed}, fmt.Errorf("sip: dial: %w", ErrClosed)
		}
		return DialResult{CallID: id, Outcome: OutcomeFailed}, fmt.Errorf("sip: dial: %d calls or draining: %w", s.cfg.MaxCalls, ErrCapacity)
	}
	defer s.release(c)
	log := s.log.With("call", id, "to", c.info.To, "direction", "out")
	var (
		res    telephony.Result
		ansErr error
	)
	defer func() { s.finish(c, res, ansErr) }()

	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	callID := sipmsg.CallIDHeader(id)
	fromHdr := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: from, Host: s.dialogs[transport].ContactHDR.Address.Host,
		Port: s.dialogs[transport].ContactHDR.Address.Port}, Params: sipmsg.NewParams()}
	fromHdr.Params.Add("tag", sipmsg.GenerateTagN(16))
	l, err := s.place(pctx, target, s.cfg.Dial.RingTimeout, &callID, fromHdr)
	if err != nil {
		var pe *PlaceError
		out := DialResult{CallID: id, Outcome: OutcomeFailed}
		if errors.As(err, &pe) {
			out.Outcome, out.Status = pe.Outcome, pe.Status
		}
		reason := map[string]string{OutcomeBusy: ReasonBusy, OutcomeNoAnswer: ReasonNoAnswer,
			OutcomeRejected: ReasonRejected}[out.Outcome]
		if reason == "" {
			reason = ReasonError
			if s.ctx.Err() != nil {
				reason = ReasonServerClosed
			} else if ctx.Err() != nil {
				reason = ReasonCancelled
			}
		}
		c.endReason(reason, out.Status)
		log.Info("sip: dial not answered", "outcome", out.Outcome, "status", out.Status, "err", err)
		out.Info = c.Info()
		out.Info.End = s.clock.Now()
		return out, nil
	}
	defer func() {
		if e := l.close(); e != nil {
			log.Debug("sip: close dialled leg", "err", e)
		}
	}()
	c.keys = media.NewEventQueue(0)
	c.mu.Lock()
	c.sig, c.sess, c.neg = l.d, l.sess, l.neg
	c.info.Answer, c.info.Status = s.clock.Now(), sipmsg.StatusOK
	c.info.Stats.Codec = l.neg.Audio.Name
	c.mu.Unlock()
	c.amd = newAMD(s.cfg.Dial, func() {
		log.Info("sip: voicemail-like answer, hanging up")
		c.endReason(ReasonVoicemail, 0)
		c.mu.Lock()
		leave := c.leave
		c.mu.Unlock()
		if leave != nil {
			leave()
		}
	})
	log.Info("sip: dial answered", "codec", l.neg.Audio.Name)
	res, ansErr = s.run(c, l.sess, l.neg, log)
	out := DialResult{CallID: id, Outcome: OutcomeAnswered, Status: sipmsg.StatusOK, Result: res}
	if c.Info().Reason == ReasonVoicemail {
		out.Outcome = OutcomeVoicemail
	}
	out.Info = c.Info()
	out.Info.End = s.clock.Now()
	return out, ansErr
}

// NewCallID makes a random SIP Call-ID for DialRequest.CallID.
func NewCallID() string {
	return strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36) + "@callbee"
}

// dialTarget makes a SIP URI of a DialRequest.To.
func (s *Server) dialTarget(to string) (string, error) {
	to = strings.TrimSpace(to)
	if to == "" {
		return "", fmt.Errorf("sip: dial: no destination: %w", ErrBadOption)
	}
	if !strings.Contains(to, "@") {
		if s.cfg.Register.Registrar == "" {
			return "", fmt.Errorf("sip: dial %q: a number needs register.registrar (or give a SIP URI user@host): %w", to, ErrBadOption)
		}
		reg, _, err := s.parseTarget(s.cfg.Register.Registrar)
		if err != nil {
			return "", fmt.Errorf("sip: dial: %w", err)
		}
		reg.User = strings.TrimPrefix(to, "sip:")
		to = reg.String()
	}
	if _, _, err := s.parseTarget(to); err != nil {
		return "", fmt.Errorf("sip: dial: %w", err)
	}
	if !strings.HasPrefix(strings.ToLower(to), "sip") {
		to = "sip:" + to
	}
	return to, nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// amd is the voicemail rule of Dial, fed the callee's frames in order.
type amd struct {
	noSpeech, monologue time.Duration
	onMachine           func()

	at      time.Duration // stream time of the frames seen
	speech  time.Duration // length of the current talkspurt
	silence time.Duration // silence since the last speech frame
	decided bool
}

func newAMD(cfg DialConfig, onMachine func()) *amd {
	return &amd{noSpeech: cfg.NoSpeech, monologue: cfg.Monologue, onMachine: onMachine}
}

// frame takes one frame; it calls onMachine once when the rule says so.
func (a *amd) frame(f media.Frame) {
	if a.decided {
		return
	}
	d := media.FrameDuration
	if f.Rate > 0 {
		d = time.Duration(len(f.Samples)) * time.Second / time.Duration(f.Rate)
	}
	a.at += d
	if frameRMS(f.Samples) >= DefaultSpeechRMS {
		if a.speech > 0 {
			a.speech += a.silence // a dip shorter than amdPause belongs to the talkspurt
		}
		a.speech += d
		a.silence = 0
	} else if a.speech > 0 {
		a.silence += d
	}
	switch {
	case a.speech >= amdMinSpeech && a.silence >= amdPause:
		a.decided = true // a person: spoke, then paused
	case a.monologue > 0 && a.speech > a.monologue:
		a.decided = true
		a.onMachine()
	case a.noSpeech > 0 && a.speech < amdMinSpeech && a.at >= a.noSpeech:
		a.decided = true
		a.onMachine()
	}
}

func frameRMS(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

// amdReader runs the voicemail rule on the frames the Answerer reads.
type amdReader struct {
	r media.Reader
	a *amd
}

func (r amdReader) ReadFrame(ctx context.Context) (media.Frame, error) {
	f, err := r.r.ReadFrame(ctx)
	if err == nil {
		r.a.frame(f)
	}
	return f, err
}
