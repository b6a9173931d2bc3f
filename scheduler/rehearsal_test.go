package scheduler

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// memRehearsal is a rehearsal clock kept in memory, with the lock one
// process at a time can hold.
type memRehearsal struct {
	mu     sync.Mutex
	clock  storage.RehearsalClock
	latest time.Time
	writes []storage.RehearsalClock
	held   bool
	resets int
}

func (m *memRehearsal) RehearsalClock(context.Context) (storage.RehearsalClock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.clock, nil
}

func (m *memRehearsal) SetRehearsalClock(_ context.Context, c storage.RehearsalClock) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clock = c
	m.writes = append(m.writes, c)
	return nil
}

func (m *memRehearsal) LatestRecord(context.Context) (time.Time, error) { return m.latest, nil }

func (m *memRehearsal) ResetRehearsal(_ context.Context, c storage.RehearsalClock) error {
	m.clock, m.latest = c, time.Time{}
	m.resets++
	return nil
}

func (m *memRehearsal) WithJobLock(ctx context.Context, _ string, fn func(context.Context) error) (bool, error) {
	m.mu.Lock()
	if m.held {
		m.mu.Unlock()
		return false, nil
	}
	m.held = true
	m.mu.Unlock()
	defer func() { m.mu.Lock(); m.held = false; m.mu.Unlock() }()
	return true, fn(ctx)
}

type stoppedClock struct{ t time.Time }

func (c stoppedClock) Now() time.Time { return c.t }

func TestRehearsalMovesDayByDay(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	base := stoppedClock{time.Date(2026, 11, 24, 7, 0, 0, 0, ny)}
	store := &memRehearsal{}
	clock := review.NewShiftedClock(base, 0)
	type run struct {
		job  string
		at   time.Time
		now  time.Time // the clock while it ran
		late bool
	}
	var runs []run
	job := func(name, spec string) Job {
		s, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatal(err)
		}
		return Job{Name: name, Schedule: s, Run: func(_ context.Context, at time.Time, late bool) (int, error) {
			runs = append(runs, run{name, at, clock.Now(), late})
			return 2, nil
		}}
	}
	woken := 0
	r := &Rehearsal{Store: store, Clock: clock, Cal: review.Calendar{Loc: ny},
		Jobs: []Job{job("nudges", "0 9,12 * * *"), job("digest", "0 8 * * 1")}, Wake: func() { woken++ },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !store.clock.Through.Equal(base.t) {
		t.Fatalf("a new rehearsal starts its jobs from now: %+v", store.clock)
	}

	// Back to July, with nothing recorded: allowed, and nothing runs.
	july := time.Date(2026, 7, 1, 7, 0, 0, 0, ny)
	if m, err := r.MoveTo(ctx, At(july)); err != nil || len(runs) != 0 || !m.To.Equal(july) {
		t.Fatalf("back to July: %+v, %v, %d runs", m, err, len(runs))
	}
	if !clock.Now().Equal(july) {
		t.Fatalf("the clock says %v", clock.Now())
	}

	// Forward a week, from Wednesday July 1 at 7:00 to Wednesday July 8 at
	// 7:00: two sweeps a day and Monday's digest, in order, each run with
	// the clock on its moment; the clock stored once a day and at the end.
	store.writes = nil
	m, err := r.MoveTo(ctx, At(july.AddDate(0, 0, 7)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Runs["nudges"] != 14 || m.Runs["digest"] != 1 || m.Queued["nudges"] != 28 {
		t.Fatalf("moved: %+v", m)
	}
	for i, r := range runs {
		if !r.now.Equal(r.at) || !r.late {
			t.Errorf("run %d: %+v", i, r)
		}
		if i > 0 && !runs[i-1].at.Before(r.at) {
			t.Errorf("run %d is out of order: %v after %v", i, r.at, runs[i-1].at)
		}
	}
	if d := runs[10]; d.job != "digest" || !d.at.Equal(time.Date(2026, 7, 6, 8, 0, 0, 0, ny)) {
		t.Errorf("Monday's digest: %+v", d)
	}
	if len(store.writes) != 8 || !clock.Now().Equal(july.AddDate(0, 0, 7)) || !store.clock.Through.Equal(clock.Now()) {
		t.Errorf("%d writes; clock %v; stored %+v", len(store.writes), clock.Now(), store.clock)
	}
	if woken == 0 {
		t.Error("the sender was never woken")
	}

	// Back over recorded history: refused; a bad move changes nothing.
	store.latest = july.AddDate(0, 0, 3)
	before := clock.Now()
	if _, err := r.MoveTo(ctx, At(july.AddDate(0, 0, 2))); review.ErrorCode(err) != review.ECONFLICT || !clock.Now().Equal(before) {
		t.Fatalf("back over history: %v; clock %v", err, clock.Now())
	}
	if err := r.Check(ctx, july.AddDate(0, 0, 5)); err != nil {
		t.Fatalf("back to after the history: %v", err)
	}

	// While another process holds the clock, a catch-up does not wait and
	// a move gives up after a few seconds.
	store.held = true
	if _, err := r.CatchUp(ctx); err != ClockBusy {
		t.Fatalf("catch-up while held: %v", err)
	}
	store.held = false

	// Time passing on its own: the catch-up runs what came due since.
	runs = nil
	store.clock.Shift += 26 * time.Hour // another process moved it a day and two hours on
	if _, err := r.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// From Wednesday 7:00 to Thursday 9:00: the past sweeps are late, the one
	// due this very moment is not.
	if len(runs) != 3 || !runs[0].late || !runs[1].late || runs[2].late || !clock.Now().Equal(july.AddDate(0, 0, 8).Add(2*time.Hour)) {
		t.Fatalf("catch-up: %+v, clock %v", runs, clock.Now())
	}

	if err := r.Reset(ctx); err != nil || store.resets != 1 || clock.Shift() != 0 {
		t.Fatalf("reset: %v, %d, %v", err, store.resets, clock.Shift())
	}
}

// A move starts from the clock as stored when the move begins, not from
// this process's copy, which may be stale: read in the middle of another
// process's move, it would put the move at another time of day (past
// that morning's sweep, say).
func TestRehearsalMovesFromTheStoredClock(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	base := stoppedClock{time.Date(2026, 11, 24, 7, 0, 0, 0, ny)}
	cal := review.Calendar{Loc: ny}
	oct12 := time.Date(2026, 10, 12, 7, 0, 0, 0, ny)
	// Another process's move ended on October 12 at 7:00; this process
	// last read the clock halfway, at October 3's 9:00 sweep.
	store := &memRehearsal{clock: storage.RehearsalClock{Shift: oct12.Sub(base.t), Through: oct12}}
	clock := review.NewShiftedClock(base, time.Date(2026, 10, 3, 9, 0, 0, 0, ny).Sub(base.t))
	r := &Rehearsal{Store: store, Clock: clock, Cal: cal, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tc := range []struct {
		name string
		to   Target
		want time.Time
	}{
		{"a date", func(now time.Time) time.Time { return cal.DayAt(review.NewDate(2026, 11, 10), now) }, time.Date(2026, 11, 10, 7, 0, 0, 0, ny)},
		{"a week on", func(now time.Time) time.Time { return now.AddDate(0, 0, 7) }, time.Date(2026, 11, 17, 7, 0, 0, 0, ny)},
	} {
		from := store.clock.Through
		m, err := r.MoveTo(context.Background(), tc.to)
		if err != nil || !m.From.Equal(from) || !m.To.Equal(tc.want) || !clock.Now().Equal(tc.want) || !store.clock.Through.Equal(tc.want) {
			t.Errorf("%s: moved %v → %v (%v); clock %v, stored through %v; want %v → %v",
				tc.name, m.From, m.To, err, clock.Now(), store.clock.Through, from, tc.want)
		}
	}
}
