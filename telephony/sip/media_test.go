package sip_test

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/callbee/callbee/media/codec"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/telephony/sip"
	"github.com/callbee/callbee/telephony/sip/siptest"
)

// TestBadRTP: garbage datagrams, payload types never negotiated and a
// flood of loud RTP from another port reach the bot's RTP port while the
// caller talks: all are counted and dropped, the caller is heard clearly
// and the call carries on.
func TestBadRTP(t *testing.T) {
	mediatest.CheckLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends := newEnded()
	echo := &siptest.Echo{}
	s := startServer(t, testConfig(), echo, sip.WithOnCallEnd(ends.hook))
	caller := newCaller(t)
	call, err := caller.Dial(ctx, s.UDPAddr().String(), "shop", siptest.Offer{})
	if err != nil {
		t.Fatal(err)
	}
	tone := mediatest.Sine(8000, 440, 8000, time.Second)
	// Latch the caller's address with the first packets, then attack.
	if err := call.Send(ctx, tone[:1600]); err != nil {
		t.Fatal(err)
	}
	flood, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer flood.Close()
	loud := codec.PCMU.Encode(nil, mediatest.Noise(8000, 20000, 20*time.Millisecond, 1))
	const floodN = 500
	for i := range floodN {
		pkt := make([]byte, 12, 172)
		pkt[0], pkt[1] = 0x80, 0
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i*160))
		binary.BigEndian.PutUint32(pkt[8:], 0xbad)
		if _, err := flood.WriteToUDP(append(pkt, loud...), call.Remote()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the bot read the flood (the kernel may drop some)
	garbage := [][]byte{{}, {0xff}, make([]byte, 11), {0x40, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9}, {0x80, 0xc8, 0, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	for _, g := range garbage {
		if err := call.SendRaw(g); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		if err := call.SendRTP(18, make([]byte, 20)); err != nil { // G.729, never offered
			t.Fatal(err)
		}
	}
	if err := call.Send(ctx, tone[1600:]); err != nil {
		t.Fatal(err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	info := ends.wait(t, ctx)
	st := info.Stats
	if st.Foreign < floodN/2 || st.Foreign > floodN || st.WrongPT != 20 || st.Garbage < 4 || st.Garbage > 5 {
		t.Errorf("stats %+v: want most of %d foreign, 20 wrong PT, 4-5 garbage (an empty datagram may be lost)", st, floodN)
	}
	heard := echo.Samples()
	if rms := mediatest.RMS(heard); rms < 4000 || rms > 7000 {
		t.Errorf("answerer heard RMS %.0f, want the tone's ~5600 and none of the flood", rms)
	}
	if info.Reason != sip.ReasonCallerHangup {
		t.Errorf("reason %q", info.Reason)
	}
}
