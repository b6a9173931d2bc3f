package storage

import (
	"context"
	"hash/fnv"
)

// WithJobLock runs fn unless another process is running the job name: on
// PostgreSQL it holds a session advisory lock for the job while fn runs,
// and reports ran false without running fn when another process holds it.
// On SQLite (one process per file) fn always runs. Whatever the lock says,
// each notification's unique key still keeps a job that runs twice from
// sending twice.
func (s *Store) WithJobLock(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error) {
	if s.dialect != Postgres {
		return true, fn(ctx)
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
