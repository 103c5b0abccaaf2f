package emotion

import (
	"sort"
	"strings"
)

// enCue is an English lexicon entry split into words.
type enCue struct {
	cue
	words []string
}

// enTable is the English lexicon; phrases are space-separated words.
var enTable = []cue{
	// Strong anger, insults, swearing.
	{text: "furious", w: -0.85, state: true}, {text: "livid", w: -0.85, state: true}, {text: "fuming", w: -0.8, state: true},
	{text: "angry", w: -0.6, state: true}, {text: "mad", w: -0.5, state: true, needMod: true}, {text: "fed up", w: -0.7, state: true},
	{text: "sick of", w: -0.6, state: true}, {text: "had enough", w: -0.6, state: true}, {text: "this is ridiculous", w: -0.75},
	{text: "ridiculous", w: -0.6}, {text: "unacceptable", w: -0.7}, {text: "outrageous", w: -0.75}, {text: "disgraceful", w: -0.75},
	{text: "rubbish", w: -0.7, complaint: true}, {text: "garbage", w: -0.7, complaint: true}, {text: "junk", w: -0.6, complaint: true},
	{text: "scam", w: -0.85, complaint: true}, {text: "fraud", w: -0.85, complaint: true}, {text: "rip off", w: -0.8, complaint: true},
	{text: "ripoff", w: -0.8, complaint: true}, {text: "cheated", w: -0.75, complaint: true}, {text: "liars", w: -0.8, complaint: true},
	{text: "liar", w: -0.8, complaint: true}, {text: "worst", w: -0.8}, {text: "terrible", w: -0.7}, {text: "awful", w: -0.7},
	{text: "horrible", w: -0.7}, {text: "dreadful", w: -0.7}, {text: "pathetic", w: -0.7}, {text: "disgusting", w: -0.7},
	{text: "useless", w: -0.6}, {text: "incompetent", w: -0.7}, {text: "hate", w: -0.6}, {text: "sucks", w: -0.6},
	{text: "what the hell", w: -0.7}, {text: "crap", w: -0.7}, {text: "shit", w: -0.85}, {text: "bullshit", w: -0.9},
	{text: "fuck", w: -0.9}, {text: "fucking", w: -0.9}, {text: "screw you", w: -0.9}, {text: "damn it", w: -0.6},
	{text: "waste of money", w: -0.7}, {text: "waste of time", w: -0.6}, {text: "never again", w: -0.6}, {text: "taking forever", w: -0.5}, {text: "takes forever", w: -0.5},
	// Complaints and threats.
	{text: "complain", w: -0.7, complaint: true}, {text: "complaining", w: -0.7, complaint: true},
	{text: "complaint", w: -0.7, complaint: true}, {text: "complained", w: -0.7, complaint: true},
	{text: "report you", w: -0.7, complaint: true}, {text: "report this", w: -0.7, complaint: true},
	{text: "bad review", w: -0.7, complaint: true}, {text: "negative review", w: -0.7, complaint: true},
	{text: "one star", w: -0.5, complaint: true}, {text: "trading standards", w: -0.65, complaint: true},
	{text: "lawyer", w: -0.6, complaint: true}, {text: "sue", w: -0.7, complaint: true}, {text: "money back", w: -0.45},
	// Displeasure.
	{text: "disappointed", w: -0.45, state: true}, {text: "disappointing", w: -0.5}, {text: "upset", w: -0.5, state: true},
	{text: "annoyed", w: -0.5, state: true}, {text: "annoying", w: -0.5}, {text: "frustrated", w: -0.5, state: true},
	{text: "frustrating", w: -0.5}, {text: "unhappy", w: -0.5, state: true}, {text: "worried", w: -0.2, state: true},
	{text: "bad", w: -0.5}, {text: "poor", w: -0.4, needMod: true}, {text: "poor quality", w: -0.6, topic: true},
	{text: "slow", w: -0.3, needMod: true}, {text: "expensive", w: -0.25, needMod: true}, {text: "late", w: -0.2},
	{text: "still not", w: -0.3}, {text: "still hasn't", w: -0.3}, {text: "still haven't", w: -0.3}, {text: "again and again", w: -0.35},
	// Product problems said politely.
	{text: "broken", w: -0.3}, {text: "damaged", w: -0.3}, {text: "torn", w: -0.3}, {text: "ripped", w: -0.3},
	{text: "a hole", w: -0.3}, {text: "faded", w: -0.3}, {text: "stained", w: -0.3}, {text: "pilling", w: -0.3},
	{text: "wrong item", w: -0.3}, {text: "shoddy", w: -0.6}, {text: "bust", w: -0.3}, {text: "a rip", w: -0.3}, {text: "coming off", w: -0.25}, {text: "fallen off", w: -0.25}, {text: "bobbles", w: -0.25}, {text: "colour runs", w: -0.35}, {text: "color runs", w: -0.35}, {text: "fake", w: -0.4},
	// Positive.
	{text: "thanks", w: 0.4}, {text: "thank you", w: 0.4}, {text: "thankyou", w: 0.4}, {text: "cheers", w: 0.3},
	{text: "great", w: 0.5}, {text: "wonderful", w: 0.6}, {text: "perfect", w: 0.6}, {text: "lovely", w: 0.5},
	{text: "excellent", w: 0.6}, {text: "awesome", w: 0.6}, {text: "brilliant", w: 0.55}, {text: "fantastic", w: 0.6},
	{text: "amazing", w: 0.6}, {text: "nice", w: 0.35}, {text: "good", w: 0.35, needMod: true}, {text: "helpful", w: 0.4},
	{text: "appreciate", w: 0.4}, {text: "appreciated", w: 0.4}, {text: "satisfied", w: 0.5, state: true},
	{text: "pleased", w: 0.5, state: true}, {text: "happy", w: 0.5, state: true}, {text: "glad", w: 0.4, state: true},
	{text: "i love", w: 0.5}, {text: "we love", w: 0.5}, {text: "love it", w: 0.5}, {text: "love them", w: 0.5}, {text: "like", w: 0.3, needMod: true}, {text: "well done", w: 0.5}, {text: "patient", w: 0.3}, {text: "kind of you", w: 0.4},
	// Topic words and stop phrases.
	{text: "quality", topic: true}, {text: "no thanks"}, {text: "no thank you"}, {text: "good morning"},
	{text: "good afternoon"}, {text: "good evening"}, {text: "good night"}, {text: "good bye"}, {text: "slow down"},
	{text: "speak slower"}, {text: "how bad"}, {text: "not bad", w: 0.3},
}

var (
	enBoost  = map[string]bool{"very": true, "so": true, "really": true, "extremely": true, "absolutely": true, "totally": true, "completely": true, "incredibly": true, "too": true, "super": true, "utterly": true, "truly": true, "such": true, "bloody": true, "damn": true, "most": true, "terribly": true, "awfully": true, "seriously": true}
	enSoften = map[string]bool{"bit": true, "little": true, "slightly": true, "somewhat": true, "kinda": true, "rather": true, "fairly": true, "quite": true}
	enNegate = map[string]bool{"not": true, "never": true, "no": true, "isn't": true, "wasn't": true, "aren't": true, "weren't": true, "don't": true, "doesn't": true, "didn't": true, "won't": true, "can't": true, "cannot": true, "hardly": true, "nothing": true, "wouldn't": true, "ain't": true, "nor": true}
	enGap    = map[string]bool{"a": true, "to": true, "want": true, "wanna": true, "going": true, "gonna": true, "be": true, "is": true, "am": true, "are": true, "was": true, "were": true, "it": true, "that": true, "this": true, "feel": true, "feeling": true, "i": true, "i'm": true, "it's": true, "you": true, "kind": true, "sort": true, "of": true, "at": true, "all": true, "really": false, "make": true, "leave": true, "write": true, "give": true}
	enAsk    = map[string]bool{"is": true, "are": true, "will": true, "would": true, "could": true, "does": true, "do": true, "can": true}
)

// enIndex maps a cue's first word to its cues, longest first.
var enIndex = func() map[string][]*enCue {
	m := map[string][]*enCue{}
	for _, c := range enTable {
		ec := &enCue{cue: c, words: strings.Fields(c.text)}
		m[ec.words[0]] = append(m[ec.words[0]], ec)
	}
	for _, cs := range m {
		sort.SliceStable(cs, func(a, b int) bool { return len(cs[a].words) > len(cs[b].words) })
	}
	return m
}()

// words splits folded text into ASCII words (apostrophes kept inside).
func words(s string, buf []string) []string {
	out := buf[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			i++
			continue
		}
		j := i
		for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9' || s[j] == '\'') {
			j++
		}
		out = append(out, strings.TrimRight(s[i:j], "'"))
		i = j
	}
	return out
}

func scanEN(s string, hs []hit) []hit {
	var buf [32]string
	ws := words(s, buf[:])
	for i := 0; i < len(ws); {
		var c *enCue
		for _, k := range enIndex[ws[i]] {
			if hasWords(ws[i:], k.words) {
				c = k
				break
			}
		}
		if c == nil {
			i++
			continue
		}
		h := hit{c: &c.cue, w: c.w}
		if c.w != 0 {
			mod := false
			j := i - 1
			for step := 0; step < 5 && j >= 0; step++ {
				w := ws[j]
				switch {
				case enNegate[w] || strings.HasSuffix(w, "n't"):
					h.negated = true
					mod = true
				case enBoost[w]:
					h.w *= boost
					mod = true
				case enSoften[w]:
					h.w *= soften
					mod = true
				case enGap[w]:
				default:
					step = 5
					continue
				}
				j--
			}
			// "is it a scam", "is this fake": asked about, not alleged.
			if j < 0 && i > 0 && enAsk[ws[0]] && !h.negated && h.w < 0 {
				h.question = true
			}
			h.w = modify(h, mod)
		}
		hs = append(hs, h)
		i += len(c.words)
	}
	return hs
}

func hasWords(ws, pre []string) bool {
	if len(ws) < len(pre) {
		return false
	}
	for i, w := range pre {
		if ws[i] != w {
			return false
		}
	}
	return true
}
