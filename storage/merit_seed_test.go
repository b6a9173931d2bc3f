package storage

// SeedMerit gives everyone with a manager a released rating of fy (from
// SeedRatings), a pay record for the merit year and a proposal of 3% to
// base: the data the merit benchmarks read. Salaries vary by id across a
// band.
func (s *Store) SeedMerit(year string, fy int) error {
	now := s.now()
	if err := s.db.Exec(`UPDATE wrap_ups SET approved_at = ?, conversation_held_at = ? WHERE review_id IN (SELECT id FROM reviews WHERE fiscal_year = ?)`, now, now, fy).Error; err != nil {
		return err
	}
	if err := s.db.Exec(`INSERT INTO pay_records (person_id, merit_year, m_level, base_salary, class, hire_date, created_at, updated_at)
		SELECT id, ?, 'M-IV', 4600000 + (id * 7919) % 3100000, 'classified', '2015-03-01', ?, ? FROM people WHERE manager_id IS NOT NULL`, year, now, now).Error; err != nil {
		return err
	}
	secretariat := "split_part(p.unit, '/', 1)"
	if s.Dialect() == SQLite {
		secretariat = "CASE WHEN instr(p.unit, '/') > 0 THEN substr(p.unit, 1, instr(p.unit, '/') - 1) ELSE p.unit END"
	}
	return s.db.Exec(`INSERT INTO merit_proposals (person_id, merit_year, secretariat, base_bp, bonus_cents, increase_cents, new_salary_cents, proposed_by, created_at, updated_at)
		SELECT p.id, ?, `+secretariat+`, 300, 0, r.base_salary * 3 / 100, r.base_salary + r.base_salary * 3 / 100, 'bench', ?, ?
		FROM people p JOIN pay_records r ON r.person_id = p.id AND r.merit_year = ?`, year, now, now, year).Error
}
