package normalize

import (
	"strings"
	"unicode/utf8"
)

// Tokens splits normalized text into matching units: each Han character is
// one token, and each run of other letters or digits ("xl", "t", "165",
// "refund") is one token. It does not normalize; call Normalize first.
func Tokens(text string) []string {
	out := make([]string, 0, len(text)/2)
	start := -1
	for i, r := range text {
		switch {
		case r == ' ':
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
		case isHan(r):
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
			out = append(out, text[i:i+utf8.RuneLen(r)])
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// Words splits normalized text on spaces.
func Words(text string) []string { return strings.Fields(text) }
