// Package config owns callbee's configuration file: one YAML document read by
// `callbee serve --config` (and the other commands), with defaults from
// DefaultConfig and validation that names the offending field. The sample at
// the repository root, callbee.sample.yaml, is loaded by this package's tests.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	asrgoogle "github.com/callbee/callbee/asr/google"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/twilio"
	"github.com/callbee/callbee/telephony/webrtc"
	ttsgoogle "github.com/callbee/callbee/tts/google"
)

// Environment variables that change defaults.
const (
	EnvDB     = "CALLBEE_DB"     // database file
	EnvModels = "CALLBEE_MODELS" // speech models directory
)

// Defaults.
const (
	DefaultAddr            = ":8080"
	DefaultShutdownTimeout = 10 * time.Second
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "text"
	DefaultMode            = ModeFullAuto
)

// Service modes, named as package dialog names them: who answers the caller.
const (
	ModeFullAuto    = "full-auto"    // the bot answers by itself, hands over what it cannot solve
	ModeSmartAssist = "smart-assist" // the bot drafts every answer, a person sends it
	ModeHumanFirst  = "human-first"  // people answer while on duty, the bot drafts; the bot alone off duty
)

// Modes lists the service modes in documentation order.
var Modes = []string{ModeFullAuto, ModeSmartAssist, ModeHumanFirst}

// Config is callbee's whole configuration.
type Config struct {
	HTTP HTTP `yaml:"http"`
	// DB is the SQLite database file. Default: DefaultDBPath.
	DB string `yaml:"db"`
	// Shops are shop files to serve besides the shops imported into the DB.
	// Relative paths are relative to the config file.
	Shops []string `yaml:"shops"`
	Log   Log      `yaml:"log"`
	// Service holds the service mode and its schedule.
	Service Service `yaml:"service"`
	// ModelsDir holds the offline speech models (scripts/fetch-models.sh
	// installs them). Default: $CALLBEE_MODELS, else where the script puts them.
	ModelsDir string `yaml:"models_dir"`

	// Voice turns the voice loop on or off for every door below.
	Voice Voice `yaml:"voice"`
	// The doors callers come through. WebRTC (the call page at /), the
	// WebSocket stream and the Twilio endpoint share http.addr; SIP listens
	// on its own addresses.
	WebRTC WebRTCDoor `yaml:"webrtc"`
	Stream StreamDoor `yaml:"stream"`
	Twilio TwilioDoor `yaml:"twilio"`
	SIP    SIPDoor    `yaml:"sip"`
}

// Voice configures the voice loop shared by the doors.
type Voice struct {
	// Enabled answers calls by voice; off, only text sessions are served
	// (the HTTP API, text WebSocket sessions).
	Enabled bool `yaml:"enabled"`
	// Prepare compiles every shop's recogniser at start instead of on its
	// first call (slower start, no wait on the first call).
	Prepare bool `yaml:"prepare"`
	// Engine is EngineOffline (pocketsphinx + espeak-ng, on this machine)
	// or EngineGoogle (Google Cloud Speech-to-Text and Text-to-Speech;
	// credentials the Google way: GOOGLE_APPLICATION_CREDENTIALS or the
	// metadata server).
	Engine string      `yaml:"engine"`
	Google GoogleVoice `yaml:"google"`
}

// Speech engines of Voice.Engine.
const (
	EngineOffline = "offline"
	EngineGoogle  = "google"
)

// GoogleVoice configures the Google Cloud engines.
type GoogleVoice struct {
	ASR asrgoogle.Config `yaml:"asr"`
	TTS ttsgoogle.Config `yaml:"tts"`
}

// WebRTCDoor is the browser door: the call page at / and its signalling at
// /ws/call.
type WebRTCDoor struct {
	Enabled       bool `yaml:"enabled"`
	webrtc.Config `yaml:",inline"`
}

// StreamDoor is the WebSocket stream door for smart speakers and
// livestreams at /ws/stream (docs/protocol.md).
type StreamDoor struct {
	Enabled       bool `yaml:"enabled"`
	stream.Config `yaml:",inline"`
}

// TwilioDoor is the Twilio Media Streams endpoint at /ws/twilio.
type TwilioDoor struct {
	Enabled       bool `yaml:"enabled"`
	twilio.Config `yaml:",inline"`
}

// SIPDoor is the phone door.
type SIPDoor struct {
	Enabled bool `yaml:"enabled"`
	// APITokens may place outbound calls through POST /api/v1/calls
	// ("Authorization: Bearer <token>"); none: the endpoint is off.
	APITokens  []string `yaml:"api_tokens"`
	sip.Config `yaml:",inline"`
}

// HTTP configures the HTTP server.
type HTTP struct {
	Addr string `yaml:"addr"`
	// ShutdownTimeout bounds the graceful shutdown on SIGINT/SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// SecureCookies marks the console's login cookie Secure: set it when
	// callbee is reached over HTTPS (usually through a proxy).
	SecureCookies bool `yaml:"secure_cookies"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Service configures who answers first, and when.
type Service struct {
	// Mode applies whenever no schedule rule matches.
	Mode string `yaml:"mode"`
	// Schedule switches modes by weekday and time of day in the shop's time
	// zone; the first matching rule wins.
	Schedule []ScheduleRule `yaml:"schedule"`
}

// ScheduleRule selects Mode on Days from From to To (HH:MM in the shop's time
// zone; To before From wraps past midnight).
type ScheduleRule struct {
	Days []string `yaml:"days"` // mon..sun; empty means every day
	From string   `yaml:"from"`
	To   string   `yaml:"to"`
	Mode string   `yaml:"mode"`
}

// DefaultConfig returns the configuration used when no file is given. The
// database and models paths come from the environment (see DefaultDBPath).
func DefaultConfig() Config {
	return Config{
		HTTP:      HTTP{Addr: DefaultAddr, ShutdownTimeout: DefaultShutdownTimeout},
		DB:        DefaultDBPath(os.Getenv),
		Log:       Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
		Service:   Service{Mode: DefaultMode},
		ModelsDir: os.Getenv(EnvModels),
		Voice: Voice{Enabled: true, Prepare: true, Engine: EngineOffline,
			Google: GoogleVoice{ASR: asrgoogle.DefaultConfig(), TTS: ttsgoogle.DefaultConfig()}},
		WebRTC: WebRTCDoor{Enabled: true, Config: webrtc.DefaultConfig()},
		Stream: StreamDoor{Enabled: true, Config: stream.DefaultConfig()},
		Twilio: TwilioDoor{Enabled: true, Config: twilio.DefaultConfig()},
		SIP:    SIPDoor{Enabled: false, Config: sip.DefaultConfig()},
	}
}

// DefaultDBPath is $CALLBEE_DB, else $XDG_STATE_HOME/callbee/callbee.db, else
// ~/.local/state/callbee/callbee.db (else ./callbee.db without a home).
func DefaultDBPath(getenv func(string) string) string {
	if p := getenv(EnvDB); p != "" {
		return p
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "callbee", "callbee.db")
	}
	home := getenv("HOME")
	if home == "" {
		return "callbee.db"
	}
	return filepath.Join(home, ".local", "state", "callbee", "callbee.db")
}

// Load reads the config file at path over DefaultConfig and validates it.
// Unknown fields are errors. Relative shop, db and models paths are resolved
// against the file's directory; $VARS and a leading ~ are expanded.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolve(filepath.Dir(path))
	return c, nil
}

// Parse decodes a config document over DefaultConfig and validates it.
// Paths are expanded but not resolved.
func Parse(data []byte) (Config, error) {
	c := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	c.DB = expand(c.DB)
	c.ModelsDir = expand(c.ModelsDir)
	for i, s := range c.Shops {
		c.Shops[i] = expand(s)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c *Config) resolve(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	c.DB = abs(c.DB)
	c.ModelsDir = abs(c.ModelsDir)
	for i, s := range c.Shops {
		c.Shops[i] = abs(s)
	}
}

func expand(p string) string {
	p = os.ExpandEnv(p)
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	return p
}

// Validate reports every problem in c, one per line.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if c.HTTP.Addr == "" {
		bad("http.addr", "must not be empty")
	} else if !strings.Contains(c.HTTP.Addr, ":") {
		bad("http.addr", "%q is not host:port", c.HTTP.Addr)
	}
	if c.HTTP.ShutdownTimeout < 0 {
		bad("http.shutdown_timeout", "must not be negative")
	}
	if c.DB == "" {
		bad("db", "must not be empty")
	}
	for i, s := range c.Shops {
		if strings.TrimSpace(s) == "" {
			bad(fmt.Sprintf("shops[%d]", i), "empty path")
		}
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		bad("log.level", "%v", err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q: want text or json", c.Log.Format)
	}
	if !validMode(c.Service.Mode) {
		bad("service.mode", "%q: want one of %s", c.Service.Mode, strings.Join(Modes, ", "))
	}
	for i, r := range c.Service.Schedule {
		f := fmt.Sprintf("service.schedule[%d]", i)
		if !validMode(r.Mode) {
			bad(f+".mode", "%q: want one of %s", r.Mode, strings.Join(Modes, ", "))
		}
		from, err1 := parseClock(r.From)
		if err1 != nil {
			bad(f+".from", "%v", err1)
		}
		to, err2 := parseClock(r.To)
		if err2 != nil {
			bad(f+".to", "%v", err2)
		}
		if err1 == nil && err2 == nil && from == to {
			bad(f, "from and to are equal")
		}
		for _, d := range r.Days {
			if !validDay(d) {
				bad(f+".days", "%q: want mon, tue, wed, thu, fri, sat or sun", d)
			}
		}
	}
	switch c.Voice.Engine {
	case EngineOffline:
	case EngineGoogle:
		if err := c.Voice.Google.ASR.Validate(); err != nil {
			bad("voice.google.asr", "%v", err)
		}
		if err := c.Voice.Google.TTS.Validate(); err != nil {
			bad("voice.google.tts", "%v", err)
		}
	default:
		bad("voice.engine", "%q: want %s or %s", c.Voice.Engine, EngineOffline, EngineGoogle)
	}
	if c.SIP.Enabled {
		if err := c.SIP.Validate(); err != nil {
			bad("sip", "%v", err)
		}
	}
	for i, tok := range c.SIP.APITokens {
		if len(tok) < 16 {
			bad(fmt.Sprintf("sip.api_tokens[%d]", i), "shorter than 16 characters")
		}
	}
	return errors.Join(errs...)
}

// ParseLevel parses a log level name (debug, info, warn, error).
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Logger returns a logger writing to w at the configured level and format.
func (c Config) Logger(w io.Writer) *slog.Logger {
	level, err := ParseLevel(c.Log.Level)
	if err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func validMode(m string) bool {
	for _, x := range Modes {
		if m == x {
			return true
		}
	}
	return false
}

func validDay(d string) bool {
	_, ok := weekdays[strings.ToLower(d)]
	return ok
}

// parseClock parses HH:MM (00:00-24:00) into minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 24 * 60, nil
		}
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// Weekdays returns the rule's days; empty means every day.
func (r ScheduleRule) Weekdays() []time.Weekday {
	var out []time.Weekday
	for _, d := range r.Days {
		if w, ok := weekdays[strings.ToLower(d)]; ok {
			out = append(out, w)
		}
	}
	return out
}
