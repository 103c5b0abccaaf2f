package callpage

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/audiofile"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
	"github.com/callbee/callbee/telephony/webrtc"
)

// chromiumPath finds Debian's chromium (or another Chrome) or skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (Debian package chromium)")
	return ""
}

// artifactDir is $CALLBEE_ARTIFACTS, or artifacts/ at the repository root
// (gitignored).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CALLBEE_ARTIFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "artifacts")
				break
			}
			if filepath.Dir(d) == d {
				dir = t.TempDir()
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeWAV writes 16-bit mono samples at rate.
func writeWAV(t *testing.T, path string, rate int, samples []int16) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := audiofile.NewWAVWriter(f, rate)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range mediatest.Frames(rate, samples) {
		if err := w.WriteFrame(context.Background(), fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestChromiumCall: headless Chromium opens the call page and presses the
// call button; its fake microphone asks the demo shop a question out loud
// (espeak-ng WAV, 2 s of leading silence, played once). The page must show
// the caption of the right FAQ answer and receive the answer's audio
// (getStats: inbound-rtp bytes and audio energy). After a dropped socket
// the page resumes the call and a card still reaches the brain; at 200%
// zoom nothing overflows. Screenshots are kept.
func TestChromiumCall(t *testing.T) {
	if testing.Short() {
		t.Skip("browser and real speech engines")
	}
	if raceEnabled {
		t.Skip("real-time speech engines are too slow under the race detector (telephony/webrtc races the door with a fake answerer)")
	}
	exe := chromiumPath(t)
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()

	const rate = media.Rate48k
	q := switchboardtest.Speak(t, "en-us", "when will you ship my order", rate, 2*time.Second, 4*time.Second)
	wav := filepath.Join(t.TempDir(), "q.wav")
	writeWAV(t, wav, rate, q)

	sb, e := switchboardtest.DemoWithEngine(t)
	door, err := webrtc.New(sb, webrtc.Config{LoopbackOnly: true},
		webrtc.WithLogger(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	if err != nil {
		t.Fatal(err)
	}
	page, err := Handler(func() []Shop { return FromShops(e.Shop()) })
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(webrtc.Path, door)
	mux.Handle("/", page)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer door.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(480, 1000), // a phone-sized screen
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav+"%noloop"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel() // owns Chromium: cancelling kills and reaps it
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer bcancel()

	shot := func(name string) {
		b, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		p := filepath.Join(artifactDir(t), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Errorf("screenshot: %v", err)
			return
		}
		t.Logf("screenshot: %s", p)
	}

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#call")),
		chromedp.Click(chromedp.CSS("#call")),
	); err != nil {
		t.Fatalf("open the page and call: %v", err)
	}
	start := time.Now()
	wctx, wcancel := context.WithTimeout(bctx, 60*time.Second)
	err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`li.bot[data-faq="logistics.when_ship"]`)))
	wcancel()
	captions, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#captions li")).map(li => li.className + ": " + li.textContent).join("\n")`))
	t.Logf("captions after %.1f s:\n%s", time.Since(start).Seconds(), captions)
	if err != nil {
		shot("callpage-chromium-failed.png")
		state, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.dataset.state + " / " + document.querySelector("#status").textContent`))
		t.Fatalf("no caption of logistics.when_ship: %v (page: %s)", err, state)
	}
	if !strings.Contains(captions, "48 hours") {
		t.Errorf("captions lack the answer text")
	}
	if !strings.Contains(captions, "you: You") {
		t.Errorf("captions lack the caller's transcript")
	}
	// Let the answer play, then read what the browser received.
	if err := chromedp.Do(bctx, chromedp.Sleep(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	stats, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]float64](`window.callbee.stats()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	t.Logf("inbound audio: %v", stats)
	if stats["bytesReceived"] < 10_000 || stats["totalAudioEnergy"] <= 0.001 {
		t.Errorf("remote audio: %v, want bytes and energy of the spoken answer", stats)
	}
	codec, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.dataset.codec`))
	if codec != webrtc.CodecOpus {
		t.Errorf("codec %q, want opus", codec)
	}
	shot("callpage-chromium.png")
	// A network blip: the page reopens its socket, resumes the call, and a
	// card pressed afterwards reaches the brain with its caption.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.callbee.dropSocket(), true`)); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(bctx, 30*time.Second)
	err = chromedp.Do(rctx,
		chromedp.Poll[chromedp.Void](`window.callbee.state() === "in-call" && document.querySelector('[data-key="2"]').disabled === false`),
		chromedp.Click(chromedp.CSS(`button[data-key="2"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li.bot[data-faq="logistics.where_is_order"]`)),
	)
	rcancel()
	if err != nil {
		shot("callpage-chromium-resume-failed.png")
		t.Fatalf("after the socket dropped: %v", err)
	}
	// Readable at 200% zoom on this phone-sized window: nothing runs off
	// the side (no horizontal scrolling).
	overflow, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(() => {
		document.documentElement.style.zoom = "2";
		const r = document.documentElement.scrollWidth + "/" + document.documentElement.clientWidth;
		return r;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	shot("callpage-chromium-zoom200.png")
	var sw, cw int
	if _, err := fmt.Sscanf(overflow, "%d/%d", &sw, &cw); err != nil || sw > cw {
		t.Errorf("at 200%% zoom the page is %s px wide (scroll/client)", overflow)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement.style.zoom = ""`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("#call")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-state="ended"]`)),
	); err != nil {
		t.Fatalf("hang up: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for door.Calls() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := door.Calls(); n != 0 {
		t.Errorf("%d calls after hang-up", n)
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
