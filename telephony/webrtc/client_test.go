package webrtc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/codec/opus"
	"github.com/callbee/callbee/telephony"
)

// testClient plays the browser: pion on loopback, signalling over the
// door's WebSocket. Its goroutines end when close is called.
type testClient struct {
	t      testing.TB
	ws     *websocket.Conn
	pcMu   sync.Mutex // guards pc: the test may hand it to another client's socket
	pc     *pion.PeerConnection
	track  *pion.TrackLocalStaticSample
	codec  string
	events chan Event

	mu       sync.Mutex // guards received
	received []int16    // bot audio, decoded at 48 kHz (Opus) or 8 kHz (PCMU)

	wg        sync.WaitGroup
	closeOnce sync.Once
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") + Path }

// dialClient opens the socket; codecName is CodecOpus or CodecPCMU (the
// only codec the client offers).
func dialClient(t testing.TB, url, codecName string) *testClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c := &testClient{t: t, ws: ws, codec: codecName, events: make(chan Event, 1024)}
	t.Cleanup(c.close)
	c.wg.Add(1)
	go c.readLoop()
	if ev := c.wait(EvHello, 5*time.Second); ev.Type != EvHello {
		t.Fatalf("first event %+v, want hello", ev)
	}
	return c
}

func (c *testClient) readLoop() {
	defer c.wg.Done()
	defer close(c.events)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ev Event
		if err := json.Unmarshal(data, &ev); err != nil {
			c.t.Errorf("door sent bad JSON %q: %v", data, err)
			return
		}
		switch ev.Type {
		case EvAnswer:
			if err := c.peer().SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: ev.SDP}); err != nil {
				c.t.Errorf("set answer: %v", err)
			}
		case EvCandidate:
			if err := c.peer().AddICECandidate(pion.ICECandidateInit{Candidate: ev.Candidate.Candidate,
				SDPMid: ev.Candidate.SDPMid, SDPMLineIndex: ev.Candidate.SDPMLineIndex}); err != nil {
				c.t.Errorf("add candidate: %v", err)
			}
		}
		select {
		case c.events <- ev:
		default:
			c.t.Errorf("test client event queue full")
		}
	}
}

func (c *testClient) peer() *pion.PeerConnection {
	c.pcMu.Lock()
	defer c.pcMu.Unlock()
	return c.pc
}

func (c *testClient) setPeer(pc *pion.PeerConnection) {
	c.pcMu.Lock()
	c.pc = pc
	c.pcMu.Unlock()
}

func (c *testClient) send(m any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(m); err != nil {
		c.t.Fatalf("send %+v: %v", m, err)
	}
}

// wait returns the next event of type typ, skipping others; a zero Event
// when the socket closes or the timeout passes.
func (c *testClient) wait(typ string, timeout time.Duration) Event {
	c.t.Helper()
	ev, _ := c.waitAny(timeout, typ)
	return ev
}

// waitAny returns the next event of one of the types, recording the rest.
func (c *testClient) waitAny(timeout time.Duration, types ...string) (Event, []Event) {
	c.t.Helper()
	deadline := time.After(timeout)
	var seen []Event
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return Event{}, seen
			}
			for _, typ := range types {
				if ev.Type == typ {
					return ev, seen
				}
			}
			seen = append(seen, ev)
		case <-deadline:
			return Event{}, seen
		}
	}
}

// call sends start and an offer from a loopback pion peer.
func (c *testClient) call(shop, lang string) {
	c.t.Helper()
	c.send(Message{Type: MsgStart, Shop: shop, Lang: lang})
	m := &pion.MediaEngine{}
	capab := opusCapability
	pt := pion.PayloadType(111)
	if c.codec == CodecPCMU {
		capab, pt = pcmuCapability, 0
	}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: capab, PayloadType: pt}, pion.RTPCodecTypeAudio); err != nil {
		c.t.Fatal(err)
	}
	var se pion.SettingEngine
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	ir := &interceptor.Registry{}
	if err := pion.RegisterDefaultInterceptors(m, ir); err != nil {
		c.t.Fatal(err)
	}
	api := pion.NewAPI(pion.WithMediaEngine(m), pion.WithSettingEngine(se), pion.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.setPeer(pc)
	c.track, err = pion.NewTrackLocalStaticSample(capab, "mic", "test")
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := pc.AddTrack(c.track); err != nil {
		c.t.Fatal(err)
	}
	pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.readAudio(tr)
		}()
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		c.t.Fatal("client ICE gathering did not complete")
	}
	c.send(Message{Type: MsgOffer, SDP: pc.LocalDescription().SDP})
}

func (c *testClient) readAudio(tr *pion.TrackRemote) {
	var dec *opus.Decoder
	if c.codec == CodecOpus {
		var err error
		if dec, err = opus.NewDecoder(media.Rate48k); err != nil {
			c.t.Errorf("decoder: %v", err)
			return
		}
	}
	var buf []int16
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if dec != nil {
			if buf, err = dec.Decode(buf[:0], pkt.Payload); err != nil {
				c.t.Errorf("bot packet: %v", err)
				return
			}
		} else {
			buf = codec.PCMU.Decode(buf[:0], pkt.Payload)
		}
		c.mu.Lock()
		c.received = append(c.received, buf...)
		c.mu.Unlock()
	}
}

// botAudio returns the bot audio received so far.
func (c *testClient) botAudio() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.received...)
}

// speak sends samples (at the codec's rate) as 20 ms packets in real time.
func (c *testClient) speak(ctx context.Context, rate int, samples []int16) error {
	var enc frameEncoder = codec.PCMU
	if c.codec == CodecOpus {
		e, err := opus.NewEncoder(rate)
		if err != nil {
			return err
		}
		enc = e
	}
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	n := media.SamplesPerFrame(rate)
	var pkt []byte
	for i := 0; i+n <= len(samples); i += n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		var err error
		if pkt, err = enc.EncodeFrame(pkt[:0], media.Frame{Samples: samples[i : i+n], Rate: rate}); err != nil {
			return err
		}
		if err := c.track.WriteSample(pmedia.Sample{Data: pkt, Duration: media.FrameDuration}); err != nil {
			return err
		}
	}
	return nil
}

func (c *testClient) close() {
	c.closeOnce.Do(func() {
		_ = c.ws.Close()
		if pc := c.peer(); pc != nil {
			_ = pc.Close()
		}
		c.wg.Wait()
	})
}

// fakeAnswerer stands in for the switchboard: it greets, plays a 1 s
// 440 Hz tone, answers once the caller has been loud for 200 ms, and turns
// keys into replies. It records what it saw.
type fakeAnswerer struct {
	mu     sync.Mutex // guards the fields below
	calls  []telephony.Call
	frames int
	rates  map[int]bool
	eof    bool
	keys   []rune
}

func (f *fakeAnswerer) Answer(ctx context.Context, c telephony.Call, in media.Reader, dtmf *media.EventQueue, out media.Writer) (telephony.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	if f.rates == nil {
		f.rates = map[int]bool{}
	}
	f.mu.Unlock()
	c.OnEvent(voice.Event{Kind: voice.EventWelcome, Session: "fake-session", Text: "hello"})
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // runs before wg.Wait
	wg.Add(2)
	go func() { // the bot's tone, paced like playout
		defer wg.Done()
		n := media.SamplesPerFrame(c.Rate)
		tick := time.NewTicker(media.FrameDuration)
		defer tick.Stop()
		for i := range 50 {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			s := make([]int16, n)
			for k := range s {
				s[k] = int16(8000 * math.Sin(2*math.Pi*440*float64(i*n+k)/float64(c.Rate)))
			}
			if err := out.WriteFrame(ctx, media.Frame{Samples: s, Rate: c.Rate, Seq: uint64(i)}); err != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			ev, err := dtmf.Next(ctx)
			if err != nil {
				return
			}
			f.mu.Lock()
			f.keys = append(f.keys, ev.Digit)
			f.mu.Unlock()
			r := &dialog.Reply{Text: "key " + string(ev.Digit)}
			if ev.Digit == '9' { // the fake's order-status question
				asks := voice.AsksOrderNumber
				r.AsksFor = &asks
			}
			if ev.Digit != '#' {
				c.OnEvent(voice.Event{Kind: voice.EventReply, Reply: r})
			}
		}
	}()
	loud, answered := 0, false
	for {
		fr, err := in.ReadFrame(ctx)
		if errors.Is(err, io.EOF) {
			f.mu.Lock()
			f.eof = true
			f.mu.Unlock()
			return telephony.Result{Session: "fake-session"}, nil
		}
		if err != nil {
			return telephony.Result{}, err
		}
		f.mu.Lock()
		f.frames++
		f.rates[fr.Rate] = true
		f.mu.Unlock()
		var e float64
		for _, s := range fr.Samples {
			e += float64(s) * float64(s)
		}
		if math.Sqrt(e/float64(len(fr.Samples))) > 1000 {
			loud++
		}
		if loud >= 10 && !answered {
			answered = true
			faq := "fake.tone"
			c.OnEvent(voice.Event{Kind: voice.EventTranscript, Text: "a tone"})
			c.OnEvent(voice.Event{Kind: voice.EventReply, Reply: &dialog.Reply{Text: "I heard a tone", FAQ: &faq, Lang: "en"}})
		}
	}
}

func (f *fakeAnswerer) snapshot() (calls []telephony.Call, frames int, eof bool, keys string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]telephony.Call(nil), f.calls...), f.frames, f.eof, string(f.keys)
}
