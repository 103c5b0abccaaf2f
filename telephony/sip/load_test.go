package sip_test

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/media/vad"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

// vadAnswerer is the media-only voice loop of the load test: every caller
// frame goes through the voice activity detector; the bot says nothing.
type vadAnswerer struct {
	voiced atomic.Int64
	frames atomic.Int64
}

func (a *vadAnswerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, _ *media.EventQueue, _ media.Writer) (telephony.Result, error) {
	d, err := vad.New(vad.DefaultConfig())
	if err != nil {
		return telephony.Result{}, err
	}
	for {
		f, err := in.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			return telephony.Result{}, nil
		}
		if err != nil {
			return telephony.Result{}, err
		}
		a.frames.Add(1)
		if d.Process(f).Voiced {
			a.voiced.Add(1)
		}
	}
}

// TestLoadSipp holds CALLBEE_SIP_LOAD concurrent sipp calls (each streaming
// speech-like audio both ways... sipp streams, the door decodes, de-jitters
// and runs VAD on every frame) for CALLBEE_SIP_LOAD_HOLD (default 20 s),
// and reports this process's CPU and peak RSS. Not part of the default run:
//
//	CALLBEE_SIP_LOAD=500 go test ./telephony/sip -run TestLoadSipp -v
func TestLoadSipp(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CALLBEE_SIP_LOAD"))
	if n <= 0 {
		t.Skip("set CALLBEE_SIP_LOAD=<calls> to run the sipp load test")
	}
	siptest.RequireSipp(t)
	hold := 20 * time.Second
	if v, err := time.ParseDuration(os.Getenv("CALLBEE_SIP_LOAD_HOLD")); err == nil && v > 0 {
		hold = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), hold+3*time.Minute)
	defer cancel()
	cfg := testConfig()
	cfg.MaxCalls = n
	cfg.MediaTimeout = time.Minute
	ans := &vadAnswerer{}
	var mu sync.Mutex
	reasons := map[string]int{}
	var late, concealed, in uint64
	s := startServer(t, cfg, ans, sip.WithOnCallEnd(func(info sip.CallInfo, _ telephony.Result, _ error) {
		mu.Lock()
		reasons[info.Reason]++
		late += info.Stats.Late
		concealed += info.Stats.Concealed
		in += info.Stats.PacketsIn
		mu.Unlock()
	}))
	dir := t.TempDir()
	if _, err := siptest.WriteUlawWAV(dir, "q_ulaw.wav", mediatest.SpeechLike(8000, 3000, 4*time.Second, 5)); err != nil {
		t.Skip(err)
	}
	rate := min(float64(n)/5, 100) // ramp up within ~5 s
	done := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = siptest.Sipp{Scenario: copyScenario(t, dir, "uac_hold.xml"), Dir: dir, Target: s.UDPAddr().String(),
			Calls: n, Limit: n, Rate: rate, Timeout: hold + 2*time.Minute,
			Args: []string{"-d", strconv.Itoa(int(hold / time.Millisecond)), "-rtp_threadtasks", "50"}}.Run(ctx)
		done <- err
	}()
	// Measure while all calls are up: from full load to just before the first ends.
	for s.Active() < n && ctx.Err() == nil {
		select {
		case err := <-done:
			t.Fatalf("sipp ended early: %v\n%s", err, out)
		case <-time.After(100 * time.Millisecond):
		}
	}
	full := time.Now()
	cpu0 := cpuTime()
	window := hold - time.Duration(float64(n)/rate*float64(time.Second)) - time.Second
	if window < 3*time.Second {
		window = 3 * time.Second
	}
	time.Sleep(window)
	cpu := cpuTime() - cpu0
	active := s.Active()
	elapsed := time.Since(full)
	if err := <-done; err != nil {
		t.Errorf("sipp: %v\n%s", err, tail(out, 2000))
	}
	for s.Active() > 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d concurrent calls (still %d at the end of the window) for %v: CPU %.0f%% of one core, peak RSS %d MiB; "+
		"frames through VAD %d (voiced %d); packets in %d, late %d, concealed frames %d; ends %v",
		n, active, elapsed.Round(time.Second), 100*cpu.Seconds()/elapsed.Seconds(), peakRSS()>>20,
		ans.frames.Load(), ans.voiced.Load(), in, late, concealed, reasons)
	if reasons[sip.ReasonCallerHangup] != n {
		t.Errorf("ends %v, want %d caller hang-ups", reasons, n)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is VmHWM from /proc/self/status, in bytes.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// TestLoadVoice holds CALLBEE_SIP_LOAD_VOICE concurrent calls through the
// full voice loop (the demo shop's switchboard: VAD, pocketsphinx,
// brain, espeak-ng), each a Go caller asking a question, and reports the
// latency on the wire (caller's last voiced packet to the bot's first
// voiced packet of the answer: p50/p95), the right-FAQ rate, CPU and RSS.
// The goal on 2 cores is 40 calls with p95 <= 1 s.
//
//	CALLBEE_SIP_LOAD_VOICE=40 go test ./telephony/sip -run TestLoadVoice -v
func TestLoadVoice(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CALLBEE_SIP_LOAD_VOICE"))
	if n <= 0 {
		t.Skip("set CALLBEE_SIP_LOAD_VOICE=<calls> to run the full voice loop load test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sb := switchboardtest.Demo(t)
	q := switchboardtest.Speak(t, "en-us", "when do you ship", 8000, 0, 0)
	cfg := testConfig()
	cfg.Lang = "en"
	cfg.MaxCalls = n
	var rep replies
	var mu sync.Mutex
	var right int
	s := startServer(t, cfg, sb, sip.WithOnEvent(rep.onEvent), sip.WithOnCallEnd(func(_ sip.CallInfo, res telephony.Result, _ error) {
		mu.Lock()
		defer mu.Unlock()
		if len(res.Turns) > 0 && res.Turns[0].Reply.FAQ != nil && *res.Turns[0].Reply.FAQ == "logistics.when_ship" {
			right++
		}
	}))
	caller := newCaller(t)
	// One call first, unmeasured: the recogniser and the speech cache warm up.
	warm, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ask(ctx, warm, q, rep.of(warm.ID())); err != nil {
		t.Fatalf("warm-up call: %v", err)
	}
	if err := warm.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	for s.Active() > 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	right = 0
	mu.Unlock()
	cpu0, t0 := cpuTime(), time.Now()
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 100 * time.Millisecond) // 10 calls a second
			call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
			if err != nil {
				errs[i] = err
				return
			}
			defer call.Close()
			lat[i], errs[i] = ask(ctx, call, q, rep.of(call.ID()))
			errs[i] = errors.Join(errs[i], call.Hangup(ctx))
		})
	}
	wg.Wait()
	for s.Active() > 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	var ok []time.Duration
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
			continue
		}
		ok = append(ok, lat[i])
	}
	slices.Sort(ok)
	pct := func(p float64) time.Duration {
		if len(ok) == 0 {
			return 0
		}
		return ok[min(len(ok)-1, int(p*float64(len(ok))))]
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d calls through the voice loop: wire latency p50 %v p95 %v max %v; right FAQ %d/%d; CPU %.0f%% of one core over %v; peak RSS %d MiB",
		n, pct(0.5).Round(time.Millisecond), pct(0.95).Round(time.Millisecond), pct(1).Round(time.Millisecond), right, n,
		100*cpu.Seconds()/elapsed.Seconds(), elapsed.Round(time.Second), peakRSS()>>20)
}
