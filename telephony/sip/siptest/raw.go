package siptest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"
)

// Raw sends one SIP message over network ("udp" or "tcp") to addr and
// returns the first response (UDP: the first datagram; TCP: up to the
// first blank line). "{local}" in msg becomes the sending socket's address,
// for Via and Contact. It gives up after 2 s (a net.Error with Timeout).
func Raw(ctx context.Context, network, addr, msg string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return "", fmt.Errorf("siptest: dial %s: %w", addr, err)
	}
	defer conn.Close()
	msg = strings.ReplaceAll(msg, "{local}", conn.LocalAddr().String())
	deadline := time.Now().Add(2 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte(msg)); err != nil {
		return "", fmt.Errorf("siptest: send: %w", err)
	}
	buf := make([]byte, 65535)
	var got []byte
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		// Skip provisional responses.
		for strings.HasPrefix(string(got), "SIP/2.0 1") {
			i := strings.Index(string(got), "\r\n\r\n")
			if i < 0 {
				break
			}
			got = got[i+4:]
			if network == "udp" {
				got = got[:0]
			}
		}
		if len(got) > 0 && (network == "udp" || strings.Contains(string(got), "\r\n\r\n")) {
			return string(got), nil
		}
		if err != nil {
			return string(got), err
		}
	}
}

// Options is an OPTIONS request for Raw.
func Options(network, addr string) string {
	return "OPTIONS sip:bot@" + addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/" + strings.ToUpper(network) + " {local};branch=z9hG4bK-opt-" + network + ";rport\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:probe@{local}>;tag=p1\r\nTo: <sip:bot@" + addr + ">\r\n" +
		"Call-ID: options-" + network + "@siptest\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
}

// TortureCase is one malformed message.
type TortureCase struct {
	Name    string
	Message string
}

// Torture returns invalid messages in the manner of RFC 4475 section 3.1.2
// (written for these tests, not copied from the RFC), addressed to addr.
func Torture(addr string) []TortureCase {
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
	head := func(method, callID string, cseq string) string {
		return method + " sip:bot@" + addr + " SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP {local};branch=z9hG4bK-" + callID + ";rport\r\n" +
			"Max-Forwards: 70\r\nFrom: <sip:t@{local}>;tag=" + callID + "\r\nTo: <sip:bot@" + addr + ">\r\n" +
			"Call-ID: " + callID + "@siptest\r\nCSeq: " + cseq + "\r\nContact: <sip:t@{local}>\r\n"
	}
	return []TortureCase{
		{"content length larger than message (3.1.2.1 clerr)", head("INVITE", "clerr", "1 INVITE") +
			"Content-Type: application/sdp\r\nContent-Length: 9999\r\n\r\n" + sdp},
		{"negative content length (3.1.2.2 ncl)", head("INVITE", "ncl", "1 INVITE") +
			"Content-Type: application/sdp\r\nContent-Length: -999\r\n\r\n" + sdp},
		{"overlarge scalar fields (3.1.2.3 scalar02)", head("REGISTER", "scalar02", "36893488147419103232 REGISTER") +
			"Expires: 10000000000000000000000\r\nContent-Length: 0\r\n\r\n"},
		{"unknown protocol version (3.1.2.16 badvers)", strings.Replace(head("OPTIONS", "badvers", "1 OPTIONS"), "SIP/2.0\r\n", "SIP/7.0\r\n", 1) +
			"Content-Length: 0\r\n\r\n"},
		{"CSeq method mismatch (3.1.2.17 mismatch01)", head("OPTIONS", "mismatch01", "1 INVITE") + "Content-Length: 0\r\n\r\n"},
		{"missing Call-ID, From and To (3.1.2.18 insuf)", "INVITE sip:bot@" + addr + " SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-insuf\r\n" +
			"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " + fmt.Sprint(len(sdp)) + "\r\n\r\n" + sdp},
		{"unterminated quoted display name (3.1.2.6 quotbal)", strings.Replace(head("INVITE", "quotbal", "1 INVITE"), "From: <", "From: \"Bell <", 1) +
			"Content-Type: application/sdp\r\nContent-Length: " + fmt.Sprint(len(sdp)) + "\r\n\r\n" + sdp},
		{"garbage SDP in a valid INVITE", head("INVITE", "badsdp", "1 INVITE") +
			"Content-Type: application/sdp\r\nContent-Length: 11\r\n\r\nhello world"},
		{"binary garbage", "\x00\x01\x02\xff\xfe SIP/2.0 INVITE\r\n\r\n"},
	}
}
