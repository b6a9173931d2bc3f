package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// leaveRow is a stretch of someone's leave.
type leaveRow struct {
	ID         int64
	PersonID   int64
	FromDay    string
	ToDay      string
	RecordedBy string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (leaveRow) TableName() string { return "leaves" }

func (r leaveRow) domain() review.Leave {
	return review.Leave{From: parseDay(r.FromDay), To: parseDay(r.ToDay)}
}

// leavesOf returns one person's leaves, earliest first.
func leavesOf(db *gorm.DB, personID int64) ([]review.Leave, error) {
	var rows []leaveRow
	if err := db.Where("person_id = ?", personID).Order("from_day").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]review.Leave, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Leaves returns the person's leaves, earliest first.
func (s *Store) Leaves(ctx context.Context, personID int64) ([]review.Leave, error) {
	out, err := leavesOf(s.read(ctx), personID)
	return out, s.wrap("leaves", err)
}

// RecordLeave records, as HR, that the person is on leave from l.From
// (until l.To, or until HR says): a leave still open for them ends the day
// before it, and one with the same start is replaced. In the audit log.
func (s *Store) RecordLeave(ctx context.Context, actor review.Actor, personID int64, l review.Leave) error {
	return s.tx(ctx, "record leave", func(tx *gorm.DB, now time.Time) error {
		if !actor.HR {
			return review.Errorf(review.EFORBIDDEN, "Only HR can record leave.")
		}
		if !l.To.IsZero() && l.To.Before(l.From) {
			return review.Errorf(review.EINVALID, "The leave ends before it starts: %s is before %s.", l.To.Human(), l.From.Human())
		}
		audit := newAudit(actor.AuditName(), now)
		if err := recordLeave(tx, audit, now, personID, l); err != nil {
			return err
		}
		return audit.flush(tx, 10)
	})
}

// recordLeave records in tx that the person is on leave from l.From, as
// RecordLeave says, with its audit rows in audit (recorded by its actor).
// A leave recorded already as it is changes nothing, so that a roster
// imported twice records it once.
func recordLeave(tx *gorm.DB, audit *auditLog, now time.Time, personID int64, l review.Leave) error {
	var rows []leaveRow
	if err := tx.Where("person_id = ?", personID).Order("from_day").Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		old := r
		switch {
		case r.FromDay == l.From.String():
			if r.ToDay == dateText(l.To) {
				return nil
			}
			r.ToDay, r.UpdatedAt = dateText(l.To), now
			if err := tx.Save(&r).Error; err != nil {
				return err
			}
			audit.add("leave.change", "leave", r.ID, old, r)
			return nil
		case r.ToDay == "" && parseDay(r.FromDay).Before(l.From):
			r.ToDay, r.UpdatedAt = l.From.AddDays(-1).String(), now
			if err := tx.Save(&r).Error; err != nil {
				return err
			}
			audit.add("leave.end", "leave", r.ID, old, r)
		}
	}
	row := leaveRow{PersonID: personID, FromDay: l.From.String(), ToDay: dateText(l.To), RecordedBy: audit.actor, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	audit.add("leave.record", "leave", row.ID, nil, row)
	return nil
}
