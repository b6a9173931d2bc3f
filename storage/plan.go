package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// planRow is an improvement plan.
type planRow struct {
	ID           int64
	PersonID     int64
	FiscalYear   int
	Improve      string
	Support      string
	ReevaluateOn string
	Outcome      string
	ClosedOn     string
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (planRow) TableName() string { return "improvement_plans" }

func (r planRow) domain() review.ImprovementPlan {
	return review.ImprovementPlan{ID: r.ID, PersonID: r.PersonID, Year: review.FiscalYear(r.FiscalYear), Improve: r.Improve, Support: r.Support,
		Reevaluate: parseDay(r.ReevaluateOn), Outcome: review.PlanOutcome(r.Outcome), ClosedOn: parseDay(r.ClosedOn)}
}

// attachLeavesAndPlans adds to years (keyed by person) these people's
// leaves that touch fy and their open improvement plans (from whatever
// year), adding a year for someone with either and no review yet: one
// query for both, per thousand people.
func attachLeavesAndPlans(db *gorm.DB, fy review.FiscalYear, people []int64, years map[int64]review.YearState) error {
	for lo := 0; lo < len(people); lo += idChunk {
		ids := people[lo:min(lo+idChunk, len(people))]
		var rows []struct {
			Kind       string
			PersonID   int64
			ID         int64
			A, B       string // a leave's days; a plan's re-evaluation day
			Improve    string
			Support    string
			FiscalYear int
		}
		// The ids go as one value (inIDs), not one parameter each.
		in, inArgs := inIDsOn(db, "person_id", ids)
		err := db.Raw(`SELECT 'leave' AS kind, person_id, id, from_day AS a, to_day AS b, '' AS improve, '' AS support, 0 AS fiscal_year
				FROM leaves WHERE `+in+` AND from_day <= ? AND (to_day = '' OR to_day >= ?)
			UNION ALL
			SELECT 'plan', person_id, id, reevaluate_on, '', improve, support, fiscal_year
				FROM improvement_plans WHERE `+in+` AND closed_on = ''
			ORDER BY 2, 1, 4, 3`, append(append(inArgs, fy.End().String(), fy.Start().String()), inArgs...)...).Find(&rows).Error
		if err != nil {
			return err
		}
		for _, r := range rows {
			y, ok := years[r.PersonID]
			if !ok {
				y = review.YearState{Year: fy}
			}
			if r.Kind == "leave" {
				y.Leaves = append(y.Leaves, review.Leave{From: parseDay(r.A), To: parseDay(r.B)})
			} else {
				y.Plans = append(y.Plans, review.ImprovementPlan{ID: r.ID, PersonID: r.PersonID, Year: review.FiscalYear(r.FiscalYear),
					Improve: r.Improve, Support: r.Support, Reevaluate: parseDay(r.A)})
			}
			years[r.PersonID] = y
		}
	}
	return nil
}

// Plans returns every improvement plan of the person, newest first.
func (s *Store) Plans(ctx context.Context, personID int64) ([]review.ImprovementPlan, error) {
	var rows []planRow
	if err := s.read(ctx).Where("person_id = ?", personID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, s.wrap("plans", err)
	}
	out := make([]review.ImprovementPlan, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// SavePlan starts the improvement plan of target's fy rating, as plan
// allows it with their wrap-up as it stands; one open plan at a time.
func (s *Store) SavePlan(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, plan func(*review.WrapUp) (review.ImprovementPlan, error)) (review.ImprovementPlan, error) {
	var out review.ImprovementPlan
	_, err := s.change(ctx, "save plan", ch, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		var open int64
		if err := tx.Model(&planRow{}).Where("person_id = ? AND closed_on = ''", target.ID).Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return review.Errorf(review.ECONFLICT, "%s has an improvement plan running: record its re-evaluation first.", target.Name)
		}
		w, _, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		p, err := plan(w.domain(nil))
		if err != nil {
			return err
		}
		row := planRow{PersonID: target.ID, FiscalYear: int(fy), Improve: p.Improve, Support: p.Support, ReevaluateOn: p.Reevaluate.String(),
			CreatedBy: ch.Actor.AuditName(), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		audit.add("plan.start", "improvement_plan", row.ID, nil, row)
		out = row.domain()
		return nil
	})
	return out, err
}

// RecordReevaluation records how target's open plan went, as decide
// allows it with the plan as it stands: closed, or extended to a new day.
func (s *Store) RecordReevaluation(ctx context.Context, ch Change, target review.Person, id int64, decide func(review.ImprovementPlan) (review.ImprovementPlan, error)) (review.ImprovementPlan, error) {
	var out review.ImprovementPlan
	err := s.tx(ctx, "plan re-evaluation", func(tx *gorm.DB, now time.Time) error {
		t, err := s.begin(tx, ch, target.ID, now)
		if err != nil {
			return err
		}
		var row planRow
		if err := tx.Where("id = ? AND person_id = ?", id, t.ID).Take(&row).Error; err != nil {
			return err
		}
		p, err := decide(row.domain())
		if err != nil {
			return err
		}
		old := row
		row.Outcome, row.ReevaluateOn, row.ClosedOn, row.UpdatedAt = string(p.Outcome), p.Reevaluate.String(), dateText(p.ClosedOn), now
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		audit := newAudit(ch.Actor.AuditName(), now)
		audit.add("plan.reevaluate", "improvement_plan", row.ID, old, row)
		out = row.domain()
		return audit.flush(tx, 10)
	})
	return out, err
}
