package storage_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(holdJobLockEnv); url != "" {
		holdJobLock(url) // a process of its own for TestJobLockOfAKilledProcessIsFree
		return
	}
	pgtest.Main(m)
}

// fixedClock returns a clock stopped at the given instant, that tests can move.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func newClock(s string) *fixedClock {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &fixedClock{t: t}
}

var ctx = context.Background()

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-08-03T14:00:00Z")
		// Several processes starting at once against one database.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				s, err := storage.Open(ctx, url, clock, discard())
				if err != nil {
					errs[i] = err
					return
				}
				defer s.Close()
				errs[i] = s.Migrate(ctx)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
		}
		s := storagetest.Open(t, url, clock) // migrates once more: nothing to do
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != "0014_pay" {
			t.Errorf("SchemaVersion = %q, %v", v, err)
		}
	})
}

func TestUnavailableWhenClosed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-08-03T14:00:00Z"))
		s.Close()
		_, err := s.PersonBySlackID(ctx, "U1")
		if review.ErrorCode(err) != review.EUNAVAILABLE {
			t.Fatalf("error on a closed database = %v (%s), want EUNAVAILABLE", err, review.ErrorCode(err))
		}
		if msg := review.ErrorMessage(err); msg == "" || containsAny(msg, "sql", "gorm", "closed") {
			t.Errorf("user message leaks internals: %q", msg)
		}
	})
}

func TestNotFound(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-08-03T14:00:00Z"))
		if _, err := s.PersonBySlackID(ctx, "UNOBODY"); review.ErrorCode(err) != review.ENOTFOUND {
			t.Errorf("PersonBySlackID(unknown) = %v, want ENOTFOUND", err)
		}
		if _, err := s.PersonByID(ctx, 99); review.ErrorCode(err) != review.ENOTFOUND {
			t.Errorf("PersonByID(unknown) = %v, want ENOTFOUND", err)
		}
	})
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(strings.ToLower(s), sub) {
			return true
		}
	}
	return false
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestLockedSQLiteGivesUpAtTheDeadline holds SQLite's write lock from
// another connection: a save with a deadline must give up by then with
// EUNAVAILABLE, not wait for SQLite's own busy timeout.
func TestLockedSQLiteGivesUpAtTheDeadline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	s := storagetest.Open(t, path, newClock("2026-08-03T14:00:00Z"))
	mgr, emp := pair(t, s)

	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}

	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.SaveExpectations(dctx, setting(review.Actor{SlackID: "U2", Person: &mgr}, nil), emp, 2027,
		review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "x"}}})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("save waited %v for the lock, past its 300ms deadline", took)
	}
	if review.ErrorCode(err) != review.EUNAVAILABLE {
		t.Fatalf("save under a held lock = %v, want EUNAVAILABLE", err)
	}

	// Once the lock is released the same save goes through.
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveExpectations(ctx, setting(review.Actor{SlackID: "U2", Person: &mgr}, nil), emp, 2027,
		review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "x"}}}); err != nil {
		t.Fatalf("save after the lock: %v", err)
	}
}
