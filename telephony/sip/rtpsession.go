package sip

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
)

// rtpSession is a call's media transport: the RTP socket (RFC 3550
// section 11: an even port, RTCP bound on the next one) and the caller's
// address to send to.
type rtpSession struct {
	conn  *net.UDPConn
	rtcp  *net.UDPConn // bound so nobody else takes it; RTCP is not used yet
	local *net.UDPAddr
	// advertised is the address put in our SDP (c=).
	advertised net.IP
	remote     atomic.Pointer[net.UDPAddr]
}

// portAlloc hands out RTP ports from the configured range, round robin.
type portAlloc struct {
	min, max int // 0, 0: any port
	next     atomic.Int64
}

// maxPortTries bounds the search for a free pair of ports.
const maxPortTries = 64

// open binds an RTP/RTCP port pair on ip.
func (a *portAlloc) open(ip net.IP) (*rtpSession, error) {
	var lastErr error
	for try := 0; try < maxPortTries; try++ {
		port := 0
		if a.min > 0 {
			pairs := int64((a.max - a.min + 1) / 2)
			port = a.min + int((a.next.Add(1)-1)%pairs)*2
			if port%2 == 1 {
				port++
			}
		}
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: port})
		if err != nil {
			lastErr = err
			continue
		}
		local := conn.LocalAddr().(*net.UDPAddr)
		if local.Port%2 == 1 || local.Port == 65535 {
			// an odd ephemeral port: RTP wants it even (RFC 3550 section 11)
			lastErr = errors.Join(fmt.Errorf("odd port %d", local.Port), conn.Close())
			continue
		}
		rtcp, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: local.Port + 1})
		if err != nil {
			lastErr = errors.Join(err, conn.Close())
			continue
		}
		return &rtpSession{conn: conn, rtcp: rtcp, local: local}, nil
	}
	return nil, fmt.Errorf("sip: no free RTP port pair on %s after %d tries: %w", ip, maxPortTries, lastErr)
}

// Close closes both sockets; the receive loop then ends.
func (r *rtpSession) Close() error {
	e1 := r.conn.Close()
	e2 := r.rtcp.Close()
	if errors.Is(e1, net.ErrClosed) {
		e1 = nil
	}
	if errors.Is(e2, net.ErrClosed) {
		e2 = nil
	}
	return errors.Join(e1, e2)
}

// write sends one datagram to the caller.
func (r *rtpSession) write(b []byte) error {
	to := r.remote.Load()
	if to == nil {
		return fmt.Errorf("sip: no remote RTP address: %w", ErrCallEnded)
	}
	_, err := r.conn.WriteToUDPAddrPort(b, to.AddrPort())
	return err
}

// localIPFor is the local address the system would use to reach remote,
// for the SDP of a server bound to every interface. No packet is sent.
func localIPFor(remote net.IP) net.IP {
	if remote == nil || remote.IsUnspecified() {
		return nil
	}
	c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: remote, Port: 9})
	if err != nil {
		return nil
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP
}
