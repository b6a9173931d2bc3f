package storage

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	"github.com/gofrs/flock"
)

// WithJobLock runs fn unless another process, or another call in this
// one, is running the job name, and reports ran false without running fn
// when one is. On PostgreSQL it holds a session advisory lock for the job
// while fn runs. On SQLite it locks a file beside the database (the
// database's name, then ".job-" and the job's): the command line shares
// the database with the bot (it moves a rehearsal's clock, say), and the
// system lets the lock go when its process dies. Whatever the lock says,
// each notification's unique key still keeps a job that runs twice from
// sending twice.
func (s *Store) WithJobLock(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error) {
	if s.dialect != Postgres {
		return s.withFileLock(ctx, name, fn)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return false, s.wrap("job lock", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, s.wrap("job lock", err)
	}
	defer conn.Close()
	h := fnv.New64a()
	h.Write([]byte("massperform job " + name))
	key := int64(h.Sum64())
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		return false, s.wrap("job lock", err)
	}
	if !got {
		return false, nil
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
	}()
	return true, fn(ctx)
}

// withFileLock is WithJobLock on SQLite.
func (s *Store) withFileLock(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	if s.jobLocks == "" { // in memory: this process is the only one
		mu, _ := s.memLocks.LoadOrStore(name, &sync.Mutex{})
		if !mu.(*sync.Mutex).TryLock() {
			return false, nil
		}
		defer mu.(*sync.Mutex).Unlock()
		return true, fn(ctx)
	}
	// A lock of its own each time: flock excludes another open file in
	// this process as it does another process.
	l := flock.New(s.jobLocks + ".job-" + lockFileName(name) + ".lock")
	got, err := l.TryLock()
	if err != nil {
		return false, fmt.Errorf("job lock %q: %w", name, err)
	}
	if !got {
		return false, nil
	}
	defer l.Close() // unlocks
	return true, fn(ctx)
}

// lockFileName is a job's name as it can appear in a file's name.
func lockFileName(job string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, job)
}
