package grammar

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxZHWord bounds the longest-match window (runes) when splitting Chinese.
const maxZHWord = 8

// Dict is a pronunciation dictionary in CMU Sphinx format ("word phones…",
// alternates as "word(2) phones…"). It is read-only once loaded and safe for
// concurrent use.
type Dict struct {
	prons  map[string][]string // word -> phone strings, first is primary
	maxLen int                 // longest word in runes (capped at maxZHWord)
}

// LoadDict reads a dictionary file.
func LoadDict(path string) (*Dict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("grammar: %w: %w", ErrNoDict, err)
	}
	defer f.Close()
	d, err := ReadDict(f)
	if err != nil {
		return nil, fmt.Errorf("grammar: %s: %w", path, err)
	}
	return d, nil
}

// ReadDict parses a dictionary.
func ReadDict(r io.Reader) (*Dict, error) {
	d := &Dict{prons: make(map[string][]string, 1<<16)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "##") || strings.HasPrefix(line, ";;") {
			continue
		}
		i := strings.IndexAny(line, " \t")
		if i <= 0 {
			continue
		}
		w, phones := line[:i], strings.Join(strings.Fields(line[i:]), " ")
		if j := strings.IndexByte(w, '('); j > 0 && strings.HasSuffix(w, ")") {
			w = w[:j]
		}
		d.prons[w] = append(d.prons[w], phones)
		if n := utf8.RuneCountInString(w); n > d.maxLen {
			d.maxLen = min(n, maxZHWord)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(d.prons) == 0 {
		return nil, ErrNoDict
	}
	return d, nil
}

// Has reports whether word has a pronunciation.
func (d *Dict) Has(word string) bool { _, ok := d.prons[word]; return ok }

// Len is the number of distinct words.
func (d *Dict) Len() int { return len(d.prons) }

// Segment splits a run of Chinese text into dictionary words by forward
// longest match. Characters with no entry are returned in missing and left
// out of words.
func (d *Dict) Segment(s string) (words, missing []string) {
	r := []rune(s)
	for i := 0; i < len(r); {
		n := min(d.maxLen, len(r)-i)
		for ; n > 0; n-- {
			if d.Has(string(r[i : i+n])) {
				break
			}
		}
		if n == 0 {
			missing = append(missing, string(r[i]))
			i++
			continue
		}
		words = append(words, string(r[i:i+n]))
		i += n
	}
	return words, missing
}

// Write writes the entries of words (sorted, alternates numbered) in
// dictionary format: the small dictionary a decoder loads.
func (d *Dict) Write(w io.Writer, words []string) error {
	ws := append([]string(nil), words...)
	sort.Strings(ws)
	bw := bufio.NewWriter(w)
	last := ""
	for _, word := range ws {
		if word == last {
			continue
		}
		last = word
		for i, p := range d.prons[word] {
			if i == 0 {
				fmt.Fprintf(bw, "%s %s\n", word, p)
			} else {
				fmt.Fprintf(bw, "%s(%d) %s\n", word, i+1, p)
			}
		}
	}
	return bw.Flush()
}
