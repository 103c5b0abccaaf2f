package sip

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// Reasons a call ended (CallInfo.Reason), few values: fit for metrics.
const (
	ReasonCallerHangup  = "caller-hangup"   // BYE from the caller
	ReasonBotHangup     = "bot-hangup"      // the Answerer ended the call
	ReasonCancelled     = "cancelled"       // CANCEL before the answer
	ReasonBusy          = "busy"            // 503: at capacity or draining
	ReasonNoCommonCodec = "no-common-codec" // 488
	ReasonMediaTimeout  = "media-timeout"   // no RTP for Config.MediaTimeout
	ReasonServerClosed  = "server-closed"   // Close ended it
	ReasonError         = "error"           // answering or the Answerer failed
	ReasonTransferred   = "transferred"     // handed to a person (REFER or bridge)
	ReasonNoAnswer      = "no-answer"       // outbound: nobody picked up
	ReasonRejected      = "rejected"        // outbound: the callee refused (486, 603...)
)

// CallInfo describes one call, for logs, the console and call records.
type CallInfo struct {
	ID        string // SIP Call-ID
	From      string // caller's user (number)
	To        string // called user (number)
	Transport string // "UDP", "TCP"
	Remote    string // caller's signalling address
	Shop      string
	Lang      string
	Start     time.Time // INVITE received
	Answer    time.Time // 200 OK sent (zero if never answered)
	End       time.Time
	Reason    string // one of the Reason constants
	Status    int    // final SIP status we sent or saw (200, 487, 488, 503...)
	Stats     Stats
	// Outbound is set for calls the bot placed (Server.Dial).
	Outbound bool
	// TransferTarget and TransferResult tell where a handoff was sent and
	// how it went (one of the Transfer constants); "" without a transfer.
	TransferTarget string
	TransferResult string
}

// Call is one inbound call at the door. Its methods are safe for
// concurrent use. The transfer and call-record code reaches the SIP
// dialog through Dialog.
type Call struct {
	dialog *sipgo.DialogServerSession // inbound calls; nil for Dial's
	sig    sigDialog                  // the call's dialog, either way

	// hold is set while a transfer is under way: the Answerer's audio is
	// dropped and it hears silence. bridge is set once the caller is
	// joined to an agent: the caller's audio goes to the agent.
	hold   atomic.Bool
	bridge atomic.Pointer[bridge]
	// notify carries the status lines of REFER progress NOTIFYs (RFC 3515
	// section 2.4.5); bounded, extra ones are dropped.
	notify chan int

	mu   sync.Mutex // guards info, sess, neg, ctl, leave, xfer
	info CallInfo
	sess *rtpSession // nil before the answer
	neg  negotiated
	id   uint64 // SDP session id

	ctl   telephony.Controls // from the Answerer's OnStart; nil before
	leave context.CancelFunc // ends the Answerer's context (set by run)
	xfer  bool               // a transfer was started

	// Dial's calls: the opening line, the caller's context (its end hangs
	// up) and the voicemail rule. Set before run, never changed.
	opening string
	dialCtx context.Context
	amd     *amd

	keys  *media.EventQueue // set before the answer, never changed
	endOK atomic.Bool       // the call is over (hang-up seen or sent)
}

// Info returns a snapshot of the call's description and statistics.
func (c *Call) Info() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Dialog is the call's SIP dialog (for REFER, re-INVITE, BYE).
func (c *Call) Dialog() *sipgo.DialogServerSession { return c.dialog }

// answered reports whether media is up.
func (c *Call) answered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess != nil
}

// reoffer answers a re-INVITE's offer: the same codec, a possibly new
// remote address (an empty body refreshes the session as it is).
func (c *Call) reoffer(body []byte, prefs []string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return nil, fmt.Errorf("sip: re-INVITE before the answer: %w", ErrBadSDP)
	}
	if len(body) > 0 {
		off, err := parseSDPOffer(body)
		if err != nil {
			return nil, err
		}
		neg, err := off.choose(prefs)
		if err != nil {
			return nil, err
		}
		if neg.Audio.Name != c.neg.Audio.Name || neg.Audio.PT != c.neg.Audio.PT {
			return nil, fmt.Errorf("sip: re-INVITE changes codec %s to %s: %w", c.neg.Audio.Name, neg.Audio.Name, ErrNoCommonCodec)
		}
		if !off.Addr.IsUnspecified() { // 0.0.0.0 is the old way of holding
			c.sess.remote.Store(&net.UDPAddr{IP: off.Addr, Port: off.Port})
		}
	}
	c.id++
	return answerSDP(c.sess.advertised, c.sess.local.Port, c.neg, c.id), nil
}

// Context is done when the call's dialog ends.
func (c *Call) Context() context.Context { return c.sig.Context() }

// sigDialog is what running a call needs of its SIP dialog, placed or
// received.
type sigDialog interface {
	Context() context.Context
	Bye(ctx context.Context) error
}

func (c *Call) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.info.Stats)
	c.mu.Unlock()
}

func (c *Call) update(f func(*CallInfo)) {
	c.mu.Lock()
	f(&c.info)
	c.mu.Unlock()
}

// endReason records why the call ended, keeping the first reason given.
func (c *Call) endReason(reason string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.info.Reason == "" {
		c.info.Reason = reason
	}
	if c.info.Status == 0 {
		c.info.Status = status
	}
}

func (c *Call) ended() bool { return c.endOK.Load() }

// keyPressed queues a keypad digit for the Answerer.
func (c *Call) keyPressed(digit rune, dur, at time.Duration) {
	c.count(func(s *Stats) { s.DTMF++ })
	if c.keys != nil {
		c.keys.Push(media.Event{Kind: media.DTMF, Digit: digit, At: at, Duration: dur})
	}
}
