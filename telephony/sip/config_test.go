package sip

import (
	"errors"
	"os"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDefaultConfigValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSampleConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/sip.sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.RingTime != time.Second || cfg.JitterDelay != 60*time.Millisecond || cfg.Codecs[0] != "PCMA" {
		t.Errorf("%+v", cfg)
	}
	if tr := cfg.Transfer; tr.Mode != TransferBridge || tr.Target != "sip:agent@pbx.example.com" ||
		tr.RingTimeout != 25*time.Second || tr.Header != DefaultHandoffHeader || tr.ConsoleURL == "" {
		t.Errorf("transfer %+v", tr)
	}
	if d := cfg.Dial; d.CallerID != "4005550100" || d.NoSpeech != 5*time.Second || d.Monologue != 4*time.Second {
		t.Errorf("dial %+v", d)
	}
	if r := cfg.Register; r.Registrar != "sip:pbx.example.com" || r.User != "4005550100" || r.Expires != 10*time.Minute {
		t.Errorf("register %+v", r)
	}
	if r := cfg.route("4005550100"); r.Shop != "demo" || r.Lang != "en" {
		t.Errorf("route %+v", r)
	}
	if r := cfg.route("other"); r.Shop != "demo" || r.Lang != "zh" {
		t.Errorf("default route %+v", r)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no listener", func(c *Config) { c.UDP, c.TCP = "", "" }},
		{"bad udp", func(c *Config) { c.UDP = "localhost" }},
		{"host name", func(c *Config) { c.TCP = "example.com:5060" }},
		{"bad port", func(c *Config) { c.UDP = "127.0.0.1:70000" }},
		{"external host", func(c *Config) { c.ExternalHost = "a b" }},
		{"rtp range", func(c *Config) { c.RTPPortMin, c.RTPPortMax = 20000, 20002 }},
		{"rtp low", func(c *Config) { c.RTPPortMin, c.RTPPortMax = 80, 2000 }},
		{"no codecs", func(c *Config) { c.Codecs = nil }},
		{"opus", func(c *Config) { c.Codecs = []string{"opus"} }},
		{"codec twice", func(c *Config) { c.Codecs = []string{"PCMU", "pcmu"} }},
		{"max calls", func(c *Config) { c.MaxCalls = 0 }},
		{"retry after", func(c *Config) { c.RetryAfter = time.Millisecond }},
		{"ring", func(c *Config) { c.RingTime = time.Hour }},
		{"jitter", func(c *Config) { c.JitterDelay = time.Second }},
		{"media timeout", func(c *Config) { c.MediaTimeout = -1 }},
		{"lang", func(c *Config) { c.Lang = "fr" }},
		{"route lang", func(c *Config) { c.Routes = map[string]Route{"1": {Shop: "a", Lang: "de"}} }},
		{"route shop", func(c *Config) { c.Routes = map[string]Route{"1": {}} }},
		{"user agent", func(c *Config) { c.UserAgent = "call bee" }},
		{"dial ring", func(c *Config) { c.Dial.RingTimeout = 0 }},
		{"dial no speech", func(c *Config) { c.Dial.NoSpeech = -time.Second }},
		{"dial caller id", func(c *Config) { c.Dial.CallerID = "shop number" }},
		{"register uri", func(c *Config) { c.Register.Registrar = "pbx example" }},
		{"register user", func(c *Config) { c.Register.Registrar = "sip:pbx.example.com" }},
		{"register expires", func(c *Config) {
			c.Register = RegisterConfig{Registrar: "sip:pbx.example.com", User: "shop", Expires: time.Second}
		}},
		{"transfer mode", func(c *Config) { c.Transfer.Mode = "warm" }},
		{"transfer no target", func(c *Config) { c.Transfer.Mode = TransferRefer }},
		{"transfer target", func(c *Config) { c.Transfer.Mode, c.Transfer.Target = TransferBridge, "http://agent" }},
		{"transfer ring", func(c *Config) {
			c.Transfer = TransferConfig{Mode: TransferBridge, Target: "sip:a@b", Header: "X-H", RingTimeout: time.Millisecond}
		}},
		{"transfer header", func(c *Config) {
			c.Transfer = TransferConfig{Mode: TransferBridge, Target: "sip:a@b", Header: "X H", RingTimeout: time.Second}
		}},
		{"transfer console", func(c *Config) {
			c.Transfer = TransferConfig{Mode: TransferRefer, Target: "sip:a@b", Header: "X-H", RingTimeout: time.Second, ConsoleURL: "ftp://x"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			if err := cfg.Validate(); !errors.Is(err, ErrBadConfig) {
				t.Errorf("got %v, want ErrBadConfig", err)
			}
		})
	}
}

func TestLogRateLimit(t *testing.T) {
	var s logState
	s.seen = map[logKey]*logBucket{}
	now := time.Unix(0, 0)
	k := logKey{msg: "rtp: malformed packet dropped"}
	passed := 0
	for range 1000 { // a flood within one instant
		if ok, _ := s.allow(k, now); ok {
			passed++
		}
	}
	if passed != logBurst {
		t.Errorf("%d of 1000 passed, want the burst of %d", passed, logBurst)
	}
	ok, suppressed := s.allow(k, now.Add(logEvery))
	if !ok || suppressed != 1000-logBurst {
		t.Errorf("after %v: %v, suppressed %d, want %d", logEvery, ok, suppressed, 1000-logBurst)
	}
	if ok, _ := s.allow(logKey{msg: "other"}, now); !ok {
		t.Error("another message was limited")
	}
}

func TestParseSipfrag(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
		ok   bool
	}{
		{"SIP/2.0 200 OK\r\n", 200, true},
		{"SIP/2.0 100 Trying", 100, true},
		{"SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n", 486, true},
		{"", 0, false},
		{"HTTP/1.1 200 OK", 0, false},
		{"SIP/2.0 abc", 0, false},
		{"SIP/2.0 99 Low", 0, false},
	} {
		got, ok := parseSipfrag([]byte(tc.body))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseSipfrag(%q) = %d %v, want %d %v", tc.body, got, ok, tc.want, tc.ok)
		}
	}
}

func TestHandoffHeader(t *testing.T) {
	tc := TransferConfig{Header: "X-Callbee-Handoff", ConsoleURL: "https://h/console/agent"}
	h := tc.handoffHeader("s 1;x", "request")
	if want := "<https://h/console/agent?session=s+1%3Bx>;session=s_1_x;reason=request"; h.Value() != want {
		t.Errorf("got %q, want %q", h.Value(), want)
	}
	tc.ConsoleURL = ""
	if h := tc.handoffHeader("s1", ""); h.Value() != "session=s1" || h.Name() != "X-Callbee-Handoff" {
		t.Errorf("got %s: %s", h.Name(), h.Value())
	}
}
