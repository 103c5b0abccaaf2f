package grammar

import (
	"strconv"
	"strings"
	"unicode"
)

// Words turns a sentence into dictionary words for lang ("en" or "zh"):
// English is lower-cased and split on anything but letters, digits and
// apostrophes, numbers are read out, unknown all-capital words (SF, XL) are
// spelled letter by letter; Chinese is split by longest match, numbers are
// read the Chinese way and Latin letters are spelled ("A." entries). Words
// the dictionary lacks are returned in missing and dropped.
func (d *Dict) Words(sentence, lang string) (words, missing []string) {
	if lang == "zh" {
		return d.zhWords(sentence)
	}
	return d.enWords(sentence)
}

func (d *Dict) enWords(s string) (words, missing []string) {
	s = strings.ReplaceAll(s, "%", " percent ")
	s = strings.NewReplacer("’", "'", "‘", "'").Replace(s)
	f := strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '\'' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	for _, tok := range f {
		tok = strings.Trim(tok, "'")
		if tok == "" {
			continue
		}
		if isDigits(tok) {
			for _, w := range enNumber(tok) {
				if d.Has(w) {
					words = append(words, w)
				} else {
					missing = append(missing, w)
				}
			}
			continue
		}
		lw := strings.ToLower(tok)
		if u, ok := enUnits[lw]; ok && d.Has(u) {
			words = append(words, u)
			continue
		}
		switch {
		case isUpper(tok) && len(tok) <= 4 && !isCommonUpper(lw), !d.Has(lw) && hasDigit(tok):
			for _, r := range lw {
				if unicode.IsDigit(r) && d.Has(enDigits[r-'0']) {
					words = append(words, enDigits[r-'0'])
				} else if d.Has(string(r)) {
					words = append(words, string(r))
				}
			}
		case d.Has(lw):
			words = append(words, lw)
		default:
			missing = append(missing, lw)
		}
	}
	return words, missing
}

// isCommonUpper: capitalised short words that are words, not acronyms.
func isCommonUpper(w string) bool { return w == "i" || w == "a" || w == "ok" }

func (d *Dict) zhWords(s string) (words, missing []string) {
	var run []rune
	flush := func() {
		if len(run) > 0 {
			w, m := d.Segment(string(run))
			words = append(words, w...)
			missing = append(missing, m...)
			run = run[:0]
		}
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case unicode.Is(unicode.Han, r):
			run = append(run, r)
		case r < 128 && unicode.IsDigit(r) || r >= '０' && r <= '９':
			j := i
			for j < len(rs) && (rs[j] < 128 && unicode.IsDigit(rs[j]) || rs[j] >= '０' && rs[j] <= '９') {
				j++
			}
			digits := make([]rune, 0, j-i)
			for _, c := range rs[i:j] {
				if c >= '０' {
					c = c - '０' + '0'
				}
				digits = append(digits, c)
			}
			if j < len(rs) && (rs[j] == '%' || rs[j] == '％') {
				run = append(run, []rune("百分之")...)
				j++
			}
			run = append(run, []rune(zhNumber(string(digits)))...)
			i = j - 1
		case r < 128 && unicode.IsLetter(r):
			flush()
			if e := string(unicode.ToUpper(r)) + "."; d.Has(e) {
				words = append(words, e)
			} else {
				missing = append(missing, string(r))
			}
		default:
			flush()
		}
	}
	flush()
	return words, missing
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func hasDigit(s string) bool { return strings.IndexFunc(s, unicode.IsDigit) >= 0 }

func isUpper(s string) bool {
	for _, r := range s {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return s != ""
}

// enUnits reads unit abbreviations.
var enUnits = map[string]string{"cm": "centimeters", "kg": "kilograms", "mm": "millimeters", "km": "kilometers", "hrs": "hours"}

var (
	enDigits = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	enTeens  = []string{"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	enTens   = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	zhDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
)

// enNumber reads a digit string: up to 9999 as a number, longer strings
// (order and phone numbers) digit by digit.
func enNumber(s string) []string {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 4 || (len(s) > 1 && s[0] == '0') {
		out := make([]string, 0, len(s))
		for _, r := range s {
			out = append(out, enDigits[r-'0'])
		}
		return out
	}
	var out []string
	if n >= 1000 {
		out = append(out, enDigits[n/1000], "thousand")
		n %= 1000
		if n == 0 {
			return out
		}
	}
	if n >= 100 {
		out = append(out, enDigits[n/100], "hundred")
		n %= 100
		if n == 0 {
			return out
		}
	}
	switch {
	case n >= 20:
		out = append(out, enTens[n/10])
		if n%10 != 0 {
			out = append(out, enDigits[n%10])
		}
	case n >= 10:
		out = append(out, enTeens[n-10])
	default:
		if len(out) == 0 || n > 0 {
			out = append(out, enDigits[n])
		}
	}
	return out
}

// zhNumber reads a digit string the Chinese way (四十八, 一百九十九); strings
// longer than 5 digits or with a leading zero are read digit by digit.
func zhNumber(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		var b strings.Builder
		for _, r := range s {
			b.WriteString(zhDigits[r-'0'])
		}
		return b.String()
	}
	if n == 0 {
		return "零"
	}
	units := []string{"万", "千", "百", "十", ""}
	pows := []int{10000, 1000, 100, 10, 1}
	var b strings.Builder
	zero := false
	for i, p := range pows {
		d := n / p % 10
		if d == 0 {
			if b.Len() > 0 {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		if !(d == 1 && p == 10 && b.Len() == 0) {
			b.WriteString(zhDigits[d])
		}
		b.WriteString(units[i])
	}
	return b.String()
}
