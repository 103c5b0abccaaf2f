package sip

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults of DefaultConfig.
const (
	DefaultUDP          = "0.0.0.0:5060"
	DefaultTCP          = "0.0.0.0:5060"
	DefaultMaxCalls     = 40
	DefaultRetryAfter   = 30 * time.Second
	DefaultJitterDelay  = 40 * time.Millisecond
	DefaultMediaTimeout = 60 * time.Second
	DefaultUserAgent    = "callbee"
)

// Codec names accepted in Config.Codecs (SDP encoding names, RFC 3551).
const (
	CodecPCMU = "PCMU"
	CodecPCMA = "PCMA"
)

// Route sends calls to one number or SIP user to a shop.
type Route struct {
	Shop string `yaml:"shop"`
	Lang string `yaml:"lang"` // "" means the shop's first language
}

// Config is the phone door's part of callbee.yaml.
type Config struct {
	// UDP and TCP are the listen addresses ("host:port"; port 0 picks one).
	// "" leaves that transport off; at least one is needed.
	UDP string `yaml:"udp"`
	TCP string `yaml:"tcp"`
	// ExternalHost is the address advertised in Contact and SDP when the
	// door sits behind NAT ("" advertises the bind address).
	ExternalHost string `yaml:"external_host"`
	// RTPPortMin and RTPPortMax bound the RTP ports (even ports, RTCP on
	// the next one). Both 0: any free port. The range is process-wide
	// (diago keeps it in package state): the last Server created sets it.
	RTPPortMin int `yaml:"rtp_port_min"`
	RTPPortMax int `yaml:"rtp_port_max"`
	// Codecs lists the audio codecs to accept, most preferred first
	// (CodecPCMU, CodecPCMA). telephone-event is always accepted.
	Codecs []string `yaml:"codecs"`
	// MaxCalls bounds concurrent calls; past it INVITEs get 503 with
	// Retry-After: RetryAfter.
	MaxCalls   int           `yaml:"max_calls"`
	RetryAfter time.Duration `yaml:"retry_after"`
	// RingTime is how long the bot lets the phone ring (180 Ringing)
	// before it answers. 0 answers at once.
	RingTime time.Duration `yaml:"ring_time"`
	// JitterDelay is how much caller audio the jitter buffer holds before
	// playing it out (20 ms steps).
	JitterDelay time.Duration `yaml:"jitter_delay"`
	// MediaTimeout ends a call that has received no RTP for this long
	// (0: never).
	MediaTimeout time.Duration `yaml:"media_timeout"`
	// Shop and Lang are the default route; Routes maps a called number or
	// SIP user (the Request-URI or To user) to another shop.
	Shop   string           `yaml:"shop"`
	Lang   string           `yaml:"lang"`
	Routes map[string]Route `yaml:"routes"`
	// UserAgent is the User-Agent header and the Contact user.
	UserAgent string `yaml:"user_agent"`
	// Transfer is where the brain's handoffs go (TransferConfig).
	Transfer TransferConfig `yaml:"transfer"`
	// Dial is how Server.Dial places calls (DialConfig).
	Dial DialConfig `yaml:"dial"`
	// Register, when its Registrar is set, registers the door to a trunk
	// or PBX (RegisterConfig); without it the door is inbound only.
	Register RegisterConfig `yaml:"register"`
}

// DefaultConfig returns the defaults: UDP and TCP on port 5060 of every
// interface, PCMU then PCMA, DefaultMaxCalls calls.
func DefaultConfig() Config {
	return Config{
		UDP:          DefaultUDP,
		TCP:          DefaultTCP,
		Codecs:       []string{CodecPCMU, CodecPCMA},
		MaxCalls:     DefaultMaxCalls,
		RetryAfter:   DefaultRetryAfter,
		JitterDelay:  DefaultJitterDelay,
		MediaTimeout: DefaultMediaTimeout,
		UserAgent:    DefaultUserAgent,
		Transfer: TransferConfig{Mode: TransferNone, RingTimeout: DefaultRingTimeout,
			Header: DefaultHandoffHeader},
		Dial:     DialConfig{RingTimeout: DefaultDialRing, NoSpeech: DefaultNoSpeech, Monologue: DefaultMonologue},
		Register: RegisterConfig{Expires: DefaultRegisterExpires},
	}
}

// Validate reports the first bad value, wrapping ErrBadConfig.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("sip config: %s: %s: %w", field, fmt.Sprintf(format, args...), ErrBadConfig)
	}
	if c.UDP == "" && c.TCP == "" {
		return bad("udp/tcp", "no listen address")
	}
	for _, a := range []struct{ field, addr string }{{"udp", c.UDP}, {"tcp", c.TCP}} {
		if a.addr == "" {
			continue
		}
		if err := checkHostPort(a.addr); err != nil {
			return bad(a.field, "%q: %v", a.addr, err)
		}
	}
	if c.ExternalHost != "" && strings.ContainsAny(c.ExternalHost, " :/;<>\"") && net.ParseIP(c.ExternalHost) == nil {
		return bad("external_host", "%q is not a host name or IP address", c.ExternalHost)
	}
	switch {
	case c.RTPPortMin == 0 && c.RTPPortMax == 0:
	case c.RTPPortMin < 1024 || c.RTPPortMax > 65535 || c.RTPPortMax-c.RTPPortMin < 4:
		return bad("rtp_port_min/max", "%d-%d must lie in 1024-65535 and hold at least two calls", c.RTPPortMin, c.RTPPortMax)
	}
	if len(c.Codecs) == 0 {
		return bad("codecs", "empty")
	}
	seen := map[string]bool{}
	for _, name := range c.Codecs {
		n := strings.ToUpper(name)
		if n != CodecPCMU && n != CodecPCMA {
			return bad("codecs", "%q is not supported (want %s or %s)", name, CodecPCMU, CodecPCMA)
		}
		if seen[n] {
			return bad("codecs", "%q twice", name)
		}
		seen[n] = true
	}
	if c.MaxCalls < 1 || c.MaxCalls > 100000 {
		return bad("max_calls", "%d not in 1-100000", c.MaxCalls)
	}
	if c.RetryAfter < time.Second || c.RetryAfter > 24*time.Hour {
		return bad("retry_after", "%v not in 1s-24h", c.RetryAfter)
	}
	if c.RingTime < 0 || c.RingTime > time.Minute {
		return bad("ring_time", "%v not in 0-1m", c.RingTime)
	}
	if c.JitterDelay < 0 || c.JitterDelay > maxJitterDelay {
		return bad("jitter_delay", "%v not in 0-%v", c.JitterDelay, maxJitterDelay)
	}
	if c.MediaTimeout < 0 {
		return bad("media_timeout", "%v is negative", c.MediaTimeout)
	}
	for _, lang := range append([]string{c.Lang}, routeLangs(c.Routes)...) {
		if lang != "" && lang != "en" && lang != "zh" {
			return bad("lang", "%q (want en or zh)", lang)
		}
	}
	for number, r := range c.Routes {
		if number == "" || r.Shop == "" {
			return bad("routes", "%q -> %q: number and shop are both needed", number, r.Shop)
		}
	}
	if c.UserAgent == "" || strings.ContainsAny(c.UserAgent, " \r\n@:;<>") {
		return bad("user_agent", "%q must be one token", c.UserAgent)
	}
	if err := c.Transfer.validate(); err != nil {
		return err
	}
	if err := c.Dial.validate(); err != nil {
		return err
	}
	if err := c.Register.validate(); err != nil {
		return err
	}
	return nil
}

func routeLangs(routes map[string]Route) []string {
	var out []string
	for _, r := range routes {
		out = append(out, r.Lang)
	}
	return out
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host != "" && net.ParseIP(host) == nil {
		return fmt.Errorf("host %q is not an IP address", host)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("port %q", port)
	}
	return nil
}

// route picks the shop and language for a call to user (the called number
// or SIP user).
func (c Config) route(user string) Route {
	if r, ok := c.Routes[user]; ok {
		return r
	}
	return Route{Shop: c.Shop, Lang: c.Lang}
}
