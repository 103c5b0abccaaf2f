package match

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/callbee/callbee/nlu/normalize"
)

func auc(pos, neg []float64) float64 {
	c := 0.0
	for _, p := range pos {
		for _, n := range neg {
			if p > n {
				c++
			} else if p == n {
				c += 0.5
			}
		}
	}
	return c / float64(len(pos)*len(neg))
}

func TestDiagAUC(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(filepath.Join("..", "..", "internal", "devset", "testdata", "demo-shop.yaml"))
	var set struct {
		Singles []struct {
			Lang, Text, FAQ string
			OOS             bool
		}
	}
	yaml.Unmarshal(data, &set)
	_, m := newDemo(t)
	ix := m.idx.Load()
	for _, lang := range []string{"zh", "en"} {
		var pos, neg [nCalib + 1][]float64
		for _, s := range set.Singles {
			if s.Lang != lang {
				continue
			}
			sc := ix.score(lang, normalize.Normalize(s.Text, lang), -1, nil)
			f := calibFeatures(sc)
			p := ix.langs[lang].calib.inScope(sc)
			for i := 0; i < nCalib; i++ {
				if s.OOS {
					neg[i] = append(neg[i], f[i])
				} else {
					pos[i] = append(pos[i], f[i])
				}
			}
			if s.OOS {
				neg[nCalib] = append(neg[nCalib], p)
			} else {
				pos[nCalib] = append(pos[nCalib], p)
			}
		}
		for i := 0; i <= nCalib; i++ {
			t.Logf("%s feat %d auc %.3f", lang, i, auc(pos[i], neg[i]))
		}
		sort.Float64s(pos[nCalib])
		t.Logf("%s in-scope p quantiles 3%%=%.4f 5%%=%.4f 10%%=%.4f", lang, pos[nCalib][len(pos[nCalib])*3/100], pos[nCalib][len(pos[nCalib])*5/100], pos[nCalib][len(pos[nCalib])/10])
	}
}
