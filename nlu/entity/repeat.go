package entity

import "strings"

// Callers shorten runs of one digit when they read numbers out:
// "四个零" (four zeros), "三个幺", "four zeros", "three noughts".
// expandRepeats spells such runs out digit by digit before scanning.

var zhCounts = map[string]int{"两": 2, "二": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4, "五": 5, "5": 5, "六": 6, "6": 6}

var zhDigitWords = []string{"零", "〇", "0", "幺", "一", "1", "二", "2", "三", "3", "四", "4", "五", "5", "六", "6", "七", "7", "八", "8", "九", "9"}

var enCounts = map[string]int{"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

var enRepeatDigits = map[string]string{"zeros": "zero", "zeroes": "zero", "noughts": "zero", "ohs": "oh", "oes": "oh",
	"ones": "one", "twos": "two", "threes": "three", "fours": "four", "fives": "five", "sixes": "six",
	"sevens": "seven", "eights": "eight", "nines": "nine"}

func expandRepeats(s string) string {
	s = joinSpacedDigits(s)
	if strings.Contains(s, "个") {
		s = expandZH(s)
	}
	if strings.ContainsAny(s, "sS") {
		s = expandEN(s)
	}
	return s
}

func expandZH(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "个")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, after := s[:i], s[i+len("个"):]
		n, cw := 0, ""
		for w, c := range zhCounts {
			if strings.HasSuffix(before, w) {
				n, cw = c, w
				break
			}
		}
		d := ""
		for _, w := range zhDigitWords {
			if strings.HasPrefix(after, w) {
				d = w
				break
			}
		}
		if n == 0 || d == "" {
			b.WriteString(before)
			b.WriteString("个")
			s = after
			continue
		}
		b.WriteString(strings.TrimSuffix(before, cw))
		b.WriteString(strings.Repeat(d, n))
		s = after[len(d):]
	}
}

func expandEN(s string) string {
	ws := strings.Fields(s)
	changed := false
	for i := 0; i+1 < len(ws); i++ {
		n, ok := enCounts[strings.Trim(ws[i], ",.")]
		d, ok2 := enRepeatDigits[strings.Trim(ws[i+1], ",.")]
		if !ok || !ok2 {
			continue
		}
		ws[i] = strings.TrimSpace(strings.Repeat(d+" ", n))
		ws[i+1] = ""
		changed = true
	}
	if !changed {
		return s
	}
	return strings.Join(strings.Fields(strings.Join(ws, " ")), " ")
}

// joinSpacedDigits removes the pauses ASR puts between Chinese digits read one
// by one ("二 零 二 四 幺 幺" → "二零二四幺幺"), so a lone 幺 still counts as 1.
func joinSpacedDigits(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	rs := []rune(s)
	out := rs[:0]
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) && isZHDigitRune(rs[i-1]) && isZHDigitRune(rs[i+1]) {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

func isZHDigitRune(r rune) bool {
	return strings.ContainsRune("零〇一二三四五六七八九幺妖两洞拐", r)
}
