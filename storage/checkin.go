package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type checkInRow struct {
	ID                  int64
	ReviewID            int64
	ManagerID           int64
	HeldOn              string
	Quarter             int
	CoveredExpectations bool
	CoveredFeedback     bool
	CoveredDevelopment  bool
	Notes               string
	FeedbackForEmployee string
	FirstOfYear         bool
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (checkInRow) TableName() string { return "check_ins" }

type goalProgressRow struct {
	ID        int64
	CheckInID int64
	GoalID    int64
	Progress  string
}

func (goalProgressRow) TableName() string { return "goal_progress" }

type confirmationRow struct {
	ID                 int64
	CheckInID          int64
	PersonID           int64
	FeedbackForManager string
	ConfirmedAt        time.Time
}

func (confirmationRow) TableName() string { return "confirmations" }

type complianceAnswerRow struct {
	ID         int64
	ReviewID   int64
	Stage      string
	Question   string
	Answer     bool
	AnsweredBy int64
	AnsweredAt time.Time
	CheckInID  *int64
}

func (complianceAnswerRow) TableName() string { return "compliance_answers" }

type cadenceChangeRow struct {
	ID        int64
	ReviewID  int64
	Cadence   string
	Reason    string
	ChangedBy *int64
	CreatedAt time.Time
}

func (cadenceChangeRow) TableName() string { return "cadence_changes" }

func (r checkInRow) domain() review.CheckIn {
	c := review.CheckIn{
		ID: r.ID, ReviewID: r.ReviewID, ManagerID: r.ManagerID,
		Expectations: r.CoveredExpectations, Feedback: r.CoveredFeedback, Development: r.CoveredDevelopment,
		Notes: r.Notes, FeedbackForEmployee: r.FeedbackForEmployee, First: r.FirstOfYear,
		Progress: map[int64]review.Progress{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	c.HeldOn, _ = review.ParseDate(r.HeldOn)
	return c
}

// loadCheckIns loads the check-ins of the given reviews, with their
// progress, confirmations and compliance answers, keyed by review id.
func loadCheckIns(db *gorm.DB, reviewIDs []int64) (map[int64][]review.CheckIn, error) {
	rows, err := findIn[checkInRow](db, "review_id", reviewIDs, "", "review_id, held_on, id")
	if err != nil {
		return nil, err
	}
	out := map[int64][]review.CheckIn{}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	progress, err := findIn[goalProgressRow](db, "check_in_id", ids, "", "")
	if err != nil {
		return nil, err
	}
	confs, err := findIn[confirmationRow](db, "check_in_id", ids, "", "")
	if err != nil {
		return nil, err
	}
	answers, err := findIn[complianceAnswerRow](db, "check_in_id", ids, "", "id")
	if err != nil {
		return nil, err
	}
	byCheckIn := map[int64]*review.CheckIn{}
	all := make([]review.CheckIn, len(rows))
	for i, r := range rows {
		all[i] = r.domain()
		byCheckIn[r.ID] = &all[i]
	}
	for _, p := range progress {
		byCheckIn[p.CheckInID].Progress[p.GoalID] = review.Progress(p.Progress)
	}
	for _, c := range confs {
		byCheckIn[c.CheckInID].Confirmation = &review.Confirmation{CheckInID: c.CheckInID, FeedbackForManager: c.FeedbackForManager, ConfirmedAt: c.ConfirmedAt}
	}
	for _, a := range answers {
		if c := byCheckIn[*a.CheckInID]; c.Confirmation != nil {
			c.Confirmation.Answers = append(c.Confirmation.Answers, review.Answer{
				Stage: review.Stage(a.Stage), Question: a.Question, Yes: a.Answer, AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt,
			})
		}
	}
	for _, c := range all {
		out[c.ReviewID] = append(out[c.ReviewID], c)
	}
	return out, nil
}

// CheckInRef is a check-in with whose review it is in.
type CheckInRef struct {
	CheckIn  review.CheckIn
	PersonID int64
	Year     review.FiscalYear
}

// CheckInByID finds a check-in and the review it belongs to.
func (s *Store) CheckInByID(ctx context.Context, id int64) (CheckInRef, error) {
	var r checkInRow
	db := s.read(ctx)
	if err := db.Take(&r, id).Error; err != nil {
		return CheckInRef{}, s.wrap("check-in", err)
	}
	var rv reviewRow
	if err := db.Take(&rv, r.ReviewID).Error; err != nil {
		return CheckInRef{}, s.wrap("check-in review", err)
	}
	years, err := loadYears(db, review.FiscalYear(rv.FiscalYear), "r.id = ?", rv.ID)
	if err != nil {
		return CheckInRef{}, s.wrap("check-in year", err)
	}
	for _, c := range years[rv.PersonID].CheckIns {
		if c.ID == id {
			return CheckInRef{CheckIn: c, PersonID: rv.PersonID, Year: review.FiscalYear(rv.FiscalYear)}, nil
		}
	}
	return CheckInRef{}, s.wrap("check-in", gorm.ErrRecordNotFound)
}

// SaveCheckIn stores a check-in the manager logged (c.ID 0) or changed,
// with its goal progress, starting the review if needed; the year's first
// check-in also records the agreed cadence. The old version of a changed
// check-in stays in the audit log. It returns the review as saved and the
// check-in's id.
func (s *Store) SaveCheckIn(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, c review.CheckIn, cadence *review.Cadence) (review.YearState, int64, error) {
	var id int64
	saved, err := s.change(ctx, "save check-in", ch, target.ID, fy, true, func(tx *gorm.DB, now time.Time, audit *auditLog, _ review.Person, rv reviewRow) error {
		row := checkInRow{
			ID: c.ID, ReviewID: rv.ID, ManagerID: ch.Actor.Person.ID, HeldOn: c.HeldOn.String(), Quarter: int(c.Quarter()),
			CoveredExpectations: c.Expectations, CoveredFeedback: c.Feedback, CoveredDevelopment: c.Development,
			Notes: c.Notes, FeedbackForEmployee: c.FeedbackForEmployee, FirstOfYear: c.First,
		}
		if c.ID == 0 {
			if c.First {
				// Two managers' forms racing to log the first: one wins.
				var n int64
				if err := tx.Model(&checkInRow{}).Where("review_id = ?", rv.ID).Count(&n).Error; err != nil {
					return err
				}
				if n > 0 {
					return review.StaleForm
				}
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			audit.add("checkin.create", "check_in", row.ID, nil, row)
		} else {
			var old checkInRow
			if err := tx.Where("id = ? AND review_id = ?", c.ID, rv.ID).Take(&old).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return review.StaleForm
				}
				return err
			}
			row.ManagerID, row.FirstOfYear, row.CreatedAt = old.ManagerID, old.FirstOfYear, old.CreatedAt
			if err := tx.Save(&row).Error; err != nil {
				return err
			}
			if err := tx.Where("check_in_id = ?", row.ID).Delete(&goalProgressRow{}).Error; err != nil {
				return err
			}
			audit.add("checkin.update", "check_in", row.ID, old, row)
		}
		id = row.ID
		var progress []goalProgressRow
		for goal, p := range c.Progress {
			progress = append(progress, goalProgressRow{CheckInID: row.ID, GoalID: goal, Progress: string(p)})
		}
		if len(progress) > 0 {
			// The goals must be active ones of this review.
			var n int64
			goals := make([]int64, 0, len(progress))
			for _, p := range progress {
				goals = append(goals, p.GoalID)
			}
			if err := tx.Model(&goalRow{}).Where("review_id = ? AND retired_at IS NULL AND id IN ?", rv.ID, goals).Count(&n).Error; err != nil {
				return err
			}
			if int(n) != len(goals) {
				return review.StaleForm
			}
			if err := tx.CreateInBatches(progress, s.batch).Error; err != nil {
				return err
			}
		}
		if cadence != nil && c.First && c.ID == 0 {
			return setCadence(tx, audit, ch.Actor, rv, *cadence, "agreed at the first check-in", now)
		}
		return nil
	})
	return saved, id, err
}

func setCadence(tx *gorm.DB, audit *auditLog, actor review.Actor, rv reviewRow, c review.Cadence, reason string, now time.Time) error {
	if err := tx.Model(&reviewRow{}).Where("id = ?", rv.ID).Updates(map[string]any{"cadence": c.String(), "cadence_agreed_at": now, "updated_at": now}).Error; err != nil {
		return err
	}
	var by *int64
	if actor.Person != nil {
		by = &actor.Person.ID
	}
	change := cadenceChangeRow{ReviewID: rv.ID, Cadence: c.String(), Reason: reason, ChangedBy: by, CreatedAt: now}
	if err := tx.Create(&change).Error; err != nil {
		return err
	}
	audit.add("review.cadence", "review", rv.ID, map[string]any{"cadence": rv.Cadence}, map[string]any{"cadence": c.String(), "reason": reason})
	return nil
}

// SaveCadence records a change of the agreed cadence, with its reason, in
// the review's history.
func (s *Store) SaveCadence(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, c review.Cadence, reason string) (review.YearState, error) {
	return s.change(ctx, "save cadence", ch, target.ID, fy, true, func(tx *gorm.DB, now time.Time, audit *auditLog, _ review.Person, rv reviewRow) error {
		return setCadence(tx, audit, ch.Actor, rv, c, reason, now)
	})
}

// CadenceChange is one entry of a review's cadence history.
type CadenceChange struct {
	Cadence   review.Cadence
	Reason    string
	ChangedBy int64
	At        time.Time
}

// CadenceHistory returns a review's cadence changes, oldest first.
func (s *Store) CadenceHistory(ctx context.Context, reviewID int64) ([]CadenceChange, error) {
	var rows []cadenceChangeRow
	if err := s.read(ctx).Where("review_id = ?", reviewID).Order("id").Find(&rows).Error; err != nil {
		return nil, s.wrap("cadence history", err)
	}
	out := make([]CadenceChange, len(rows))
	for i, r := range rows {
		out[i].Cadence, _ = review.ParseCadence(r.Cadence)
		out[i].Reason, out[i].At = r.Reason, r.CreatedAt
		if r.ChangedBy != nil {
			out[i].ChangedBy = *r.ChangedBy
		}
	}
	return out, nil
}

// SaveConfirmation records the employee's confirmation of a check-in in
// their review, with the compliance answers as given.
func (s *Store) SaveConfirmation(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, conf review.Confirmation) (review.YearState, error) {
	return s.change(ctx, "save confirmation", ch, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		var ci checkInRow
		err := tx.Where("id = ? AND review_id = ?", conf.CheckInID, rv.ID).Take(&ci).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return review.StaleForm
		}
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&confirmationRow{}).Where("check_in_id = ?", ci.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return review.AlreadyConfirmed
		}
		row := confirmationRow{CheckInID: ci.ID, PersonID: target.ID, FeedbackForManager: conf.FeedbackForManager, ConfirmedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		audit.add("checkin.confirm", "check_in", ci.ID, nil, row)
		for _, a := range conf.Answers {
			ar := complianceAnswerRow{ReviewID: ci.ReviewID, Stage: string(a.Stage), Question: a.Question, Answer: a.Yes, AnsweredBy: target.ID, AnsweredAt: now, CheckInID: &ci.ID}
			if err := tx.Create(&ar).Error; err != nil {
				return err
			}
			audit.add("compliance.answer", "review", ci.ReviewID, nil, ar)
		}
		return nil
	})
}
