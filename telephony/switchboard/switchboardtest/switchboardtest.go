// Package switchboardtest gives door tests a ready switchboard: the demo
// shop (../shared/demo-shop/shop.yaml), an in-memory store and the offline
// engines (pocketsphinx models from the usual models dir, espeak-ng).
package switchboardtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/audiofile"
	"github.com/callbee/callbee/media/resample"
	"github.com/callbee/callbee/telephony/switchboard"
)

// Demo returns a switchboard answering for the demo shop, freed at the end
// of the test. Opts are passed to switchboard.New.
func Demo(t testing.TB, opts ...switchboard.Option) *switchboard.Switchboard {
	sb, _ := DemoWithEngine(t, opts...)
	return sb
}

// DemoWithEngine is Demo that also returns the brain, for transcript checks.
func DemoWithEngine(t testing.TB, opts ...switchboard.Option) (*switchboard.Switchboard, *dialog.Engine) {
	t.Helper()
	e, err := dialog.New(kbtest.DemoShop(t), dialogtest.NewMemStore(true))
	if err != nil {
		t.Fatal(err)
	}
	sp := switchboard.NewOffline()
	t.Cleanup(func() {
		if err := sp.Close(); err != nil {
			t.Errorf("switchboardtest: close speech: %v", err)
		}
	})
	sb, err := switchboard.New(switchboard.Engines{e}, sp, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return sb, e
}

// Speak returns text spoken by the espeak-ng voice v ("en-us",
// "cmn-latn-pinyin") as mono PCM16 at rate, with lead seconds of silence
// before it and trail seconds after. It skips the test when espeak-ng is
// not installed.
func Speak(t testing.TB, v, text string, rate int, lead, trail time.Duration) []int16 {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed")
	}
	p := filepath.Join(t.TempDir(), "speak.wav")
	if out, err := exec.Command("espeak-ng", "-v", v, "-w", p, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v: %s", err, out)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := audiofile.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	r, err := resample.NewReader(d, rate)
	if err != nil {
		t.Fatal(err)
	}
	var buf media.Buffer
	if _, err := media.Copy(context.Background(), &buf, r); err != nil {
		t.Fatal(err)
	}
	out := make([]int16, int(lead.Seconds()*float64(rate)), int((lead+trail).Seconds()*float64(rate))+len(buf.Samples))
	out = append(out, buf.Samples...)
	return append(out, make([]int16, int(trail.Seconds()*float64(rate)))...)
}
