package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPasses bounds the fixpoint loop that makes Normalize idempotent: a pass
// can expose a new filler ("然后那个我…" → "那个我…"), so passes repeat until
// the text stops changing.
const maxPasses = 4

// Normalize returns the canonical form of an ASR transcript in lang ("zh" or
// "en"). Both rule sets apply to any text (Chinese callers say "OK" and
// "XL", English text may carry a product's Chinese name), so lang is a hint
// only. The result is lower-case, punctuation-free, single-spaced text.
func Normalize(text, lang string) string {
	s := clean(text)
	for range maxPasses {
		next := rewrite(s)
		if next == s {
			break
		}
		s = next
	}
	return s
}

// clean folds width and case, simplifies common traditional characters and
// turns everything that is not a letter, digit or in-word apostrophe into a
// single space.
func clean(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	space := true // last written byte was a space (or nothing written yet)
	var prev rune
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		r = fold(r)
		switch {
		case r == '\'':
			// Keep an apostrophe only between two letters ("can't", "it's").
			next, _ := utf8.DecodeRuneInString(text[i:])
			next = fold(next)
			if !isLatin(prev) || !isLatin(next) {
				r = ' '
			}
		case r == '.':
			// Keep a decimal point between digits ("1.5").
			next, _ := utf8.DecodeRuneInString(text[i:])
			next = fold(next)
			if !isDigit(prev) || !isDigit(next) {
				r = ' '
			}
		case unicode.IsLetter(r) || isDigit(r):
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
			} else if !isHan(r) {
				r = unicode.ToLower(r)
			}
		default:
			r = ' '
		}
		if r == ' ' {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			prev = ' '
			continue
		}
		b.WriteRune(r)
		space = false
		prev = r
	}
	return strings.TrimSuffix(b.String(), " ")
}

// fold maps full-width forms to ASCII, the ideographic space to a space,
// curly apostrophes to "'", and common traditional characters to simplified.
func fold(r rune) rune {
	switch {
	case r == utf8.RuneError:
		return ' '
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	case r == '\u2019' || r == '\u2018' || r == '`' || r == '\u00b4':
		return '\''
	case r >= 0x3400:
		if s, ok := tradToSimp[r]; ok {
			return s
		}
	}
	return r
}

func isLatin(r rune) bool {
	return r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// IsHan reports whether r is a CJK ideograph.
func IsHan(r rune) bool { return isHan(r) }

func isHan(r rune) bool {
	return r >= 0x3400 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x2FA1F
}

// rewrite applies one pass of word-level (English) and character-level
// (Chinese) rules to cleaned text.
func rewrite(s string) string {
	if s == "" {
		return s
	}
	words := strings.Split(s, " ")
	words = expandWords(words)
	words = dropEnglishFillers(words)
	out := words[:0]
	for _, w := range words {
		if hasHan(w) {
			w = rewriteZH(w)
		}
		if w != "" {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		// Everything was filler ("喂", "um hello"→kept): keep the cleaned text
		// rather than returning nothing, so a lone "喂" still reaches the bot.
		return s
	}
	return strings.Join(out, " ")
}

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}
