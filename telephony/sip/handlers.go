package sip

import (
	"errors"
	"strings"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/callbee/callbee/telephony"
)

// guard adapts a handler that returns an error to sipgo, logging the
// error (rate-limited: a flood of bad requests cannot flood the log).
func (s *Server) guard(h func(*sipmsg.Request, sipmsg.ServerTransaction) error) sipgo.RequestHandler {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if code, why := checkRequest(req); code != 0 {
			s.log.Info("sip: malformed request", "method", req.Method.String(), "source", req.Source(), "why", why)
			if req.Method != sipmsg.ACK {
				if err := respond(req, tx, code); err != nil {
					s.log.Warn("sip: respond", "err", err)
				}
			}
			return
		}
		if err := h(req, tx); err != nil {
			s.log.Warn("sip: request failed", "method", req.Method.String(), "source", req.Source(), "err", err)
		}
	}
}

// checkRequest applies RFC 3261 section 8.2 checks that sipgo's parser
// leaves to the UAS: the version (505) and a CSeq method that matches the
// request line (400).
func checkRequest(req *sipmsg.Request) (int, string) {
	if req.SipVersion != "SIP/2.0" {
		return 505, "version " + truncate(req.SipVersion, 16)
	}
	cseq := req.CSeq()
	if cseq == nil || req.CallID() == nil || req.From() == nil || req.To() == nil {
		return 400, "missing CSeq, Call-ID, From or To"
	}
	if cseq.MethodName != req.Method {
		return 400, "CSeq method " + truncate(string(cseq.MethodName), 16) + " on a " + req.Method.String()
	}
	return 0, ""
}

// respond sends a stateful response with optional headers.
func respond(req *sipmsg.Request, tx sipmsg.ServerTransaction, code int, hdrs ...sipmsg.Header) error {
	res := sipmsg.NewResponseFromRequest(req, code, reasonPhrase(code), nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	return tx.Respond(res)
}

// reasonPhrase is RFC 3261 section 21's phrase for the codes we send.
func reasonPhrase(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 415:
		return "Unsupported Media Type"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 482:
		return "Loop Detected"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	case 505:
		return "Version Not Supported"
	}
	return "Unknown"
}

// dialogCall finds the call a mid-dialog request belongs to: same Call-ID
// and same dialog (tags).
func (s *Server) dialogCall(req *sipmsg.Request) *Call {
	h := req.CallID()
	if h == nil {
		return nil
	}
	c := s.call(h.Value())
	if c == nil || c.dialog == nil {
		return nil
	}
	id, err := sipmsg.DialogIDFromRequestUAS(req)
	if err != nil || id != c.dialog.ID {
		return nil
	}
	return c
}

// onInvite takes a new INVITE (the call runs on this goroutine until it
// ends) or a re-INVITE within a call.
func (s *Server) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			return s.onReinvite(req, tx)
		}
	}
	dua := s.dialogs[strings.ToUpper(req.Transport())]
	if dua == nil {
		return respond(req, tx, 400)
	}
	// Refusals go straight to the transaction, which absorbs the ACK: no
	// goroutine or call slot waits for it (a flood of INVITEs that never
	// ACK must not hold capacity).
	c := s.newCall(req)
	if status, ok := s.admit(c); !ok {
		reason, hdrs := ReasonError, []sipmsg.Header(nil)
		if status == 503 {
			reason, hdrs = ReasonBusy, append(hdrs, s.retryAfter())
		}
		c.endReason(reason, status)
		s.log.Info("sip: call refused", "call", c.info.ID, "status", status)
		s.finish(c, telephony.Result{}, nil)
		return respond(req, tx, status, hdrs...)
	}
	defer s.release(c)
	off, neg, err := s.negotiate(req.Body())
	if err != nil {
		s.log.Info("sip: offer refused", "call", c.info.ID, "err", err)
		c.endReason(ReasonNoCommonCodec, 488)
		s.finish(c, telephony.Result{}, nil)
		return respond(req, tx, 488, sipmsg.NewHeader("Warning", `304 callbee "Media type not available"`))
	}
	d, err := dua.ReadInvite(req, tx)
	if err != nil {
		c.endReason(ReasonError, 400)
		s.finish(c, telephony.Result{}, nil)
		return errors.Join(err, respond(req, tx, 400))
	}
	defer d.Close()
	c.dialog, c.sig = d, d
	s.handleInvite(c, off, neg)
	return nil
}

// onReinvite answers a re-INVITE (session refresh, hold, a new media
// address, RFC 3261 section 14) with the same codec and our same port.
func (s *Server) onReinvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	c := s.dialogCall(req)
	if c == nil {
		return respond(req, tx, 481)
	}
	if err := c.dialog.ReadRequest(req, tx); err != nil {
		return errors.Join(err, respond(req, tx, 500, sipmsg.NewHeader("Retry-After", "1")))
	}
	sdp, err := c.reoffer(req.Body(), s.cfg.Codecs)
	if err != nil {
		s.log.Info("sip: re-INVITE refused", "call", c.info.ID, "err", err)
		return respond(req, tx, 488)
	}
	res := sipmsg.NewSDPResponseFromRequest(req, sdp)
	if dua := s.dialogs[c.info.Transport]; dua != nil {
		res.AppendHeader(&dua.ContactHDR)
	}
	return tx.Respond(res)
}

func (s *Server) onAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	c := s.dialogCall(req)
	if c == nil {
		return nil // an ACK for a non-2xx final response, or a stray one: ACKs get no response
	}
	if err := c.dialog.ReadAck(req, tx); err != nil && !errors.Is(err, sipgo.ErrDialogInvalidCseq) {
		return err
	}
	return nil // the ACK of a re-INVITE has a newer CSeq than the dialog's INVITE
}

func (s *Server) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	c := s.dialogCall(req)
	if c == nil {
		if d := s.outboundDialog(req); d != nil {
			return d.ReadBye(req, tx) // the agent or a Dial callee hung up
		}
		return respond(req, tx, 481)
	}
	c.endReason(ReasonCallerHangup, 200)
	if err := c.dialog.ReadBye(req, tx); err != nil {
		return errors.Join(err, respond(req, tx, 481))
	}
	return nil
}

// outboundDialog finds a dialog we placed by Call-ID (RFC 3261 section
// 12.2.2: the callee's request carries our From tag as its To tag).
func (s *Server) outboundDialog(req *sipmsg.Request) *sipgo.DialogClientSession {
	h := req.CallID()
	if h == nil {
		return nil
	}
	s.mu.Lock()
	d := s.outbound[h.Value()]
	s.mu.Unlock()
	if d == nil {
		return nil
	}
	if to := req.To(); to != nil {
		if tag, _ := to.Params.Get("tag"); tag != "" {
			if from := d.InviteRequest.From(); from != nil {
				if ours, _ := from.Params.Get("tag"); ours != tag {
					return nil
				}
			}
		}
	}
	return d
}

// onCancel sees only CANCELs that match no pending INVITE: the
// transaction layer answers the others (200, then 487 to the INVITE).
func (s *Server) onCancel(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	return respond(req, tx, 481)
}

// onOptions answers capability queries and keep-alives (RFC 3261 section 11).
func (s *Server) onOptions(req *sipmsg.Request, tx sipmsg.ServerTransaction) error {
	code := 200
	s.mu.Lock()
	if s.draining || s.closed {
		code = 503
	}
	s.mu.Unlock()
	return respond(req, tx, code,
		sipmsg.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY"),
		sipmsg.NewHeader("Accept", "application/sdp, application/dtmf-relay, application/dtmf"),
		sipmsg.NewHeader("Accept-Language", "en, zh"))
}
