package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type expectationRow struct {
	ID        int64
	ReviewID  int64
	Position  int
	Body      string
	CreatedBy *int64
	RetiredAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (expectationRow) TableName() string { return "expectations" }

func (r expectationRow) domain() review.Expectation {
	return review.Expectation{
		ID: r.ID, ReviewID: r.ReviewID, Position: r.Position, Text: r.Body,
		Retired: r.RetiredAt != nil, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Notify builds the notifications a change causes, from the review as the
// change left it. It runs inside the change's transaction, so the change and
// its notifications are saved together or not at all.
type Notify func(saved review.YearState) ([]Notification, error)

// SaveExpectations applies a manager's changes to target's expectations for
// fy, starting the review if needed, with audit rows and the notifications
// c.Notify returns, in one transaction. It returns the review as saved.
func (s *Store) SaveExpectations(ctx context.Context, c Change, target review.Person, fy review.FiscalYear, ch review.ExpectationChanges) (review.YearState, error) {
	actor := c.Actor
	return s.change(ctx, "save expectations", c, target.ID, fy, true, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		before, err := expectationsByID(tx, rv.ID, ch.Touched())
		if err != nil {
			return err
		}
		for _, e := range ch.Update {
			old, ok := before[e.ID]
			if !ok {
				return review.StaleForm
			}
			if err := tx.Model(&expectationRow{}).Where("id = ?", e.ID).Updates(map[string]any{"body": e.Text, "updated_at": now}).Error; err != nil {
				return err
			}
			after := old
			after.Body, after.UpdatedAt = e.Text, now
			audit.add("expectation.update", "expectation", e.ID, old, after)
		}
		for _, id := range ch.Retire {
			old, ok := before[id]
			if !ok {
				return review.StaleForm
			}
			if err := tx.Model(&expectationRow{}).Where("id = ?", id).Updates(map[string]any{"retired_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			after := old
			after.RetiredAt, after.UpdatedAt = &now, now
			audit.add("expectation.retire", "expectation", id, old, after)
		}
		var by *int64
		if actor.Person != nil {
			by = &actor.Person.ID
		}
		for _, e := range ch.Create {
			row := expectationRow{ReviewID: rv.ID, Position: e.Position, Body: e.Text, CreatedBy: by}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			audit.add("expectation.create", "expectation", row.ID, nil, row)
		}
		return capActive(tx, "review_id = ?", rv.ID, review.MaxExpectations, &expectationRow{})
	})
}

// capActive refuses a change that leaves more than limit active rows of
// model matching where: two forms saved at once could each stay within the
// limit and together pass it.
func capActive(tx *gorm.DB, where string, arg any, limit int, model any) error {
	var n int64
	if err := tx.Model(model).Where(where+" AND retired_at IS NULL", arg).Count(&n).Error; err != nil {
		return err
	}
	if int(n) > limit {
		return review.StaleForm
	}
	return nil
}

// expectationsByID loads the active expectations of a review among ids.
func expectationsByID(tx *gorm.DB, reviewID int64, ids []int64) (map[int64]expectationRow, error) {
	out := map[int64]expectationRow{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []expectationRow
	if err := tx.Where("review_id = ? AND retired_at IS NULL AND id IN ?", reviewID, ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// finish ends a change to a review inside its transaction: it writes the
// audit rows, reloads the review as saved (unless blind), and queues the
// notifications notify builds from it.
func (s *Store) finish(tx *gorm.DB, now time.Time, audit *auditLog, reviewID, personID int64, fy review.FiscalYear, notify Notify, blind bool) (review.YearState, error) {
	if err := audit.flush(tx, s.batch); err != nil {
		return review.YearState{}, err
	}
	var saved review.YearState
	if !blind {
		years, err := loadYears(tx, fy, "r.id = ?", reviewID)
		if err != nil {
			return review.YearState{}, err
		}
		saved = years[personID]
	}
	if notify == nil {
		return saved, nil
	}
	ns, err := notify(saved)
	if err != nil {
		return review.YearState{}, err
	}
	return saved, enqueue(tx, now, ns, s.batch)
}
