package voice

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/asr/asrtest"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/tts/ttstest"
)

// silentCaller is a caller who says nothing until hang-up is closed.
func silentCaller(rate int, hangup <-chan struct{}) media.Reader {
	var seq uint64
	buf := make([]int16, media.SamplesPerFrame(rate))
	return media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-hangup:
			return media.Frame{}, io.EOF
		case <-time.After(time.Millisecond):
		}
		f := media.Frame{Samples: buf, Rate: rate, At: media.FrameAt(seq), Seq: seq}
		seq++
		return f, nil
	})
}

func TestSubmitAndSay(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 30*time.Second)
	const rate = media.Rate8k
	brain := &fakeBrain{welcome: "Hello.", replies: map[string]dialog.Reply{
		"speak more slowly": {Text: "I'll speak more slowly.", Speech: dialog.Speech{Rate: 0.8, Volume: 1}},
	}}
	syn := &ttstest.Synth{SampleRate: rate}
	var mu sync.Mutex
	var kinds []EventKind
	agentSpoken := make(chan struct{}, 1)
	clock := &FastClock{}
	sess, err := New(brain, &asrtest.Fake{}, syn, Config{Lang: "en", Rate: rate, Clock: clock, OnEvent: func(ev Event) {
		mu.Lock()
		kinds = append(kinds, ev.Kind)
		mu.Unlock()
		if ev.Kind == EventAgent {
			agentSpoken <- struct{}{}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Submit(dialog.Input{Text: "hi"}); !errors.Is(err, ErrCallEnded) {
		t.Errorf("submit before the call: %v", err)
	}
	hangup := make(chan struct{})
	type result struct {
		turns []Turn
		err   error
	}
	done := make(chan result, 1)
	go func() {
		turns, err := sess.Run(ctx, silentCaller(rate, hangup), nil, &media.Buffer{})
		done <- result{turns, err}
	}()
	if err := sess.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sess.Submit(dialog.Input{Text: "  "}); !errors.Is(err, dialog.ErrBadInput) {
		t.Errorf("empty submit: %v", err)
	}
	if err := sess.Submit(dialog.Input{Text: "speak more slowly"}); err != nil {
		t.Fatal(err)
	}
	if err := sess.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sess.Say(ctx, "This is Lin from the shop, I'm here now."); err != nil {
		t.Fatal(err)
	}
	select {
	case <-agentSpoken:
	case <-ctx.Done():
		t.Fatal("the agent's words were never spoken")
	}
	close(hangup)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.turns) != 1 || r.turns[0].Transcript != "speak more slowly" || r.turns[0].Reply.Speech.Rate != 0.8 {
		t.Fatalf("turns %+v", r.turns)
	}
	if syn.Calls() != 3 { // welcome, answer, agent
		t.Errorf("synthesised %d texts, want 3", syn.Calls())
	}
	if err := sess.Say(ctx, "too late"); !errors.Is(err, ErrCallEnded) {
		t.Errorf("say after the call: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !containsKind(kinds, EventAgent) || !containsKind(kinds, EventTurn) {
		t.Errorf("events %v", kinds)
	}
}

// TestConfirmListensForYesNo: after the brain asks the caller to confirm
// what it heard, the next turn listens for yes or no (and the LM for
// anything else), and the brain receives the recogniser's confidence.
func TestConfirmListensForYesNo(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 30*time.Second)
	const rate = media.Rate16k
	brain := &fakeBrain{welcome: "Hello.", replies: map[string]dialog.Reply{
		"when ship": {Text: "Did you mean: when will my order ship?", Action: dialog.ActionConfirm, FAQ: ptr("logistics.when_ship")},
		"yes":       {Text: "Within 48 hours.", FAQ: ptr("logistics.when_ship")},
	}}
	rec := &asrtest.Fake{Results: []asr.Result{
		{Text: "when ship", Confidence: 0.2}, {Text: "when ship", Confidence: 0.3}, // domain, lm
		{Text: "yes", Confidence: 0.9}, {Text: "yes", Confidence: 0.5}, // yesno, lm
	}}
	clock := &FastClock{}
	sess, err := New(brain, rec, &ttstest.Synth{SampleRate: rate}, Config{Lang: "en", Rate: rate, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	script, err := NewScript(sess, clock, rate, [][]int16{speech(rate, time.Second, 1), speech(rate, 600*time.Millisecond, 2)})
	if err != nil {
		t.Fatal(err)
	}
	turns, err := sess.Run(ctx, script, nil, &media.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 2 || turns[1].Reply.Text != "Within 48 hours." {
		t.Fatalf("turns %+v", turns)
	}
	var searches []string
	for _, o := range rec.Started {
		searches = append(searches, o.Search)
	}
	want := []string{asr.SearchDomain, asr.SearchLM, asr.SearchYesNo, asr.SearchLM}
	if len(searches) < len(want) {
		t.Fatalf("searches %v, want %v", searches, want)
	}
	for i := range want {
		if searches[i] != want[i] {
			t.Fatalf("searches %v, want %v", searches, want)
		}
	}
	brain.mu.Lock()
	defer brain.mu.Unlock()
	if c := brain.inputs[0].ASRConfidence; c <= 0 || c > 1 {
		t.Errorf("brain got asr_confidence %v", c)
	}
}

func containsKind(ks []EventKind, k EventKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// TestPartialTranscripts: while the caller speaks, what the recogniser has
// heard so far is reported, then the final transcript.
func TestPartialTranscripts(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 30*time.Second)
	const rate = media.Rate16k
	brain := &fakeBrain{welcome: "Hello.", replies: map[string]dialog.Reply{"where is my parcel": {Text: "Let me look."}}}
	rec := &asrtest.Fake{Results: []asr.Result{{Text: "where is my parcel", Confidence: 0.9}, {Text: "where is my parcel", Confidence: 0.5}}}
	var mu sync.Mutex
	var partials []string
	final := ""
	// Real time: partials come from the recogniser's own goroutine as it
	// catches up with the caller.
	sess, err := New(brain, rec, &ttstest.Synth{SampleRate: rate, PerRune: 10 * time.Millisecond}, Config{Lang: "en", Rate: rate,
		OnEvent: func(ev Event) {
			mu.Lock()
			defer mu.Unlock()
			switch ev.Kind {
			case EventPartial:
				partials = append(partials, ev.Text)
			case EventTranscript:
				final = ev.Text
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	frames := mediatest.Frames(rate, mediatest.Concat(mediatest.Silence(rate, 300*time.Millisecond),
		speech(rate, 2*time.Second, 1), mediatest.Silence(rate, 1500*time.Millisecond)))
	src := realTime(frames)
	if _, err := sess.Run(ctx, src, nil, &media.Buffer{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if final != "where is my parcel" {
		t.Errorf("final %q", final)
	}
	if len(partials) == 0 {
		t.Error("no partial transcript while the caller spoke")
	}
	for i := 1; i < len(partials); i++ {
		if partials[i] == partials[i-1] {
			t.Errorf("partial %q repeated", partials[i])
		}
	}
}
