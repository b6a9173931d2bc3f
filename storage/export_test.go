package storage

import (
	"context"
	"database/sql"
	"sync/atomic"

	"gorm.io/gorm"
)

// CountRoundTrips makes the store count every request it sends to the
// database from now on (each statement, and BEGIN, COMMIT and ROLLBACK),
// and returns the running count. Install it before the store is shared.
func (s *Store) CountRoundTrips() *atomic.Int64 {
	sqlDB, err := s.db.DB()
	if err != nil {
		panic(err)
	}
	p := &countingPool{db: sqlDB, n: new(atomic.Int64)}
	s.db.ConnPool = p
	s.db.Statement.ConnPool = p
	return p.n
}

// countingPool is the store's connection pool, counting round trips.
type countingPool struct {
	db *sql.DB
	n  *atomic.Int64
}

func (p *countingPool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	p.n.Add(1)
	return p.db.PrepareContext(ctx, q)
}

func (p *countingPool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	p.n.Add(1)
	return p.db.ExecContext(ctx, q, args...)
}

func (p *countingPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	p.n.Add(1)
	return p.db.QueryContext(ctx, q, args...)
}

func (p *countingPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	p.n.Add(1)
	return p.db.QueryRowContext(ctx, q, args...)
}

// BeginTx makes countingPool a gorm.ConnPoolBeginner, whose transactions
// count too.
func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	p.n.Add(1)
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{tx: tx, n: p.n}, nil
}

func (p *countingPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

type countingTx struct {
	tx *sql.Tx
	n  *atomic.Int64
}

func (t *countingTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	t.n.Add(1)
	return t.tx.PrepareContext(ctx, q)
}

func (t *countingTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	t.n.Add(1)
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *countingTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	t.n.Add(1)
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *countingTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	t.n.Add(1)
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *countingTx) Commit() error   { t.n.Add(1); return t.tx.Commit() }
func (t *countingTx) Rollback() error { t.n.Add(1); return t.tx.Rollback() }

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
