package match

import (
	"fmt"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu/normalize"
)

// Report is the outcome of LeaveOneOut.
type Report struct {
	Lang       string
	Total      int         // phrasings held out
	Correct    int         // held-out phrasings whose top candidate was their FAQ
	Accuracy   float64     // Correct / Total
	Confusions []Confusion // every miss, in file order
}

// Confusion is one held-out phrasing matched to the wrong FAQ.
type Confusion struct {
	FAQ  string // the phrasing's FAQ
	Got  string // the top candidate ("" if none)
	Text string // the phrasing, as written in the shop file
}

// LeaveOneOut holds out each phrasing of lang in turn, rebuilds the index
// without it and checks whether the phrasing still matches its FAQ. Only
// FAQs active in the shop take part. opts are those of New (only the ones
// that change scoring matter).
func LeaveOneOut(shop *kb.Shop, lang string, opts ...Option) (Report, error) {
	if shop == nil {
		return Report{}, ErrNilShop
	}
	if lang != kb.LangZH && lang != kb.LangEN {
		return Report{}, fmt.Errorf("%w: %q", ErrLang, lang)
	}
	m := &Matcher{shop: shop}
	for _, o := range opts {
		if err := o(&m.opts); err != nil {
			return Report{}, err
		}
	}
	c := newCorpus(shop)
	active := m.active(c)
	rep := Report{Lang: lang}
	// Phrasings in file order, each with its original text.
	di := 0
	for fi, q := range shop.FAQs {
		for _, l := range []string{kb.LangZH, kb.LangEN} {
			// Docs were appended per FAQ and language: question, phrasings, answer.
			if di < len(c.docs) && c.docs[di].faq == fi && c.docs[di].lang == l && c.docs[di].kind == docQuestion {
				di++
			}
			for _, p := range q.Phrasings[l] {
				if normalize.Normalize(p, l) == "" || di >= len(c.docs) {
					continue // normalized to nothing, never added
				}
				if l == lang && active[fi] {
					ix := buildIndex(c, m.opts.fusion, di, false, lang)
					sc := ix.score(lang, c.docs[di].text, -1, active)
					rep.Total++
					got := ""
					if len(sc.top) > 0 {
						got = c.faqs[sc.top[0].faq]
					}
					if got == q.ID {
						rep.Correct++
					} else {
						rep.Confusions = append(rep.Confusions, Confusion{FAQ: q.ID, Got: got, Text: p})
					}
				}
				di++
			}
			if di < len(c.docs) && c.docs[di].faq == fi && c.docs[di].lang == l && c.docs[di].kind == docAnswer {
				di++
			}
		}
	}
	if rep.Total > 0 {
		rep.Accuracy = float64(rep.Correct) / float64(rep.Total)
	}
	return rep, nil
}
