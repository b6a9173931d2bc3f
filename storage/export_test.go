package storage

import (
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
