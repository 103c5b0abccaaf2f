package console

import (
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/web"
)

// TextBrains decorates the brains the HTTP API answers text sessions with
// (web.New(console.TextBrains(brains, reg, st))): sessions and turns are
// reported to the live registry, and a session an agent holds gets no bot
// answers (see live.Brain). Brains that are not live.Engines pass through.
func TextBrains(set web.BrainSet, reg *live.Registry, st live.Store) web.BrainSet {
	return textBrains{set: set, reg: reg, st: st}
}

type textBrains struct {
	set web.BrainSet
	reg *live.Registry
	st  live.Store
}

func (t textBrains) Brain(id string) (web.Brain, bool) {
	b, ok := t.set.Brain(id)
	if !ok {
		return nil, false
	}
	return live.Wrap(id, b, t.reg, t.st), true
}

func (t textBrains) Shops() []web.ShopInfo { return t.set.Shops() }
