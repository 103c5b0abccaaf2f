package stream_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/stream"
	"github.com/callbee/callbee/telephony/stream/streamtest"
	"github.com/callbee/callbee/telephony/switchboard/switchboardtest"
)

// percentile of sorted durations, in milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(p/100*float64(len(sorted))), len(sorted)-1)
	return float64(sorted[i].Microseconds()) / 1000
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(percentile(lat, 50), "p50-ms")
	b.ReportMetric(percentile(lat, 95), "p95-ms")
	b.ReportMetric(percentile(lat, 100), "max-ms")
}

// waitEvent reads until an event of type typ (bot audio is collected);
// it returns an error instead of failing, for use off the test goroutine.
func (c *client) waitEvent(typ string, d time.Duration) (stream.Event, error) {
	deadline := time.Now().Add(d)
	for {
		ev, err := c.tryNext(time.Until(deadline))
		if err != nil {
			return ev, fmt.Errorf("waiting for %s: %w", typ, err)
		}
		if ev.Type == stream.TypeError {
			return ev, fmt.Errorf("error event %s: %s", ev.Code, ev.Message)
		}
		if ev.Type == typ {
			return ev, nil
		}
	}
}

// BenchmarkStreams: conns concurrent audio connections over the fake
// answerer, so what is measured is the door itself: each iteration every
// connection sends one 600 ms turn (30 frames of 16 kHz PCM, as fast as
// the socket takes them) and waits for the reply event and the 25 frames
// of the answer. Latency: last frame sent to reply event received.
func BenchmarkStreams(b *testing.B) {
	for _, conns := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			ans := streamtest.NewAnswerer("bench")
			ans.WelcomeFrames = 0
			cfg := testConfig()
			cfg.MaxConnsPerIP = conns
			_, url := server(b, ans, nil, cfg)
			const rate = 16000
			turn := mediatest.Concat(mediatest.Sine(rate, 300, 6000, 400*time.Millisecond), mediatest.Silence(rate, 200*time.Millisecond))
			frames := make([][]byte, 0, len(turn)/320)
			for i := 0; i+320 <= len(turn); i += 320 {
				f := make([]byte, 640)
				for k, s := range turn[i : i+320] {
					binary.LittleEndian.PutUint16(f[2*k:], uint16(s))
				}
				frames = append(frames, f)
			}
			silence := make([]byte, 640)
			cs := make([]*client, conns)
			for i := range cs {
				cs[i] = dial(b, url, tokSpeaker)
				cs[i].sendJSON(startAudio(rate))
				cs[i].expect(stream.TypeReady)
				cs[i].expect(stream.TypeWelcome)
			}
			var mu sync.Mutex // guards lat
			var lat []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				errs := make(chan error, conns)
				for _, c := range cs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c.audio = c.audio[:0]
						for _, f := range frames {
							if err := c.ws.WriteMessage(websocket.BinaryMessage, f); err != nil {
								errs <- err
								return
							}
						}
						sent := time.Now()
						if _, err := c.waitEvent(stream.TypeReply, 10*time.Second); err != nil {
							errs <- err
							return
						}
						d := time.Since(sent)
						for range 25 { // the fake speaks one frame per caller frame
							if err := c.ws.WriteMessage(websocket.BinaryMessage, silence); err != nil {
								errs <- err
								return
							}
						}
						deadline := time.Now().Add(10 * time.Second)
						for len(c.audio) < 25 {
							if _, _, err := c.readOne(time.After(time.Until(deadline))); err != nil {
								errs <- fmt.Errorf("answer audio: %w", err)
								return
							}
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}()
				}
				wg.Wait()
				close(errs)
				if err := errors.Join(func() (es []error) {
					for e := range errs {
						es = append(es, e)
					}
					return
				}()...); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*conns*(len(frames)+25))/b.Elapsed().Seconds(), "frames-in/s")
			reportLatency(b, lat)
		})
	}
}

// BenchmarkDemoLatency: conns concurrent speakers ask the demo shop a
// spoken question (espeak-ng, real-time paced) over the stream protocol,
// with the offline engines of the switchboard. Metrics: the turn event's
// latency (first bot audio minus end of the caller's speech, end-of-turn
// wait included) as p50/p95, and the reply event's arrival after the
// question's last sample was sent (reply-p50-ms).
func BenchmarkDemoLatency(b *testing.B) {
	for _, conns := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			sb := switchboardtest.Demo(b)
			const rate = 16000
			q := switchboardtest.Speak(b, "en-us", "when will you ship my order", rate, 0, 0)
			cfg := testConfig()
			cfg.MaxConnsPerIP = conns
			h, url := server(b, sb, nil, cfg)
			cs := make([]*client, conns)
			mics := make([]*mic, conns)
			for i := range cs {
				cs[i] = dial(b, url, tokSpeaker)
				cs[i].sendJSON(map[string]any{"type": "start", "lang": "en", "audio": map[string]any{"encoding": "pcm16le", "rate": rate}})
				cs[i].expect(stream.TypeReady)
				mics[i] = startMic(cs[i].ws, rate)
			}
			defer func() {
				for _, m := range mics {
					m.stop()
				}
			}()
			for _, c := range cs { // the welcome is spoken before the first question
				c.until(stream.TypeWelcome, 30*time.Second)
				c.audioQuiet(500*time.Millisecond, 60*time.Second)
			}
			var mu sync.Mutex // guards turnLat, replyLat, wrong
			var turnLat, replyLat []time.Duration
			wrong := 0
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				errs := make(chan error, conns)
				for i, c := range cs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						mics[i].say(q)
						rep, err := c.waitEvent(stream.TypeReply, 60*time.Second)
						if err != nil {
							errs <- err
							return
						}
						replyAt := time.Now()
						turn, err := c.waitEvent(stream.TypeTurn, 60*time.Second)
						if err != nil {
							errs <- err
							return
						}
						mu.Lock()
						defer mu.Unlock()
						if said := mics[i].saidAt(); !said.IsZero() {
							replyLat = append(replyLat, replyAt.Sub(said))
						}
						if turn.LatencyMS != nil {
							turnLat = append(turnLat, time.Duration(*turn.LatencyMS)*time.Millisecond)
						}
						if rep.Reply == nil || rep.Reply.FAQ == nil || *rep.Reply.FAQ != "logistics.when_ship" {
							wrong++
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportLatency(b, turnLat)
			slices.Sort(replyLat)
			b.ReportMetric(percentile(replyLat, 50), "reply-p50-ms")
			b.ReportMetric(percentile(replyLat, 95), "reply-p95-ms")
			b.ReportMetric(float64(wrong)/float64(b.N*conns), "wrong-faq")
			b.ReportMetric(float64(h.Stats().DroppedFrames), "dropped-in-frames")
			b.ReportMetric(float64(h.Stats().DroppedAudio), "dropped-out-frames")
		})
	}
}
