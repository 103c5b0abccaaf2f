package ttstest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/tts"
)

func TestSynth(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := &Synth{}
	read := func(text string, v tts.Voice) []int16 {
		st, err := s.Synthesize(ctx, text, v)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		got, rate, err := tts.ReadAll(ctx, st)
		if err != nil || rate != 16000 {
			t.Fatalf("ReadAll: rate %d, %v", rate, err)
		}
		return got
	}
	en := tts.Voice{Lang: tts.LangEn}
	a, b := read("Hi. Bye.", en), read("Hi. Bye.", en)
	if !slices.Equal(a, b) {
		t.Error("not deterministic")
	}
	if slow := read("Hi. Bye.", tts.Voice{Lang: tts.LangEn, Rate: 0.5}); len(slow) <= len(a) {
		t.Error("rate 0.5 is not longer")
	}
	if loud := read("Hi. Bye.", tts.Voice{Lang: tts.LangEn, Volume: 2}); mediatest.RMS(loud) <= mediatest.RMS(a) {
		t.Error("volume 2 is not louder")
	}
	if s.Calls() != 4 {
		t.Errorf("Calls = %d", s.Calls())
	}
	if _, err := s.Synthesize(ctx, "", en); !errors.Is(err, tts.ErrEmptyText) {
		t.Errorf("empty: %v", err)
	}
}
