package webrtc

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	pion "github.com/pion/webrtc/v4"
)

// ICEServer is a STUN or TURN server, given to the page and used by the
// door's own ICE agent (RFC 8445; URLs as in RFC 7064/7065).
type ICEServer struct {
	URLs       []string `yaml:"urls" json:"urls"`
	Username   string   `yaml:"username" json:"username,omitempty"`
	Credential string   `yaml:"credential" json:"credential,omitempty"`
}

// Config sets up the door. Zero values take the defaults of DefaultConfig.
type Config struct {
	// ICEServers are the STUN/TURN servers; without any, only host
	// candidates are offered (LAN or public-IP hosts).
	ICEServers []ICEServer `yaml:"ice_servers"`
	// UDPPortMin and UDPPortMax bound the local UDP ports for media
	// (both 0: any ephemeral port). Open this range in the firewall.
	UDPPortMin uint16 `yaml:"udp_port_min"`
	UDPPortMax uint16 `yaml:"udp_port_max"`
	// NAT1To1IPs are public addresses advertised instead of the host's
	// private ones (a server behind 1:1 NAT, e.g. a cloud VM).
	NAT1To1IPs []string `yaml:"nat_1to1_ips"`
	// LoopbackOnly gathers only 127.0.0.1 UDP candidates with mDNS off: for
	// tests and for a page opened on the same machine.
	LoopbackOnly bool `yaml:"loopback_only"`

	MaxCalls      int `yaml:"max_calls"`        // door-wide concurrent calls
	MaxCallsPerIP int `yaml:"max_calls_per_ip"` // concurrent sockets per client IP
	// MaxCallDuration hangs up a call that runs longer.
	MaxCallDuration time.Duration `yaml:"max_call_duration"`
	// ConnectTimeout ends a call whose media did not connect after the offer.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// ResumeWindow keeps a call alive after its socket drops, for the page
	// to reconnect and resume it; media keeps flowing meanwhile.
	ResumeWindow time.Duration `yaml:"resume_window"`
	// GatherTimeout bounds the wait for the door's ICE candidates before the
	// answer is sent; candidates found later are trickled.
	GatherTimeout time.Duration `yaml:"gather_timeout"`
}

// Defaults.
const (
	DefaultMaxCalls        = 100
	DefaultMaxCallsPerIP   = 4
	DefaultMaxCallDuration = 30 * time.Minute
	DefaultConnectTimeout  = 20 * time.Second
	DefaultResumeWindow    = 30 * time.Second
	DefaultGatherTimeout   = 2 * time.Second
)

// DefaultConfig is the door's configuration when nothing is set: host
// candidates on every interface, no STUN/TURN.
func DefaultConfig() Config {
	return Config{
		MaxCalls:        DefaultMaxCalls,
		MaxCallsPerIP:   DefaultMaxCallsPerIP,
		MaxCallDuration: DefaultMaxCallDuration,
		ConnectTimeout:  DefaultConnectTimeout,
		ResumeWindow:    DefaultResumeWindow,
		GatherTimeout:   DefaultGatherTimeout,
	}
}

// fill sets zero fields to their defaults and validates the rest.
func (c *Config) fill() error {
	d := DefaultConfig()
	if c.MaxCalls == 0 {
		c.MaxCalls = d.MaxCalls
	}
	if c.MaxCallsPerIP == 0 {
		c.MaxCallsPerIP = d.MaxCallsPerIP
	}
	if c.MaxCallDuration == 0 {
		c.MaxCallDuration = d.MaxCallDuration
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = d.ConnectTimeout
	}
	if c.ResumeWindow == 0 {
		c.ResumeWindow = d.ResumeWindow
	}
	if c.GatherTimeout == 0 {
		c.GatherTimeout = d.GatherTimeout
	}
	if c.MaxCalls < 0 || c.MaxCallsPerIP < 0 || c.MaxCallDuration < 0 || c.ConnectTimeout < 0 ||
		c.ResumeWindow < 0 || c.GatherTimeout < 0 {
		return fmt.Errorf("webrtc: negative limit: %w", ErrBadConfig)
	}
	if (c.UDPPortMin == 0) != (c.UDPPortMax == 0) || c.UDPPortMin > c.UDPPortMax {
		return fmt.Errorf("webrtc: udp ports %d-%d: %w", c.UDPPortMin, c.UDPPortMax, ErrBadConfig)
	}
	for _, ip := range c.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("webrtc: nat 1:1 address %q: %w", ip, ErrBadConfig)
		}
	}
	for _, s := range c.ICEServers {
		if len(s.URLs) == 0 {
			return fmt.Errorf("webrtc: ice server without urls: %w", ErrBadConfig)
		}
		for _, u := range s.URLs {
			url, err := stun.ParseURI(u)
			if err != nil {
				return fmt.Errorf("webrtc: ice server %q: %w: %w", u, ErrBadConfig, err)
			}
			if (url.Scheme == stun.SchemeTypeTURN || url.Scheme == stun.SchemeTypeTURNS) && (s.Username == "" || s.Credential == "") {
				return fmt.Errorf("webrtc: turn server %q needs a username and credential: %w", u, ErrBadConfig)
			}
		}
	}
	return nil
}

// settingEngine turns the network part of the config into pion settings.
func (c *Config) settingEngine() (pion.SettingEngine, error) {
	var s pion.SettingEngine
	if c.UDPPortMin != 0 {
		if err := s.SetEphemeralUDPPortRange(c.UDPPortMin, c.UDPPortMax); err != nil {
			return s, fmt.Errorf("webrtc: udp ports: %w", err)
		}
	}
	if len(c.NAT1To1IPs) > 0 {
		if err := s.SetICEAddressRewriteRules(pion.ICEAddressRewriteRule{
			External: c.NAT1To1IPs, AsCandidateType: pion.ICECandidateTypeHost,
		}); err != nil {
			return s, fmt.Errorf("webrtc: nat 1:1: %w", err)
		}
	}
	if c.LoopbackOnly {
		s.SetInterfaceFilter(func(name string) bool { return name == "lo" || strings.HasPrefix(name, "lo0") })
		s.SetIncludeLoopbackCandidate(true)
		s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		s.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	}
	return s, nil
}

// iceServers is the config's servers in pion's form.
func (c *Config) iceServers() []pion.ICEServer {
	out := make([]pion.ICEServer, 0, len(c.ICEServers))
	for _, s := range c.ICEServers {
		out = append(out, pion.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}
