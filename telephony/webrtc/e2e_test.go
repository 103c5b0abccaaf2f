package webrtc

import (
	"context"
	"testing"
	"time"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

// TestDemoCall: a pion peer plays the browser and asks the demo shop a
// question out loud (espeak-ng) over Opus or PCMU; the real switchboard
// (pocketsphinx, the brain, espeak-ng) answers with the right FAQ, the bot's
// voice comes back over RTP, and the page's buttons reach the brain.
func TestDemoCall(t *testing.T) {
	if testing.Short() {
		t.Skip("real speech engines")
	}
	if raceEnabled {
		t.Skip("real-time speech engines are too slow under the race detector (the door is raced by the fake-answerer tests)")
	}
	tests := []struct {
		name, lang, voice, text, codec string
		rate                           int
		faq                            string
		card                           string // a card pressed after the answer, and the FAQ it picks
		cardFAQ                        string
	}{
		{"en opus", "en", "en-us", "when will you ship my order", CodecOpus, media.Rate48k, "logistics.when_ship", "2", "logistics.where_is_order"},
		{"zh pcmu", "zh", "cmn-latn-pinyin", "什么时候发货", CodecPCMU, media.Rate8k, "logistics.when_ship", "1", "logistics.when_ship"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mediatest.CheckLeaks(t)
			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			sb := switchboardtest.Demo(t)
			q := switchboardtest.Speak(t, tt.voice, tt.text, tt.rate, 300*time.Millisecond, 2*time.Second)
			_, srv := newTestDoor(t, sb, Config{})
			c := dialClient(t, wsURL(srv), tt.codec)
			c.call("", tt.lang)
			if ev := c.wait(EvReady, 15*time.Second); ev.Codec != tt.codec {
				t.Fatalf("ready %+v, want %s", ev, tt.codec)
			}
			if ev := c.wait(EvWelcome, 15*time.Second); ev.Text == "" || ev.Session == "" {
				t.Fatalf("welcome %+v", ev)
			}
			// A microphone never stops: silence, the question, silence.
			asked := time.Now()
			if err := c.speak(ctx, tt.rate, mediatest.Concat(mediatest.Silence(tt.rate, time.Second), q)); err != nil {
				t.Fatal(err)
			}
			reply, seen := c.waitAny(30*time.Second, EvReply)
			var transcript string
			for _, ev := range seen {
				if ev.Type == EvTranscript {
					transcript = ev.Text
				}
			}
			t.Logf("transcript %q → %s %q (%.1f s after the question started)", transcript, reply.FAQ, reply.Text, time.Since(asked).Seconds())
			if reply.FAQ != tt.faq {
				t.Fatalf("reply FAQ %q, want %s", reply.FAQ, tt.faq)
			}
			before := len(c.botAudio())
			time.Sleep(1500 * time.Millisecond)
			answer := c.botAudio()[before:]
			if rms := mediatest.RMS(loudest(answer, tt.rate)); rms < 500 {
				t.Errorf("answer audio RMS %.0f, want speech", rms)
			}
			c.send(Message{Type: MsgControl, Action: ActionCard, Key: tt.card})
			if ev := c.wait(EvReply, 15*time.Second); ev.FAQ != tt.cardFAQ {
				t.Errorf("card %s: reply %+v, want %s", tt.card, ev, tt.cardFAQ)
			}
			c.send(Message{Type: MsgControl, Action: ActionSlower})
			ev := c.wait(EvReply, 15*time.Second)
			if ev.FAQ != "more.slower" || ev.Spoken != nil && !*ev.Spoken {
				t.Errorf("slower: reply %+v, want more.slower, spoken in the call", ev)
			}
			before = len(c.botAudio())
			time.Sleep(1500 * time.Millisecond)
			if rms := mediatest.RMS(loudest(c.botAudio()[before:], tt.rate)); rms < 500 {
				t.Errorf("slower: reply audio RMS %.0f, want speech", rms)
			}
			c.send(Message{Type: MsgHangup})
			if ev := c.wait(EvEnd, 15*time.Second); ev.Reason != "caller hung up" {
				t.Errorf("end %+v", ev)
			}
		})
	}
}
