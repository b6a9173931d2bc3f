package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type developmentPlanRow struct {
	ID          int64
	ReviewID    int64
	LongTerm    string
	ShortTerm   string
	Needs       string
	Status      string // "draft" or "shared"
	RequestedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (developmentPlanRow) TableName() string { return "development_plans" }

func (r developmentPlanRow) domain() *review.DevelopmentPlan {
	p := &review.DevelopmentPlan{LongTerm: r.LongTerm, ShortTerm: r.ShortTerm, Needs: r.Needs, Shared: r.Status == "shared", UpdatedAt: r.UpdatedAt}
	if r.RequestedAt != nil {
		p.RequestedAt = *r.RequestedAt
	}
	return p
}

// SaveDevelopmentPlan stores the employee's plan for fy, starting the
// review if needed; every version stays in the audit log. ask records that
// they asked their manager for a development check-in.
func (s *Store) SaveDevelopmentPlan(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, p review.DevelopmentPlan, ask bool) (review.YearState, error) {
	var saved review.YearState
	err := s.tx(ctx, "save development plan", func(tx *gorm.DB, now time.Time) error {
		target, err := s.begin(tx, ch, target.ID, now)
		if err != nil {
			return err
		}
		audit := newAudit(ch.Actor.AuditName(), now)
		rv, err := ensureReview(tx, audit, target.ID, fy)
		if err != nil {
			return err
		}
		status := "draft"
		if p.Shared {
			status = "shared"
		}
		var old developmentPlanRow
		err = tx.Where("review_id = ?", rv.ID).Take(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			row := developmentPlanRow{ReviewID: rv.ID, LongTerm: p.LongTerm, ShortTerm: p.ShortTerm, Needs: p.Needs, Status: status}
			if ask {
				row.RequestedAt = &now
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			audit.add("plan.create", "development_plan", row.ID, nil, row)
		case err != nil:
			return err
		default:
			row := old
			row.LongTerm, row.ShortTerm, row.Needs, row.Status, row.UpdatedAt = p.LongTerm, p.ShortTerm, p.Needs, status, now
			if ask {
				row.RequestedAt = &now
			}
			if err := tx.Save(&row).Error; err != nil {
				return err
			}
			audit.add("plan.update", "development_plan", row.ID, old, row)
		}
		saved, err = s.finish(tx, now, audit, rv.ID, target.ID, fy, ch.Notify)
		return err
	})
	return saved, err
}
