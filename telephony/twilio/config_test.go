package twilio_test

import (
	"errors"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/stream/streamtest"
	"github.com/callbee/callbee/telephony/twilio"
)

func TestConfigYAML(t *testing.T) {
	src := `
devices:
  - {token: "twilio-prod-0b5d9a7e33", name: "twilio"}
max_sessions: 100
idle_timeout: 20s
mark_gap: 300ms
`
	cfg := twilio.DefaultConfig()
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Devices) != 1 || cfg.MaxSessions != 100 || cfg.IdleTimeout != 20*time.Second || cfg.MarkGap != 300*time.Millisecond ||
		cfg.MaxMessageBytes != twilio.DefaultMaxMessageBytes || cfg.MaxConnsPerIP != stream.DefaultMaxSessions {
		t.Fatalf("config = %+v", cfg)
	}
	h, err := twilio.New(streamtest.NewAnswerer("x"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	if _, err := twilio.New(nil, cfg); !errors.Is(err, twilio.ErrBadConfig) {
		t.Errorf("nil answerer: %v", err)
	}
	cfg.Devices = nil
	if _, err := twilio.New(streamtest.NewAnswerer("x"), cfg); err == nil {
		t.Error("no devices accepted")
	}
}

// TestProviderGone: a provider that vanishes mid-call ends the call; Close
// of the handler ends the rest.
func TestProviderGone(t *testing.T) {
	leakCheck(t)
	ans := streamtest.NewAnswerer("x")
	h, url := server(t, ans, testConfig())
	p := dialProvider(t, url+"?token="+token)
	p.connect(nil)
	p.sendAudio(silence(100 * time.Millisecond))
	p.mediaUntil(5, 5*time.Second)
	p.ws.NetConn().Close()
	deadline := time.Now().Add(5 * time.Second)
	for h.Gate().Open() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.Gate().Open(); n != 0 {
		t.Fatalf("%d streams open after the provider left", n)
	}
	q := dialProvider(t, url+"?token="+token)
	q.connect(nil)
	q.sendAudio(silence(40 * time.Millisecond))
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		h.Close()
	}()
	if code := q.closed(5 * time.Second); code != 1001 {
		t.Errorf("close code %d on shutdown, want 1001", code)
	}
	<-closed
}
