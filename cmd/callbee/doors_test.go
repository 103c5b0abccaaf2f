package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestServeDoors starts the binary with every door on and checks each is
// mounted and answers: the call page, a text session on the stream door
// with its device token (and none without), SIP OPTIONS, and a clean exit
// on SIGTERM.
func TestServeDoors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sipPort := freeUDPPort(t)
	cfg := fmt.Sprintf(`db: %s
shops: [%s]
voice: {enabled: true, prepare: false}
webrtc: {enabled: true, loopback_only: true}
stream:
  enabled: true
  devices: [{token: "tok-0123456789abcdef", name: "test speaker"}]
twilio: {enabled: true, devices: [{token: "tok-twilio-0123456789", name: "provider"}]}
sip: {enabled: true, udp: "127.0.0.1:%d", max_calls: 2}
`, filepath.Join(dir, "cb.db"), kbtest.DemoShopPath(t), sipPort)
	cfgPath := filepath.Join(dir, "callbee.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, ctx, "--config", cfgPath)
	defer func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}()

	// The call page.
	resp, err := http.Get(p.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "<html") {
		t.Errorf("GET /: %d %.80q", resp.StatusCode, page)
	}

	// The consoles: pages send to the login, the API wants a login.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(p.url + "/console/agent")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || !strings.Contains(loc, "/console/login") {
		t.Errorf("GET /console/agent: %d to %q, want a redirect to the login", resp.StatusCode, loc)
	}
	resp, err = http.Get(p.url + "/api/v1/console/shops")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("console API without a login: %d", resp.StatusCode)
	}

	// The stream door: refused without the token, a text session with it.
	ws := "ws" + strings.TrimPrefix(p.url, "http") + "/ws/stream"
	if _, resp, err := websocket.DefaultDialer.DialContext(ctx, ws, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: err %v, resp %v", err, resp)
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, ws+"?token=tok-0123456789abcdef", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for _, m := range []map[string]any{
		{"type": "start", "mode": "text", "lang": "en"},
		{"type": "text", "user": "viewer-1", "text": "when will you ship my order"},
	} {
		if err := conn.WriteJSON(m); err != nil {
			t.Fatal(err)
		}
	}
	var faq any
	for faq == nil {
		var ev map[string]any
		if err := conn.ReadJSON(&ev); err != nil {
			t.Fatalf("stream: %v", err)
		}
		if ev["type"] == "error" {
			t.Fatalf("stream error event: %v", ev)
		}
		if ev["type"] == "reply" {
			r, _ := ev["reply"].(map[string]any)
			faq = r["faq"]
		}
	}
	if faq != "logistics.when_ship" {
		t.Errorf("stream reply faq %v", faq)
	}

	// SIP: OPTIONS gets 200.
	uc, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	local := uc.LocalAddr().(*net.UDPAddr)
	opt := fmt.Sprintf("OPTIONS sip:bot@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-serve-1\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:test@127.0.0.1>;tag=t1\r\nTo: <sip:bot@127.0.0.1>\r\nCall-ID: serve-doors-1\r\n"+
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", sipPort, local.Port)
	if _, err := uc.Write([]byte(opt)); err != nil {
		t.Fatal(err)
	}
	_ = uc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := uc.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		t.Errorf("OPTIONS: %v %.60q", err, buf[:n])
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
	}
}

// TestDialAPI: POST /api/v1/calls places a phone call through the SIP door:
// the callee (a sipgo phone) hears the opening, and the call is recorded.
func TestDialAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	db := filepath.Join(dir, "cb.db")
	cfg := fmt.Sprintf(`db: %s
shops: [%s]
voice: {enabled: true, prepare: false}
webrtc: {enabled: false}
sip: {enabled: true, udp: "127.0.0.1:%d", api_tokens: ["dial-token-0123456789"]}
`, db, kbtest.DemoShopPath(t), freeUDPPort(t))
	cfgPath := filepath.Join(dir, "callbee.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	callee, err := siptest.NewCallee(slog.New(slog.DiscardHandler), siptest.CalleePlan{
		Ring: 200 * time.Millisecond, SpeakDelay: 300 * time.Millisecond,
		Speak: mediatest.SpeechLike(media.Rate8k, 3000, 700*time.Millisecond, 3), // "hello?"
	})
	if err != nil {
		t.Fatal(err)
	}
	defer callee.Close()
	p := startServe(t, ctx, "--config", cfgPath)
	defer func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}()
	post := func(token, body string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/api/v1/calls", strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := fmt.Sprintf(`{"to":%q,"lang":"en","opening":"Hello, this is Nuannuan Apparel calling about your order."}`, callee.URI("customer"))
	if code := post("", body); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code := post("dial-token-0123456789", `{"to":"not a number"}`); code != http.StatusBadRequest {
		t.Errorf("bad to: %d", code)
	}
	if code := post("dial-token-0123456789", body); code != http.StatusAccepted {
		t.Fatalf("dial: %d", code)
	}
	// The callee hears the bot's opening.
	deadline := time.Now().Add(60 * time.Second)
	for mediatest.RMS(callee.Received()) < 300 {
		if time.Now().After(deadline) {
			t.Fatalf("the callee heard nothing (%d samples)\n%s", len(callee.Received()), p.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := callee.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	// The call is recorded once it is over.
	deadline = time.Now().Add(30 * time.Second)
	for {
		out, err := exec.CommandContext(ctx, "sqlite3", db, "SELECT direction, answered != '', reason FROM calls").CombinedOutput()
		if err == nil && strings.Contains(string(out), "out|1|") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no outbound call record: %s %v\n%s", out, err, p.stderr.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
}
