package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type goalRow struct {
	ID            int64
	ReviewID      int64
	ExpectationID int64
	Body          string
	Measure       string
	TargetDate    string
	RetiredAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (goalRow) TableName() string { return "goals" }

func (r goalRow) domain() review.Goal {
	g := review.Goal{
		ID: r.ID, ReviewID: r.ReviewID, ExpectationID: r.ExpectationID, Text: r.Body, Measure: r.Measure,
		Retired: r.RetiredAt != nil, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	g.Target, _ = review.ParseDate(r.TargetDate)
	return g
}

// SaveGoals applies an employee's changes to the goals of one of their
// expectations, with audit rows and the notifications c.Notify returns, in
// one transaction. The expectation must be active in the employee's review
// for fy. It returns the review as saved.
func (s *Store) SaveGoals(ctx context.Context, c Change, target review.Person, fy review.FiscalYear, expectationID int64, ch review.GoalChanges) (review.YearState, error) {
	return s.change(ctx, "save goals", c, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		exp, err := expectationsByID(tx, rv.ID, []int64{expectationID})
		if err != nil {
			return err
		}
		if _, ok := exp[expectationID]; !ok {
			return review.StaleForm
		}
		before := map[int64]goalRow{}
		if ids := ch.Touched(); len(ids) > 0 {
			var rows []goalRow
			if err := tx.Where("expectation_id = ? AND retired_at IS NULL AND id IN ?", expectationID, ids).Find(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				before[r.ID] = r
			}
		}
		for _, g := range ch.Update {
			old, ok := before[g.ID]
			if !ok {
				return review.StaleForm
			}
			after := old
			after.Body, after.Measure, after.TargetDate, after.UpdatedAt = g.Text, g.Measure, g.Target.String(), now
			if err := tx.Model(&goalRow{}).Where("id = ?", g.ID).Updates(map[string]any{
				"body": after.Body, "measure": after.Measure, "target_date": after.TargetDate, "updated_at": now,
			}).Error; err != nil {
				return err
			}
			audit.add("goal.update", "goal", g.ID, old, after)
		}
		for _, id := range ch.Retire {
			old, ok := before[id]
			if !ok {
				return review.StaleForm
			}
			if err := tx.Model(&goalRow{}).Where("id = ?", id).Updates(map[string]any{"retired_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			after := old
			after.RetiredAt, after.UpdatedAt = &now, now
			audit.add("goal.retire", "goal", id, old, after)
		}
		for _, g := range ch.Create {
			row := goalRow{ReviewID: rv.ID, ExpectationID: expectationID, Body: g.Text, Measure: g.Measure, TargetDate: g.Target.String()}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			audit.add("goal.create", "goal", row.ID, nil, row)
		}
		return capActive(tx, "expectation_id = ?", expectationID, review.MaxGoalsPerExpectation, &goalRow{})
	})
}
