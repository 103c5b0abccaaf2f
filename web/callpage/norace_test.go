//go:build !race

package callpage

const raceEnabled = false
