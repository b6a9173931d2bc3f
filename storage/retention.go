package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Retention is how long the database keeps what it needs only for a while.
type Retention struct {
	// PayloadDays is how long the message of a notification that went
	// out, failed or was cancelled is kept, in days after it was queued.
	// Messages hold released ratings, development plan notes and the names
	// of people who answered No. The row itself stays, with its key and
	// status: the key is what keeps a notification from going out twice.
	PayloadDays int
	// RequestDays is how long the id of a handled request (an event, a
	// form submission) is kept, in days: long enough that Slack's
	// redeliveries, which come within the hour, find it.
	RequestDays int
}

// PurgeReport says what a purge emptied, or would have.
type PurgeReport struct {
	Payloads       int       // notifications whose message was blanked
	Requests       int       // request ids forgotten
	PayloadsBefore time.Time // messages of notifications queued before this
	RequestsBefore time.Time // ids of requests handled before this
}

// purgeBatch is how many rows one statement of a purge changes: each batch
// is a transaction of its own, so that on SQLite people's saves never wait
// long behind a purge.
const purgeBatch = 1000

// done is the outbox statuses whose messages are not needed any more.
var done = []string{OutboxSent, OutboxFailed, OutboxCancelled}

// Purge empties what r says is past keeping at now: it blanks the message
// of every notification queued more than PayloadDays ago that is no longer
// pending, and deletes the ids of requests handled more than RequestDays
// ago. With dryRun it only counts them.
func (s *Store) Purge(ctx context.Context, now time.Time, r Retention, dryRun bool) (PurgeReport, error) {
	if r.PayloadDays < 1 || r.RequestDays < 1 {
		return PurgeReport{}, fmt.Errorf("purge: retention of %d days for messages and %d for request ids: both must be a day or more", r.PayloadDays, r.RequestDays)
	}
	now = now.UTC()
	rep := PurgeReport{PayloadsBefore: now.AddDate(0, 0, -r.PayloadDays), RequestsBefore: now.AddDate(0, 0, -r.RequestDays)}
	payloads := func(db *gorm.DB) *gorm.DB {
		return db.Table("outbox").Where("payload <> '' AND status IN ? AND created_at < ?", done, rep.PayloadsBefore)
	}
	requests := func(db *gorm.DB) *gorm.DB {
		return db.Table("handled_requests").Where("at < ?", rep.RequestsBefore)
	}
	if dryRun {
		var p, q int64
		err := payloads(s.read(ctx)).Count(&p).Error
		if err == nil {
			err = requests(s.read(ctx)).Count(&q).Error
		}
		rep.Payloads, rep.Requests = int(p), int(q)
		return rep, s.wrap("purge", err)
	}
	var err error
	if rep.Payloads, err = s.inBatches(ctx, "purge messages", func(tx *gorm.DB) *gorm.DB {
		return tx.Exec("UPDATE outbox SET payload = '' WHERE id IN (?)", payloads(tx).Select("id").Limit(purgeBatch))
	}); err != nil {
		return rep, err
	}
	rep.Requests, err = s.inBatches(ctx, "purge request ids", func(tx *gorm.DB) *gorm.DB {
		return tx.Exec("DELETE FROM handled_requests WHERE request_key IN (?)", requests(tx).Select("request_key").Limit(purgeBatch))
	})
	return rep, err
}

// inBatches runs stmt, a statement changing at most purgeBatch rows, in a
// transaction of its own until it changes fewer, and returns how many rows
// it changed in all.
func (s *Store) inBatches(ctx context.Context, op string, stmt func(tx *gorm.DB) *gorm.DB) (int, error) {
	total := 0
	for {
		var n int64
		err := s.tx(ctx, op, func(tx *gorm.DB, _ time.Time) error {
			res := stmt(tx)
			n = res.RowsAffected
			return res.Error
		})
		total += int(n)
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}
