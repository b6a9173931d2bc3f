package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// CountQueries calls fn and returns how many SQL statements it ran.
func (s *Store) CountQueries(fn func()) int {
	n := 0
	name := "test:count"
	count := func(db *gorm.DB) {
		if db.DryRun {
			return // a subquery being built, not run
		}
		n++
	}
	cb := s.db.Callback()
	_ = cb.Query().After("gorm:query").Register(name, count)
	_ = cb.Row().After("gorm:row").Register(name, count)
	_ = cb.Raw().After("gorm:raw").Register(name, count)
	defer func() {
		_ = cb.Query().Remove(name)
		_ = cb.Row().Remove(name)
		_ = cb.Raw().Remove(name)
	}()
	fn()
	return n
}

// SeedRatings gives every person with a manager a review for fy with a
// rating, one in twenty exceptional, in two statements (for benchmarks).
func (s *Store) SeedRatings(fy int) error {
	now := s.now()
	if err := s.db.Exec(`INSERT INTO reviews (person_id, fiscal_year, cadence, state, created_at, updated_at)
		SELECT id, ?, 'quarterly', 'open', ?, ? FROM people WHERE manager_id IS NOT NULL`, fy, now, now).Error; err != nil {
		return err
	}
	return s.db.Exec(`INSERT INTO wrap_ups (review_id, rating, manager_submitted_at, created_at, updated_at)
		SELECT id, CASE WHEN id % 20 = 0 THEN 'exceptional' WHEN id % 3 = 0 THEN 'highly_effective' ELSE 'successful' END, ?, ?, ?
		FROM reviews WHERE fiscal_year = ?`, now, now, now, fy).Error
}

// SeedYears gives every person with a manager a review for fy, an
// expectation for every other one, and a check-in on Aug 10 for every
// third (for benchmarks), in a few statements.
func (s *Store) SeedYears(fy int) error {
	now := s.now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO reviews (person_id, fiscal_year, cadence, state, created_at, updated_at)
			SELECT id, ?, 'quarterly', 'open', ?, ? FROM people WHERE manager_id IS NOT NULL`, []any{fy, now, now}},
		{`INSERT INTO expectations (review_id, position, body, created_at, updated_at)
			SELECT id, 1, 'Deliver', ?, ? FROM reviews WHERE fiscal_year = ? AND id % 2 = 0`, []any{now, now, fy}},
		{`INSERT INTO check_ins (review_id, manager_id, held_on, quarter, covered_expectations, created_at, updated_at)
			SELECT r.id, p.manager_id, ?, 1, TRUE, ?, ? FROM reviews r JOIN people p ON p.id = r.person_id WHERE r.fiscal_year = ? AND r.id % 3 = 0`,
			[]any{fmt.Sprintf("%d-08-10", fy-1), now, now, fy}},
	} {
		if err := s.db.Exec(q.sql, q.args...).Error; err != nil {
			return err
		}
	}
	return nil
}
