package siptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// RequireSipp skips the test when sipp (Debian's sip-tester) is missing.
func RequireSipp(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed (apt-get install sip-tester)")
	}
}

// Sipp is one sipp run: a UAC scenario file against a target.
type Sipp struct {
	Scenario string        // path of the scenario XML
	Dir      string        // working directory: files the scenario streams
	Target   string        // host:port of the SIP server
	Service  string        // the user called ([service]); default "callbee"
	Calls    int           // -m; default 1
	Rate     float64       // -r calls per second; default sipp's
	Limit    int           // -l concurrent calls; default sipp's
	Timeout  time.Duration // -timeout for the whole run; default 60 s
	Args     []string      // more flags
}

// Run runs sipp in the foreground (-nostdin, on 127.0.0.1 with free SIP
// and media ports) until it exits or ctx is done, when the process is
// killed. It returns sipp's output and, when it exits non-zero, an error
// with its error log.
func (s Sipp) Run(ctx context.Context) (string, error) {
	sipPort, err := freePort(false)
	if err != nil {
		return "", err
	}
	mediaPort, err := freePort(true)
	if err != nil {
		return "", err
	}
	scen, err := filepath.Abs(s.Scenario)
	if err != nil {
		return "", err
	}
	dir := s.Dir
	if dir == "" {
		dir = filepath.Dir(scen)
	}
	errFile := filepath.Join(dir, fmt.Sprintf("sipp-%d-errors.log", sipPort))
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	service, calls := s.Service, s.Calls
	if service == "" {
		service = "callbee"
	}
	if calls == 0 {
		calls = 1
	}
	args := []string{"-sf", scen, "-nostdin", "-i", "127.0.0.1", "-mi", "127.0.0.1",
		"-p", strconv.Itoa(sipPort), "-mp", strconv.Itoa(mediaPort), "-s", service,
		"-m", strconv.Itoa(calls), "-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())), "-timeout_error",
		"-trace_err", "-error_file", errFile}
	if s.Rate > 0 {
		args = append(args, "-r", strconv.FormatFloat(s.Rate, 'f', -1, 64))
	}
	if s.Limit > 0 {
		args = append(args, "-l", strconv.Itoa(s.Limit))
	}
	args = append(append(args, s.Args...), s.Target)
	rctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(rctx, "sipp", args...)
	cmd.Dir = dir
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(errFile)
		return string(out), fmt.Errorf("sipp %s: %w\nerror log:\n%s", filepath.Base(scen), err, log)
	}
	return string(out), nil
}

// freePort finds a free UDP port on 127.0.0.1 (an even one with the next
// one free too for media: RTP and RTCP).
func freePort(pair bool) (int, error) {
	for range 50 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, err
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		if !pair {
			return port, c.Close()
		}
		if port%2 == 1 || port > 65530 {
			c.Close()
			continue
		}
		ok := true
		for _, p := range []int{port + 1, port + 2, port + 3} { // sipp may use +2 for video
			d, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				ok = false
				break
			}
			d.Close()
		}
		c.Close()
		if ok {
			return port, nil
		}
	}
	return 0, errors.New("siptest: no free port")
}
