package storage

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

type reviewRow struct {
	ID              int64
	PersonID        int64
	FiscalYear      int
	Cadence         string
	CadenceAgreedAt *time.Time
	State           string
	ClosedReason    string
	ClosedAt        *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (reviewRow) TableName() string { return "reviews" }

// Review states.
const (
	reviewOpen = "open"
	reviewLeft = "left" // the person left the roster
)

// ensureReview returns the person's review for the year, creating it if
// needed: one round trip when it exists. Two transactions racing to create
// it both end with the same row.
func ensureReview(tx *gorm.DB, audit *auditLog, personID int64, fy review.FiscalYear) (reviewRow, error) {
	var got []reviewRow
	if err := tx.Where("person_id = ? AND fiscal_year = ?", personID, int(fy)).Limit(1).Find(&got).Error; err != nil || len(got) == 1 {
		if err != nil {
			return reviewRow{}, err
		}
		return got[0], nil
	}
	r := reviewRow{PersonID: personID, FiscalYear: int(fy), Cadence: "quarterly", State: reviewOpen}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if res.Error != nil {
		return reviewRow{}, res.Error
	}
	if res.RowsAffected == 1 {
		audit.add("review.start", "review", r.ID, nil, r)
		return r, nil
	}
	var other reviewRow
	err := tx.Where("person_id = ? AND fiscal_year = ?", personID, int(fy)).Take(&other).Error
	return other, err
}

// Year returns what a person's review holds for a fiscal year: the active
// expectations and goals. A review that has not started comes back empty,
// with ReviewID 0.
func (s *Store) Year(ctx context.Context, personID int64, fy review.FiscalYear) (review.YearState, error) {
	db := s.read(ctx)
	years, err := loadYears(db, fy, "r.person_id = ?", personID)
	if err != nil {
		return review.YearState{}, s.wrap("load year", err)
	}
	since, err := sinceOf(db, "p.id = ?", personID)
	if err != nil {
		return review.YearState{}, s.wrap("load year", err)
	}
	y, ok := years[personID]
	if !ok {
		y = review.YearState{Year: fy}
		if err := attachLeavesAndPlans(db, fy, []int64{personID}, years); err != nil {
			return review.YearState{}, s.wrap("load year", err)
		}
		if y, ok = years[personID]; !ok {
			y = review.YearState{Year: fy}
		}
	}
	y.Since = since[personID]
	return y, nil
}

// YearForChange is Year without Since, one query fewer: what a form's
// submission is checked against before its change is saved.
func (s *Store) YearForChange(ctx context.Context, personID int64, fy review.FiscalYear) (review.YearState, error) {
	years, err := loadYears(s.read(ctx), fy, "r.person_id = ?", personID)
	if err != nil {
		return review.YearState{}, s.wrap("load year", err)
	}
	y, ok := years[personID]
	if !ok {
		y = review.YearState{Year: fy}
	}
	return y, nil
}

// TeamMember is a direct report with their year.
type TeamMember struct {
	Person review.Person
	Year   review.YearState
}

// Team returns a manager's active direct reports, ordered by name, each
// with their year, in a fixed number of queries.
func (s *Store) Team(ctx context.Context, managerID int64, fy review.FiscalYear) ([]TeamMember, error) {
	db := s.read(ctx)
	var rows []personRow
	if err := db.Where("manager_id = ? AND active", managerID).Order("name, id").Find(&rows).Error; err != nil {
		return nil, s.wrap("team", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	years, err := loadYearsOf(db, fy, ids)
	if err != nil {
		return nil, s.wrap("team years", err)
	}
	since, err := sinceOf(db, "p.manager_id = ? AND p.active", managerID)
	if err != nil {
		return nil, s.wrap("team years", err)
	}
	team := make([]TeamMember, len(rows))
	for i, r := range rows {
		y, ok := years[r.ID]
		if !ok {
			y = review.YearState{Year: fy}
		}
		y.Since = since[r.ID]
		team[i] = TeamMember{Person: r.domain(), Year: y}
	}
	return team, nil
}

// sinceOf returns, for the people matching where (over people as p), the
// day their time under their current manager began: the latest of the day
// they joined the roster, their hire date and their last change of
// manager. One query.
func sinceOf(db *gorm.DB, where string, args ...any) (map[int64]review.Date, error) {
	out := map[int64]review.Date{}
	err := eachRow(db.Table("people AS p").
		Select("p.id, p.joined_on, p.hire_date, COALESCE(MAX(mc.effective), '') AS moved").
		Joins("LEFT JOIN manager_changes mc ON mc.person_id = p.id").
		Where(where, args...).Group("p.id, p.joined_on, p.hire_date"), func(rows *sql.Rows) error {
		var id int64
		var joined, hired, moved string
		if err := rows.Scan(&id, &joined, &hired, &moved); err != nil {
			return err
		}
		var latest review.Date
		for _, s := range []string{joined, hired, moved} {
			if d, err := review.ParseDate(s); err == nil && d.After(latest) {
				latest = d
			}
		}
		out[id] = latest
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// loadYears loads the reviews of fy matching where (over reviews as r),
// with their active expectations and goals and their check-ins, keyed by
// person id: a fixed number of queries for up to idChunk reviews, and as
// many more per further idChunk, never one per person.
func loadYears(db *gorm.DB, fy review.FiscalYear, where string, args ...any) (map[int64]review.YearState, error) {
	var reviews []reviewRow
	q := db.Table("reviews AS r").Where("r.fiscal_year = ?", int(fy)).Where(where, args...)
	if err := q.Find(&reviews).Error; err != nil {
		return nil, err
	}
	return loadReviews(db, fy, reviews, nil)
}

// loadYearsOf is loadYears for the reviews of these people, with the
// leaves and open improvement plans of each of them, a review or not: a
// year of someone on leave all of it may hold nothing else.
func loadYearsOf(db *gorm.DB, fy review.FiscalYear, people []int64) (map[int64]review.YearState, error) {
	reviews, err := findIn[reviewRow](db, "person_id", people, "fiscal_year = ?", "", int(fy))
	if err != nil {
		return nil, err
	}
	return loadReviews(db, fy, reviews, people)
}

// loadReviews fills in the years of reviews, and attaches the leaves and
// open plans of people (nil: the reviews' people).
func loadReviews(db *gorm.DB, fy review.FiscalYear, reviews []reviewRow, people []int64) (map[int64]review.YearState, error) {
	years := make(map[int64]review.YearState, len(reviews))
	if len(reviews) == 0 {
		return years, attachLeavesAndPlans(db, fy, people, years)
	}
	ids := make([]int64, len(reviews))
	for i, r := range reviews {
		ids[i] = r.ID
	}
	exps, err := findIn[expectationRow](db, "review_id", ids, "retired_at IS NULL", "review_id, position, id")
	if err != nil {
		return nil, err
	}
	goals, err := findIn[goalRow](db, "review_id", ids, "retired_at IS NULL", "review_id, target_date, id")
	if err != nil {
		return nil, err
	}
	checkIns, err := loadCheckIns(db, ids)
	if err != nil {
		return nil, err
	}
	plans, err := findIn[developmentPlanRow](db, "review_id", ids, "", "")
	if err != nil {
		return nil, err
	}
	planOf := make(map[int64]*review.DevelopmentPlan, len(plans))
	for _, p := range plans {
		planOf[p.ReviewID] = p.domain()
	}
	wrapUps, err := loadWrapUps(db, ids)
	if err != nil {
		return nil, err
	}
	personOf := make(map[int64]int64, len(reviews))
	for _, r := range reviews {
		personOf[r.ID] = r.PersonID
		cadence, _ := review.ParseCadence(r.Cadence)
		years[r.PersonID] = review.YearState{ReviewID: r.ID, Year: fy, Cadence: cadence, Left: r.State == reviewLeft, CheckIns: checkIns[r.ID], Plan: planOf[r.ID], WrapUp: wrapUps[r.ID]}
	}
	for _, e := range exps {
		y := years[personOf[e.ReviewID]]
		y.Expectations = append(y.Expectations, e.domain())
		years[personOf[e.ReviewID]] = y
	}
	for _, g := range goals {
		y := years[personOf[g.ReviewID]]
		y.Goals = append(y.Goals, g.domain())
		years[personOf[g.ReviewID]] = y
	}
	if people == nil {
		people = make([]int64, len(reviews))
		for i, r := range reviews {
			people[i] = r.PersonID
		}
	}
	return years, attachLeavesAndPlans(db, fy, people, years)
}

// idChunk is how many ids one "IN" list carries: well inside both
// databases' limits on parameters.
const idChunk = 1000

// findIn loads the rows of T whose column is one of ids (and that match
// extra, if not ""), ordered by order within each chunk of ids.
func findIn[T any](db *gorm.DB, column string, ids []int64, extra, order string, extraArgs ...any) ([]T, error) {
	var out []T
	for lo := 0; lo < len(ids); lo += idChunk {
		var part []T
		q := db.Where(column+" IN ?", ids[lo:min(lo+idChunk, len(ids))])
		if extra != "" {
			q = q.Where(extra, extraArgs...)
		}
		if order != "" {
			q = q.Order(order)
		}
		if err := q.Find(&part).Error; err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}
