//go:build race

package slackemu

// raceEnabled is true when the tests run with the race detector, which
// slows JSON-heavy code down several times.
const raceEnabled = true
