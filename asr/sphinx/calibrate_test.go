package sphinx

import (
	"math"
	"testing"

	"github.com/callbee/callbee/asr"
)

func TestAgreement(t *testing.T) {
	tests := []struct {
		lang, a, b string
		want       float64
	}{
		{"en", "where is my order", "where is order", 0.75},
		{"en", "where is my order", "where is my order", 1},
		{"en", "what are points good for", "my daughter want to read one", 0},
		{"zh", "我的订单到哪了", "我的订单", 4.0 / 7},
		{"zh", "", "我的", 0},
	}
	for _, tt := range tests {
		if got := agreement(tokens(tt.a, tt.lang), tokens(tt.b, tt.lang)); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("agreement(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCalibrate(t *testing.T) {
	lm := asr.Result{Text: "where is order", Engine: Engine, Search: asr.SearchLM, Lang: "en", Acoustic: -40,
		Words: []asr.Word{{Text: "where", Confidence: 0.8}, {Text: "is", Confidence: 1}, {Text: "order", Confidence: 0.9}}}
	tests := []struct {
		name     string
		g        asr.Result
		min, max float64
	}{
		{"agrees, grammar scores better", asr.Result{Text: "where is my order", Acoustic: -30}, 0.8, 1},
		{"disagrees, grammar forced", asr.Result{Text: "what are points good for", Acoustic: -80}, 0, 0.05},
		{"partial path", asr.Result{Text: "where is"}, 0.39, 0.41},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.g
			g.Engine, g.Search, g.Lang, g.Confidence = Engine, asr.SearchDomain, "en", 1
			out := Calibrate([]asr.Result{g, lm})
			if c := out[0].Confidence; c < tt.min || c > tt.max {
				t.Errorf("confidence %.3f, want in [%.2f, %.2f]", c, tt.min, tt.max)
			}
			if want := lmWeight * 0.9; math.Abs(out[1].Confidence-want) > 1e-9 {
				t.Errorf("LM confidence %.3f, want %.3f", out[1].Confidence, want)
			}
		})
	}
	// Without an LM result nothing changes.
	g := asr.Result{Text: "hello", Engine: Engine, Search: asr.SearchDomain, Confidence: 1}
	if out := Calibrate([]asr.Result{g}); out[0].Confidence != 1 {
		t.Errorf("no LM: confidence changed to %v", out[0].Confidence)
	}
}

func TestAddFloor(t *testing.T) {
	s := make([]int16, 1000)
	s[0], s[1] = 32767, -32768
	addFloor(s, 0)
	var nonzero int
	for _, v := range s[2:] {
		if v < -floorAmp || v > floorAmp {
			t.Fatalf("floor sample %d out of ±%d", v, floorAmp)
		}
		if v != 0 {
			nonzero++
		}
	}
	if nonzero < 900 {
		t.Errorf("only %d of 998 silent samples got noise", nonzero)
	}
	if s[0] < 32767-floorAmp || s[1] > -32768+floorAmp {
		t.Errorf("clipping wrong: %d %d", s[0], s[1])
	}
}
