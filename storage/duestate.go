package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// DueStates returns, for these people, as much of their year in fy as
// review.Calendar.Due needs (and nudges show): the cadence, active
// expectations with their text, which expectations have a goal, the
// check-ins and whether each is confirmed, whether a development plan is
// shared, the wrap-up's progress, and the
// day their time with their manager began. It reads only those columns, in
// seven queries per thousand people, each selecting a range of person ids
// rather than binding a long list: the sweep's loader, lighter than
// YearsOf. ids must be in ascending order.
func (s *Store) DueStates(ctx context.Context, fy review.FiscalYear, ids []int64) (map[int64]review.YearState, error) {
	out := make(map[int64]review.YearState, len(ids))
	db := s.read(ctx)
	for lo := 0; lo < len(ids); lo += idChunk {
		if err := dueStates(db, fy, ids[lo:min(lo+idChunk, len(ids))], out); err != nil {
			return nil, s.wrap("due states", err)
		}
	}
	return out, nil
}

// byPersonFirst matches a review's year in a way that keeps SQLite from
// choosing the index on fiscal_year (every review of the year) over the one
// on person_id (a thousand people): the unary plus makes the column an
// expression, which PostgreSQL reads as the same number.
const byPersonFirst = "+fiscal_year = ?"

func dueStates(db *gorm.DB, fy review.FiscalYear, ids []int64, out map[int64]review.YearState) error {
	first, last := ids[0], ids[len(ids)-1]
	wanted := make(map[int64]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	// inRange keeps rows (as x) of this year's reviews of the range.
	inRange := func(q *gorm.DB) *gorm.DB {
		return q.Where("x.review_id IN (SELECT id FROM reviews WHERE person_id BETWEEN ? AND ? AND "+byPersonFirst+")", first, last, int(fy))
	}
	var reviews []struct {
		ID       int64
		PersonID int64
		Cadence  string
		State    string
	}
	if err := db.Table("reviews").Select("id, person_id, cadence, state").Where("person_id BETWEEN ? AND ? AND "+byPersonFirst, first, last, int(fy)).Scan(&reviews).Error; err != nil {
		return err
	}
	since, err := sinceOf(db, "p.id BETWEEN ? AND ?", first, last)
	if err != nil {
		return err
	}
	for _, id := range ids {
		out[id] = review.YearState{Year: fy, Since: since[id]}
	}
	personOf := make(map[int64]int64, len(reviews))
	years := make(map[int64]*review.YearState, len(reviews))
	for _, r := range reviews {
		if !wanted[r.PersonID] {
			continue
		}
		personOf[r.ID] = r.PersonID
		y := out[r.PersonID]
		y.ReviewID, y.Left = r.ID, r.State == reviewLeft
		y.Cadence, _ = review.ParseCadence(r.Cadence)
		years[r.ID] = &y
	}
	var exps []struct {
		ID        int64
		ReviewID  int64
		Body      string
		CreatedAt time.Time
	}
	if len(years) == 0 {
		return nil
	}
	if err := inRange(db.Table("expectations AS x")).Select("x.id, x.review_id, x.body, x.created_at").Where("x.retired_at IS NULL").Order("x.review_id, x.position, x.id").Scan(&exps).Error; err != nil {
		return err
	}
	for _, e := range exps {
		y, ok := years[e.ReviewID]
		if !ok {
			continue
		}
		y.Expectations = append(y.Expectations, review.Expectation{ID: e.ID, ReviewID: e.ReviewID, Text: e.Body, CreatedAt: e.CreatedAt})
	}
	var goals []struct {
		ReviewID      int64
		ExpectationID int64
	}
	if err := inRange(db.Table("goals AS x")).Select("DISTINCT x.review_id, x.expectation_id").Where("x.retired_at IS NULL").Scan(&goals).Error; err != nil {
		return err
	}
	for _, g := range goals {
		y, ok := years[g.ReviewID]
		if !ok {
			continue
		}
		y.Goals = append(y.Goals, review.Goal{ReviewID: g.ReviewID, ExpectationID: g.ExpectationID})
	}
	var checkIns []struct {
		ID          int64
		ReviewID    int64
		ManagerID   int64
		HeldOn      string
		FirstOfYear bool
		CreatedAt   time.Time
		Confirmed   bool
	}
	err = inRange(db.Table("check_ins AS x")).Select("x.id, x.review_id, x.manager_id, x.held_on, x.first_of_year, x.created_at, cf.id IS NOT NULL AS confirmed").
		Joins("LEFT JOIN confirmations cf ON cf.check_in_id = x.id").Order("x.review_id, x.held_on, x.id").Scan(&checkIns).Error
	if err != nil {
		return err
	}
	for _, c := range checkIns {
		held, _ := review.ParseDate(c.HeldOn)
		ci := review.CheckIn{ID: c.ID, ReviewID: c.ReviewID, ManagerID: c.ManagerID, HeldOn: held, First: c.FirstOfYear, CreatedAt: c.CreatedAt}
		if c.Confirmed {
			ci.Confirmation = &review.Confirmation{CheckInID: c.ID}
		}
		if y, ok := years[c.ReviewID]; ok {
			y.CheckIns = append(y.CheckIns, ci)
		}
	}
	var wraps []struct {
		ReviewID            int64
		EmployeeSubmittedAt *time.Time
		Rating              string
	}
	if err := inRange(db.Table("wrap_ups AS x")).Select("x.review_id, x.employee_submitted_at, x.rating").Scan(&wraps).Error; err != nil {
		return err
	}
	for _, w := range wraps {
		if _, ok := years[w.ReviewID]; !ok {
			continue
		}
		wu := &review.WrapUp{Rating: w.Rating}
		if w.EmployeeSubmittedAt != nil {
			wu.ReflectedAt = *w.EmployeeSubmittedAt
		}
		years[w.ReviewID].WrapUp = wu
	}
	var plans []struct {
		ReviewID int64
		Status   string
	}
	if err := inRange(db.Table("development_plans AS x")).Select("x.review_id, x.status").Scan(&plans).Error; err != nil {
		return err
	}
	for _, p := range plans {
		if y, ok := years[p.ReviewID]; ok {
			y.Plan = &review.DevelopmentPlan{Shared: p.Status == "shared"}
		}
	}
	for rid, y := range years {
		out[personOf[rid]] = *y
	}
	return nil
}
