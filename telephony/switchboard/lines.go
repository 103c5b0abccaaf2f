package switchboard

import (
	"github.com/callbee/callbee/dialog"
)

// Engines is a fixed set of lines over dialog engines; the first is the
// default shop.
type Engines []*dialog.Engine

var _ Lines = Engines(nil)

// Line returns the line of shop id ("" is the first engine's shop).
func (es Engines) Line(id string) (Line, bool) {
	for _, e := range es {
		if id == "" || e.Shop().ID() == id {
			return EngineLine(e), true
		}
	}
	return Line{}, false
}

// EngineLine is the line of one dialog engine.
func EngineLine(e *dialog.Engine) Line {
	return Line{Shop: e.Shop(), Brain: e, Static: e.StaticTexts}
}
