// Package sip is the phone door: a SIP user agent (RFC 3261) on UDP and TCP
// that answers calls from a PBX, a SIP trunk or a softphone and runs each
// one through a telephony.Answerer (the voice loop).
//
// Signalling is github.com/emiago/sipgo (transactions and dialogs):
// INVITE/ACK/BYE/CANCEL/OPTIONS/INFO and re-INVITE (RFC 3261 sections
// 13-15, 11, 14; RFC 6086), SDP offer/answer (RFC 3264 over RFC 4566) with
// G.711 PCMU/PCMA (RFC 3551 section 4.5.14) and telephone-event (RFC 4733
// section 2.1). github.com/emiago/diago is not used: v0.42.1's media
// package does not build next to pion/webrtc v4.2.26 (pion/ice v4.4.8
// moved to pion/stun/v4). The door does its own media on an RTP/RTCP port
// pair per call (RFC 3550; symmetric RTP, RFC 4961): a receive path
// that sorts packets by payload type, decodes G.711 into 20 ms frames
// through a small jitter buffer that fills gaps with silence (so the voice
// activity detector always sees real time), counts and drops garbage and
// unknown payload types, and keeps per-call statistics (loss and
// interarrival jitter as in RFC 3550 section 6.4.1 and appendix A.8); and a
// send path that encodes and paces the bot's frames as RTP.
//
// Keypad digits come as RFC 4733 telephone-events, parsed here (section
// 2.3: an event is one digit however many packets carry it, including the
// duration-0 first packet that sipp sends and the three retransmitted end
// packets of section 2.5.1.4) or as SIP INFO (RFC 6086) with
// application/dtmf-relay or application/dtmf bodies.
//
// Capacity and lifecycle: past Config.MaxCalls, and while draining, new
// INVITEs get 503 with Retry-After (RFC 3261 section 21.5.4); an offer with
// no common audio codec gets 488 (section 21.4.26); CANCEL before the answer
// ends the INVITE with 487 without the Answerer being called.
//
// Transfer (Config.Transfer): when the brain hands a call to a person
// inside service hours, once the handoff sentence was spoken, the door
// either sends a blind transfer (REFER, RFC 3515 section 2.4; progress in
// NOTIFY message/sipfrag bodies, RFC 3420; BYE after success, RFC 5589
// section 6.1) or bridges: it calls the agent (INVITE with our offer),
// plays hold audio to the caller while it rings and then relays audio both
// ways (transcoding between the legs' G.711 laws) with the voice loop gone.
// Both carry the handoff summary in a header (TransferConfig.Header) with
// a link to the agent console. If nobody answers the voice loop gets the
// call back and says so (telephony.Controls.Say). WithCallRecords writes
// one store.CallRecord per call.
//
// Outbound calls (Server.Dial, RFC 3261 section 13.2): the bot sends an
// INVITE with its offer, classifies a failure (busy, no answer, rejected),
// runs an answered call through the Answerer with an opening line, and
// hangs up on a voicemail-like answer (the rule is on Dial).
//
// Registration (Config.Register, RFC 3261 section 10): Serve registers
// the door to a trunk or PBX with digest authentication (section 22.2, by
// sipgo), one Call-ID and a rising CSeq, refreshes at half the lifetime
// granted (section 10.2.4; 423 Min-Expires honoured, 10.2.8), backs off
// with jitter after failures, and Close removes the binding (Expires: 0,
// section 10.2.2). Server.Registration reports its state.
//
// Seams for transfer, outbound calls and registration: Server.UA and
// Server.Client give the user agent and the per-transport clients (REFER,
// outbound INVITE, REGISTER), Call.Dialog the call's SIP dialog, CallInfo
// what a call record needs, and WithOnAnswer / WithOnEvent (the handoff
// event) / WithOnCallEnd observe every call.
package sip
