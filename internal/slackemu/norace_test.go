//go:build !race

package slackemu

// raceEnabled is true when the tests run with the race detector.
const raceEnabled = false
