// Package streamtest holds test doubles for the WebSocket doors
// (telephony/stream, telephony/twilio): a scripted Answerer that hears
// turns by energy and answers with tone frames paced by the caller's
// frames, and text Brains that echo. Both record what they were given.
package streamtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// ErrUnknownShop is what the fakes answer for the shop named UnknownShop.
var ErrUnknownShop = errors.New("streamtest: unknown shop")

// UnknownShop is a shop the fakes do not have.
const UnknownShop = "no-such-shop"

// Answerer is a fake telephony.Answerer. A caller turn is a run of voiced
// frames (RMS above VoiceRMS) ended by SilenceFrames quiet frames; it is
// answered with a transcript event ("voiced N ms"), a reply event whose
// FAQ is FAQ, and AnswerFrames tone frames, one written per caller frame
// read (so the answer lasts as long as the caller keeps streaming). Voice
// during an answer interrupts it (speech_start, interrupted). A key is a
// turn too (transcript with DTMF), and so is a line submitted through the
// Controls handed to Call.OnStart. The welcome is WelcomeFrames frames.
type Answerer struct {
	FAQ           string
	WelcomeFrames int
	AnswerFrames  int
	SilenceFrames int
	VoiceRMS      float64

	calls atomic.Int64
	mu    sync.Mutex // guards last
	last  telephony.Call
}

var _ telephony.Answerer = (*Answerer)(nil)

// NewAnswerer returns a fake answering with faq.
func NewAnswerer(faq string) *Answerer {
	return &Answerer{FAQ: faq, WelcomeFrames: 5, AnswerFrames: 25, SilenceFrames: 10, VoiceRMS: 300}
}

// Calls is the number of calls answered so far.
func (a *Answerer) Calls() int { return int(a.calls.Load()) }

// LastCall is the most recent call's description.
func (a *Answerer) LastCall() telephony.Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// Answer runs the fake call until in ends or ctx is done.
func (a *Answerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	if c.Shop == UnknownShop {
		return telephony.Result{}, fmt.Errorf("streamtest: shop %q: %w", c.Shop, ErrUnknownShop)
	}
	n := a.calls.Add(1)
	a.mu.Lock()
	a.last = c
	a.mu.Unlock()
	sid := fmt.Sprintf("fake-%d", n)
	emit := func(ev voice.Event) {
		if c.OnEvent != nil {
			ev.Session = sid
			c.OnEvent(ev)
		}
	}
	res := telephony.Result{Session: sid}
	tone := media.Frame{Rate: c.Rate, Samples: make([]int16, media.SamplesPerFrame(c.Rate))}
	for i := range tone.Samples {
		tone.Samples[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(c.Rate)))
	}
	emit(voice.Event{Kind: voice.EventWelcome, Text: "welcome"})
	ctl := &controls{inputs: make(chan dialog.Input, 4)}
	if c.OnStart != nil {
		c.OnStart(ctl)
	}
	speaking, voiced, quiet, seq := a.WelcomeFrames, 0, 0, uint64(0)
	answer := func(turn voice.Turn) {
		faq := a.FAQ
		r := dialog.Reply{Session: sid, Text: "answer to " + turn.Transcript + turn.DTMF, FAQ: &faq, Confidence: 0.9}
		turn.Reply = r
		res.Turns = append(res.Turns, turn)
		emit(voice.Event{Kind: voice.EventTranscript, Text: turn.Transcript, DTMF: turn.DTMF})
		emit(voice.Event{Kind: voice.EventReply, Text: r.Text, Reply: &r})
		speaking = a.AnswerFrames
	}
	for {
		f, err := in.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			if voiced > 0 {
				answer(voice.Turn{Transcript: fmt.Sprintf("voiced %d ms", voiced*20)})
			}
			emit(voice.Event{Kind: voice.EventEnd, Text: "hangup"})
			return res, nil
		}
		if err != nil {
			emit(voice.Event{Kind: voice.EventEnd, Text: "cancelled"})
			return res, err
		}
		if f.Rate != c.Rate {
			return res, fmt.Errorf("streamtest: frame at %d Hz in a %d Hz call", f.Rate, c.Rate)
		}
		select {
		case typed := <-ctl.inputs:
			answer(voice.Turn{Transcript: typed.Text})
		default:
		}
		if dtmf != nil && dtmf.Len() > 0 {
			ev, err := dtmf.Next(ctx)
			if err == nil && ev.Kind == media.DTMF {
				answer(voice.Turn{DTMF: string(ev.Digit)})
			}
		}
		loud := rms(f.Samples) > a.VoiceRMS
		switch {
		case loud:
			if voiced == 0 {
				emit(voice.Event{Kind: voice.EventSpeechStart})
				if speaking > 0 {
					speaking = 0
					if len(res.Turns) > 0 {
						res.Turns[len(res.Turns)-1].Interrupted = true
					}
					emit(voice.Event{Kind: voice.EventInterrupted})
				}
			}
			voiced++
			quiet = 0
		case voiced > 0:
			if quiet++; quiet >= a.SilenceFrames {
				answer(voice.Turn{Transcript: fmt.Sprintf("voiced %d ms", voiced*20)})
				voiced, quiet = 0, 0
			}
		}
		if speaking > 0 {
			speaking--
			tone.At, tone.Seq = media.FrameAt(seq), seq
			seq++
			if err := out.WriteFrame(ctx, tone); err != nil {
				return res, fmt.Errorf("streamtest: write: %w", err)
			}
		}
	}
}

// controls are the fake call's telephony.Controls: typed turns are
// answered at the next caller frame.
type controls struct{ inputs chan dialog.Input }

var _ telephony.Controls = (*controls)(nil)

func (c *controls) Submit(in dialog.Input) error {
	if in.Text == "" && in.DTMF == "" {
		return fmt.Errorf("streamtest: submit: %w", dialog.ErrBadInput)
	}
	select {
	case c.inputs <- in:
		return nil
	default:
		return errors.New("streamtest: submit: queue full")
	}
}

func (c *controls) Say(context.Context, string) error {
	return errors.New("streamtest: say: not supported")
}

func rms(s []int16) float64 {
	if len(s) == 0 {
		return 0
	}
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

// Brains is a fake telephony.Brains with one echoing brain for every shop
// but UnknownShop.
type Brains struct{ Echo *Brain }

var _ telephony.Brains = (*Brains)(nil)

// NewBrains returns fake brains.
func NewBrains() *Brains { return &Brains{Echo: &Brain{sessions: map[string]string{}}} }

// Brain returns the echoing brain.
func (b *Brains) Brain(shop string) (voice.Brain, bool) {
	if shop == UnknownShop {
		return nil, false
	}
	return b.Echo, true
}

// Brain echoes: the reply's FAQ is "echo", its text "you said: ...".
// "agent" hands off; "bye" ends the session; "fail" fails.
type Brain struct {
	mu       sync.Mutex        // guards sessions, n
	sessions map[string]string // session -> caller
	n        int
}

var _ voice.Brain = (*Brain)(nil)

// Start opens a session.
func (b *Brain) Start(_ context.Context, o dialog.StartOptions) (dialog.Welcome, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	id := fmt.Sprintf("text-%d", b.n)
	b.sessions[id] = o.Caller
	return dialog.Welcome{Session: id, Text: "welcome " + o.Caller, Lang: o.Lang,
		Cards: []dialog.Card{{Key: "1", FAQ: "echo", Question: "echo?"}}}, nil
}

// Sessions is the number of sessions started.
func (b *Brain) Sessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Handle echoes the turn.
func (b *Brain) Handle(_ context.Context, sid string, in dialog.Input) (dialog.Reply, error) {
	b.mu.Lock()
	caller, ok := b.sessions[sid]
	b.mu.Unlock()
	if !ok {
		return dialog.Reply{}, fmt.Errorf("streamtest: %w: %q", dialog.ErrUnknownSession, sid)
	}
	if in.Text == "fail" {
		return dialog.Reply{}, errors.New("streamtest: brain failure")
	}
	faq := "echo"
	r := dialog.Reply{Session: sid, Text: "you said: " + in.Text + in.DTMF + " (" + caller + ")", FAQ: &faq, Confidence: 1}
	switch strings.TrimSpace(in.Text) {
	case "agent":
		r.Handoff = true
	case "bye":
		r.EndCall = true
		b.mu.Lock()
		delete(b.sessions, sid)
		b.mu.Unlock()
	}
	return r, nil
}
