package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/callbee/callbee/kb/kbtest"
)

// startServe runs the built binary's serve on a loopback port and returns its URL.
func startServe(t *testing.T, ctx context.Context, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary(t), "serve", "--addr", "127.0.0.1:0", "--db", db, "--shop", kbtest.DemoShopPath(t))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no serving line: %v\n%s", err, stderr.String())
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if url == "" {
		t.Fatalf("no URL in %q", line)
	}
	return cmd, url
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
	cmd, url := startServe(t, ctx, db)
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

	cmd2, url2 := startServe(t, ctx, db)
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
