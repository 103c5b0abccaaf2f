package sip_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

// ended collects OnCallEnd reports.
type ended struct {
	mu    sync.Mutex
	infos []sip.CallInfo
	ch    chan sip.CallInfo
}

func newEnded() *ended { return &ended{ch: make(chan sip.CallInfo, 64)} }

func (e *ended) hook(info sip.CallInfo, _ telephony.Result, _ error) {
	e.mu.Lock()
	e.infos = append(e.infos, info)
	e.mu.Unlock()
	e.ch <- info
}

func (e *ended) wait(t *testing.T, ctx context.Context) sip.CallInfo {
	t.Helper()
	select {
	case info := <-e.ch:
		return info
	case <-ctx.Done():
		t.Fatal("no call ended")
		return sip.CallInfo{}
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("SIP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// testConfig listens on 127.0.0.1 with ephemeral ports.
func testConfig() sip.Config {
	cfg := sip.DefaultConfig()
	cfg.UDP = "127.0.0.1:0"
	cfg.TCP = "127.0.0.1:0"
	cfg.MaxCalls = 4
	cfg.MediaTimeout = 10 * time.Second
	return cfg
}

// startServer runs a Server until the test ends.
func startServer(t *testing.T, cfg sip.Config, ans telephony.Answerer, opts ...sip.Option) *sip.Server {
	t.Helper()
	opts = append([]sip.Option{sip.WithLogger(testLogger(t))}, opts...)
	s, err := sip.New(cfg, ans, opts...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background()) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, sip.ErrClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

func newCaller(t *testing.T) *siptest.Caller {
	t.Helper()
	c, err := siptest.NewCaller(testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("caller close: %v", err)
		}
	})
	return c
}

func TestCallEchoAndCallerHangup(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := newEnded()
	echo := &siptest.Echo{Echo: true}
	s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)

	call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err != nil {
		t.Fatal(err)
	}
	tone := mediatest.SpeechLike(8000, 4000, time.Second, 7)
	if err := call.Send(ctx, tone); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the echo come back
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	info := ends.wait(t, ctx)
	if info.Reason != sip.ReasonCallerHangup {
		t.Errorf("reason %q, want %q", info.Reason, sip.ReasonCallerHangup)
	}
	if info.Stats.Codec != "PCMU" || info.Stats.PacketsIn < 45 || info.Stats.PacketsIn > 50 {
		t.Errorf("stats %+v: want PCMU and ~50 packets in", info.Stats)
	}
	if info.Stats.PacketsLost != 0 || info.Stats.Garbage != 0 || info.Stats.WrongPT != 0 {
		t.Errorf("stats %+v: want no loss or garbage", info.Stats)
	}
	if info.Answer.IsZero() || info.End.Before(info.Answer) {
		t.Errorf("times: start %v answer %v end %v", info.Start, info.Answer, info.End)
	}
	got := echo.Samples()
	want := codec.PCMU.Decode(nil, codec.PCMU.Encode(nil, tone))
	// Every 20 ms of the caller's audio arrives bit-exact (a packet made
	// late by a loaded machine may be missing: allow 2 of 50).
	if n := framesFound(got, want); n < 48 {
		t.Errorf("answerer heard %d of 50 caller frames intact (%d samples, RMS %.0f)", n, len(got), mediatest.RMS(got))
	}
	back, arrivals := call.Received()
	if len(arrivals) < 40 || mediatest.RMS(back) < 2000 {
		t.Errorf("caller got %d packets back with RMS %.0f, want the echoed tone", len(arrivals), mediatest.RMS(back))
	}
	calls := echo.Calls()
	if len(calls) != 1 || calls[0].Door != telephony.DoorSIP || calls[0].Rate != 8000 || calls[0].Callee != "shop" {
		t.Errorf("calls %+v", calls)
	}
	if n := s.Active(); n != 0 {
		t.Errorf("%d calls still active", n)
	}
}

// framesFound counts the 160-sample frames of want found intact in got.
func framesFound(got, want []int16) int {
	n := 0
	for i := 0; i+160 <= len(want); i += 160 {
		if indexOf(got, want[i:i+160]) >= 0 {
			n++
		}
	}
	return n
}

// indexOf finds want as a contiguous run in got.
func indexOf(got, want []int16) int {
	for i := 0; i+len(want) <= len(got); i++ {
		if slices.Equal(got[i:i+len(want)], want) {
			return i
		}
	}
	return -1
}

func TestBotHangsUp(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := newEnded()
	echo := &siptest.Echo{HangupAfter: 600 * time.Millisecond}
	s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)
	call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err != nil {
		t.Fatal(err)
	}
	defer call.Close()
	// No RTP from the caller at all: the door still delivers real time.
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("no BYE from the bot")
	}
	info := ends.wait(t, ctx)
	if info.Reason != sip.ReasonBotHangup {
		t.Errorf("reason %q, want %q", info.Reason, sip.ReasonBotHangup)
	}
	if d := info.End.Sub(info.Answer); d < 500*time.Millisecond || d > 3*time.Second {
		t.Errorf("call lasted %v, want ~600ms of silence frames", d)
	}
	if f := echo.Frames(); f != 30 {
		t.Errorf("answerer read %d frames, want 30", f)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("deadline")
	}
}
