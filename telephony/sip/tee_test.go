package sip_test

import (
	"context"
	"sync"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/telephony"
)

// teeAnswerer records the caller audio the door hands to an Answerer.
type teeAnswerer struct {
	inner telephony.Answerer
	mu    sync.Mutex
	got   []int16
}

// heard returns the audio the Answerer read.
func (a *teeAnswerer) heard() []int16 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int16(nil), a.got...)
}

func (a *teeAnswerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	r := media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		f, err := in.ReadFrame(ctx)
		if err == nil {
			a.mu.Lock()
			a.got = append(a.got, f.Samples...)
			a.mu.Unlock()
		}
		return f, err
	})
	return a.inner.Answer(ctx, c, r, dtmf, out)
}
