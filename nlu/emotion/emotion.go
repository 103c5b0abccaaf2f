// Package emotion tells how a caller feels from one ASR-like utterance:
// negative, neutral or positive, how strongly (0..1), whether the caller
// complains about the shop, its service or a product (or threatens to), and
// which cues gave it away. It is lexicon based: weighted cue words and
// phrases in Chinese and English, intensifiers and downtoners that scale
// them, and negation that flips or dampens them ("不错", "not bad" are
// positive; "不满意", "not happy" negative; "不生气" neutral).
package emotion

import (
	"math"
	"strings"
)

// Labels.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// Result is how one utterance sounds.
type Result struct {
	Label     string   // Negative, Neutral or Positive
	Intensity float64  // 0..1; 0 for neutral
	Complaint bool     // complains or threatens to (投诉, 差评, report you: intensity >= 0.7), or is strongly negative
	Cues      []string // lexicon cues found, in order
}

// Thresholds.
const (
	// minIntensity is the least cue strength that moves the label off neutral.
	minIntensity = 0.1
	// complaintIntensity is the negative strength that counts as a complaint
	// even without an explicit complaint cue.
	complaintIntensity = 0.8
	// topicIntensity is the negative strength that, about quality (质量,
	// quality), counts as a complaint.
	topicIntensity = 0.5
	// Scale factors.
	boost   = 1.7 // 太, 非常, very, so ...
	soften  = 0.6 // 有点, a bit ...
	flipPos = -0.8
	flipNeg = -0.4
	// questionDamp scales a cue the caller only asks about.
	questionDamp = 0.3
)

// cue is one lexicon entry.
type cue struct {
	text      string
	w         float64 // signed strength: <0 negative, >0 positive, 0 a stop phrase
	complaint bool    // a complaint or a threat to complain
	state     bool    // a feeling (生气, angry): negated it is neutral, not the opposite
	topic     bool    // names product quality: with clear negativity it is a complaint
	needMod   bool    // counts only with an intensifier, downtoner or 了 (太慢了, not 慢点说)
}

// hit is a cue found in the text with its modifiers applied.
type hit struct {
	c        *cue
	w        float64
	negated  bool
	question bool // asked about (会不会是假货, is it a scam): no complaint
}

// Detect reads how the caller feels in text spoken in lang ("zh" or "en").
// Both lexicons are consulted whatever lang says, as callers mix languages.
func Detect(text, lang string) Result {
	s := fold(text)
	var hits [8]hit
	hs := hits[:0]
	hs = scanZH(s, hs)
	if hasLetter(s) {
		hs = scanEN(s, hs)
	}
	return score(hs)
}

func score(hs []hit) Result {
	r := Result{Label: Neutral}
	negKeep, posKeep := 1.0, 1.0
	topic := false
	for _, h := range hs {
		topic = topic || h.c.topic && !h.question
		if h.c.w == 0 {
			continue
		}
		if h.c.complaint && !h.negated && !h.question && h.w != 0 {
			r.Complaint = true
		}
		m := math.Min(math.Abs(h.w), 1)
		if m == 0 {
			continue
		}
		r.Cues = append(r.Cues, h.c.text)
		if h.w < 0 {
			negKeep *= 1 - m
		} else {
			posKeep *= 1 - m
		}
	}
	neg, pos := 1-negKeep, 1-posKeep
	switch {
	case neg >= minIntensity && neg >= pos:
		r.Label = Negative
		r.Intensity = neg - pos/4
	case pos >= minIntensity && pos > neg:
		r.Label = Positive
		r.Intensity = pos - neg/4
	}
	if r.Label == Neutral {
		r.Complaint = r.Complaint && neg > 0
		return r
	}
	r.Intensity = math.Round(math.Max(0, math.Min(1, r.Intensity))*100) / 100
	if r.Label == Negative && (r.Intensity >= complaintIntensity || topic && r.Intensity >= topicIntensity) {
		r.Complaint = true
	}
	if r.Label == Positive {
		r.Complaint = false
	}
	return r
}

// fold folds full-width forms and case, and turns punctuation into spaces.
func fold(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 2)
	for _, r := range text {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		switch {
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r == '’' || r == '‘' || r == '`':
			r = '\''
		case r < 0x80 && r != '\'' && !(r >= 'a' && r <= 'z') && !(r >= '0' && r <= '9'):
			r = ' '
		case r == '，' || r == '。' || r == '？' || r == '！' || r == '、' || r == '；' || r == '：' || r == '…' ||
			r == '“' || r == '”' || r == '（' || r == '）' || r == '—' || r == '～':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}
