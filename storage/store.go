package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/massperform/massperform/review"
)

// DefaultURL is the database used when DATABASE_URL is empty: an SQLite
// file in the working directory.
const DefaultURL = "massperform.db"

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is the program's database.
type Store struct {
	db      *gorm.DB
	dialect string
	// batch is how many rows one INSERT carries. The SQLite driver binds
	// parameters in time quadratic in their number, so it gets short
	// statements; PostgreSQL long ones.
	batch int
	clock review.Clock
	// leases is the clock outbox leases run on: the real one, even in a
	// rehearsal, whose clock may leap days ahead while a message is being
	// posted.
	leases review.Clock
	log    *slog.Logger
	// writer, on SQLite, is held by the transaction under way.
	writer chan struct{}
	// jobLocks, on SQLite, is where the job locks' files go: the
	// database's path, to which each adds its own ending ("" for a
	// database in memory, which no other process can open).
	jobLocks string
	memLocks sync.Map // job name → *sync.Mutex, for a database in memory
}

// LeaseOnRealTime makes the outbox's leases run on the real clock, not the
// program's (a rehearsal's virtual clock).
func (s *Store) LeaseOnRealTime(real review.Clock) { s.leases = real }

// Open connects to the database named by rawURL: a postgres:// or
// postgresql:// URL selects PostgreSQL; anything else is an SQLite file
// path, optionally written as sqlite://PATH or file:PATH. Open does not
// migrate; call Migrate.
func Open(ctx context.Context, rawURL string, clock review.Clock, log *slog.Logger) (*Store, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	s := &Store{clock: clock, leases: clock, log: log}
	var dial gorm.Dialector
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		s.dialect, s.batch = Postgres, 1000
		dial = postgres.Open(rawURL)
	} else {
		s.dialect, s.batch = SQLite, 50
		dial = sqlite.Open(sqliteDSN(rawURL))
		s.jobLocks = sqliteLockBase(rawURL)
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard, // SQL carries user text; we log errors ourselves
		NowFunc:                func() time.Time { return clock.Now().UTC() },
		TranslateError:         true,
		SkipDefaultTransaction: true,
	}
	db, err := gorm.Open(dial, cfg)
	// Processes opening one new SQLite file at once take turns to set it up.
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, busyPatience)
		defer cancel()
	}
	for wait := 5 * time.Millisecond; err != nil && s.dialect == SQLite && isBusy(err); wait = min(wait*2, 200*time.Millisecond) {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
		case <-time.After(wait):
		}
		db, err = gorm.Open(dial, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", s.dialect, redactErr(err))
	}
	s.db = db
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if s.dialect == Postgres {
		s.SetMaxConns(DefaultMaxConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// One writer at a time is all SQLite offers; WAL lets readers on.
		// All eight stay open once opened: database/sql keeps two idle
		// by default, and a busy moment would otherwise open and close
		// connections (each setting its pragmas again) for every save.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
		s.writer = make(chan struct{}, 1)
	}
	if err := s.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN turns a path or sqlite:// URL into a DSN with the pragmas we
// rely on: foreign keys, WAL, a busy timeout, and transactions that take
// the write lock when they begin, so that two writers never deadlock.
func sqliteDSN(raw string) string {
	path, query := sqlitePath(raw)
	q, _ := url.ParseQuery(query)
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// A short busy timeout: waiting for the write lock is done by
	// Store.transact, which, unlike SQLite's own wait, respects the context.
	q.Add("_pragma", "busy_timeout(100)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// sqlitePath splits an SQLite URL into the file's path and the query.
func sqlitePath(raw string) (path, query string) {
	path = raw
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(path, p) {
			path = strings.TrimPrefix(path, p)
			break
		}
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	return path, query
}

// sqliteLockBase is the path the job locks' files of an SQLite database
// start with, or "" for a database in memory.
func sqliteLockBase(raw string) string {
	path, query := sqlitePath(raw)
	q, _ := url.ParseQuery(query)
	if path == "" || path == ":memory:" || q.Get("mode") == "memory" {
		return ""
	}
	return path
}

// DefaultMaxConns is how many PostgreSQL connections a process opens at
// most unless told otherwise. Measured under load (BenchmarkLoad, fifty
// people at once on two cores): eight answered fastest; twenty spent the
// server's CPU switching between sessions and doubled the slowest saves.
const DefaultMaxConns = 8

// SetMaxConns sets how many connections to PostgreSQL the store opens at
// most, and keeps them all open once opened: a busy moment must not pay
// for new sessions. It does nothing on SQLite, whose pool is fixed.
func (s *Store) SetMaxConns(n int) {
	sqlDB, err := s.db.DB()
	if err != nil || s.dialect != Postgres || n < 1 {
		return
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
}

// Dialect returns SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return s.wrap("ping", sqlDB.PingContext(ctx))
}

// now returns the clock's time in UTC, which is how instants are stored.
func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// tx runs fn in one transaction, with the instant fixed once for all of it.
func (s *Store) tx(ctx context.Context, op string, fn func(tx *gorm.DB, now time.Time) error) error {
	now := s.now()
	return s.wrap(op, s.transact(ctx, func(tx *gorm.DB) error { return fn(tx, now) }))
}

// transact runs fn in a transaction. On SQLite, a transaction that finds
// another holding the write lock is retried until ctx ends (or for
// busyPatience when ctx has no deadline), so a caller with a deadline is
// never kept waiting past it. Transactions of one process queue in turn
// (Store.writer); the retries are for other processes (the command line).
func (s *Store) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, busyPatience)
		defer cancel()
	}
	if s.writer != nil {
		// One writer at a time in this process, waiting its turn here
		// rather than inside SQLite's busy handler: a transaction waiting
		// there holds a pooled connection and sleeps in steps, so readers
		// ran out of connections and writers woke late.
		select {
		case s.writer <- struct{}{}:
			defer func() { <-s.writer }()
		case <-ctx.Done():
			return fmt.Errorf("waiting for the write lock: %w", ctx.Err())
		}
	}
	for wait := 5 * time.Millisecond; ; wait = min(wait*2, 200*time.Millisecond) {
		err := s.db.WithContext(ctx).Transaction(fn)
		if err == nil || s.dialect != SQLite || !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (waited for the write lock until %w)", err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// busyPatience is how long a transaction without a deadline waits for
// SQLite's write lock.
const busyPatience = 30 * time.Second

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// read returns a session for queries.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// unavailable is what users are told when the database cannot be reached.
const unavailable = "We can't reach our database right now. Please try again in a minute."

// wrap maps a database error to a domain error: review errors pass through,
// a missing row is ENOTFOUND, a unique violation ECONFLICT, a connection
// problem or timeout EUNAVAILABLE, anything else is internal.
func (s *Store) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &review.Error{Code: review.ENOTFOUND, Message: "We couldn't find that. It may have been removed.", Err: err}
	}
	if _, ok := errors.AsType[*review.Error](err); ok {
		return err
	}
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &review.Error{Code: review.ECONFLICT, Message: "Someone else just changed this. Please try again.", Err: fmt.Errorf("%s: %w", op, redactErr(err))}
	case isUnavailable(err):
		return &review.Error{Code: review.EUNAVAILABLE, Message: unavailable, Err: fmt.Errorf("%s: %w", op, redactErr(err))}
	}
	return fmt.Errorf("%s: %w", op, redactErr(err))
}

// isUnavailable reports whether err means the database could not be
// reached or did not answer in time, as opposed to refusing the statement.
func isUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		// Class 08: connection exception; 53: insufficient resources;
		// 57P0x: the server is shutting down or starting.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") || strings.HasPrefix(pe.Code, "57P")
	}
	msg := err.Error()
	for _, s := range []string{"database is locked", "SQLITE_BUSY", "connection refused", "conn closed", "unexpected EOF", "broken pipe", "sql: database is closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// redactErr removes a password from connection errors that quote the URL.
func redactErr(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		if j := strings.IndexByte(msg[i+3:], '@'); j >= 0 {
			if k := strings.IndexByte(msg[i+3:i+3+j], ':'); k >= 0 {
				return errors.New(msg[:i+3+k+1] + "***" + msg[i+3+j:])
			}
		}
	}
	return err
}
