package switchboard_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"cloud.google.com/go/speech/apiv1/speechpb"

	"github.com/callbee/callbee/asr/google"
	asrfake "github.com/callbee/callbee/asr/google/googletest"
	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony"
	"github.com/callbee/callbee/telephony/switchboard"
	ttsgoogle "github.com/callbee/callbee/tts/google"
	ttsfake "github.com/callbee/callbee/tts/google/googletest"
)

// TestCloudSpeech answers a phone call with the Google engines, through the
// real client libraries talking to protocol fakes on loopback: the
// recognition stream carries the shop's phrase hints at 8 kHz, its final
// transcript reaches the brain, the answer is synthesised by the TTS fake.
func TestCloudSpeech(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	shop := kbtest.DemoShop(t)
	asrSrv := &asrfake.Speech{Script: func(*speechpb.StreamingRecognitionConfig) []asrfake.Step {
		return []asrfake.Step{
			{After: 200 * time.Millisecond, Response: asrfake.Interim("when will", 0.5)},
			{After: time.Hour, Response: asrfake.Final("when will you ship my order", 0.92)}, // at half-close
		}
	}}
	rec, err := google.New(ctx, google.DefaultConfig(), asrfake.Serve(t, asrSrv)...)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	ttsSrv := &ttsfake.TextToSpeech{}
	syn, err := ttsgoogle.New(ctx, ttsgoogle.DefaultConfig(), ttsfake.Serve(t, ttsSrv)...)
	if err != nil {
		t.Fatal(err)
	}
	defer syn.Close()
	sp, err := switchboard.NewCloud(rec, syn)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	e, err := dialog.New(shop, dialogtest.NewMemStore(false))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := switchboard.New(switchboard.Engines{e}, sp, switchboard.WithClock(&voice.FastClock{}))
	if err != nil {
		t.Fatal(err)
	}
	const rate = media.Rate8k
	audio := append(make([]int16, rate), mediatest.SpeechLike(rate, 3000, 1500*time.Millisecond, 7)...)
	audio = append(audio, make([]int16, 2*rate)...)
	in, err := media.NewSliceReader(rate, audio)
	if err != nil {
		t.Fatal(err)
	}
	var out media.Buffer
	res, err := sb.Answer(ctx, telephony.Call{Door: telephony.DoorSIP, Lang: "en", Rate: rate}, in, nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Turns) != 1 || res.Turns[0].Reply.FAQ == nil || *res.Turns[0].Reply.FAQ != "logistics.when_ship" {
		t.Fatalf("turns %+v", res.Turns)
	}
	got := asrSrv.Received()
	if len(got) != 1 {
		t.Fatalf("%d recognition streams, want 1 (the LM search is not sent to the service)", len(got))
	}
	cfg := got[0].Config.GetConfig()
	if cfg.GetSampleRateHertz() != rate || cfg.GetLanguageCode() == "" {
		t.Errorf("recognition config %v", cfg)
	}
	var phrases []string
	for _, sc := range cfg.GetSpeechContexts() {
		phrases = append(phrases, sc.GetPhrases()...)
	}
	if !slices.Contains(phrases, shop.FAQ("logistics.when_ship").Question["en"]) {
		t.Errorf("phrase hints lack the shop's questions: %q", phrases)
	}
	if len(ttsSrv.Received()) < 2 || len(out.Samples) == 0 {
		t.Errorf("%d synthesis requests, %d samples out: want the welcome and the answer spoken", len(ttsSrv.Received()), len(out.Samples))
	}
}
