package voice

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
)

// slowStart starts rec's stream after a delay, as a new decoder does under load.
func slowStart(rec asr.Recognizer, d time.Duration, err error) func(context.Context) (asr.Stream, error) {
	return func(ctx context.Context) (asr.Stream, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if err != nil {
			return nil, err
		}
		return rec.Start(ctx, asr.Options{Lang: "en", Rate: media.Rate8k})
	}
}

func TestFeeder(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 10*time.Second)
	frames := mediatest.Frames(media.Rate8k, speech(media.Rate8k, time.Second, 3))
	t.Run("slow start never blocks the writer", func(t *testing.T) {
		rec := &asrtest.Fake{Results: []asr.Result{{Text: "hello", Confidence: 0.9}}}
		f := startFeeder(ctx, slowStart(rec, 200*time.Millisecond, nil), 100, false)
		start := time.Now()
		for _, fr := range frames {
			if err := f.WriteFrame(ctx, fr); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("writing %d frames took %v: the writer waited for the engine", len(frames), d)
		}
		res, err := f.Final(ctx)
		if err != nil || res.Text != "hello" {
			t.Fatalf("final %+v, %v", res, err)
		}
		if err := f.WriteFrame(ctx, frames[0]); !errors.Is(err, asr.ErrFinished) {
			t.Errorf("write after final: %v", err)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
		if f.Dropped() != 0 {
			t.Errorf("dropped %d", f.Dropped())
		}
	})
	t.Run("queue full drops and counts", func(t *testing.T) {
		rec := &asrtest.Fake{Results: []asr.Result{{Text: "hi", Confidence: 0.9}}}
		f := startFeeder(ctx, slowStart(rec, 100*time.Millisecond, nil), 10, false)
		for _, fr := range frames { // 50 frames into a queue of 10 before the stream starts
			if err := f.WriteFrame(ctx, fr); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.Final(ctx); err != nil {
			t.Fatal(err)
		}
		if f.Dropped() != int64(len(frames)-10) {
			t.Errorf("dropped %d, want %d", f.Dropped(), len(frames)-10)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Run("waiting writer loses nothing", func(t *testing.T) {
		rec := &asrtest.Fake{Results: []asr.Result{{Text: "hi", Confidence: 0.9}}}
		f := startFeeder(ctx, slowStart(rec, 50*time.Millisecond, nil), 2, true)
		for _, fr := range frames {
			if err := f.WriteFrame(ctx, fr); err != nil {
				t.Fatal(err)
			}
		}
		res, err := f.Final(ctx)
		if err != nil || f.Dropped() != 0 || res.Audio != time.Duration(len(frames))*media.FrameDuration {
			t.Errorf("final %+v %v, dropped %d", res, err, f.Dropped())
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Run("start fails", func(t *testing.T) {
		boom := errors.New("no decoder")
		f := startFeeder(ctx, slowStart(&asrtest.Fake{}, 10*time.Millisecond, boom), 100, false)
		_ = f.WriteFrame(ctx, frames[0])
		if _, err := f.Final(ctx); !errors.Is(err, boom) {
			t.Errorf("final: %v", err)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Run("close before the stream starts", func(t *testing.T) {
		f := startFeeder(ctx, slowStart(&asrtest.Fake{}, time.Hour, nil), 100, false)
		_ = f.WriteFrame(ctx, frames[0])
		done := make(chan error, 1)
		go func() { done <- f.Close() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close waited for the start")
		}
	})
}
