// Package scheduler runs the bot's background work as plain functions that
// take the time, with thin triggers around them. For now that is the
// outbox sender, which delivers the notifications that changes queue in
// the same transaction as the change.
package scheduler
