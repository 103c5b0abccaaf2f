package sip_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

func TestKeypadRFC4733AndInfo(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := newEnded()
	echo := &siptest.Echo{}
	s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)
	// sipp's telephone-event payload type is 96.
	call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{Codecs: []string{"0 PCMU/8000", "96 telephone-event/8000"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := call.SendDigits(ctx, 96, "1234567890*#"); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct{ ct, body string }{
		{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"},
		{"application/dtmf", "#"},
	} {
		code, err := call.SendInfo(ctx, b.ct, b.body)
		if err != nil || code != 200 {
			t.Fatalf("INFO %s: %d %v", b.ct, code, err)
		}
	}
	if code, err := call.SendInfo(ctx, "text/plain", "5"); err != nil || code != 415 {
		t.Errorf("INFO text/plain: %d %v, want 415", code, err)
	}
	if code, err := call.SendInfo(ctx, "application/dtmf-relay", "Signal=xyz"); err != nil || code != 400 {
		t.Errorf("INFO bad signal: %d %v, want 400", code, err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for echo.Digits() != "1234567890*#5#" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := echo.Digits(); got != "1234567890*#5#" {
		t.Errorf("digits %q, want every key once: %q", got, "1234567890*#5#")
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	info := ends.wait(t, ctx)
	if info.Stats.DTMF != 14 || info.Stats.WrongPT != 0 {
		t.Errorf("stats %+v: want 14 keys, no wrong payload types", info.Stats)
	}
}

func TestNoCommonCodec488(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := newEnded()
	echo := &siptest.Echo{}
	s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)
	call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{Codecs: []string{"9 G722/8000", "18 G729/8000"}})
	if err == nil {
		t.Fatal("call with G.722/G.729 only was answered")
	}
	if call == nil || call.Status != 488 {
		t.Fatalf("status %v, want 488 (%v)", call, err)
	}
	info := ends.wait(t, ctx)
	if info.Reason != sip.ReasonNoCommonCodec || info.Status != 488 || len(echo.Calls()) != 0 {
		t.Errorf("info %+v, answerer calls %d", info, len(echo.Calls()))
	}
}

func TestCapacity503AndDrain(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := testConfig()
	cfg.MaxCalls = 2
	cfg.RetryAfter = 7 * time.Second
	echo := &siptest.Echo{}
	s := startServer(t, cfg, echo)
	caller := newCaller(t)
	var calls []*siptest.Call
	for range 2 {
		c, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	busy, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err == nil || busy == nil || busy.Status != 503 {
		t.Fatalf("third call: %v %v, want 503", busy, err)
	}
	if ra := busy.RetryAfter; ra != "7" {
		t.Errorf("Retry-After %q, want 7", ra)
	}
	// The calls in progress are not starved: audio still flows.
	tone := mediatest.Sine(8000, 440, 8000, 400*time.Millisecond)
	for _, c := range calls {
		if err := c.Send(ctx, tone); err != nil {
			t.Fatal(err)
		}
	}
	// Drain: new calls get 503, the running ones finish.
	drained := make(chan error, 1)
	go func() { drained <- s.Drain(ctx) }()
	time.Sleep(50 * time.Millisecond)
	if c, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{}); err == nil || c.Status != 503 {
		t.Errorf("call while draining: %v, want 503", err)
	}
	select {
	case err := <-drained:
		t.Fatalf("drain returned %v with calls running", err)
	default:
	}
	for _, c := range calls {
		if err := c.Hangup(ctx); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-drained:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("drain did not finish after the calls ended")
	}
	// Both calls were heard while the third was refused.
	want := codec.PCMU.Decode(nil, codec.PCMU.Encode(nil, tone))
	if n := framesFound(echo.Samples(), want); n < 18 {
		t.Errorf("answerers heard %d of the tone's 20 frames intact", n)
	}
}

func TestCancelBeforeAnswer(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := testConfig()
	cfg.RingTime = 5 * time.Second
	ends := newEnded()
	echo := &siptest.Echo{}
	s := startServer(t, cfg, echo, sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)
	dctx, dcancel := context.WithTimeout(ctx, 700*time.Millisecond) // hang up while it rings
	defer dcancel()
	start := time.Now()
	if c, err := caller.Dial(dctx, s.UDPAddr().String(), "shop", siptest.Offer{}); err == nil {
		_ = c.Close()
		t.Fatal("answered")
	}
	info := ends.wait(t, ctx)
	if info.Reason != sip.ReasonCancelled || !info.Answer.IsZero() || len(echo.Calls()) != 0 {
		t.Errorf("info %+v, answerer calls %d", info, len(echo.Calls()))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v to end the call (ring time 5 s)", d)
	}
}

func TestOptionsAndTCP(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := startServer(t, testConfig(), &siptest.Echo{})
	for _, network := range []string{"udp", "tcp"} {
		addr := s.UDPAddr().String()
		if network == "tcp" {
			addr = s.TCPAddr().String()
		}
		res, err := siptest.Raw(ctx, network, addr, siptest.Options(network, addr))
		if err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		if !strings.HasPrefix(res, "SIP/2.0 200") || !strings.Contains(res, "INVITE") {
			t.Errorf("%s OPTIONS: %q", network, res)
		}
	}
}

// TestMalformedSIP sends a few of RFC 4475's torture messages raw over UDP:
// each gets 400 or is dropped, and a good call works afterwards.
func TestMalformedSIP(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	echo := &siptest.Echo{HangupAfter: 200 * time.Millisecond}
	s := startServer(t, testConfig(), echo)
	addr := s.UDPAddr().String()
	for _, m := range siptest.Torture(addr) {
		mctx, mcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		res, err := siptest.Raw(mctx, "udp", addr, m.Message)
		mcancel()
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			// dropped: fine for a message that cannot be answered
		case err != nil:
			t.Errorf("%s: %v", m.Name, err)
		case !strings.Contains(firstLine(res), " 4") && !strings.Contains(firstLine(res), " 505 "):
			t.Errorf("%s: answered %q, want a 4xx or no answer", m.Name, firstLine(res))
		}
	}
	caller := newCaller(t)
	call, err := caller.Dial(ctx, addr, "shop", siptest.Offer{})
	if err != nil {
		t.Fatalf("good call after the torture: %v", err)
	}
	defer call.Close()
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("good call did not end")
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}
