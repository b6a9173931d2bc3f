// Package storagetest runs tests against every database the program
// supports: a new SQLite file and a new PostgreSQL database (see pgtest).
package storagetest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

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
