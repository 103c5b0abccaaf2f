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

// HoldoutFor returns the held-out set written for shop id, if there is one.
func HoldoutFor(shopID string) (*Set, error) {
	entries, err := holdout.ReadDir("testdata/holdout")
	if err != nil {
		return nil, fmt.Errorf("devset: holdout: %w", err)
	}
	for _, e := range entries {
		s, err := Holdout(strings.TrimSuffix(e.Name(), ".yaml"))
		if err != nil {
			return nil, err
		}
		if s.Shop == shopID {
			return s, nil
		}
	}
	return nil, fmt.Errorf("devset: no held-out set for shop %q: %w", shopID, ErrNoSet)
}

// Summary is the report without its failures.
func (r *Report) Summary() string {
	c := *r
	c.Failures = nil
	return strings.TrimSuffix(c.String(), "no failures\n")
}

// VerboseHoldout reports whether held-out failures may be printed
// (CALLBEE_HOLDOUT_VERBOSE=1); by default only the summary is shown, so that
// whoever tunes the matcher does not tune to the held-out set.
func VerboseHoldout() bool { return os.Getenv("CALLBEE_HOLDOUT_VERBOSE") == "1" }
