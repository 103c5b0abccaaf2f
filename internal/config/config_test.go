package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadSample(t *testing.T) {
	path := filepath.Join("..", "..", "callbee.sample.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	if c.HTTP.Addr != ":8080" {
		t.Errorf("http.addr = %q, want :8080", c.HTTP.Addr)
	}
	if c.HTTP.ShutdownTimeout != 10*time.Second {
		t.Errorf("http.shutdown_timeout = %v, want 10s", c.HTTP.ShutdownTimeout)
	}
	if len(c.Shops) != 1 {
		t.Fatalf("shops = %q, want one", c.Shops)
	}
	if want := filepath.Join("..", "..", "examples", "starter-shop.yaml"); c.Shops[0] != want {
		t.Errorf("shops[0] = %q, want %q", c.Shops[0], want)
	}
	if c.Service.Mode != ModeFullAuto || len(c.Service.Schedule) != 1 {
		t.Errorf("service = %+v", c.Service)
	}
	if c.DB == "" {
		t.Error("db is empty; want the default path")
	}
}

func TestDefaultConfigValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
}

func TestDefaultDBPath(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"CALLBEE_DB wins", map[string]string{"CALLBEE_DB": "/x/y.db", "XDG_STATE_HOME": "/s", "HOME": "/h"}, "/x/y.db"},
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/h"}, "/s/callbee/callbee.db"},
		{"HOME", map[string]string{"HOME": "/h"}, "/h/.local/state/callbee/callbee.db"},
		{"nothing", map[string]string{}, "callbee.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultDBPath(func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("DefaultDBPath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Setenv("CALLBEE_TEST_DIR", "/data")
	tests := []struct {
		name    string
		yaml    string
		wantErr string // substring; "" means valid
		check   func(t *testing.T, c Config)
	}{
		{name: "empty document keeps defaults", yaml: "", check: func(t *testing.T, c Config) {
			if c.HTTP.Addr != DefaultAddr || c.Log.Level != DefaultLogLevel || c.Service.Mode != DefaultMode {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "env expanded", yaml: "db: $CALLBEE_TEST_DIR/cb.db\n", check: func(t *testing.T, c Config) {
			if c.DB != "/data/cb.db" {
				t.Errorf("db = %q", c.DB)
			}
		}},
		{name: "json logs", yaml: "log: {level: debug, format: json}\n", check: func(t *testing.T, c Config) {
			if l, _ := ParseLevel(c.Log.Level); l.String() != "DEBUG" {
				t.Errorf("level = %v", l)
			}
		}},
		{name: "unknown field", yaml: "htp: {}\n", wantErr: "field htp not found"},
		{name: "bad yaml", yaml: "http: [\n", wantErr: "yaml"},
		{name: "bad addr", yaml: "http: {addr: \"8080\"}\n", wantErr: "http.addr"},
		{name: "empty addr", yaml: "http: {addr: \"\"}\n", wantErr: "http.addr"},
		{name: "negative timeout", yaml: "http: {shutdown_timeout: -1s}\n", wantErr: "http.shutdown_timeout"},
		{name: "bad duration", yaml: "http: {shutdown_timeout: soon}\n", wantErr: "yaml"},
		{name: "bad level", yaml: "log: {level: loud}\n", wantErr: "log.level"},
		{name: "bad format", yaml: "log: {format: xml}\n", wantErr: "log.format"},
		{name: "bad mode", yaml: "service: {mode: robot}\n", wantErr: "service.mode"},
		{name: "empty shop path", yaml: "shops: [\"\"]\n", wantErr: "shops[0]"},
		{name: "bad schedule", yaml: "service:\n  schedule:\n    - {days: [mon, funday], from: \"9am\", to: \"22:00\", mode: x}\n",
			wantErr: "service.schedule[0].mode"},
		{name: "equal schedule times", yaml: "service:\n  schedule:\n    - {from: \"09:00\", to: \"09:00\", mode: full-auto}\n",
			wantErr: "from and to are equal"},
		{name: "until midnight", yaml: "service:\n  schedule:\n    - {from: \"22:00\", to: \"24:00\", mode: human-first}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if tt.check != nil {
					tt.check(t, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte("log: {level: loud, format: xml}\nservice: {mode: robot}\n"))
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("got %d problems, want 3:\n%v", n, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

func TestLoggerLevel(t *testing.T) {
	var sb strings.Builder
	c := DefaultConfig()
	c.Log.Level = "warn"
	l := c.Logger(&sb)
	l.Info("hidden")
	l.Warn("shown")
	if strings.Contains(sb.String(), "hidden") || !strings.Contains(sb.String(), "shown") {
		t.Errorf("log output = %q", sb.String())
	}
}

func TestWeekdays(t *testing.T) {
	r := ScheduleRule{Days: []string{"Mon", "sun"}}
	got := r.Weekdays()
	if len(got) != 2 || got[0] != time.Monday || got[1] != time.Sunday {
		t.Errorf("Weekdays = %v", got)
	}
}

func TestVoiceEngine(t *testing.T) {
	for _, tc := range []struct {
		doc string
		ok  bool
	}{
		{"voice: {engine: offline}", true},
		{"voice: {engine: google, google: {asr: {languages: {en: en-GB}}, tts: {encoding: mp3}}}", true},
		{"voice: {engine: azure}", false},
		{"voice: {engine: google, google: {tts: {encoding: OGG}}}", false},
		{"sip: {enabled: true, udp: '', tcp: ''}", false},
		{"sip: {enabled: true, udp: '127.0.0.1:5060'}", true},
	} {
		_, err := Parse([]byte(tc.doc))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.doc, err, tc.ok)
		}
	}
}
