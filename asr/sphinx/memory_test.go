package sphinx

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestDecoderMemory measures what one decoder (every search of the demo
// shop loaded) adds to the process's resident memory, per model. A call
// holds two (domain grammar and LM in parallel), so a call costs about
// twice this. The bound is loose: it catches an LM that grew by an order
// of magnitude, not a few percent.
func TestDecoderMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("creates decoders")
	}
	rec, _ := testRecognizer(t)
	const n = 6
	for _, m := range rec.models {
		e := rec.engines[m.Name]
		runtime.GC()
		before := rssKB(t)
		var ds []*decoder
		for range n {
			d, err := e.newDecoder()
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, d)
		}
		per := float64(rssKB(t)-before) / n / 1024
		for _, d := range ds {
			e.free(d)
		}
		t.Logf("%s: %.1f MB resident per decoder (LM %d lines, vocabulary %d)", m.Name, per, e.set.Stats.LMNgrams, e.set.Stats.Vocab)
		if per > maxDecoderMB {
			t.Errorf("%s: %.1f MB per decoder, want at most %d", m.Name, per, maxDecoderMB)
		}
	}
}

// maxDecoderMB bounds one decoder's resident memory (two per call; the
// budget is 15 MB per call beside the shared models).
const maxDecoderMB = 16

func rssKB(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	t.Skip("no VmRSS")
	return 0
}
