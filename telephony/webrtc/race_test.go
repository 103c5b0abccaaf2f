//go:build race

package webrtc

// raceEnabled: the race detector slows the real speech engines 5-10x, too
// slow for real-time calls; the door's own code is raced by the
// fake-answerer tests.
const raceEnabled = true
