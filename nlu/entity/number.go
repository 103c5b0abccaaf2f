package entity

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Chinese numeral classes.
const (
	zhNone = iota
	zhDigit
	zhUnit
	zhPoint
)

// zhNumeral classifies a rune of a Chinese spoken number. Digit-reading forms
// are accepted too: 幺/妖 for 1, 两 for 2, 洞/〇 for 0 and 拐 for 7.
func zhNumeral(r rune) (class int, v float64) {
	switch r {
	case '零', '〇', '洞':
		return zhDigit, 0
	case '一', '幺', '妖':
		return zhDigit, 1
	case '二', '两':
		return zhDigit, 2
	case '三':
		return zhDigit, 3
	case '四':
		return zhDigit, 4
	case '五':
		return zhDigit, 5
	case '六':
		return zhDigit, 6
	case '七', '拐':
		return zhDigit, 7
	case '八':
		return zhDigit, 8
	case '九':
		return zhDigit, 9
	case '十':
		return zhUnit, 10
	case '百':
		return zhUnit, 100
	case '千':
		return zhUnit, 1000
	case '万':
		return zhUnit, 1e4
	case '亿':
		return zhUnit, 1e8
	case '点':
		return zhPoint, 0
	}
	return zhNone, 0
}

// maxSeqDigits bounds digit-by-digit readings parsed as a value so that the
// float64 result stays exact.
const maxSeqDigits = 15

// reading is how a run of spoken number material reads.
type reading struct {
	val    float64
	ok     bool   // val is a number
	digits string // the digits said, in order, as ASCII
	seq    bool   // said digit by digit (or in concatenated groups)
	units  bool   // said with 十/百/千, hundred/thousand...
}

// ParseNumber parses a whole spoken number in Chinese ("一百二十", "两百",
// "一百二" = 120, "三千零五", "零点五") or English ("one hundred and twenty",
// "twenty-one", "a hundred", "1,200", "3.5"). A digit-by-digit reading such as
// "一六五" or "two oh two four" parses as the number its digits spell.
func ParseNumber(s string) (float64, bool) {
	f := strings.TrimSpace(fold(s))
	if f == "" {
		return 0, false
	}
	var rd reading
	if hasLetter(f) {
		rd = readEnglish(f)
	} else {
		rd = readZH(strings.ReplaceAll(f, " ", ""))
	}
	if !rd.ok {
		return 0, false
	}
	return rd.val, true
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// readZH reads a run of Chinese numerals and ASCII digits (no spaces).
func readZH(s string) reading {
	var rd reading
	var dig, frac []byte
	var buf [32]byte
	dig = buf[:0]
	// First pass: digits said and whether units occur.
	point := false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= '0' && c <= '9' {
			if point {
				frac = append(frac, c)
			} else {
				dig = append(dig, c)
			}
			i++
			continue
		}
		if c == ',' {
			i++
			continue
		}
		if c == '.' {
			if point {
				return reading{digits: string(dig)}
			}
			point = true
			i++
			continue
		}
		r, n := decodeRune(s[i:])
		class, v := zhNumeral(r)
		switch class {
		case zhDigit:
			if point {
				frac = append(frac, byte('0'+int(v)))
			} else {
				dig = append(dig, byte('0'+int(v)))
			}
		case zhUnit:
			if point {
				return reading{digits: string(dig)}
			}
			rd.units = true
		case zhPoint:
			if point {
				return reading{digits: string(dig)}
			}
			point = true
		default:
			return reading{digits: string(dig)}
		}
		i += n
	}
	if !rd.units {
		rd.seq = !point
		rd.digits = string(dig) + string(frac)
		if len(dig) == 0 && len(frac) == 0 {
			return rd
		}
		if len(dig) == 0 || len(dig)+len(frac) > maxSeqDigits {
			return rd
		}
		num := string(dig)
		if point {
			num += "." + string(frac)
		}
		v, err := strconv.ParseFloat(num, 64)
		rd.val, rd.ok = v, err == nil
		if point && len(frac) == 0 {
			rd.ok = false
		}
		return rd
	}
	v, ok := zhUnits(s)
	rd.digits = string(dig)
	if ok && point {
		if len(frac) == 0 {
			ok = false
		} else {
			f, err := strconv.ParseFloat("0."+string(frac), 64)
			ok = err == nil
			v += f
		}
	}
	if ok && v == math.Trunc(v) && v < 1e15 {
		rd.digits = strconv.FormatInt(int64(v), 10)
	}
	rd.val, rd.ok = v, ok
	return rd
}

// zhUnits evaluates the integer part of a Chinese number with units:
// sections of 千百十 under 万 and 亿, 零 as a gap marker, and the colloquial
// trailing digit ("一百二" = 120, "三千五" = 3500, "一万二" = 12000).
func zhUnits(s string) (float64, bool) {
	var yi, wan, sec float64
	cur := -1.0     // pending digit value, -1 when none
	lastUnit := 0.0 // unit directly before cur, 0 when none
	zero := false   // 零 seen since the last unit
	prevDigit := false
	for i := 0; i < len(s); {
		c := s[i]
		if c == '.' {
			break
		}
		if c == ',' {
			i++
			continue
		}
		if c >= '0' && c <= '9' {
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if prevDigit {
				return 0, false
			}
			n, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil {
				return 0, false
			}
			if n == 0 {
				zero = true
			} else {
				cur = n
				prevDigit = true
			}
			i = j
			continue
		}
		r, n := decodeRune(s[i:])
		i += n
		class, v := zhNumeral(r)
		switch class {
		case zhPoint:
			i = len(s)
		case zhDigit:
			if v == 0 {
				zero = true
				prevDigit = false
				continue
			}
			if prevDigit {
				return 0, false
			}
			cur = v
			prevDigit = true
		case zhUnit:
			prevDigit = false
			switch v {
			case 1e4:
				x := sec + math.Max(cur, 0)
				if x == 0 {
					x = 1
				}
				wan = x * 1e4
				sec, cur = 0, -1
			case 1e8:
				x := yi + wan + sec + math.Max(cur, 0)
				if x == 0 {
					x = 1
				}
				yi = x * 1e8
				wan, sec, cur = 0, 0, -1
			default:
				if cur < 0 {
					cur = 1 // 十五, 百 alone
				}
				sec += cur * v
				cur = -1
			}
			lastUnit = v
			zero = false
		default:
			return 0, false
		}
	}
	if cur > 0 {
		if lastUnit >= 100 && !zero && cur < 10 {
			cur *= lastUnit / 10
		}
		sec += cur
	}
	return yi + wan + sec, true
}

// English number words.
const (
	enNone = iota
	enDigit
	enTeen
	enTens
	enHundred
	enScale
)

var enWords = map[string]struct {
	class int
	v     float64
}{
	"zero": {enDigit, 0}, "oh": {enDigit, 0}, "o": {enDigit, 0}, "nought": {enDigit, 0}, "nil": {enDigit, 0},
	"one": {enDigit, 1}, "two": {enDigit, 2}, "three": {enDigit, 3}, "four": {enDigit, 4}, "five": {enDigit, 5},
	"six": {enDigit, 6}, "seven": {enDigit, 7}, "eight": {enDigit, 8}, "nine": {enDigit, 9},
	"ten": {enTeen, 10}, "eleven": {enTeen, 11}, "twelve": {enTeen, 12}, "thirteen": {enTeen, 13},
	"fourteen": {enTeen, 14}, "fifteen": {enTeen, 15}, "sixteen": {enTeen, 16}, "seventeen": {enTeen, 17},
	"eighteen": {enTeen, 18}, "nineteen": {enTeen, 19},
	"twenty": {enTens, 20}, "thirty": {enTens, 30}, "forty": {enTens, 40}, "fourty": {enTens, 40}, "fifty": {enTens, 50},
	"sixty": {enTens, 60}, "seventy": {enTens, 70}, "eighty": {enTens, 80}, "ninety": {enTens, 90},
	"hundred":  {enHundred, 100},
	"thousand": {enScale, 1e3}, "million": {enScale, 1e6}, "billion": {enScale, 1e9},
}

// readEnglish reads English number words (and ASCII digit groups) separated
// by spaces, hyphens or commas. Groups that cannot combine ("two oh two",
// "twenty twenty four") are read one after the other as digits.
func readEnglish(s string) reading {
	var rd reading
	var groups []byte // concatenated digits of finished groups
	var gbuf [32]byte
	groups = gbuf[:0]
	ngroups := 0
	var total, cur float64
	have := false
	last := enNone
	repeat := 1
	point := false
	var frac []byte
	isInt := true
	single := 0.0
	flush := func() {
		if !have {
			return
		}
		groups = strconv.AppendFloat(groups, total+cur, 'f', -1, 64)
		single = total + cur
		ngroups++
		total, cur, have, last = 0, 0, false, enNone
	}
	words := splitWords(s)
	for wi := 0; wi < len(words); wi++ {
		w := words[wi]
		if c := w[0]; c >= '0' && c <= '9' {
			if point {
				return reading{}
			}
			flush()
			v, err := strconv.ParseFloat(strings.ReplaceAll(w, ",", ""), 64)
			if err != nil {
				return reading{}
			}
			if strings.Contains(w, ".") {
				isInt = false
			}
			groups = append(groups, strings.ReplaceAll(strings.ReplaceAll(w, ",", ""), ".", "")...)
			single = v
			ngroups++
			continue
		}
		switch w {
		case "a", "an":
			if wi+1 < len(words) {
				if nw, ok := enWords[words[wi+1]]; ok && (nw.class == enHundred || nw.class == enScale) {
					if have && last != enScale && last != enHundred {
						flush()
					}
					cur, have, last = cur+1, true, enDigit
					continue
				}
				if words[wi+1] == "dozen" {
					continue
				}
			}
			return reading{}
		case "and":
			if wi == 0 || wi == len(words)-1 {
				return reading{}
			}
			continue
		case "dozen":
			if !have {
				cur, have = 1, true
			}
			cur *= 12
			last = enTeen
			continue
		case "double", "triple":
			repeat = 2
			if w == "triple" {
				repeat = 3
			}
			continue
		case "point":
			if point || (!have && ngroups == 0) {
				if point || wi == len(words)-1 {
					return reading{}
				}
			}
			point = true
			continue
		}
		nw, ok := enWords[w]
		if !ok {
			return reading{}
		}
		if point {
			if nw.class != enDigit {
				return reading{}
			}
			for ; repeat > 0; repeat-- {
				frac = append(frac, byte('0'+int(nw.v)))
			}
			repeat = 1
			continue
		}
		if repeat > 1 {
			if nw.class != enDigit {
				return reading{}
			}
			flush()
			for ; repeat > 0; repeat-- {
				groups = append(groups, byte('0'+int(nw.v)))
			}
			repeat = 1
			ngroups += 2
			continue
		}
		switch nw.class {
		case enDigit:
			if have && last != enHundred && last != enScale && !(last == enTens && int(cur)%10 == 0) {
				flush()
			}
			cur += nw.v
		case enTeen, enTens:
			if have && last != enHundred && last != enScale {
				flush()
			}
			cur += nw.v
		case enHundred:
			rd.units = true
			if !have || last == enScale {
				cur = 1
			}
			if cur >= 100 {
				return reading{}
			}
			cur *= 100
		case enScale:
			rd.units = true
			if !have {
				cur = 1
			}
			total += cur * nw.v
			cur = 0
		}
		have = true
		last = nw.class
	}
	if repeat > 1 {
		return reading{}
	}
	if have && ngroups == 0 && (last == enTens || last == enTeen || rd.units) && !point {
		v := total + cur
		rd.val, rd.ok = v, true
		rd.digits = strconv.FormatFloat(v, 'f', -1, 64)
		return rd
	}
	flush()
	if ngroups == 0 {
		if point && len(frac) > 0 {
			v, err := strconv.ParseFloat("0."+string(frac), 64)
			return reading{val: v, ok: err == nil, digits: string(frac)}
		}
		return reading{}
	}
	rd.digits = string(groups) + string(frac)
	if ngroups == 1 {
		rd.val, rd.ok = single, true
		rd.seq = !rd.units && isInt && !point && len(groups) > 0 && (len(groups) == 1 || !hasUnitWords(words))
	} else {
		rd.seq = true
		rd.units = false
		if len(groups) > maxSeqDigits || !isInt {
			return rd
		}
		v, err := strconv.ParseFloat(string(groups), 64)
		rd.val, rd.ok = v, err == nil
	}
	if point {
		if len(frac) == 0 || !isInt {
			rd.ok = false
			return rd
		}
		v, err := strconv.ParseFloat(strconv.FormatFloat(rd.val, 'f', -1, 64)+"."+string(frac), 64)
		rd.val, rd.ok = v, err == nil
		rd.seq = false
	}
	return rd
}

func hasUnitWords(words []string) bool {
	for _, w := range words {
		if nw, ok := enWords[w]; ok && (nw.class == enTeen || nw.class == enTens) {
			return true
		}
	}
	return false
}

// splitWords splits on spaces and hyphens.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == ',' })
}

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
