package stream_test

import (
	"errors"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/stream/streamtest"
)

// TestConfigYAML: the config as `callbee serve` reads it from YAML.
func TestConfigYAML(t *testing.T) {
	src := `
devices:
  - {token: "kitchen-speakers-7f3c0a9d2e", name: "kitchen speakers"}
  - {token: "livestream-bridge-51be90c4aa", name: "live", shop: "nuannuan-apparel"}
max_conns_per_ip: 4
max_message_bytes: 32768
idle_timeout: 45s
ping_interval: 15s
max_users: 10
`
	cfg := stream.DefaultConfig()
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Devices) != 2 || cfg.Devices[1].Shop != "nuannuan-apparel" || cfg.MaxConnsPerIP != 4 ||
		cfg.MaxMessageBytes != 32768 || cfg.IdleTimeout != 45*time.Second || cfg.PingInterval != 15*time.Second ||
		cfg.MaxUsers != 10 || cfg.MaxSessions != stream.DefaultMaxSessions || cfg.WriteTimeout != stream.DefaultWriteTimeout {
		t.Fatalf("config = %+v", cfg)
	}
	h, err := stream.New(nil, streamtest.NewBrains(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
}

func TestConfigErrors(t *testing.T) {
	brains := streamtest.NewBrains()
	for _, tc := range []struct {
		name string
		edit func(*stream.Config)
	}{
		{"no devices", func(c *stream.Config) { c.Devices = nil }},
		{"short token", func(c *stream.Config) { c.Devices = []stream.Device{{Token: "short"}} }},
		{"duplicate token", func(c *stream.Config) { c.Devices = append(c.Devices, c.Devices[0]) }},
		{"hard below soft", func(c *stream.Config) { c.MaxMessageBytes, c.HardMessageBytes = 1000, 10 }},
		{"negative", func(c *stream.Config) { c.IdleTimeout = -time.Second }},
		{"negative limit", func(c *stream.Config) { c.MaxConnsPerIP = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.edit(&cfg)
			if _, err := stream.New(nil, brains, cfg); !errors.Is(err, stream.ErrBadConfig) {
				t.Errorf("err = %v, want ErrBadConfig", err)
			}
		})
	}
	if _, err := stream.New(nil, nil, testConfig()); !errors.Is(err, stream.ErrBadConfig) {
		t.Errorf("no answerer nor brains: %v", err)
	}
	cfg := testConfig()
	cfg.Devices, cfg.AllowAnonymous = nil, true
	h, err := stream.New(nil, brains, cfg)
	if err != nil {
		t.Fatalf("anonymous: %v", err)
	}
	h.Close()
}
