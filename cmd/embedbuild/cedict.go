package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/callbee/callbee/nlu/embed"
)

// cedictEntry is one CC-CEDICT line: simplified headword, pinyin and senses.
type cedictEntry struct {
	simp   string
	pinyin string
	senses []string
}

// readCedict reads cc-cedict's data/all.js:
// export default {"all":[[trad, simp, pinyin, gloss string or array, ...]]}.
func readCedict(path string) ([]cedictEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(data)
	data = bytes.TrimPrefix(data, []byte("export default"))
	data = bytes.TrimSuffix(data, []byte(";"))
	var doc struct {
		All [][]json.RawMessage `json:"all"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]cedictEntry, 0, len(doc.All))
	for i, row := range doc.All {
		if len(row) < 4 {
			return nil, fmt.Errorf("%s: entry %d has %d fields", path, i, len(row))
		}
		var e cedictEntry
		if err := json.Unmarshal(row[1], &e.simp); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", path, i, err)
		}
		if err := json.Unmarshal(row[2], &e.pinyin); err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", path, i, err)
		}
		var one string
		if err := json.Unmarshal(row[3], &one); err == nil {
			e.senses = []string{one}
		} else if err := json.Unmarshal(row[3], &e.senses); err != nil {
			return nil, fmt.Errorf("%s: entry %d gloss: %w", path, i, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// glossStop are gloss words that carry no meaning of their own.
var glossStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the to of for in on at by with or and from as into
		sth sb sb's sth's one one's oneself something someone somebody be is are was used
		etc also see variant old name lit fig esp e.g i.e abbr cl pr`) {
		glossStop[w] = true
	}
}

var (
	// skipSense matches senses that only point elsewhere or name people.
	skipSense = regexp.MustCompile(`^(variant of|old variant|japanese variant|erhua variant|see |see also|surname|cl:|abbr\. for|used in|also written|also pr\.|\(archaic\)|\(old\)|pr\. )`)
	// parens and brackets hold notes and pinyin, not meaning.
	notes = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)
	// glossWord matches the English words of a gloss.
	glossWord = regexp.MustCompile(`[a-z]+(?:'[a-z]+)?`)
)

// senseDecay weighs later senses a little less than earlier ones:
// CC-CEDICT lists the main sense first.
const senseDecay = 0.2

// functionWords are frequent Chinese words whose glosses do not say how
// often they occur; they get functionProb.
var functionWords = strings.Fields(`的 了 吗 呢 吧 啊 呀 哦 嗯 哈 嘛 啦 么 我 你 您 他 她 它 我们 你们 他们 她们
	这 那 这个 那个 这些 那些 这样 那样 这里 那里 这儿 那儿 是 在 有 个 一 一个 一下 就 都 也 还 又 很 太
	要 想 能 会 可以 可能 请 请问 麻烦 那么 这么 怎么 什么 怎样 怎么样 为什么 吗 得 地 着 过 把 被 给 让
	和 跟 与 或 或者 还是 但 但是 而且 因为 所以 如果 就是 不是 没 没有 不 对 好 嗯嗯 喂 您好 你好 谢谢`)

const (
	functionProb = 0.02
	// minCharProb is the least probability a single character gets: alone
	// it is a frequent, ambiguous morpheme more often than a word.
	minCharProb = 5e-4
)

// bridge gives each simplified headword of at most zhMax characters the
// weighted average of its glosses' English word vectors, in one space with
// the English words, and estimates its probability from its first sense's
// words. The result is sorted by word.
func bridge(en *english, entries []cedictEntry, zhMax int) []embed.Entry {
	type acc struct {
		vec  []float64
		prob float64
	}
	words := map[string]*acc{}
	for _, e := range entries {
		n := utf8.RuneCountInString(e.simp)
		if n == 0 || n > zhMax || !allHan(e.simp) {
			continue
		}
		vec := make([]float64, en.dims)
		prob := 0.0
		senses := 0
		for _, s := range splitSenses(e.senses) {
			toks := senseWords(en, s)
			if len(toks) == 0 {
				continue
			}
			sw := 1 / (1 + senseDecay*float64(senses))
			var total, logp float64
			for _, r := range toks {
				p := en.prob(r)
				w := embed.DefaultSIF / (embed.DefaultSIF + p)
				total += w
				logp += math.Log(p)
			}
			for _, r := range toks {
				p := en.prob(r)
				w := sw * embed.DefaultSIF / (embed.DefaultSIF + p) / total
				for k, x := range en.vecs[r] {
					vec[k] += w * float64(x)
				}
			}
			if senses == 0 {
				prob = math.Exp(logp / float64(len(toks)))
			}
			senses++
		}
		if senses == 0 {
			continue
		}
		a := words[e.simp]
		if a == nil {
			words[e.simp] = &acc{vec: vec, prob: prob}
			continue
		}
		for k, x := range vec {
			a.vec[k] += x
		}
		a.prob = max(a.prob, prob)
	}
	for _, w := range functionWords {
		if a := words[w]; a != nil {
			a.prob = max(a.prob, functionProb)
		}
	}
	keys := make([]string, 0, len(words))
	for w := range words {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	out := make([]embed.Entry, 0, len(keys))
	for _, w := range keys {
		a := words[w]
		p := a.prob
		if utf8.RuneCountInString(w) == 1 {
			p = max(p, minCharProb)
		}
		v := make([]float32, len(a.vec))
		for k, x := range a.vec {
			v[k] = float32(x)
		}
		v = unit(v)
		if v[0] == 0 && v[1] == 0 && allZero(v) {
			continue
		}
		out = append(out, embed.Entry{Word: w, Lang: embed.LangZH, Vec: v, Prob: float32(p)})
	}
	return out
}

// splitSenses splits CC-CEDICT senses ("a; b" inside one sense too) and
// drops the ones that point elsewhere.
func splitSenses(senses []string) []string {
	var out []string
	for _, s := range senses {
		for _, part := range strings.Split(s, ";") {
			part = strings.ToLower(strings.TrimSpace(part))
			if part == "" || skipSense.MatchString(part) {
				continue
			}
			out = append(out, part)
		}
	}
	return out
}

// senseWords returns the ranks of the meaningful English words of a sense.
func senseWords(en *english, s string) []int {
	s = notes.ReplaceAllString(s, " ")
	var out []int
	for _, w := range glossWord.FindAllString(s, -1) {
		if glossStop[w] {
			continue
		}
		if r, ok := en.index[w]; ok {
			out = append(out, r)
		}
	}
	return out
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func allZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
