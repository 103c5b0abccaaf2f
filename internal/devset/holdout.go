package devset

import (
	"embed"
	"fmt"
	"os"
	"strings"
)

// holdout holds caller sets written after the matcher was tuned and never
// read by whoever tunes it: they measure honestly (see testdata/holdout).
//
//go:embed testdata/holdout/*.yaml
var holdout embed.FS

// Holdout returns the held-out set for a shop: "demo-shop" or "starter-shop".
func Holdout(name string) (*Set, error) {
	data, err := holdout.ReadFile("testdata/holdout/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("devset: holdout %q: %w", name, err)
	}
	return Parse("holdout/"+name+".yaml", data)
}

// Summary is the report without its failures.
func (r *Report) Summary() string {
	s := r.String()
	if i := strings.Index(s, "failures:\n"); i >= 0 {
		if j := strings.LastIndex(s[:i], "\n"); j >= 0 {
			return s[:j+1]
		}
	}
	return s
}

// VerboseHoldout reports whether held-out failures may be printed
// (CALLBEE_HOLDOUT_VERBOSE=1); by default only the summary is shown, so that
// whoever tunes the matcher does not tune to the held-out set.
func VerboseHoldout() bool { return os.Getenv("CALLBEE_HOLDOUT_VERBOSE") == "1" }
