package embed_test

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/callbee/callbee/internal/devset"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/nlu/embed"
	"github.com/callbee/callbee/nlu/match"
	"github.com/callbee/callbee/nlu/normalize"
)

// TestEvalNearestCentroid measures how useful the vectors alone are: each
// dev-set question (internal/devset, never the holdout) goes to the FAQ whose
// centroid of question and phrasing vectors is nearest. It needs the real
// file and CALLBEE_EMBED_EVAL=1, and only reports; it checks nothing.
func TestEvalNearestCentroid(t *testing.T) {
	if os.Getenv("CALLBEE_EMBED_EVAL") != "1" {
		t.Skip("set CALLBEE_EMBED_EVAL=1 to run the embedding evaluation")
	}
	shop := kbtest.DemoShop(t)
	set, err := devset.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := match.New(shop)
	if err != nil {
		t.Fatal(err)
	}
	variants := []struct {
		name string
		opts []embed.Option
		eval evalOpts
	}{
		{"SIF, common removed, same-language texts", nil, evalOpts{}},
		{"SIF, common kept", []embed.Option{embed.WithoutCommonRemoval()}, evalOpts{}},
		{"SIF, common removed, + answer", nil, evalOpts{answer: true}},
		{"SIF, common removed, both languages pooled", nil, evalOpts{bothLangs: true}},
		{"SIF, common removed, raw (unnormalised) text", nil, evalOpts{raw: true}},
	}
	for _, v := range variants {
		s, err := embed.Default(v.opts...)
		if errors.Is(err, embed.ErrNotFound) {
			t.Skipf("no embedding file: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("== %s\n%s", v.name, evaluate(s, shop, set, m, v.eval))
	}
}

type evalOpts struct {
	answer    bool // add the answer to the centroid
	bothLangs bool // pool both languages' texts in each centroid
	raw       bool // skip normalize.Normalize
}

// centroids holds per language each active FAQ's summed text vectors.
type centroids struct {
	ids []string
	sum map[string]map[string]embed.Vec // lang → FAQ → sum of unit vectors
}

func textsOf(q *kb.FAQ, lang string, o evalOpts) []string {
	var out []string
	if s := q.Question[lang]; s != "" {
		out = append(out, s)
	}
	out = append(out, q.Phrasings.Get(lang)...)
	if o.answer {
		if s := q.Answer[lang]; s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sentence(s *embed.Space, text, lang string, o evalOpts) embed.Vec {
	if !o.raw {
		text = normalize.Normalize(text, lang)
	}
	return s.Sentence(text, lang)
}

func buildCentroids(s *embed.Space, shop *kb.Shop, o evalOpts) *centroids {
	c := &centroids{sum: map[string]map[string]embed.Vec{}}
	for _, q := range shop.ActiveFAQs() {
		c.ids = append(c.ids, q.ID)
	}
	for _, lang := range []string{kb.LangZH, kb.LangEN} {
		c.sum[lang] = map[string]embed.Vec{}
		for _, q := range shop.ActiveFAQs() {
			sum := make(embed.Vec, s.Dims())
			langs := []string{lang}
			if o.bothLangs {
				langs = []string{kb.LangZH, kb.LangEN}
			}
			for _, l := range langs {
				for _, text := range textsOf(q, l, o) {
					addTo(sum, sentence(s, text, l, o), 1)
				}
			}
			c.sum[lang][q.ID] = sum
		}
	}
	return c
}

func addTo(dst, v embed.Vec, w float32) {
	for k := range dst {
		dst[k] += w * v[k]
	}
}

// rank returns the FAQ ids by decreasing cosine to v; except, if set,
// replaces the centroid of one FAQ.
func (c *centroids) rank(v embed.Vec, lang string, exceptID string, except embed.Vec) []string {
	type sc struct {
		id  string
		cos float32
	}
	var all []sc
	for _, id := range c.ids {
		cv := c.sum[lang][id]
		if id == exceptID {
			cv = except
		}
		all = append(all, sc{id, embed.Cos(v, cv)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].cos > all[j].cos })
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.id
	}
	return out
}

type tally struct{ n, top1, top3 int }

func (t *tally) add(ranked []string, gold string) {
	t.n++
	for i, id := range ranked {
		if i >= 3 {
			break
		}
		if id == gold {
			t.top3++
			if i == 0 {
				t.top1++
			}
		}
	}
}

func (t tally) String() string {
	if t.n == 0 {
		return "n=0"
	}
	return fmt.Sprintf("n=%d top1 %d (%.1f%%) top3 %d (%.1f%%)", t.n, t.top1, pct(t.top1, t.n), t.top3, pct(t.top3, t.n))
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(b) }

func evaluate(s *embed.Space, shop *kb.Shop, set *devset.Set, m *match.Matcher, o evalOpts) string {
	c := buildCentroids(s, shop, o)
	var b strings.Builder
	for _, lang := range []string{kb.LangZH, kb.LangEN} {
		var all, lexWrong, lexRight tally
		oos, inactive := 0, 0
		for _, q := range set.Singles {
			if q.Lang != lang {
				continue
			}
			if q.OOS || q.FAQ == "" {
				oos++
				continue
			}
			if !shop.Active(q.FAQ) {
				inactive++
				continue
			}
			ranked := c.rank(sentence(s, q.Text, lang, o), lang, "", nil)
			all.add(ranked, q.FAQ)
			res := m.Match(q.Text, lang)
			if len(res.Candidates) == 0 || res.Candidates[0].FAQ != q.FAQ {
				lexWrong.add(ranked, q.FAQ)
			} else {
				lexRight.add(ranked, q.FAQ)
			}
		}
		fmt.Fprintf(&b, "  %s dev singles: %s (skipped %d OOS, %d inactive)\n", lang, all, oos, inactive)
		fmt.Fprintf(&b, "  %s   where lexical top-1 is wrong: %s\n", lang, lexWrong)
		fmt.Fprintf(&b, "  %s   where lexical top-1 is right: %s\n", lang, lexRight)

		// Leave one out over the shop's own phrasings.
		var loo tally
		for _, q := range shop.ActiveFAQs() {
			for _, p := range q.Phrasings.Get(lang) {
				v := sentence(s, p, lang, o)
				except := append(embed.Vec(nil), c.sum[lang][q.ID]...)
				addTo(except, v, -1)
				loo.add(c.rank(v, lang, q.ID, except), q.ID)
			}
		}
		fmt.Fprintf(&b, "  %s leave-one-out phrasings: %s\n", lang, loo)
	}
	return b.String()
}

// TestEvalShopSize logs the number of active FAQs (chance level is 1/n).
func TestEvalShopSize(t *testing.T) {
	if os.Getenv("CALLBEE_EMBED_EVAL") != "1" {
		t.Skip("set CALLBEE_EMBED_EVAL=1 to run the embedding evaluation")
	}
	t.Logf("active FAQs: %d", len(kbtest.DemoShop(t).ActiveFAQs()))
}
