package vad

import (
	"context"

	"github.com/callbee/callbee/media"
)

// Listener is a media.Reader that passes a caller's frames through while
// running a Detector and a Turn on them, handing every voice and speech
// event to on (called on the reading goroutine, with no lock held).
type Listener struct {
	src  media.Reader
	det  *Detector
	turn *Turn
	on   func(media.Event)
}

var _ media.Reader = (*Listener)(nil)

// NewListener wraps src. turn may be nil (voice events only).
func NewListener(src media.Reader, det *Detector, turn *Turn, on func(media.Event)) *Listener {
	return &Listener{src: src, det: det, turn: turn, on: on}
}

// ReadFrame reads the next frame from the source and runs detection on it.
func (l *Listener) ReadFrame(ctx context.Context) (media.Frame, error) {
	f, err := l.src.ReadFrame(ctx)
	if err != nil {
		return f, err
	}
	r := l.det.Process(f)
	var tev media.Event
	var ok bool
	if l.turn != nil {
		tev, ok = l.turn.Update(f, r)
	}
	if l.on != nil {
		// Speech starts before (and ends after) the voice segment it contains.
		if ok && tev.Kind == media.SpeechStart {
			l.on(tev)
		}
		if r.Event.Kind != 0 {
			l.on(r.Event)
		}
		if ok && tev.Kind == media.SpeechEnd {
			l.on(tev)
		}
	}
	return f, nil
}
