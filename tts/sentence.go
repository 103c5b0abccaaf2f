package tts

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the sentence splitter, in runes.
const (
	// LongClauseZh: a Chinese clause ending in a comma (，、) is cut there
	// once the sentence so far is at least this long.
	LongClauseZh = 16
	// LongClauseEn: an English sentence is cut after a comma, colon or
	// semicolon once it is at least this long.
	LongClauseEn = 80
	// MaxSentence: a piece with no punctuation is cut at the last space
	// (or anywhere, for Chinese) before it grows beyond this.
	MaxSentence = 200
)

// Sentences splits text into the pieces an engine synthesises one at a time,
// so playback of a long answer starts after its first sentence. Chinese
// breaks after 。！？；!?; (and after ，、 once the clause is long,
// LongClauseZh); English after . ! ? followed by a space or the end (so
// "3.5" and "callbee.com" stay whole) and after , ; : once the sentence is
// long (LongClauseEn). Closing quotes and brackets stay with their
// sentence. Pieces are trimmed; empty pieces are dropped. Joining the pieces
// with nothing (zh) or a space (en) gives the trimmed text back.
func Sentences(text, lang string) []string {
	var out []string
	var cur strings.Builder
	n := 0 // runes in cur
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
		n = 0
	}
	zh := lang == LangZh
	pending := false // a sentence end waits for its closing quotes/brackets
	for i, r := range text {
		cur.WriteRune(r)
		n++
		rest := text[i+utf8.RuneLen(r):]
		end := pending && isCloser(r)
		pending = false
		if !end {
			end = isEnd(r, rest, zh, n)
		}
		if end && isCloser(firstRune(rest)) {
			pending = true // keep 」) etc. with this sentence
			continue
		}
		switch {
		case end:
			flush()
		case n >= MaxSentence:
			cutLong(&cur, &out, zh)
			n = utf8.RuneCountInString(cur.String())
		}
	}
	flush()
	return out
}

// cutLong moves everything before the last space of cur (or all of cur for
// Chinese, or when there is no space) to out.
func cutLong(cur *strings.Builder, out *[]string, zh bool) {
	s := cur.String()
	cut := len(s)
	if !zh {
		if i := strings.LastIndexFunc(s, unicode.IsSpace); i > 0 {
			cut = i
		}
	}
	if p := strings.TrimSpace(s[:cut]); p != "" {
		*out = append(*out, p)
	}
	cur.Reset()
	cur.WriteString(s[cut:])
}

// isEnd reports whether a sentence (or a long clause) ends after r.
func isEnd(r rune, rest string, zh bool, n int) bool {
	switch {
	case strings.ContainsRune("。！？；", r):
		return true
	case strings.ContainsRune("!?;.", r):
		return endsWord(rest) || isCloser(firstRune(rest)) || (zh && r != '.')
	case zh && strings.ContainsRune("，、,", r):
		return n >= LongClauseZh
	case !zh && strings.ContainsRune(",:：，", r):
		return n >= LongClauseEn && (endsWord(rest) || r > 0x2000)
	}
	return false
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isCloser(r rune) bool {
	return strings.ContainsRune(`"')]}”’」』）】》`, r)
}

// endsWord reports whether the text after a punctuation mark starts a new
// word: the end, or white space.
func endsWord(rest string) bool {
	return rest == "" || unicode.IsSpace(firstRune(rest))
}
