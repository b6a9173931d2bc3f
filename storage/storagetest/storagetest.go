// Package storagetest runs tests against every database the program
// supports: a new SQLite file and a new PostgreSQL database (see pgtest).
package storagetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Each runs fn as one subtest per database, named "sqlite" and "postgres",
// with the URL of a new, empty database.
func Each(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run(storage.SQLite, func(t *testing.T) {
		fn(t, filepath.Join(t.TempDir(), "test.db"))
	})
	t.Run(storage.Postgres, func(t *testing.T) {
		fn(t, pgtest.NewDatabase(t))
	})
}

// Open opens and migrates the database at url, closing it when t ends.
func Open(t testing.TB, url string, clock review.Clock) *storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, url, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// SeedTeam gives every direct report of mgr, for FY2027, an expectation, a
// goal and a confirmed first check-in, through the store's own changes.
func SeedTeam(t testing.TB, s *storage.Store, mgr review.Person) {
	t.Helper()
	ctx := context.Background()
	team, err := s.Team(ctx, mgr.ID, 2027)
	if err != nil {
		t.Fatal(err)
	}
	ma := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
	q := review.Quarterly
	for _, m := range team {
		p := m.Person
		ea := review.Actor{SlackID: p.SlackID, Person: &p}
		y, err := s.SaveExpectations(ctx, storage.Change{Actor: ma, Action: review.SetExpectations}, p, 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "Deliver"}}})
		if err != nil {
			t.Fatal(err)
		}
		y, err = s.SaveGoals(ctx, storage.Change{Actor: ea, Action: review.EditGoals}, p, 2027, y.Expectations[0].ID,
			review.GoalChanges{Create: []review.Goal{{Text: "g", Measure: "m", Target: review.NewDate(2026, 12, 1)}}})
		if err != nil {
			t.Fatal(err)
		}
		ci := review.CheckIn{HeldOn: review.NewDate(2026, 8, 10), Expectations: true, First: true, Progress: map[int64]review.Progress{y.Goals[0].ID: review.OnTarget}}
		_, id, err := s.SaveCheckIn(ctx, storage.Change{Actor: ma, Action: review.LogCheckIn}, p, 2027, ci, &q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveConfirmation(ctx, storage.Change{Actor: ea, Action: review.ConfirmCheckIn}, p, 2027,
			review.Confirmation{CheckInID: id, FeedbackForManager: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
}

// SeedYears gives every person with a manager in the database at url a
// review for fy, an expectation for every other one, and a check-in on
// Aug 10 for every third, all recorded at now, in a few statements (for
// benchmarks, which need a large organisation quickly). url is what Each
// gives: a PostgreSQL URL or an SQLite file path.
func SeedYears(t testing.TB, url string, fy int, now time.Time) {
	t.Helper()
	dial := sqlite.Open("file:" + url + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		dial = postgres.Open(url)
	}
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("seed years: %v", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	now = now.UTC()
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
		if err := db.Exec(q.sql, q.args...).Error; err != nil {
			t.Fatalf("seed years: %v", err)
		}
	}
}
