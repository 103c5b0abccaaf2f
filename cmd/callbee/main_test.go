package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// result is one in-process run of the command.
type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// replyKeys are the keys every reply line must carry (the public interface).
var replyKeys = []string{"session", "text", "faq", "action", "confidence", "out_of_scope", "product", "order",
	"asks_for", "size", "emotion", "handoff", "end_call", "repeats_previous", "speech", "related"}

// oneReply checks that out is exactly one JSON line with every reply key.
func oneReply(t *testing.T, out string) dialog.Reply {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("want exactly one line on stdout, got %q", out)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("stdout is not JSON: %v: %q", err, out)
	}
	for _, k := range replyKeys {
		if _, ok := raw[k]; !ok {
			t.Errorf("reply lacks %q: %s", k, out)
		}
	}
	var r dialog.Reply
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func faqOf(r dialog.Reply) string {
	if r.FAQ == nil {
		return ""
	}
	return *r.FAQ
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout+stderr
	}{
		{"no args", nil, exitUsage, "usage: callbee"},
		{"help", []string{"help"}, exitOK, "commands:"},
		{"unknown", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"version", []string{"version"}, exitOK, "callbee "},
		{"kb without command", []string{"kb"}, exitUsage, "usage: callbee kb"},
		{"kb unknown", []string{"kb", "zap"}, exitUsage, `unknown command "zap"`},
		{"serve -h", []string{"serve", "-h"}, exitOK, "-addr"},
		{"bad flag", []string{"ask", "--nope"}, exitUsage, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Errorf("code %d (want %d), output:\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	c := &cli{stderr: io.Discard}
	fs := c.newFlags("x", "")
	a := fs.String("a", "", "")
	b := fs.Bool("b", false, "")
	pos, _, ok := parseArgs(fs, []string{"one", "--a", "x", "two", "-b", "--", "-three"})
	if !ok || *a != "x" || !*b || strings.Join(pos, "|") != "one|two|-three" {
		t.Errorf("pos=%q a=%q b=%v ok=%v", pos, *a, *b, ok)
	}
}

func TestAsk(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	db := filepath.Join(t.TempDir(), "cb.db")
	tests := []struct {
		name    string
		args    []string
		wantFAQ string
		wantOOS bool
	}{
		{"zh question", []string{"--lang", "zh", "什么时候发货"}, "logistics.when_ship", false},
		{"en question", []string{"--lang", "en", "when will you ship"}, "logistics.when_ship", false},
		{"flags after text", []string{"什么时候发货", "--lang", "zh"}, "logistics.when_ship", false},
		{"out of scope", []string{"--lang", "en", "can you fix my car engine?"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", append([]string{"ask", "--shop", demo, "--db", db}, tt.args...)...)
			if r.code != exitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			rep := oneReply(t, r.stdout)
			if faqOf(rep) != tt.wantFAQ || rep.OutOfScope != tt.wantOOS {
				t.Errorf("faq=%q oos=%v, want %q %v: %s", faqOf(rep), rep.OutOfScope, tt.wantFAQ, tt.wantOOS, r.stdout)
			}
			if rep.Session == "" || rep.Text == "" {
				t.Errorf("empty session or text: %s", r.stdout)
			}
		})
	}
}

func TestAskErrors(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "cb.db")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("shop:\n  id: x\nfaqs: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no shop", []string{"hello"}, exitUsage, "--shop is required"},
		{"no text", []string{"--shop", demo}, exitUsage, "TEXT or --dtmf"},
		{"bad lang", []string{"--shop", demo, "--lang", "fr", "bonjour"}, exitUsage, "want zh or en"},
		{"missing shop file", []string{"--shop", filepath.Join(dir, "nope.yaml"), "hi"}, exitFail, "nope.yaml"},
		{"shop not imported", []string{"--shop", "no-such-shop", "hi"}, exitFail, `no shop "no-such-shop"`},
		{"bad shop file", []string{"--shop", bad, "hi"}, exitFail, bad + ":"},
		{"text too long", []string{"--shop", demo, strings.Repeat("好", dialog.MaxTextLen+1)}, exitFail, "callbee ask:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", append(append([]string{"ask"}, tt.args...), "--db", db)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tt.code, r.stderr, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty on error: %q", r.stdout)
			}
		})
	}
}

// TestAskContinuesSession asks for an order's status, then gives the number
// digit by digit in a second invocation with the same --session.
func TestAskContinuesSession(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	db := filepath.Join(t.TempDir(), "cb.db")
	base := []string{"ask", "--shop", demo, "--db", db, "--lang", "zh", "--session", "cli-1"}
	r := runCmd(t, "", append(base, "我的订单到哪了")...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	first := oneReply(t, r.stdout)
	if first.Session != "cli-1" || first.AsksFor == nil || *first.AsksFor != "order_number" {
		t.Fatalf("first reply does not ask for the order number: %s", r.stdout)
	}
	r = runCmd(t, "", append(base, "二零二四一一二五零零零零一")...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	second := oneReply(t, r.stdout)
	if second.Order == nil || !second.Order.Found || second.Order.ID != "2024112500001" {
		t.Fatalf("order not found in the continued session: %s", r.stdout)
	}
}

func TestAskDTMF(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	db := filepath.Join(t.TempDir(), "cb.db")
	r := runCmd(t, "", "ask", "--shop", demo, "--db", db, "--lang", "en", "--dtmf", "1")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := oneReply(t, r.stdout)
	shop, err := kb.Load(demo)
	if err != nil {
		t.Fatal(err)
	}
	if want := shop.Shop.Cards[0]; faqOf(rep) != want {
		t.Errorf("dtmf 1 answered %q, want the first card %q", faqOf(rep), want)
	}
}

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKB(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	starter := kbtest.StarterShopPath(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "cb.db")
	// A broken copy of the starter shop: two problems on known lines.
	data, err := os.ReadFile(starter)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "ship_within_hours: 24", "ship_within_hours: soon", 1)
	broken = strings.Replace(broken, "service_hours: \"08:30-21:30\"", "service_hours: \"late\"", 1)
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), broken)

	t.Run("validate ok", func(t *testing.T) {
		r := runCmd(t, "", "kb", "validate", demo, starter)
		if r.code != exitOK || strings.Count(r.stdout, "ok: ") != 2 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("validate bad", func(t *testing.T) {
		r := runCmd(t, "", "kb", "validate", bad, demo)
		if r.code != exitFail {
			t.Fatalf("exit %d, want %d", r.code, exitFail)
		}
		lines := regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(bad)+`:\d+: `).FindAllString(r.stderr, -1)
		if len(lines) < 2 {
			t.Errorf("want every problem as file:line, got:\n%s", r.stderr)
		}
		if !strings.Contains(r.stdout, "ok: nuannuan-apparel") {
			t.Errorf("the good file was not reported: %s", r.stdout)
		}
	})
	t.Run("import bad changes nothing", func(t *testing.T) {
		r := runCmd(t, "", "kb", "import", "--db", db, starter, bad)
		if r.code != exitFail || !strings.Contains(r.stderr, "nothing imported") {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		r = runCmd(t, "", "kb", "export", "--db", db, "mianmian-home")
		if r.code != exitFail {
			t.Fatalf("the good file of a failed import was stored: exit %d", r.code)
		}
	})
	t.Run("import", func(t *testing.T) {
		r := runCmd(t, "", "kb", "import", "--db", db, starter, demo)
		if r.code != exitOK || strings.Count(r.stdout, "imported ") != 2 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("export from db", func(t *testing.T) {
		r := runCmd(t, "", "kb", "export", "--db", db, "nuannuan-apparel")
		if r.code != exitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		s, err := kb.Parse("exported", []byte(r.stdout))
		if err != nil {
			t.Fatalf("export does not load back: %v", err)
		}
		if s.ID() != "nuannuan-apparel" || len(s.FAQs) == 0 {
			t.Errorf("exported shop %q with %d FAQs", s.ID(), len(s.FAQs))
		}
	})
	t.Run("export file to file", func(t *testing.T) {
		out := filepath.Join(dir, "out.yaml")
		r := runCmd(t, "", "kb", "export", "--shop", starter, "-o", out)
		if r.code != exitOK || r.stdout != "" {
			t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
		}
		if _, err := kb.Load(out); err != nil {
			t.Fatalf("exported file: %v", err)
		}
	})
	t.Run("export usage", func(t *testing.T) {
		if r := runCmd(t, "", "kb", "export"); r.code != exitUsage {
			t.Errorf("exit %d", r.code)
		}
	})
	t.Run("packs subscribe unsubscribe", func(t *testing.T) {
		r := runCmd(t, "", "kb", "packs", "--db", db, "nuannuan-apparel")
		if r.code != exitOK || !strings.Contains(r.stdout, "* apparel") || !strings.Contains(r.stdout, "* general") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = runCmd(t, "", "kb", "unsubscribe", "--db", db, "nuannuan-apparel", "apparel")
		if r.code != exitOK || !strings.Contains(r.stdout, "  apparel") {
			t.Fatalf("unsubscribe: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = runCmd(t, "", "kb", "packs", "--db", db, "nuannuan-apparel")
		if !strings.Contains(r.stdout, "  apparel") || !strings.Contains(r.stdout, "* general") {
			t.Fatalf("unsubscription not stored:\n%s", r.stdout)
		}
		r = runCmd(t, "", "kb", "subscribe", "--db", db, "nuannuan-apparel", "apparel")
		if r.code != exitOK || !strings.Contains(r.stdout, "* apparel") {
			t.Fatalf("subscribe: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = runCmd(t, "", "kb", "subscribe", "--db", db, "nuannuan-apparel", "spaceships")
		if r.code != exitFail || !strings.Contains(r.stderr, "spaceships") {
			t.Fatalf("unknown pack: exit %d %s", r.code, r.stderr)
		}
		r = runCmd(t, "", "kb", "packs", "--shop", demo)
		if r.code != exitOK || !strings.Contains(r.stdout, "* general") {
			t.Fatalf("packs --shop: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}

func TestChatInput(t *testing.T) {
	tests := []struct {
		line string
		want dialog.Input
	}{
		{"1", dialog.Input{DTMF: "1"}},
		{"#1", dialog.Input{DTMF: "1"}},
		{"#2024", dialog.Input{DTMF: "2024"}},
		{"*", dialog.Input{DTMF: "*"}},
		{"12", dialog.Input{Text: "12"}},
		{"#", dialog.Input{DTMF: "#"}},
		{"几天发货", dialog.Input{Text: "几天发货"}},
		{"#hello", dialog.Input{Text: "#hello"}},
	}
	for _, tt := range tests {
		if got := chatInput(tt.line); got != tt.want {
			t.Errorf("chatInput(%q) = %+v, want %+v", tt.line, got, tt.want)
		}
	}
}

func TestChat(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	db := filepath.Join(t.TempDir(), "cb.db")
	stdin := "什么时候发货\n\n/json\n#1\n/json\nthank you, bye\n"
	r := runCmd(t, stdin, "chat", "--shop", demo, "--lang", "zh", "--db", db)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "bot: 您好") {
		t.Errorf("first line is not the welcome: %q", lines[0])
	}
	if !regexp.MustCompile(`(?m)^  1\. `).MatchString(r.stdout) {
		t.Errorf("no numbered cards:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "[faq=logistics.when_ship conf=") {
		t.Errorf("no details suffix for the question:\n%s", r.stdout)
	}
	var sawJSON bool
	for _, l := range lines {
		if strings.HasPrefix(l, "{") {
			var rep dialog.Reply
			if err := json.Unmarshal([]byte(l), &rep); err != nil {
				t.Errorf("bad JSON line %q: %v", l, err)
			}
			sawJSON = true
		}
	}
	if !sawJSON {
		t.Errorf("/json did not print JSON:\n%s", r.stdout)
	}
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServe(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	starter := kbtest.StarterShopPath(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "cb.db")
	// The demo shop comes from the DB, the starter from a file.
	if r := runCmd(t, "", "kb", "import", "--db", db, demo); r.code != exitOK {
		t.Fatalf("import: %s", r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--shop", starter}, nil, &stdout, &stderr)
	}()

	var base string
	re := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)`)
	for base == "" {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}

	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path, body string) (int, string) {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Fatalf("healthz %d %s", code, body)
	}
	code, body := get("/api/v1/shops")
	if code != 200 || !strings.Contains(body, `"nuannuan-apparel"`) || !strings.Contains(body, `"mianmian-home"`) {
		t.Fatalf("shops %d %s", code, body)
	}
	code, body = post("/api/v1/sessions", `{"shop":"nuannuan-apparel","lang":"zh"}`)
	if code != 201 {
		t.Fatalf("start %d %s", code, body)
	}
	var w dialog.Welcome
	_ = json.Unmarshal([]byte(body), &w)
	code, body = post("/api/v1/sessions/"+w.Session+"/messages", `{"text":"我的订单到哪了"}`)
	if code != 200 || !strings.Contains(body, `"asks_for":"order_number"`) {
		t.Fatalf("message %d %s", code, body)
	}
	code, body = post("/api/v1/sessions/"+w.Session+"/messages", `{"text":"二零二四一一二五零零零零一"}`)
	if code != 200 || !strings.Contains(body, `"found":true`) {
		t.Fatalf("order %d %s", code, body)
	}
	if code, body = get("/api/v1/sessions/" + w.Session); code != 200 || strings.Count(body, `"at"`) < 2 {
		t.Fatalf("transcript %d %s", code, body)
	}

	cancel() // as SIGINT does
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no shutdown log:\n%s", stderr.String())
	}
}

func TestServeBadShop(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "bad.yaml"), "shop: {id: x}\n")
	r := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "cb.db"), "--shop", bad)
	if r.code != exitFail || !strings.Contains(r.stderr, bad) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r = runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "cb.db"))
	if r.code != exitFail || !strings.Contains(r.stderr, "no shops") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestBench(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	r := runCmd(t, "", "bench", "--shop", demo, "--n", "30", "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
	}
	if rep.Shop != "nuannuan-apparel" || rep.DevSet == nil || len(rep.LeaveOneOut) != 2 {
		t.Errorf("report lacks parts: %+v", rep)
	}
	tp := rep.Throughput
	if tp.AnswerQPS <= 0 || tp.UnderstandQPS <= 0 || tp.AnswerP99US < tp.AnswerP50US || rep.HeapTotalMB <= 0 || rep.FirstAnswerMS <= 0 {
		t.Errorf("implausible numbers: %+v", rep)
	}
	r = runCmd(t, "", "bench", "--shop", demo, "--n", "5", "--no-eval")
	if r.code != exitOK || !strings.Contains(r.stdout, "questions/s") {
		t.Errorf("text report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestBinaryAskAcrossProcesses builds callbee and continues one conversation
// across two processes through the database.
func TestBinaryAskAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	demo := kbtest.DemoShopPath(t)
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "cb.db")
	ask := func(text string) (dialog.Reply, time.Duration) {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, "ask", "--shop", demo, "--db", db, "--lang", "zh", "--session", "proc-1", text)
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("callbee ask: %v\n%s", err, errb.String())
		}
		return oneReply(t, out.String()), time.Since(start)
	}
	first, d1 := ask("我的订单到哪了")
	if first.AsksFor == nil || *first.AsksFor != "order_number" {
		t.Fatalf("first reply: %+v", first)
	}
	second, d2 := ask("二零二四一一二五零零零零一")
	if second.Order == nil || !second.Order.Found || second.Order.Status != "shipped" {
		t.Fatalf("second reply: %+v", second.Order)
	}
	t.Logf("ask wall time: %v, %v", d1, d2)

	// A bad invocation exits non-zero with the error on stderr.
	var errb bytes.Buffer
	cmd := exec.Command(bin, "ask", "--shop", demo, "--db", db)
	cmd.Stderr = &errb
	if err := cmd.Run(); err == nil || !strings.Contains(errb.String(), "callbee ask:") {
		t.Fatalf("bad ask: err=%v stderr=%q", err, errb.String())
	}
}

func TestAskWithSampleConfig(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cb.db")
	r := runCmd(t, "", "ask", "--config", filepath.Join("..", "..", "callbee.sample.yaml"), "--db", db,
		"--shop", kbtest.StarterShopPath(t), "--lang", "en", "when will you ship")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if rep := oneReply(t, r.stdout); rep.Mode != "full-auto" && rep.Mode != "smart-assist" {
		t.Errorf("mode %q is not one the sample config schedules", rep.Mode)
	}
	bad := writeFile(t, filepath.Join(t.TempDir(), "bad.yaml"), "service: {mode: robot}\n")
	if r := runCmd(t, "", "ask", "--config", bad, "--shop", kbtest.StarterShopPath(t), "hi"); r.code != exitFail || !strings.Contains(r.stderr, "service.mode") {
		t.Errorf("bad config: exit %d %s", r.code, r.stderr)
	}
}

// TestBinaryServeSIGTERM runs the built binary and stops it with SIGTERM.
func TestBinaryServeSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := startServe(t, ctx, "--db", filepath.Join(dir, "cb.db"), "--shop", kbtest.StarterShopPath(t))
	cmd, stderr := p.cmd, p.stderr
	resp, err := http.Get(p.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean shutdown in the log:\n%s", stderr.String())
	}
}

// The callbee binary, built once for the tests that run it as a process.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "callbee-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "callbee")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestAskSessionStartsOver checks that a --session whose call ended, or that
// sat idle too long, starts over instead of failing.
func TestAskSessionStartsOver(t *testing.T) {
	demo := kbtest.DemoShopPath(t)
	db := filepath.Join(t.TempDir(), "cb.db")
	base := []string{"ask", "--shop", demo, "--db", db, "--lang", "en", "--session", "again"}
	r := runCmd(t, "", append(base, "goodbye")...)
	if r.code != exitOK || !oneReply(t, r.stdout).EndCall {
		t.Fatalf("goodbye: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, "", append(base, "where is my order")...)
	if r.code != exitOK {
		t.Fatalf("after the call ended: exit %d %s", r.code, r.stderr)
	}
	if rep := oneReply(t, r.stdout); rep.Session != "again" || rep.AsksFor == nil {
		t.Fatalf("the session did not start over: %s", r.stdout)
	}
	// --idle 0: any earlier session with this id is stale; the slot is forgotten.
	r = runCmd(t, "", append(base, "--idle", "0s", "2024112500001")...)
	if r.code != exitOK {
		t.Fatalf("idle: exit %d %s", r.code, r.stderr)
	}
}
