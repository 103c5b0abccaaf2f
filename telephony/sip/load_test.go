package sip_test

import (
	"context"
	"errors"
	"io"
	"os"
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
