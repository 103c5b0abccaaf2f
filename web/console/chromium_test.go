package console

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/web"
)

// clearInput empties a text field the way a person selecting and deleting would.
func clearInput(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(() => { const el = document.querySelector(`+"`"+sel+"`"+`); el.value = ""; return true })()`)(ctx, tg)
		return chromedp.Void{}, err
	}
}

// chromium finds Debian's chromium (or another Chrome) or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (Debian package chromium): the console's browser test needs it")
	return ""
}

// artifacts is $CALLBEE_ARTIFACTS, else a temp dir kept for the test's life.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CALLBEE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestChromiumConsole: headless Chromium logs in, trains an unresolved
// question and sees the bot answer it, accepts a handoff and replies (the
// caller's client reads the reply), and a screenshot of each console page
// is kept.
func TestChromiumConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	exe := chromium(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	e := newEnv(t)
	dir := artifacts(t)

	// A caller the bot could not help, and one who asks for a person.
	const question = "can you gift wrap it for my wife's birthday"
	if rp := e.ask("", question); faqOf(rp) == "promotion.gift" {
		t.Fatalf("the bot already answers it: %+v", rp)
	}
	e.ask("", "the coat arrived torn, this is terrible quality, I want to complain")
	caller := e.anon()
	var w dialog.Welcome
	caller.call("POST", "/api/v1/sessions", web.StartRequest{Shop: demoShop, Lang: "en", Caller: "+86 138 0000 0000"}, http.StatusCreated, &w)
	var rp dialog.Reply
	caller.call("POST", "/api/v1/sessions/"+w.Session+"/messages", web.MessageRequest{Text: "where is my order 2024112500001"}, http.StatusOK, &rp)
	caller.call("POST", "/api/v1/sessions/"+w.Session+"/messages", web.MessageRequest{Text: "I want to talk to a real person"}, http.StatusOK, &rp)
	if !rp.Handoff {
		t.Fatalf("no handoff: %+v", rp)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1366, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel() // owns Chromium: cancelling kills and reaps it
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // starts the browser on bctx, not on a step's shorter context
		t.Fatalf("start chromium: %v", err)
	}

	shot := func(name string) {
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Errorf("screenshot: %v", err)
			return
		}
		t.Logf("screenshot: %s", p)
	}
	step := func(what string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(bctx, 30*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, acts...); err != nil {
			shot("console-failed.png")
			body, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
			t.Fatalf("%s: %v\npage: %s", what, err, body)
		}
	}

	// The console needs a login: the agent page sends us to the login page.
	step("open the console", chromedp.Navigate(e.srv.URL+"/console/agent"), chromedp.WaitVisible(`body[data-ready="login"]`))
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/console/login?next=") {
		t.Errorf("not sent to the login page: %q %v", loc, err)
	}
	shot("console-login.png")
	step("wrong password", chromedp.SendKeys("#name", "ann"), chromedp.SendKeys("#password", "not-the-password"),
		chromedp.Click("#login-btn"), chromedp.WaitVisible(`#login-msg:not(:empty)`))
	step("log in", clearInput("#password"), chromedp.SendKeys("#password", "password-ann"), chromedp.Click("#login-btn"),
		chromedp.WaitVisible(`body[data-ready="agent"]`))

	// Scene training: assign the question to a FAQ; the bot answers it.
	item := `li.train[data-text="` + question + `"]`
	step("training page", chromedp.Navigate(e.srv.URL+"/console/training"), chromedp.WaitVisible(`body[data-ready="training"]`),
		chromedp.WaitVisible(item))
	shot("console-training.png")
	step("assign", chromedp.SetValue(item+` input.faq`, "promotion.gift"), chromedp.Click(item+` button.assign`),
		chromedp.WaitNotPresent(item))
	step("test chat", chromedp.SendKeys("#chat-text", question), chromedp.Click("#chat-send"),
		chromedp.WaitVisible(`#chat-answer[data-faq="promotion.gift"]`))
	shot("console-training-test-chat.png")
	if rp := e.ask("", question); faqOf(rp) != "promotion.gift" {
		t.Errorf("after training in the browser the bot answers %q: %s", faqOf(rp), rp.Text)
	}

	// The agent console: accept the handoff, reply; the caller reads it.
	const answer = "Hello, this is Ann from Nuannuan. Your parcel is with SF Express and moving."
	hand := `li.handoff[data-session="` + w.Session + `"] button.accept`
	step("agent page", chromedp.Navigate(e.srv.URL+"/console/agent"), chromedp.WaitVisible(`body[data-ready="agent"]`),
		chromedp.WaitVisible(hand), chromedp.WaitVisible(`#live tr[data-session="`+w.Session+`"]`))
	step("accept", chromedp.Click(hand), chromedp.WaitVisible("#held-by"), chromedp.WaitVisible(`#suggestions .sugg`))
	if !e.reg.Held(w.Session) || e.reg.Holder(w.Session) != "ann" {
		t.Fatalf("session not held by ann after accept: %q", e.reg.Holder(w.Session))
	}
	caller.call("POST", "/api/v1/sessions/"+w.Session+"/messages", web.MessageRequest{Text: "hello? is anyone there"}, http.StatusOK, &rp)
	if rp.Text != "" || rp.Action != live.ActionAgent {
		t.Errorf("the bot answered a held session: %+v", rp)
	}
	step("reply", chromedp.WaitEnabled("#reply-text"), chromedp.SendKeys("#reply-text", answer), chromedp.Click("#reply-send"),
		chromedp.WaitVisible(`#transcript li.agent`))
	shot("console-agent.png")
	var tr dialog.Transcript
	caller.call("GET", "/api/v1/sessions/"+w.Session, nil, http.StatusOK, &tr)
	if last := tr.Turns[len(tr.Turns)-1]; last.Reply.Action != live.ActionAgent || last.Reply.Text != answer {
		t.Errorf("the caller's transcript ends with %+v", last)
	}
	step("give back", chromedp.Click("#release"), chromedp.WaitNotPresent("#held-by"))
	if e.reg.Held(w.Session) {
		t.Error("still held after give back")
	}

	// The other pages, each with a screenshot.
	step("knowledge page", chromedp.Navigate(e.srv.URL+"/console/knowledge"), chromedp.WaitVisible(`body[data-ready="knowledge"]`),
		chromedp.Click(`li.faq[data-faq="promotion.gift"]`), chromedp.WaitVisible("#faq-save"))
	phr, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('#faq-editor textarea[name="pen"]').value`))
	if err != nil || !strings.Contains(phr, question) {
		t.Errorf("the trained phrasing is not in the editor: %q %v", phr, err)
	}
	shot("console-knowledge.png")
	step("metrics page", chromedp.Navigate(e.srv.URL+"/console/metrics"), chromedp.WaitVisible(`body[data-ready="metrics"]`),
		chromedp.WaitVisible("#chart-top"), chromedp.WaitVisible("#chart-hours"), chromedp.WaitVisible("#complaints table"))
	shot("console-metrics.png")
	step("users page", chromedp.Navigate(e.srv.URL+"/console/users"), chromedp.WaitVisible(`body[data-ready="users"]`),
		chromedp.WaitVisible(`#users tbody tr`))
	shot("console-users.png")

	// No horizontal overflow on a narrow window (a phone, or 200% zoom).
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(480, 900)); err != nil {
		t.Fatal(err)
	}
	step("agent page narrow", chromedp.Navigate(e.srv.URL+"/console/agent"), chromedp.WaitVisible(`body[data-ready="agent"]`))
	over, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`))
	if err != nil || over {
		t.Errorf("the agent page overflows a 480 px window (%v)", err)
	}
	shot("console-agent-narrow.png")
	step("log out", chromedp.Click("#logout"), chromedp.WaitVisible(`body[data-ready="login"]`))
}
