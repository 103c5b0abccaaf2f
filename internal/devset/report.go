package devset

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// String renders the report as a table per language, then the failures.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dev set %s\n", r.Shop)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lang\tin-scope\ttop-1\tOOS\tOOS rejected\tfalse reject\tdialogues\tturns\tturns correct\t")
	rows := append(append([]LangReport{}, r.Langs...), r.All)
	for _, l := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.1f%%\t%d\t%.1f%%\t%.1f%%\t%d/%d\t%d\t%.1f%%\t\n",
			l.Lang, l.InScope, l.Top1Pct, l.OOS, l.OOSRejectedPct, l.FalseRejectedPct,
			l.DialoguesCorrect, l.Dialogues, l.Turns, l.TurnsPct)
	}
	tw.Flush()
	for _, l := range rows {
		var parts []string
		for _, c := range l.Categories {
			parts = append(parts, fmt.Sprintf("%s %d/%d", c.Category, c.Correct, c.InScope))
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, "top-1 by category [%s]: %s\n", l.Lang, strings.Join(parts, ", "))
		}
	}
	if len(r.Failures) == 0 {
		b.WriteString("no failures\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%d failures:\n", len(r.Failures))
	for _, f := range r.Failures {
		where := f.Kind
		if f.Dialogue != "" {
			where = fmt.Sprintf("%s %s#%d", f.Kind, f.Dialogue, f.Turn)
		}
		got := fmt.Sprintf("faq=%s conf=%.2f oos=%t", orNull(f.GotFAQ), f.GotConfidence, f.GotOOS)
		if f.Err != "" {
			got = "error: " + f.Err
		}
		fmt.Fprintf(&b, "  [%s] %s %q\n      want %s; got %s\n", f.Lang, where, f.Text, f.Want, got)
		for _, m := range f.Mismatches {
			fmt.Fprintf(&b, "      - %s\n", m)
		}
	}
	return b.String()
}

// Meets returns one message per target the report misses (per language and
// overall); nil means every target is met.
func (r *Report) Meets(t Targets) []string {
	var out []string
	for _, l := range append(append([]LangReport{}, r.Langs...), r.All) {
		if l.InScope > 0 && l.Top1Pct < t.Top1Pct {
			out = append(out, fmt.Sprintf("%s: top-1 %.1f%% < %.1f%%", l.Lang, l.Top1Pct, t.Top1Pct))
		}
		if l.OOS > 0 && l.OOSRejectedPct < t.OOSRejectedPct {
			out = append(out, fmt.Sprintf("%s: OOS rejected %.1f%% < %.1f%%", l.Lang, l.OOSRejectedPct, t.OOSRejectedPct))
		}
		if l.InScope > 0 && l.FalseRejectedPct > t.FalseRejectedPct {
			out = append(out, fmt.Sprintf("%s: false rejection %.1f%% > %.1f%%", l.Lang, l.FalseRejectedPct, t.FalseRejectedPct))
		}
		if l.Turns > 0 && l.TurnsPct < t.TurnsPct {
			out = append(out, fmt.Sprintf("%s: turns correct %.1f%% < %.1f%%", l.Lang, l.TurnsPct, t.TurnsPct))
		}
	}
	return out
}
