// Package e2e holds the end-to-end suite: the real program (package app, or
// the built binary) connected over loopback to the in-repository Slack
// emulator (internal/slackemu), on SQLite and on PostgreSQL, with the cast
// of people the tests use, the harness that drives them, the golden files
// and the load benchmarks against a bare slack-go bot. It has no code of
// its own outside its tests.
package e2e
