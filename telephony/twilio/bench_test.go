package twilio

import (
	"encoding/base64"
	"testing"

	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
)

// BenchmarkInboundMedia: one 20 ms media message parsed, its payload
// decoded to PCM (the per-frame path from the provider).
func BenchmarkInboundMedia(b *testing.B) {
	msg := []byte(`{"event":"media","sequenceNumber":"42","media":{"track":"inbound","chunk":"40","timestamp":"800","payload":"` +
		base64.StdEncoding.EncodeToString(make([]byte, 160)) + `"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}`)
	pcm := make([]int16, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		pcm = codec.PCMU.Decode(pcm[:0], m.Audio)
	}
}

// BenchmarkOutboundMedia: one 20 ms bot frame to a media message.
func BenchmarkOutboundMedia(b *testing.B) {
	f := media.Frame{Samples: make([]int16, 160), Rate: 8000}
	var enc, msg []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if enc, err = codec.PCMU.EncodeFrame(enc[:0], f); err != nil {
			b.Fatal(err)
		}
		msg = appendMedia(msg[:0], "MZ18ad3ab5a668481ce02b83e7395059f0", enc)
	}
}
