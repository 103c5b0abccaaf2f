//go:build race

package callpage

// raceEnabled: see TestChromiumCall.
const raceEnabled = true
