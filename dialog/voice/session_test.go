package voice

import (
	"context"
	"errors"
	"io"
	"slices"
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

// fakeBrain answers from a script keyed by the caller's text or digits.
type fakeBrain struct {
	welcome string
	replies map[string]dialog.Reply

	mu     sync.Mutex // guards inputs
	inputs []dialog.Input
	onDTMF chan struct{} // closed at the first DTMF input, when set
}

func (b *fakeBrain) Start(ctx context.Context, o dialog.StartOptions) (dialog.Welcome, error) {
	return dialog.Welcome{Session: "s1", Text: b.welcome, Lang: o.Lang}, nil
}

func (b *fakeBrain) Handle(ctx context.Context, id string, in dialog.Input) (dialog.Reply, error) {
	b.mu.Lock()
	b.inputs = append(b.inputs, in)
	if in.DTMF != "" && b.onDTMF != nil {
		close(b.onDTMF)
		b.onDTMF = nil
	}
	b.mu.Unlock()
	key := in.Text
	if in.DTMF != "" {
		key = "dtmf:" + in.DTMF
	}
	r, ok := b.replies[key]
	if !ok {
		return dialog.Reply{}, errors.New("fake brain: no reply for " + key)
	}
	r.Session = id
	return r, nil
}

func ptr(s string) *string { return &s }

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// speech is a caller utterance: speech-like noise between silences.
func speech(rate int, d time.Duration, seed uint64) []int16 {
	return mediatest.SpeechLike(rate, 3000, d, seed)
}

func TestScriptedCall(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 30*time.Second)
	const rate = media.Rate16k
	brain := &fakeBrain{welcome: "Hello.", replies: map[string]dialog.Reply{
		"where is my order": {Text: "Your order number, please.", AsksFor: ptr(AsksOrderNumber)},
		"1 2 3 4":           {Text: "Order 1234 has shipped.", FAQ: ptr("logistics.where_is_order")},
		"bye":               {Text: "Goodbye.", EndCall: true},
	}}
	rec := &asrtest.Fake{Results: []asr.Result{
		{Text: "where is my order", Confidence: 0.9}, {Text: "where is my order", Confidence: 0.4}, // domain, lm
		{Text: "1 2 3 4", Confidence: 0.9}, // digits
		{Text: "bye", Confidence: 0.9}, {Text: "bye", Confidence: 0.8},
	}}
	syn := &ttstest.Synth{SampleRate: rate}
	clock := &FastClock{}
	var evMu sync.Mutex
	var kinds []EventKind
	onEvent := func(ev Event) {
		evMu.Lock()
		defer evMu.Unlock()
		if ev.Kind != EventSpeechStart && ev.Kind != EventPartial { // speech may also start after the goodbye; partials depend on timing
			kinds = append(kinds, ev.Kind)
		}
		if ev.Session != "s1" {
			t.Errorf("event %s: session %q", ev.Kind, ev.Session)
		}
	}
	sess, err := New(brain, rec, syn, Config{Lang: "en", Rate: rate, Clock: clock, OnEvent: onEvent})
	if err != nil {
		t.Fatal(err)
	}
	turns := [][]int16{speech(rate, time.Second, 1), speech(rate, 1200*time.Millisecond, 2),
		speech(rate, 600*time.Millisecond, 3), speech(rate, time.Second, 4)} // the 4th comes after the hang-up
	script, err := NewScript(sess, clock, rate, turns)
	if err != nil {
		t.Fatal(err)
	}
	var out media.Buffer
	got, err := sess.Run(ctx, script, nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"where is my order", "1 2 3 4", "bye"}
	if len(got) != len(want) {
		t.Fatalf("got %d turns, want %d: %+v", len(got), len(want), got)
	}
	for i, tr := range got {
		if tr.Err != nil || tr.Transcript != want[i] {
			t.Errorf("turn %d: transcript %q err %v, want %q", i, tr.Transcript, tr.Err, want[i])
		}
		lat := tr.Trace.Latency()
		// The end-of-turn wait alone is at least the minimum silence less a frame.
		if lat < 300*time.Millisecond || lat > 5*time.Second {
			t.Errorf("turn %d: latency %v", i, lat)
		}
		o := tr.Trace.Offsets()
		if !(o["end_of_turn"] <= o["asr_final"] && o["asr_final"] <= o["answer_ready"] && o["answer_ready"] <= o["first_audio"]) {
			t.Errorf("turn %d: trace out of order: %v", i, o)
		}
	}
	if !got[2].Reply.EndCall {
		t.Error("last turn should end the call")
	}
	searches := []string{}
	for _, o := range rec.Started {
		searches = append(searches, o.Search)
	}
	wantS := []string{asr.SearchDomain, asr.SearchLM, asr.SearchDigits, asr.SearchDomain, asr.SearchLM}
	// The caller's 4th utterance may start recognising while the goodbye
	// still plays (it could be a barge-in); it must never become a turn
	// (checked above), so only the first five starts are fixed.
	if len(searches) < len(wantS) || len(searches) > len(wantS)+2 {
		t.Fatalf("searches %v, want %v (plus at most one pair after the goodbye)", searches, wantS)
	}
	for i := range wantS {
		if searches[i] != wantS[i] {
			t.Fatalf("searches %v, want %v", searches, wantS)
		}
	}
	if syn.Calls() != 4 { // welcome + 3 answers
		t.Errorf("synthesised %d texts, want 4", syn.Calls())
	}
	if len(out.Samples) == 0 {
		t.Error("no bot audio")
	}
	evMu.Lock()
	defer evMu.Unlock()
	wantK := []EventKind{EventWelcome, EventTranscript, EventReply, EventTurn, EventTranscript, EventReply, EventTurn,
		EventTranscript, EventReply, EventTurn, EventEnd}
	if !slices.Equal(kinds, wantK) {
		t.Errorf("events %v, want %v", kinds, wantK)
	}
}

func TestBargeIn(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 30*time.Second)
	const rate = media.Rate8k
	long := "This answer is long enough to talk over. It goes on and on for several seconds of tone."
	brain := &fakeBrain{replies: map[string]dialog.Reply{
		"first":  {Text: long},
		"second": {Text: "Ok."},
	}}
	rec := &asrtest.Fake{Results: []asr.Result{
		{Text: "first", Confidence: 0.9}, {}, {Text: "second", Confidence: 0.9}, {},
	}}
	syn := &ttstest.Synth{SampleRate: rate}
	// Real time: the caller talks again 600 ms after the bot starts.
	sig := mediatest.Concat(mediatest.Silence(rate, 200*time.Millisecond), speech(rate, 800*time.Millisecond, 5),
		mediatest.Silence(rate, 1200*time.Millisecond), speech(rate, 800*time.Millisecond, 6),
		mediatest.Silence(rate, 800*time.Millisecond))
	frames := mediatest.Frames(rate, sig)
	clock := media.SystemClock{}
	sess, err := New(brain, rec, syn, Config{Lang: "en", Rate: rate, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	src := realTime(frames)
	var out media.Buffer
	got, err := sess.Run(ctx, src, nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d turns, want 2: %+v", len(got), got)
	}
	if !got[0].Interrupted {
		t.Error("the long answer was not interrupted")
	}
	if got[1].Interrupted || got[1].Transcript != "second" {
		t.Errorf("second turn: %+v", got[1])
	}
	// The long answer is ~5 s of tone; barge-in must have cut most of it.
	if d := time.Duration(len(out.Samples)) * time.Second / rate; d > 3*time.Second {
		t.Errorf("played %v of bot audio; barge-in did not stop playout", d)
	}
}

func TestDTMFTurn(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 10*time.Second)
	const rate = media.Rate8k
	handled := make(chan struct{})
	brain := &fakeBrain{welcome: "Press 1.", onDTMF: handled, replies: map[string]dialog.Reply{
		"dtmf:1": {Text: "We ship in two days.", FAQ: ptr("logistics.when_ship")},
	}}
	clock := &FastClock{}
	sess, err := New(brain, &asrtest.Fake{}, &ttstest.Synth{SampleRate: rate}, Config{Lang: "zh", Rate: rate, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	q := media.NewEventQueue(0)
	q.Push(media.Event{Kind: media.DTMF, Digit: '1'})
	src := media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		select { // the line stays open until the key has been answered
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-handled:
		}
		if err := sess.WaitIdle(ctx); err != nil {
			return media.Frame{}, err
		}
		return media.Frame{}, io.EOF
	})
	var out media.Buffer
	got, err := sess.Run(ctx, src, q, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].DTMF != "1" || got[0].Reply.FAQ == nil || *got[0].Reply.FAQ != "logistics.when_ship" {
		t.Fatalf("turns %+v", got)
	}
	if got[0].Trace.FirstAudio.IsZero() {
		t.Error("no first audio time")
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no lang", Config{Rate: media.Rate8k}},
		{"bad lang", Config{Lang: "fr", Rate: media.Rate8k}},
		{"bad rate", Config{Lang: "en", Rate: 11025}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(&fakeBrain{}, &asrtest.Fake{}, &ttstest.Synth{}, tt.cfg)
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("err %v, want ErrBadConfig", err)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	turn := func(ms int) Turn {
		return Turn{Trace: Trace{LastVoiced: t0, FirstAudio: t0.Add(time.Duration(ms) * time.Millisecond)}}
	}
	turns := []Turn{turn(500), turn(300), {}, turn(400), turn(900)}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{0, 300 * time.Millisecond},
		{50, 400 * time.Millisecond},
		{95, 900 * time.Millisecond},
		{100, 900 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(turns, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestDTMFOrderNumber(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx := ctxT(t, 20*time.Second)
	const rate = media.Rate8k
	handled := make(chan struct{})
	brain := &fakeBrain{onDTMF: handled, replies: map[string]dialog.Reply{
		"dtmf:2":    {Text: "Number?", AsksFor: ptr(AsksOrderNumber)},
		"dtmf:77":   {Text: "Not found, again?", Order: &dialog.OrderRef{ID: "77"}, AsksFor: ptr(AsksOrderNumber)},
		"dtmf:2024": {Text: "Found.", Order: &dialog.OrderRef{ID: "2024", Found: true}},
	}}
	sess, err := New(brain, &asrtest.Fake{}, &ttstest.Synth{SampleRate: rate, PerRune: 10 * time.Millisecond},
		Config{Lang: "en", Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	q := media.NewEventQueue(0)
	key := func(d rune) { q.Push(media.Event{Kind: media.DTMF, Digit: d}) }
	key('2')
	src := media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-handled:
		}
		if err := sess.WaitIdle(ctx); err != nil {
			return media.Frame{}, err
		}
		for _, d := range "9*77" { // '*' starts over; ended by the timeout
			key(d)
		}
		for sess.TurnsEnded() < 2 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		if err := sess.WaitIdle(ctx); err != nil {
			return media.Frame{}, err
		}
		for _, d := range "2024#" { // ended by '#'
			key(d)
		}
		for sess.TurnsEnded() < 3 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		if err := sess.WaitIdle(ctx); err != nil {
			return media.Frame{}, err
		}
		return media.Frame{}, io.EOF
	})
	got, err := sess.Run(ctx, src, q, &media.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2", "77", "2024"}
	if len(got) != len(want) {
		t.Fatalf("got %d turns: %+v", len(got), got)
	}
	for i, tr := range got {
		if tr.DTMF != want[i] || tr.Err != nil {
			t.Errorf("turn %d: dtmf %q err %v, want %q", i, tr.DTMF, tr.Err, want[i])
		}
	}
}

// realTime is a caller whose frames arrive at their timestamps' pace from
// the first read, then io.EOF.
func realTime(frames []media.Frame) media.Reader {
	var start time.Time
	i := 0
	return media.ReaderFunc(func(ctx context.Context) (media.Frame, error) {
		if start.IsZero() {
			start = time.Now()
		}
		if i >= len(frames) {
			return media.Frame{}, io.EOF
		}
		f := frames[i]
		i++
		select {
		case <-ctx.Done():
			return media.Frame{}, ctx.Err()
		case <-time.After(time.Until(start.Add(f.At))):
		}
		return f, nil
	})
}
