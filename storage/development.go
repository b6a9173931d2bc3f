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
	return s.change(ctx, "save development plan", ch, target.ID, fy, true, func(tx *gorm.DB, now time.Time, audit *auditLog, _ review.Person, rv reviewRow) error {
		status := "draft"
		if p.Shared {
			status = "shared"
		}
		var old developmentPlanRow
		err := tx.Where("review_id = ?", rv.ID).Take(&old).Error
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
		return nil
	})
}
