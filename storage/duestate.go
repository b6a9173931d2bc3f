package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// DueStates returns, for these people, as much of their year in fy as
// review.Calendar.Due needs (and nudges show): the cadence, active
// expectations with their text, which expectations have a goal, the
// check-ins and whether each is confirmed, whether a development plan is
// shared, the wrap-up's progress, and the day their time with their
// manager began. It reads only those columns, in seven queries per
// thousand people: lighter than YearsOf. ids must be in ascending order.
func (s *Store) DueStates(ctx context.Context, fy review.FiscalYear, ids []int64) (map[int64]review.YearState, error) {
	_, years, err := s.PeopleDue(ctx, fy, ids)
	return years, err
}

// PeopleDue returns these people (active or not, in id order, with the
// columns ActivePeople reads) and their years in fy as DueStates reads
// them, in the same seven queries per thousand people: what the sweep and
// the digest go through the organisation with. A thousand ids close
// together (the people of a page) are read as a range of ids rather than
// a long list; ids spread out (the reports of a page's managers) as a
// list. ids must be in ascending order.
func (s *Store) PeopleDue(ctx context.Context, fy review.FiscalYear, ids []int64) ([]review.Person, map[int64]review.YearState, error) {
	people := make([]review.Person, 0, len(ids))
	years := make(map[int64]review.YearState, len(ids))
	db := s.read(ctx)
	for lo := 0; lo < len(ids); lo += idChunk {
		chunk := ids[lo:min(lo+idChunk, len(ids))]
		if err := s.dueStates(db, fy, chunk, &people, years); err != nil {
			return nil, nil, s.wrap("due states", err)
		}
		if err := attachLeavesAndPlans(db, fy, chunk, years); err != nil {
			return nil, nil, s.wrap("due states", err)
		}
	}
	return people, years, nil
}

// byPersonFirst matches a review's year in a way that keeps SQLite from
// choosing the index on fiscal_year (every review of the year) over the one
// on person_id (a thousand people): the unary plus makes the column an
// expression, which PostgreSQL reads as the same number.
const byPersonFirst = "+fiscal_year = ?"

// dense is how spread out ids may be and still be read as a range: the
// range may hold this many times as many people as are wanted.
const dense = 2

// inIDs matches column against a list of ids bound as one value, an array
// on PostgreSQL and a JSON array on SQLite, rather than as one value per
// id: for a thousand ids, building, sending and planning a thousand
// parameters costs more than the query.
func (s *Store) inIDs(column string, ids []int64) (string, []any) {
	return inIDsFor(s.dialect == Postgres, column, ids)
}

// inIDsOn is inIDs for the database db is a session of.
func inIDsOn(db *gorm.DB, column string, ids []int64) (string, []any) {
	return inIDsFor(db.Dialector.Name() == "postgres", column, ids)
}

// fewIDs is how many ids are still bound one parameter each (IN ?): for
// a person or two, as every form reads, the plainest statement.
const fewIDs = 16

func inIDsFor(postgres bool, column string, ids []int64) (string, []any) {
	if len(ids) <= fewIDs {
		return column + " IN ?", []any{ids}
	}
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	if postgres {
		return column + " = ANY(CAST(? AS BIGINT[]))", []any{"{" + b.String() + "}"}
	}
	return column + " IN (SELECT value FROM json_each(?))", []any{"[" + b.String() + "]"}
}

// parseDay reads a day column: zero when it is empty (as most hire dates
// and moves are) or not a day.
func parseDay(s string) review.Date {
	if s == "" {
		return review.Date{}
	}
	d, _ := review.ParseDate(s)
	return d
}

// eachRow runs q and calls fn with each row. It scans with database/sql
// directly: gorm's Scan writes out every statement with its values for
// its logger, which for a list of a thousand ids costs more than the
// query, and its reflection costs more than the rows.
func eachRow(q *gorm.DB, fn func(*sql.Rows) error) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// dueStates appends the people of ids to people and puts their years in
// out.
func (s *Store) dueStates(db *gorm.DB, fy review.FiscalYear, ids []int64, people *[]review.Person, out map[int64]review.YearState) error {
	first, last := ids[0], ids[len(ids)-1]
	wanted := make(map[int64]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	// A range, or a list when the ids are spread out.
	spread := last-first >= dense*int64(len(ids))
	which := func(column string) (string, []any) {
		if spread {
			return s.inIDs(column, ids)
		}
		return column + " BETWEEN ? AND ?", []any{first, last}
	}
	where, args := which("person_id")
	personOf := make(map[int64]int64, len(ids))
	years := make(map[int64]*review.YearState, len(ids))
	var reviewIDs []int64
	err := eachRow(db.Table("reviews").Select("id, person_id, cadence, state").Where(where+" AND "+byPersonFirst, append(args, int(fy))...), func(rows *sql.Rows) error {
		var id, person int64
		var cadence, state string
		if err := rows.Scan(&id, &person, &cadence, &state); err != nil {
			return err
		}
		if !wanted[person] {
			return nil
		}
		y := &review.YearState{Year: fy, ReviewID: id, Left: state == reviewLeft}
		y.Cadence, _ = review.ParseCadence(cadence)
		personOf[id], years[id] = person, y
		reviewIDs = append(reviewIDs, id)
		return nil
	})
	if err != nil {
		return err
	}
	// The people, with the day their time under their current manager
	// began: the latest of the day they joined the roster, their hire date
	// and their last change of manager (as sinceOf).
	where, args = which("p.id")
	moves, moveArgs := which("person_id")
	since := make(map[int64]review.Date, len(ids))
	err = eachRow(db.Table("people AS p").Select(shownColumns+", p.joined_on, COALESCE(mc.moved, '')").
		Joins("LEFT JOIN (SELECT person_id, MAX(effective) AS moved FROM manager_changes WHERE "+moves+" GROUP BY person_id) mc ON mc.person_id = p.id", moveArgs...).
		Where(where, args...).Order("p.id"), func(rows *sql.Rows) error {
		var joined, moved string
		p, err := scanShown(rows, &joined, &moved)
		if err != nil || !wanted[p.ID] {
			return err
		}
		*people = append(*people, p)
		latest := p.HireDate
		for _, s := range []string{joined, moved} {
			if d := parseDay(s); d.After(latest) {
				latest = d
			}
		}
		since[p.ID] = latest
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		out[id] = review.YearState{Year: fy, Since: since[id]}
	}
	for _, y := range years {
		y.Since = since[personOf[y.ReviewID]]
	}
	if len(years) == 0 {
		return nil
	}
	// ofReviews keeps rows (as x) of these reviews: the list of those
	// found, or for a range the range's reviews in the year.
	ofReviews := func(q *gorm.DB) *gorm.DB {
		if spread {
			where, args := s.inIDs("x.review_id", reviewIDs)
			return q.Where(where, args...)
		}
		return q.Where("x.review_id IN (SELECT id FROM reviews WHERE person_id BETWEEN ? AND ? AND "+byPersonFirst+")", first, last, int(fy))
	}
	err = eachRow(ofReviews(db.Table("expectations AS x")).Select("x.id, x.review_id, x.body, x.created_at").Where("x.retired_at IS NULL").Order("x.review_id, x.position, x.id"), func(rows *sql.Rows) error {
		var e review.Expectation
		if err := rows.Scan(&e.ID, &e.ReviewID, &e.Text, &e.CreatedAt); err != nil {
			return err
		}
		if y, ok := years[e.ReviewID]; ok {
			y.Expectations = append(y.Expectations, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = eachRow(ofReviews(db.Table("goals AS x")).Select("DISTINCT x.review_id, x.expectation_id").Where("x.retired_at IS NULL"), func(rows *sql.Rows) error {
		var g review.Goal
		if err := rows.Scan(&g.ReviewID, &g.ExpectationID); err != nil {
			return err
		}
		if y, ok := years[g.ReviewID]; ok {
			y.Goals = append(y.Goals, g)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = eachRow(ofReviews(db.Table("check_ins AS x")).Select("x.id, x.review_id, x.manager_id, x.held_on, x.first_of_year, x.created_at, cf.id IS NOT NULL AS confirmed").
		Joins("LEFT JOIN confirmations cf ON cf.check_in_id = x.id").Order("x.review_id, x.held_on, x.id"), func(rows *sql.Rows) error {
		var c review.CheckIn
		var held string
		var confirmed bool
		if err := rows.Scan(&c.ID, &c.ReviewID, &c.ManagerID, &held, &c.First, &c.CreatedAt, &confirmed); err != nil {
			return err
		}
		c.HeldOn, _ = review.ParseDate(held)
		if confirmed {
			c.Confirmation = &review.Confirmation{CheckInID: c.ID}
		}
		if y, ok := years[c.ReviewID]; ok {
			y.CheckIns = append(y.CheckIns, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = eachRow(ofReviews(db.Table("wrap_ups AS x")).Select("x.review_id, x.employee_submitted_at, x.rating"), func(rows *sql.Rows) error {
		var id int64
		var reflected sql.NullTime
		var w review.WrapUp
		if err := rows.Scan(&id, &reflected, &w.Rating); err != nil {
			return err
		}
		if y, ok := years[id]; ok {
			w.ReflectedAt = reflected.Time
			y.WrapUp = &w
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = eachRow(ofReviews(db.Table("development_plans AS x")).Select("x.review_id, x.status"), func(rows *sql.Rows) error {
		var id int64
		var status string
		if err := rows.Scan(&id, &status); err != nil {
			return err
		}
		if y, ok := years[id]; ok {
			y.Plan = &review.DevelopmentPlan{Shared: status == "shared"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for rid, y := range years {
		out[personOf[rid]] = *y
	}
	return nil
}
