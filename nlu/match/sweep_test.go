package match

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/callbee/callbee/nlu/normalize"
)

// TestScopeSweep prints, for a range of out-of-scope thresholds, the share
// of the dev set's in-scope and out-of-scope single questions rejected.
// Diagnostic only: set CALLBEE_DEVSET_SWEEP=1.
func TestScopeSweep(t *testing.T) {
	if os.Getenv("CALLBEE_DEVSET_SWEEP") == "" {
		t.Skip("set CALLBEE_DEVSET_SWEEP=1")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "devset", "testdata", "demo-shop.yaml"))
	if err != nil {
		t.Skip(err)
	}
	var set struct {
		Singles []struct {
			Lang, Text, FAQ string
			OOS             bool
		}
	}
	if err := yaml.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	_, m := newDemo(t)
	ix := m.idx.Load()
	for _, lang := range []string{"zh", "en"} {
		t.Logf("%s learned threshold %.3f", lang, ix.langs[lang].calib.threshold)
	}
	feat := -1
	if v := os.Getenv("CALLBEE_SWEEP_FEAT"); v != "" {
		feat = int(v[0] - '0')
	}
	for _, thr := range []float64{0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9} {
		var in, inRej, oos, oosRej [2]int
		for _, s := range set.Singles {
			l := 0
			if s.Lang == "en" {
				l = 1
			}
			sc := ix.score(s.Lang, normalize.Normalize(s.Text, s.Lang), -1, nil)
			p := ix.langs[s.Lang].calib.inScope(sc)
			if feat >= 0 {
				p = calibFeatures(sc)[feat]
			}
			if s.OOS {
				oos[l]++
				if p < thr {
					oosRej[l]++
				}
			} else {
				in[l]++
				if p < thr {
					inRej[l]++
				}
			}
		}
		t.Logf("thr %.2f: zh in-rej %.3f oos-rej %.3f | en in-rej %.3f oos-rej %.3f", thr,
			float64(inRej[0])/float64(in[0]), float64(oosRej[0])/float64(oos[0]),
			float64(inRej[1])/float64(in[1]), float64(oosRej[1])/float64(oos[1]))
	}
}
