package entity

import (
	"strings"
	"unicode/utf8"
)

// Token kinds.
const (
	kWord  = iota + 1 // ASCII word, lower case; also ' and " after a number (feet, inches)
	kNum              // a spoken number: Chinese numerals, ASCII digits or English number words
	kOther            // a run of anything else (Han text)
)

// Roles a number token takes once an extractor claims it.
const (
	roleNone = iota
	roleTrigger
	roleOrder
	rolePhone
	roleHeight
	roleWeight
	roleSize
)

// token is a piece of folded text; start and end are byte offsets.
type token struct {
	kind       int
	start, end int
	text       string
	rd         reading // kNum only
	role       int
}

// zhNotNumber lists words that start with a numeral but are not numbers.
var zhNotNumber = []string{
	"一下", "一样", "一直", "一定", "一起", "一般", "一些", "一会", "一边", "一旦", "一点点", "一模一样",
	"万一", "千万", "一向", "一切", "一路", "一共", "一口气", "百分百", "十足", "乱七八糟", "千克", "千米", "三心二意",
	"一如既往", "一律", "两口子",
}

// scanner holds the tokens of one utterance.
type scanner struct {
	s    string
	toks []token
	adj  map[string]bool // shop words that may stand before a pronoun "one" ("the black one")
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

// numRuneAt reports whether a Chinese numeral or ASCII digit starts at s[i:].
func numRuneAt(s string, i int) (bool, int) {
	if i >= len(s) {
		return false, 0
	}
	if isDigit(s[i]) {
		return true, 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if c, _ := zhNumeral(r); c == zhDigit || c == zhUnit {
		return true, n
	}
	return false, n
}

// scan tokenizes folded text. Tokens are appended to sc.toks.
func (sc *scanner) scan(s string) {
	sc.s = s
	sc.toks = sc.toks[:0]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == ',' || c == '-' || c == '.':
			i++
		case isLetter(c):
			j := i + 1
			for j < len(s) && (isLetter(s[j]) || (s[j] == '\'' && j+1 < len(s) && isLetter(s[j+1]))) {
				j++
			}
			sc.add(kWord, i, j)
			i = j
		case c == '\'' || c == '"':
			if n := len(sc.toks); n > 0 && sc.toks[n-1].kind == kNum && sc.toks[n-1].end == i {
				sc.add(kWord, i, i+1)
			}
			i++
		default:
			if ok, _ := numRuneAt(s, i); ok && !sc.notNumber(i) {
				i = sc.number(i)
				continue
			}
			j := i
			for j < len(s) {
				c := s[j]
				if c < utf8.RuneSelf && (c == ' ' || isLetter(c) || isDigit(c) || c == ',' || c == '.' || c == '-' || c == '\'' || c == '"') {
					break
				}
				if j > i {
					if ok, _ := numRuneAt(s, j); ok && !sc.notNumber(j) {
						break
					}
				}
				if n := sc.notNumberLen(j); n > 0 {
					j += n
					continue
				}
				_, n := utf8.DecodeRuneInString(s[j:])
				j += n
			}
			sc.add(kOther, i, j)
			i = j
		}
	}
	sc.groupEnglish()
}

func (sc *scanner) notNumberLen(i int) int {
	r, _ := utf8.DecodeRuneInString(sc.s[i:])
	switch r {
	case '一', '万', '千', '百', '十', '乱', '三', '两':
	default:
		return 0
	}
	for _, w := range zhNotNumber {
		if strings.HasPrefix(sc.s[i:], w) {
			return len(w)
		}
	}
	return 0
}

func (sc *scanner) notNumber(i int) bool {
	if isDigit(sc.s[i]) {
		return false
	}
	return sc.notNumberLen(i) > 0
}

// number scans a numeral run at i and returns its end.
func (sc *scanner) number(i int) int {
	s := sc.s
	j := i
	digits, units, odd := 0, 0, 0
	for j < len(s) {
		c := s[j]
		if isDigit(c) {
			j++
			digits++
			continue
		}
		if (c == '.' || c == ',') && j > i && isDigit(s[j-1]) && j+1 < len(s) && isDigit(s[j+1]) {
			if c == ',' && !(j+3 < len(s) && isDigit(s[j+2]) && isDigit(s[j+3]) && (j+4 == len(s) || !isDigit(s[j+4]))) {
				break
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		class, _ := zhNumeral(r)
		if class == zhPoint {
			if ok, _ := numRuneAt(s, j+n); !ok || j == i {
				break
			}
			j += n
			continue
		}
		if class != zhDigit && class != zhUnit {
			break
		}
		if j > i && sc.notNumber(j) {
			break
		}
		switch r {
		case '幺', '妖', '洞', '拐':
			odd++
		}
		if class == zhUnit {
			units++
		} else {
			digits++
		}
		j += n
	}
	if j == i {
		_, n := utf8.DecodeRuneInString(s[i:])
		sc.add(kOther, i, i+n)
		return i + n
	}
	// A run of only 百/千/万 or only 幺/洞/拐-style characters is ordinary text.
	if digits == 0 && !strings.HasPrefix(s[i:j], "十") || digits > 0 && digits == odd {
		sc.add(kOther, i, j)
		return j
	}
	rd := readZH(s[i:j])
	if !rd.ok && units > 0 {
		// "五八一百一十": a digit reading followed by a number with units.
		for k := i; k < j; {
			r, n := utf8.DecodeRuneInString(s[k:])
			if c, _ := zhNumeral(r); c != zhDigit && !isDigit(s[k]) {
				break
			}
			k += n
			if a, b := readZH(s[i:k]), readZH(s[k:j]); a.ok && b.ok && b.units {
				sc.add(kNum, i, k)
				sc.toks[len(sc.toks)-1].rd = a
				sc.add(kNum, k, j)
				sc.toks[len(sc.toks)-1].rd = b
				return j
			}
		}
	}
	sc.add(kNum, i, j)
	sc.toks[len(sc.toks)-1].rd = rd
	return j
}

func (sc *scanner) add(kind, i, j int) {
	sc.toks = append(sc.toks, token{kind: kind, start: i, end: j, text: sc.s[i:j]})
}

// enNumWord reports whether toks[i] is an English number word in context.
func (sc *scanner) enNumWord(i int) bool {
	t := sc.toks
	w := t[i].text
	if _, ok := enWords[w]; ok {
		if w == "oh" || w == "o" {
			return sc.wordIs(i-1, isEnNumberOrRepeat) || sc.wordIs(i+1, isEnNumber)
		}
		return true
	}
	switch w {
	case "a", "an":
		return sc.wordIs(i+1, func(s string) bool { return s == "hundred" || s == "thousand" || s == "dozen" })
	case "and":
		return sc.wordIs(i-1, func(s string) bool { return s == "hundred" || s == "thousand" || s == "million" }) &&
			sc.wordIs(i+1, isEnNumber)
	case "point":
		return i > 0 && sc.wordIs(i+1, isEnNumber)
	case "double", "triple":
		return sc.wordIs(i+1, func(s string) bool { c, ok := enWords[s]; return ok && c.class == enDigit })
	case "dozen":
		return true
	}
	return false
}

// isEnNumberOrRepeat also accepts "double"/"triple", so "double oh" reads as 00.
func isEnNumberOrRepeat(s string) bool { return s == "double" || s == "triple" || isEnNumber(s) }

func isEnNumber(s string) bool {
	_, ok := enWords[s]
	return ok && s != "o"
}

func (sc *scanner) wordIs(i int, f func(string) bool) bool {
	return i >= 0 && i < len(sc.toks) && sc.toks[i].kind == kWord && f(sc.toks[i].text)
}

// enPronounOne lists words after which "one" is a pronoun ("that one").
var enPronounOne = map[string]bool{
	"that": true, "this": true, "the": true, "which": true, "another": true, "each": true, "any": true,
	"every": true, "no": true, "some": true, "other": true, "a": true, "an": true, "big": true, "small": true,
	"little": true, "new": true, "right": true, "wrong": true, "same": true, "first": true, "last": true,
	"cheaper": true, "bigger": true, "smaller": true, "one": false,
}

// groupEnglish merges runs of English number words into kNum tokens.
func (sc *scanner) groupEnglish() {
	t := sc.toks
	out := t[:0]
	for i := 0; i < len(t); {
		if t[i].kind != kWord || !sc.enNumWord(i) {
			out = append(out, t[i])
			i++
			continue
		}
		j := i + 1
		for j < len(t) && t[j].kind == kWord && sc.gapOK(t[j-1].end, t[j].start) && sc.enNumWord(j) {
			j++
		}
		// "that one", "the black one": a pronoun, not a number.
		if j == i+1 && t[i].text == "one" && i > 0 && t[i-1].kind == kWord && (enPronounOne[t[i-1].text] || sc.adj[t[i-1].text]) {
			out = append(out, t[i])
			i++
			continue
		}
		// A lone "and", "point", "a" left over is a word.
		if j == i+1 {
			if _, ok := enWords[t[i].text]; !ok && t[i].text != "dozen" {
				out = append(out, t[i])
				i++
				continue
			}
		}
		tok := token{kind: kNum, start: t[i].start, end: t[j-1].end, text: sc.s[t[i].start:t[j-1].end]}
		tok.rd = readEnglish(tok.text)
		out = append(out, tok)
		i = j
	}
	sc.toks = out
}

// gapOK reports whether s[a:b] holds only separators.
func (sc *scanner) gapOK(a, b int) bool {
	for k := a; k < b; k++ {
		switch sc.s[k] {
		case ' ', '-', ',':
		default:
			return false
		}
	}
	return true
}
