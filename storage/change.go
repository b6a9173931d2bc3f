package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// Change says who makes a change to a person's review, and how.
type Change struct {
	Actor review.Actor
	// Action is what the actor does; it is authorised again inside the
	// change's transaction, against the people as stored at that moment.
	Action review.Action
	// Once, when set, makes the change happen at most once: a second
	// change with the same key (a form submitted again after its first
	// save got through but its answer did not) is refused with
	// review.AlreadySaved.
	Once string
	// Notify builds the notifications the change causes.
	Notify Notify
	// Blind says the caller reads nothing back: the change returns a zero
	// YearState and Notify is given a zero one. It spares the transaction
	// reading the review again after the change.
	Blind bool
}

// begin starts a change inside its transaction: it claims the change's
// Once key, then reloads the target (locked against concurrent changes on
// PostgreSQL) and the actor and asks review.Can again.
func (s *Store) begin(tx *gorm.DB, c Change, targetID int64, now time.Time) (review.Person, error) {
	if c.Once != "" {
		res := tx.Table("handled_requests").Clauses(clause.OnConflict{DoNothing: true}).
			Create(map[string]any{"request_key": c.Once, "at": now})
		if res.Error != nil {
			return review.Person{}, res.Error
		}
		if res.RowsAffected == 0 {
			return review.Person{}, review.AlreadySaved
		}
	}
	actor := c.Actor
	var rows []personRow
	var err error
	switch {
	case actor.Person == nil || actor.Person.ID == targetID:
		q := tx
		if s.dialect == Postgres {
			q = tx.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err = q.Where("id = ?", targetID).Find(&rows).Error
	case s.dialect == Postgres:
		// The target locked, the actor only read, in one round trip.
		err = tx.Raw(`WITH t AS (SELECT * FROM people WHERE id = ? FOR UPDATE)
			SELECT * FROM t UNION ALL SELECT * FROM people WHERE id = ?`, targetID, actor.Person.ID).Scan(&rows).Error
	default:
		err = tx.Where("id IN ?", []int64{targetID, actor.Person.ID}).Find(&rows).Error
	}
	if err != nil {
		return review.Person{}, err
	}
	var target review.Person
	found := false
	for _, r := range rows {
		if r.ID == targetID {
			target, found = r.domain(), true
		}
		if actor.Person != nil && r.ID == actor.Person.ID {
			p := r.domain()
			actor.Person = &p
		}
	}
	if !found || actor.Person != nil && actor.Person.ID != targetID && len(rows) < 2 {
		return review.Person{}, gorm.ErrRecordNotFound
	}
	return target, review.Can(actor, c.Action, target)
}

// step is the body of a change to a review: it runs inside the change's
// transaction with the target and their review as they stand, and records
// what it changes in audit.
type step func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error

// change runs one change to target's review for fy in one transaction: it
// re-authorises the actor (begin), starts the review when start is set or
// else requires it to exist, runs do, then writes the audit rows, reloads
// the review and queues its notifications (finish).
func (s *Store) change(ctx context.Context, op string, c Change, targetID int64, fy review.FiscalYear, start bool, do step) (review.YearState, error) {
	var saved review.YearState
	err := s.tx(ctx, op, func(tx *gorm.DB, now time.Time) error {
		target, err := s.begin(tx, c, targetID, now)
		if err != nil {
			return err
		}
		audit := newAudit(c.Actor.AuditName(), now)
		var rv reviewRow
		if start {
			rv, err = ensureReview(tx, audit, target.ID, fy)
		} else if err = tx.Where("person_id = ? AND fiscal_year = ?", target.ID, int(fy)).Take(&rv).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return review.StaleForm
		}
		if err != nil {
			return err
		}
		if err := do(tx, now, audit, target, rv); err != nil {
			return err
		}
		saved, err = s.finish(tx, now, audit, rv.ID, target.ID, fy, c.Notify, c.Blind)
		return err
	})
	return saved, err
}

// Claim records key as handled, for every process sharing the database,
// and reports whether this call was the first to do so.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	var first bool
	err := s.tx(ctx, "claim", func(tx *gorm.DB, now time.Time) error {
		res := tx.Table("handled_requests").Clauses(clause.OnConflict{DoNothing: true}).Create(map[string]any{"request_key": key, "at": now})
		first = res.RowsAffected == 1
		return res.Error
	})
	return first, err
}
