package entity

import "strings"

// skipSpace returns the first offset at or after i that is not a space.
func (sc *scanner) skipSpace(i int) int {
	for i < len(sc.s) && sc.s[i] == ' ' {
		i++
	}
	return i
}

// skipWords skips spaces and any of words at i, repeatedly.
func (sc *scanner) skipWords(i int, words ...string) int {
	for {
		i = sc.skipSpace(i)
		moved := false
		for _, w := range words {
			if strings.HasPrefix(sc.s[i:], w) {
				i += len(w)
				moved = true
				break
			}
		}
		if !moved {
			return i
		}
	}
}

// hasAt returns the first of words found at offset i (after spaces), and the
// offset after it.
func (sc *scanner) hasAt(i int, words ...string) (string, int) {
	i = sc.skipSpace(i)
	for _, w := range words {
		if strings.HasPrefix(sc.s[i:], w) {
			return w, i + len(w)
		}
	}
	return "", i
}

// tokAt returns the index of the token starting at offset i (after spaces), or -1.
func (sc *scanner) tokAt(i int) int {
	i = sc.skipSpace(i)
	for k := range sc.toks {
		if sc.toks[k].start == i {
			return k
		}
		if sc.toks[k].start > i {
			break
		}
	}
	return -1
}

// word returns the text of toks[i] if it is a word, else "".
func (sc *scanner) word(i int) string {
	if i < 0 || i >= len(sc.toks) || sc.toks[i].kind != kWord {
		return ""
	}
	return sc.toks[i].text
}

// free reports whether toks[i] is a number no extractor has claimed.
func (sc *scanner) free(i int) bool {
	return i >= 0 && i < len(sc.toks) && sc.toks[i].kind == kNum && sc.toks[i].role == roleNone
}

// nextWordAfter returns the index of the first token after i that is not an
// English filler or one of skip, or len(toks).
func (sc *scanner) nextAfter(i int, skip map[string]bool) int {
	for j := i + 1; j < len(sc.toks); j++ {
		t := sc.toks[j]
		if t.kind == kWord && (skip[t.text] || enFillers[t.text]) {
			continue
		}
		if t.kind == kOther && onlyFillers(t.text) {
			continue
		}
		return j
	}
	return len(sc.toks)
}

var enFillers = map[string]bool{"uh": true, "um": true, "umm": true, "er": true, "erm": true, "hmm": true, "ah": true, "eh": true, "mm": true}

var zhFillers = []string{"嗯", "呃", "啊", "额", "哦", "噢", "那个", "就是", "然后", "呢", "吧"}

// onlyFillers reports whether s is made of Chinese fillers and spaces only.
func onlyFillers(s string) bool {
	for len(s) > 0 {
		if s[0] == ' ' {
			s = s[1:]
			continue
		}
		ok := false
		for _, f := range zhFillers {
			if strings.HasPrefix(s, f) {
				s = s[len(f):]
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
