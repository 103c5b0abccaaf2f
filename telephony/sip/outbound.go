package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Outcomes of a call the bot placed (DialResult.Outcome) and of a
// transfer (CallInfo.TransferResult). Few values: fit for metrics.
const (
	OutcomeAnswered    = "answered"    // the callee picked up
	OutcomeNoAnswer    = "no-answer"   // ring timeout, 408, 480, 487
	OutcomeBusy        = "busy"        // 486 Busy Here, 600 Busy Everywhere
	OutcomeRejected    = "rejected"    // any other final failure (403, 404, 603...)
	OutcomeVoicemail   = "voicemail"   // answered by a machine (see Dial)
	OutcomeFailed      = "failed"      // we could not place it (network, media, bad answer)
	OutcomeTransferred = "transferred" // REFER accepted and the transfer target answered
	OutcomeBridged     = "bridged"     // the agent answered and both legs were joined
)

// outcomeOf classifies a final non-2xx status to an INVITE (RFC 3261
// section 21).
func outcomeOf(status int) string {
	switch status {
	case sipmsg.StatusBusyHere, 600: // 600 Busy Everywhere
		return OutcomeBusy
	case sipmsg.StatusRequestTimeout, sipmsg.StatusTemporarilyUnavailable, sipmsg.StatusRequestTerminated:
		return OutcomeNoAnswer
	}
	return OutcomeRejected
}

// PlaceError says why a call the bot placed did not get answered.
type PlaceError struct {
	Outcome string // OutcomeNoAnswer, OutcomeBusy, OutcomeRejected, OutcomeFailed
	Status  int    // the final SIP status, 0 if none came
	Err     error
}

func (e *PlaceError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("sip: call %s (%d): %v", e.Outcome, e.Status, e.Err)
	}
	return fmt.Sprintf("sip: call %s: %v", e.Outcome, e.Err)
}

func (e *PlaceError) Unwrap() error { return e.Err }

// How long place waits for sipgo to take the listening UDP socket.
const (
	listenWaitTries = 40
	listenWaitStep  = 25 * time.Millisecond
)

// leg is a call the bot placed and got answered (an agent for a bridge, a
// customer for Dial): its client dialog and media.
type leg struct {
	s    *Server
	d    *sipgo.DialogClientSession
	id   string // Call-ID
	sess *rtpSession
	neg  negotiated
	law  string
}

// parseTarget reads a SIP URI ("sip:agent@pbx:5060;transport=tcp", or
// "agent@pbx") and picks the transport to send on.
func (s *Server) parseTarget(target string) (sipmsg.Uri, string, error) {
	var uri sipmsg.Uri
	t := target
	if !strings.HasPrefix(strings.ToLower(t), "sip:") && !strings.HasPrefix(strings.ToLower(t), "sips:") {
		t = "sip:" + t
	}
	if err := sipmsg.ParseUri(t, &uri); err != nil {
		return uri, "", fmt.Errorf("sip: target %q: %w", target, err)
	}
	if uri.Host == "" {
		return uri, "", fmt.Errorf("sip: target %q has no host: %w", target, ErrBadOption)
	}
	transport := "UDP"
	if uri.UriParams != nil {
		if tr, ok := uri.UriParams.Get("transport"); ok && tr != "" {
			transport = strings.ToUpper(tr)
		}
	}
	if s.dialogs[transport] == nil {
		for _, tr := range []string{"UDP", "TCP"} {
			if s.dialogs[tr] != nil && (uri.UriParams == nil || !uri.UriParams.Has("transport")) {
				transport = tr
				break
			}
		}
	}
	if s.dialogs[transport] == nil {
		return uri, "", fmt.Errorf("sip: target %q: transport %s is off: %w", target, transport, ErrBadOption)
	}
	return uri, transport, nil
}

// place sends an INVITE with our offer (RFC 3264 section 5) to target and
// waits up to ring for the answer (sipgo sends CANCEL at the timeout,
// RFC 3261 section 9.1), then ACKs it and points the media at the answer.
// A failure is a *PlaceError.
func (s *Server) place(ctx context.Context, target string, ring time.Duration, hdrs ...sipmsg.Header) (*leg, error) {
	uri, transport, err := s.parseTarget(target)
	if err != nil {
		return nil, &PlaceError{Outcome: OutcomeFailed, Err: err}
	}
	host, _, _ := net.SplitHostPort(addrString(map[string]net.Addr{"UDP": s.UDPAddr(), "TCP": s.TCPAddr()}[transport]))
	bind := net.IPv4zero
	if ip := net.ParseIP(host); ip != nil {
		bind = ip
	}
	sess, err := s.ports.open(bind)
	if err != nil {
		return nil, &PlaceError{Outcome: OutcomeFailed, Err: err}
	}
	switch ext := net.ParseIP(s.cfg.ExternalHost); {
	case ext != nil:
		sess.advertised = ext
	case !bind.IsUnspecified():
		sess.advertised = bind
	default:
		if ips, _ := net.LookupIP(uri.Host); len(ips) > 0 {
			sess.advertised = localIPFor(ips[0])
		}
		if sess.advertised == nil {
			sess.advertised = localIPFor(net.IPv4(192, 0, 2, 1))
		}
		if sess.advertised == nil {
			return nil, &PlaceError{Outcome: OutcomeFailed, Err: errors.Join(fmt.Errorf("sip: no local address for %s", uri.Host), sess.Close())}
		}
	}
	offer := offerSDP(sess.advertised, sess.local.Port, s.cfg.Codecs, rand.Uint64()>>1)
	hdrs = append([]sipmsg.Header{sipmsg.NewHeader("Content-Type", "application/sdp")}, hdrs...)
	d, err := s.dialogs[transport].Invite(ctx, uri, offer, hdrs...)
	// Serve hands the UDP socket to sipgo on its own goroutine; until
	// sipgo has it, a request from the listening address tries to bind it
	// again. Only right after Serve (callbee dial does that): wait for it.
	for try := 0; err != nil && errors.Is(err, syscall.EADDRINUSE) && try < listenWaitTries; try++ {
		select {
		case <-ctx.Done():
		case <-time.After(listenWaitStep):
		}
		d, err = s.dialogs[transport].Invite(ctx, uri, offer, hdrs...)
	}
	if err != nil {
		return nil, &PlaceError{Outcome: OutcomeFailed, Err: errors.Join(fmt.Errorf("sip: invite %s: %w", target, err), sess.Close())}
	}
	l := &leg{s: s, d: d, sess: sess}
	if h := d.InviteRequest.CallID(); h != nil {
		l.id = h.Value()
	}
	s.mu.Lock()
	s.outbound[l.id] = d
	s.mu.Unlock()

	ringCtx, cancel := context.WithTimeout(ctx, ring)
	err = d.WaitAnswer(ringCtx, sipgo.AnswerOptions{})
	cancel()
	if err != nil {
		var de *sipgo.ErrDialogResponse
		pe := &PlaceError{Outcome: OutcomeFailed, Err: err}
		switch {
		case errors.As(err, &de):
			pe.Status, pe.Outcome = de.Res.StatusCode, outcomeOf(de.Res.StatusCode)
		case ctx.Err() == nil && errors.Is(ringCtx.Err(), context.DeadlineExceeded):
			pe.Outcome, pe.Err = OutcomeNoAnswer, fmt.Errorf("no answer in %v: %w", ring, err)
		}
		return nil, errors.Join(pe, l.close())
	}
	if err := d.Ack(ctx); err != nil {
		return nil, errors.Join(&PlaceError{Outcome: OutcomeFailed, Err: fmt.Errorf("sip: ack: %w", err)}, l.hangup(), l.close())
	}
	ans, err := parseSDPOffer(d.InviteResponse.Body())
	if err == nil {
		l.neg, err = ans.choose(s.cfg.Codecs)
	}
	if err != nil {
		return nil, errors.Join(&PlaceError{Outcome: OutcomeFailed, Err: fmt.Errorf("sip: answer from %s: %w", target, err)}, l.hangup(), l.close())
	}
	if !ans.Addr.IsUnspecified() {
		sess.remote.Store(&net.UDPAddr{IP: ans.Addr, Port: ans.Port})
	}
	return l, nil
}

// hangup sends BYE unless the dialog is already over.
func (l *leg) hangup() error {
	if l.d.Context().Err() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer cancel()
	if err := l.d.Bye(ctx); err != nil && l.d.Context().Err() == nil {
		return fmt.Errorf("sip: hang up %s: %w", l.id, err)
	}
	return nil
}

// close releases the leg's media and dialog (it does not send BYE).
func (l *leg) close() error {
	l.s.mu.Lock()
	delete(l.s.outbound, l.id)
	l.s.mu.Unlock()
	return errors.Join(l.sess.Close(), l.d.Close())
}

// offerSDP is our offer: every configured codec in order of preference and
// telephone-event (RFC 4733 section 2.5.1) on payload type 101.
func offerSDP(ip net.IP, port int, codecs []string, sessID uint64) []byte {
	family := "IP4"
	if ip.To4() == nil {
		family = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=callbee %d %d IN %s %s\r\ns=callbee\r\nc=IN %s %s\r\nt=0 0\r\n",
		sessID, sessID, family, ip, family, ip)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP", port)
	var maps strings.Builder
	for _, c := range codecs {
		pt := 0
		if strings.EqualFold(c, CodecPCMA) {
			pt = 8
		}
		fmt.Fprintf(&b, " %d", pt)
		fmt.Fprintf(&maps, "a=rtpmap:%d %s/8000\r\n", pt, strings.ToUpper(c))
	}
	b.WriteString(" 101\r\n")
	b.WriteString(maps.String())
	b.WriteString("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n")
	return []byte(b.String())
}
