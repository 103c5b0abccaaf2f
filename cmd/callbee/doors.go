package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	sipmsg "github.com/emiago/sipgo/sip"

	asrgoogle "github.com/callbee/callbee/asr/google"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/internal/config"
	"github.com/callbee/callbee/nlu"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/switchboard"
	"github.com/callbee/callbee/telephony/twilio"
	"github.com/callbee/callbee/telephony/webrtc"
	ttsgoogle "github.com/callbee/callbee/tts/google"
	"github.com/callbee/callbee/web"
	"github.com/callbee/callbee/web/callpage"
	"github.com/callbee/callbee/web/console"
)

// doors is everything `serve` answers callers with besides the text API:
// the switchboard (the voice loop over the offline engines) and the doors
// the config turns on. Close ends every call still running.
type doors struct {
	log     *slog.Logger
	speech  *switchboard.Offline // offline engines, or nil
	cloud   *switchboard.Cloud   // Google engines, or nil
	closers []io.Closer          // the cloud clients
	sb      *switchboard.Switchboard
	ans     telephony.Answerer // sb, watched by the live registry
	webrtc  *webrtc.Door
	stream  *stream.Handler
	twilio  *twilio.Handler
	sip     *sip.Server

	dialTokens []string        // who may place calls through the API
	dialCtx    context.Context // outbound calls placed through the API run in it (set by start)

	wg      sync.WaitGroup // the SIP server, the recogniser preparation, outbound calls
	sipDone chan error     // the SIP server's Serve result
}

// openDoors builds the doors of cfg over brains. Nothing listens yet: the
// HTTP doors are mounted by handler, SIP starts with start.
func openDoors(ctx context.Context, cfg config.Config, st *store.Store, brains *liveBrains, reg *live.Registry, log *slog.Logger) (*doors, error) {
	d := &doors{log: log}
	var err error
	if cfg.Voice.Enabled {
		var sp switchboard.Speech
		switch cfg.Voice.Engine {
		case config.EngineGoogle:
			if sp, err = d.openCloud(ctx, cfg.Voice.Google); err != nil {
				return nil, errors.Join(err, d.Close())
			}
		default:
			d.speech = switchboard.NewOffline(switchboard.WithModelsDir(cfg.ModelsDir), switchboard.WithSpeechLogger(log))
			sp = d.speech
		}
		d.sb, err = switchboard.New(voiceLines{brains: brains, reg: reg, st: st}, sp, switchboard.WithLogger(log),
			switchboard.WithTurnObserver(switchboard.StoreTraces(st, log)))
		if err != nil {
			return nil, errors.Join(err, d.Close())
		}
		// Every call shows in the agent console, and an agent can talk into it.
		d.ans = live.WatchCalls(d.sb, reg)
	}
	if cfg.Voice.Enabled && cfg.WebRTC.Enabled {
		if d.webrtc, err = webrtc.New(d.ans, cfg.WebRTC.Config, webrtc.WithLogger(log)); err != nil {
			return nil, errors.Join(fmt.Errorf("webrtc: %w", err), d.Close())
		}
	}
	if cfg.Stream.Enabled && !hasAccess(cfg.Stream.Access) {
		log.Info("stream door off: no device tokens configured (stream.devices)")
		cfg.Stream.Enabled = false
	}
	if cfg.Twilio.Enabled && !hasAccess(cfg.Twilio.Access) {
		log.Info("twilio door off: no device tokens configured (twilio.devices)")
		cfg.Twilio.Enabled = false
	}
	if cfg.Stream.Enabled {
		// Text sessions work without the voice loop; audio sessions need it.
		if d.stream, err = stream.New(d.answerer(), textBrains{brains}, cfg.Stream.Config, stream.WithLogger(log)); err != nil {
			return nil, errors.Join(fmt.Errorf("stream: %w", err), d.Close())
		}
	}
	if cfg.Voice.Enabled && cfg.Twilio.Enabled {
		if d.twilio, err = twilio.New(d.ans, cfg.Twilio.Config, twilio.WithLogger(log)); err != nil {
			return nil, errors.Join(fmt.Errorf("twilio: %w", err), d.Close())
		}
	}
	d.dialTokens = cfg.SIP.APITokens
	if cfg.Voice.Enabled && cfg.SIP.Enabled {
		// sipgo logs some transport warnings to its package default.
		sipmsg.SetDefaultLogger(log.With("component", "sipgo"))
		if d.sip, err = sip.New(cfg.SIP.Config, d.ans, sip.WithLogger(log), sip.WithCallRecords(st)); err != nil {
			return nil, errors.Join(fmt.Errorf("sip: %w", err), d.Close())
		}
	}
	return d, nil
}

// openCloud connects the Google Cloud engines.
func (d *doors) openCloud(ctx context.Context, g config.GoogleVoice) (*switchboard.Cloud, error) {
	rec, err := asrgoogle.New(ctx, g.ASR)
	if err != nil {
		return nil, fmt.Errorf("google speech-to-text: %w", err)
	}
	d.closers = append(d.closers, rec)
	syn, err := ttsgoogle.New(ctx, g.TTS)
	if err != nil {
		return nil, fmt.Errorf("google text-to-speech: %w", err)
	}
	d.closers = append(d.closers, syn)
	if d.cloud, err = switchboard.NewCloud(rec, syn); err != nil {
		return nil, err
	}
	return d.cloud, nil
}

// hasAccess reports whether anyone may connect to a token-guarded door.
func hasAccess(a stream.Access) bool { return len(a.Devices) > 0 || a.AllowAnonymous }

// answerer is the switchboard, or nil without the voice loop.
func (d *doors) answerer() telephony.Answerer {
	if d.ans == nil {
		return nil
	}
	return d.ans
}

// voiceLines are the served shops as the switchboard sees them: each
// brain wrapped so the agent console sees its sessions and a person who
// holds a call silences the bot.
type voiceLines struct {
	brains *liveBrains
	reg    *live.Registry
	st     *store.Store
}

func (v voiceLines) Line(id string) (switchboard.Line, bool) {
	es := *v.brains.lines.Load()
	for _, e := range es {
		if id == "" || e.Shop().ID() == id {
			line := switchboard.EngineLine(e)
			line.Brain = heldBrain{Brain: live.Wrap(e.Shop().ID(), e, v.reg, v.st), e: e}
			return line, true
		}
	}
	return switchboard.Line{}, false
}

// heldBrain is the live-wrapped brain that still lends the voice session
// the engine's analyzer (for rescoring recognition hypotheses).
type heldBrain struct {
	*live.Brain
	e *dialog.Engine
}

func (h heldBrain) Analyzer() *nlu.Analyzer { return h.e.Analyzer() }

// textBrains gives the doors' text sessions the served brains.
type textBrains struct{ l *liveBrains }

func (t textBrains) Brain(id string) (voice.Brain, bool) { return t.l.voiceBrain(id) }

// start starts the SIP door and, when asked, compiles every shop's
// recogniser in the background. Both stop when ctx ends.
func (d *doors) start(ctx context.Context, brains *liveBrains, prepare bool) {
	if d.speech != nil && prepare {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for _, s := range brains.Shops() {
				line, ok := brains.Line(s.ID)
				if !ok {
					continue
				}
				if err := d.speech.Prepare(ctx, line.Shop); err != nil {
					if ctx.Err() == nil {
						d.log.Warn("speech recognition not ready; voice calls to this shop will fail", "shop", s.ID, "err", err)
					}
					continue
				}
				d.log.Info("speech recognition ready", "shop", s.ID)
			}
		}()
	}
	d.dialCtx = ctx
	if d.sip != nil {
		d.sipDone = make(chan error, 1)
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.sipDone <- d.sip.Serve(ctx)
		}()
	}
}

// handler mounts the HTTP doors, the call page and the consoles next to
// the API.
func (d *doors) handler(api, con http.Handler, brains *liveBrains) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle(console.APIPrefix, con)
	mux.Handle(console.PagePrefix, con)
	if d.stream != nil {
		mux.Handle("/ws/stream", d.stream)
	}
	if d.twilio != nil {
		mux.Handle("/ws/twilio", d.twilio)
	}
	if d.sip != nil && len(d.dialTokens) > 0 {
		mux.Handle("/api/v1/calls", &dialAPI{d: d, tokens: d.dialTokens})
	}
	if d.webrtc != nil {
		mux.Handle("/ws/call", d.webrtc)
		page, err := callpage.Handler(func() []callpage.Shop { return callpage.FromShops(brains.kbShops()...) },
			callpage.WithLogger(d.log), callpage.WithSignalPath("/ws/call"))
		if err != nil {
			return nil, fmt.Errorf("call page: %w", err)
		}
		mux.Handle("/", page)
	} else {
		mux.Handle("/", api) // the API's JSON 404
	}
	return mux, nil
}

// drain stops taking new phone calls and waits for the running ones to
// finish, or for ctx (a second signal) to end them.
func (d *doors) drain(ctx context.Context) error {
	if d.sip == nil {
		return nil
	}
	d.log.Info("draining phone calls; signal again to end them")
	return d.sip.Drain(ctx)
}

// Close ends every call and frees the engines. Safe on a partly built doors.
func (d *doors) Close() error {
	var errs []error
	if d.sip != nil {
		errs = append(errs, d.sip.Close())
	}
	if d.webrtc != nil {
		errs = append(errs, d.webrtc.Close())
	}
	if d.stream != nil {
		errs = append(errs, d.stream.Close())
	}
	if d.twilio != nil {
		errs = append(errs, d.twilio.Close())
	}
	d.wg.Wait()
	if d.sipDone != nil {
		if err := <-d.sipDone; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("sip: %w", err))
		}
	}
	if d.speech != nil {
		errs = append(errs, d.speech.Close())
	}
	if d.cloud != nil {
		errs = append(errs, d.cloud.Close())
	}
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

var _ web.BrainSet = (*liveBrains)(nil)
