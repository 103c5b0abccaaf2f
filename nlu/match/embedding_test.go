package match_test

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/nlu/embed"
	"github.com/callbee/callbee/nlu/match"
)

// space loads the installed embedding file or skips the test.
func space(tb testing.TB) *embed.Space {
	tb.Helper()
	sp, err := embed.Default()
	if errors.Is(err, embed.ErrNotFound) {
		tb.Skipf("embedding file not installed: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return sp
}

// devCounts is the matcher alone on the dev set's single questions.
type devCounts struct{ in, top1, falseRej, oos, oosRej int }

func (c devCounts) String() string {
	return fmt.Sprintf("top-1 %.3f (%d/%d) false-rej %.3f oos-rej %.3f (%d/%d)", ratio(c.top1, c.in), c.top1, c.in,
		ratio(c.falseRej, c.in), ratio(c.oosRej, c.oos), c.oosRej, c.oos)
}

func devEval(set *devset.Set, m *match.Matcher) map[string]devCounts {
	by := map[string]devCounts{}
	for _, s := range set.Singles {
		c := by[s.Lang]
		got := m.Match(s.Text, s.Lang)
		if s.OOS {
			c.oos++
			if got.OutOfScope {
				c.oosRej++
			}
		} else {
			c.in++
			if len(got.Candidates) > 0 && got.Candidates[0].FAQ == s.FAQ {
				c.top1++
			}
			if got.OutOfScope {
				c.falseRej++
			}
		}
		by[s.Lang] = c
	}
	return by
}

// TestEmbedSweep compares lexical-only matching with embedding fusion
// settings on leave-one-out (demo and starter shops) and the dev set.
// Diagnostic only: set CALLBEE_EMBED_SWEEP to a comma-separated list of
// lambda:answerWeight:pooled settings, or "1" for a default grid.
func TestEmbedSweep(t *testing.T) {
	env := os.Getenv("CALLBEE_EMBED_SWEEP")
	if env == "" {
		t.Skip("set CALLBEE_EMBED_SWEEP=1")
	}
	sp := space(t)
	set, err := devset.Default()
	if err != nil {
		t.Skipf("dev set: %v", err)
	}
	if env == "1" {
		env = "lex,0:0:0,0.1:0:0,0.2:0:0,0.3:0:0,0.2:0:1"
	}
	shops := []struct {
		name string
		load func(testing.TB) *kb.Shop
	}{{"demo", kbtest.DemoShop}, {"starter", kbtest.StarterShop}}
	for _, cfg := range strings.Split(env, ",") {
		var opts []match.Option
		if cfg != "lex" {
			p := strings.Split(cfg, ":")
			l, _ := strconv.ParseFloat(p[0], 64)
			a, _ := strconv.ParseFloat(p[1], 64)
			u := 0.0
			if len(p) > 3 {
				u, _ = strconv.ParseFloat(p[3], 64)
			}
			opts = []match.Option{match.WithEmbeddings(sp), match.WithFusion(l, a, p[2] == "1", u)}
		}
		var loo []string
		for _, sh := range shops {
			shop := sh.load(t)
			for _, lang := range []string{"zh", "en"} {
				rep, err := match.LeaveOneOut(shop, lang, opts...)
				if err != nil {
					t.Fatal(err)
				}
				loo = append(loo, fmt.Sprintf("%s/%s %.3f", sh.name, lang, rep.Accuracy))
			}
		}
		m, err := match.New(kbtest.DemoShop(t), opts...)
		if err != nil {
			t.Fatal(err)
		}
		dev := devEval(set, m)
		t.Logf("%-12s LOO %s | dev zh %v | dev en %v", cfg, strings.Join(loo, " "), dev["zh"], dev["en"])
	}
}
