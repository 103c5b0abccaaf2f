package entity

import (
	"strings"
	"unicode/utf8"
)

// fold returns text with full-width forms folded to ASCII, ASCII letters in
// lower case, curly quotes and primes reduced to ' and ", and punctuation
// that never carries a number turned into spaces. Byte offsets into the
// result are what the scanner works with.
func fold(text string) string {
	var b strings.Builder
	b.Grow(len(text))
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
		case r == '’' || r == '‘' || r == '′' || r == '`':
			r = '\''
		case r == '″' || r == '“' || r == '”':
			r = '"'
		case r == '\t' || r == '\n' || r == '\r' || r == utf8.RuneError:
			r = ' '
		case isPunct(r):
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isPunct(r rune) bool {
	switch r {
	case '?', '!', ';', ':', '(', ')', '[', ']', '{', '}', '/', '\\', '~', '*', '_', '|', '<', '>', '=', '+', '#', '@', '&', '^', '$', '%',
		'，', '。', '？', '！', '、', '；', '：', '…', '（', '）', '《', '》', '【', '】', '「', '」', '『', '』', '—', '·', '～':
		return true
	}
	return false
}
