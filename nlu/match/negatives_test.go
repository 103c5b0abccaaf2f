package match

import (
	"slices"
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
)

// TestUnansweredDropsShopQuestions: an everyday negative that a shop's own
// phrasing says (a shop with a FAQ about its opening a branch, say) is not
// taught to the out-of-scope model as out of scope.
func TestUnansweredDropsShopQuestions(t *testing.T) {
	shop := kbtest.StarterShop(t)
	for _, tt := range []struct{ lang, neg string }{
		{"en", "is your shop a franchise"},
		{"zh", "你们能加盟吗"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			ix := buildIndex(newCorpus(shop), nil, -1, false, tt.lang)
			negs, _ := ix.unanswered(tt.lang)
			want := normalizeAll(tt.lang, tt.neg)[0]
			if !slices.Contains(oosSample()[tt.lang], want) {
				t.Fatalf("%q is not in the everyday sample", want)
			}
			if !slices.Contains(negs, want) {
				t.Fatalf("%q is not among the negatives of a shop that does not answer it", want)
			}
			c := newCorpus(shop)
			c.docs = append(c.docs, doc{c.faqPos["more.hotline"], tt.lang, docPhrasing, want})
			ix = buildIndex(c, nil, -1, false, tt.lang)
			if negs, _ := ix.unanswered(tt.lang); slices.Contains(negs, want) {
				t.Errorf("%q stays a negative of a shop whose phrasing says it", want)
			}
		})
	}
}
