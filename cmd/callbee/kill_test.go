package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callbee/callbee/kb/kbtest"
)

// serveProc is the built binary serving on a loopback port.
type serveProc struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
}

// startServe runs `callbee serve --addr 127.0.0.1:0 args...` and waits for its URL.
func startServe(t *testing.T, ctx context.Context, args ...string) *serveProc {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	p := &serveProc{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no serving line: %v\n%s", err, p.stderr.String())
	}
	if p.url = regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line); p.url == "" {
		t.Fatalf("no URL in %q", line)
	}
	return p
}

func postJSON(t *testing.T, url string, body any, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestBinaryKill9KeepsTurns: every turn whose reply came back survives kill -9
// of the server, and the conversation continues after a restart.
func TestBinaryKill9KeepsTurns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := filepath.Join(t.TempDir(), "cb.db")
	p := startServe(t, ctx, "--db", db, "--shop", kbtest.DemoShopPath(t))
	cmd, url := p.cmd, p.url
	var sess struct{ Session string }
	if code := postJSON(t, url+"/api/v1/sessions", map[string]string{"shop": "nuannuan-apparel", "lang": "zh"}, &sess); code != 201 {
		t.Fatalf("create session: %d", code)
	}
	texts := []string{"你好", "什么时候发货", "发什么快递", "我的订单到哪了"}
	for i, text := range texts {
		var r map[string]any
		if code := postJSON(t, url+"/api/v1/sessions/"+sess.Session+"/messages", map[string]string{"text": text}, &r); code != 200 {
			t.Fatalf("turn %d: status %d", i, code)
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	_ = cmd.Wait()

	p2 := startServe(t, ctx, "--db", db, "--shop", kbtest.DemoShopPath(t))
	cmd2, url2 := p2.cmd, p2.url
	defer func() { _ = cmd2.Process.Kill(); _ = cmd2.Wait() }()
	resp, err := http.Get(url2 + "/api/v1/sessions/" + sess.Session)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		Turns []struct{ Text string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		t.Fatal(err)
	}
	if len(tr.Turns) != len(texts) {
		t.Fatalf("after kill -9: %d turns, want %d", len(tr.Turns), len(texts))
	}
	for i, text := range texts {
		if tr.Turns[i].Text != text {
			t.Errorf("turn %d = %q, want %q", i, tr.Turns[i].Text, text)
		}
	}
	// The slot asked for before the kill is still remembered.
	var r struct {
		Order *struct {
			ID    string
			Found bool
		}
	}
	postJSON(t, url2+"/api/v1/sessions/"+sess.Session+"/messages", map[string]string{"text": "二零二四一一二五零零零零三"}, &r)
	if r.Order == nil || !r.Order.Found {
		t.Errorf("conversation did not continue after restart: %+v", r.Order)
	}
}

// TestBinaryReloadOnHUP: SIGHUP reloads the shop files; a broken file is
// reported and the shops keep being served as they were.
func TestBinaryReloadOnHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	shopFile := filepath.Join(dir, "shop.yaml")
	good, err := os.ReadFile(kbtest.StarterShopPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shopFile, good, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, ctx, "--db", filepath.Join(dir, "cb.db"), "--shop", shopFile)
	cmd, url, stderr := p.cmd, p.url, p.stderr
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	waitLog := func(want string) {
		t.Helper()
		for i := 0; i < 100; i++ {
			if strings.Contains(stderr.String(), want) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("log never said %q:\n%s", want, stderr.String())
	}
	// A broken file: reported, old shop kept.
	if err := os.WriteFile(shopFile, []byte("shop:\n  id: [broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitLog("reload failed")
	var sess struct{ Session string }
	if code := postJSON(t, url+"/api/v1/sessions", map[string]string{"shop": "mianmian-home", "lang": "en"}, &sess); code != 201 {
		t.Fatalf("shop gone after a bad reload: %d", code)
	}
	// A good file with a new welcome: served after the reload.
	changed := strings.Replace(string(good), "id: mianmian-home", "id: mianmian-home-2", 1)
	if err := os.WriteFile(shopFile, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitLog("shops reloaded")
	if code := postJSON(t, url+"/api/v1/sessions", map[string]string{"shop": "mianmian-home-2", "lang": "en"}, &sess); code != 201 {
		t.Fatalf("reloaded shop not served: %d", code)
	}
}
