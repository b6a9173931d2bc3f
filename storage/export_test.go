package storage

import "gorm.io/gorm"

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
