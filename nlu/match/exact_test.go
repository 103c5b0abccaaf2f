package match

import (
	"testing"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// TestOwnWordingMatchesItself: every question and phrasing of a shop, said as
// it is written, gets its own FAQ, in scope (unless two FAQs share it).
func TestOwnWordingMatchesItself(t *testing.T) {
	for name, load := range map[string]func(testing.TB) *kb.Shop{"demo": kbtest.DemoShop, "starter": kbtest.StarterShop} {
		t.Run(name, func(t *testing.T) {
			shop := load(t)
			m, err := New(shop)
			if err != nil {
				t.Fatal(err)
			}
			owners := map[string]map[string]bool{}
			for _, q := range shop.ActiveFAQs() {
				for _, l := range []string{kb.LangZH, kb.LangEN} {
					for _, x := range append([]string{q.Question.Get(l)}, q.Phrasings.Get(l)...) {
						if owners[l+x] == nil {
							owners[l+x] = map[string]bool{}
						}
						owners[l+x][q.ID] = true
					}
				}
			}
			for _, q := range shop.ActiveFAQs() {
				for _, l := range []string{kb.LangZH, kb.LangEN} {
					for _, x := range append([]string{q.Question.Get(l)}, q.Phrasings.Get(l)...) {
						if x == "" || len(owners[l+x]) > 1 {
							continue
						}
						r := m.Match(x, l)
						if len(r.Candidates) == 0 || r.Candidates[0].FAQ != q.ID || r.OutOfScope {
							t.Errorf("%s %q: got %+v", q.ID, x, r)
						}
					}
				}
			}
		})
	}
}
