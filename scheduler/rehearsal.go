package scheduler

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// RehearsalStore is the storage a rehearsal's clock lives in.
type RehearsalStore interface {
	RehearsalClock(ctx context.Context) (storage.RehearsalClock, error)
	SetRehearsalClock(ctx context.Context, c storage.RehearsalClock) error
	LatestRecord(ctx context.Context) (time.Time, error)
	ResetRehearsal(ctx context.Context, c storage.RehearsalClock) error
	WithJobLock(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error)
}

// Job is a scheduled job that a rehearsal runs on its own clock.
type Job struct {
	Name     string
	Schedule cron.Schedule // read in the organisation's time zone
	// Run runs the job as at that moment and says how many messages it
	// queued. late says the moment is past (the clock is catching up over
	// days it skipped), so the job must not wait on the real world, such
	// as people's Do Not Disturb.
	Run func(ctx context.Context, at time.Time, late bool) (queued int, err error)
}

// Moved is what a move of the rehearsal clock did.
type Moved struct {
	From, To time.Time
	Runs     map[string]int // runs of each job
	Queued   map[string]int // messages each job queued
}

// ClockBusy is the answer to a move while the clock is already moving.
var ClockBusy = review.Errorf(review.ECONFLICT, "The clock is moving already. Try again once it has arrived.")

// Rehearsal runs a rehearsal's virtual clock. The clock is stored in the
// database, so that every replica and the command line agree on it: each
// process follows it, and runs the scheduled jobs for every moment it
// passes, the days a move skips included. One move at a time, across
// processes (a PostgreSQL advisory lock) and within one.
type Rehearsal struct {
	Store RehearsalStore
	Clock *review.ShiftedClock
	Cal   review.Calendar
	Jobs  []Job
	Wake  func() // tells the sender that messages were queued
	Log   *slog.Logger

	mu sync.Mutex
}

// lockName is the job lock a move holds.
const lockName = "rehearsal clock"

// Load sets the process's clock from the database. The first time, it
// records where the rehearsal starts: the jobs run from that moment on.
func (r *Rehearsal) Load(ctx context.Context) error {
	c, err := r.Store.RehearsalClock(ctx)
	if err != nil {
		return err
	}
	r.Clock.SetShift(c.Shift)
	if c.Through.IsZero() {
		c.Through = r.Clock.Now()
		return r.Store.SetRehearsalClock(ctx, c)
	}
	return nil
}

// Follow keeps the process's clock in step with the database and runs the
// jobs as the rehearsal's time passes, every interval, until ctx ends.
func (r *Rehearsal) Follow(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r.mu.TryLock() {
			// Not while this process is moving the clock itself.
			if err := r.Load(ctx); err != nil && ctx.Err() == nil {
				r.Log.Warn("could not read the rehearsal clock", "err", err)
			}
			r.mu.Unlock()
		}
		if _, err := r.CatchUp(ctx); err != nil && err != ClockBusy && ctx.Err() == nil {
			r.Log.Error("rehearsal jobs failed", "err", err)
		}
	}
}

// CatchUp runs the jobs due since they last ran, up to now.
func (r *Rehearsal) CatchUp(ctx context.Context) (Moved, error) {
	return r.locked(ctx, false, func(ctx context.Context, c storage.RehearsalClock) (Moved, error) {
		now := r.Clock.Now()
		return r.run(ctx, c, now, func(at time.Time) bool { return now.Sub(at) > time.Hour }, false)
	})
}

// A Target says where a move takes the clock from where it stands ("the
// 10th, at this time of day", "a week on").
type Target func(now time.Time) time.Time

// At is the moment t, wherever the clock stands.
func At(t time.Time) Target { return func(time.Time) time.Time { return t } }

// MoveTo moves the clock to where to says from the clock as stored, read
// under the lock: this process's own copy may be behind, or caught in the
// middle of another process's move. Forward, every job runs for every
// moment it was due on the way, day by day, as the clock passes it (so a
// skipped week's reminders and digests all arrive, each dated on its
// day). Back, only to a moment after everything recorded.
func (r *Rehearsal) MoveTo(ctx context.Context, to Target) (Moved, error) {
	return r.locked(ctx, true, func(ctx context.Context, c storage.RehearsalClock) (Moved, error) {
		now := r.Clock.Now()
		target := to(now)
		latest, err := r.Store.LatestRecord(ctx)
		if err != nil {
			return Moved{}, err
		}
		if err := r.Cal.CheckClockMove(now, target, latest); err != nil {
			return Moved{}, err
		}
		if target.Before(now) {
			c.Shift += target.Sub(now)
			c.Through = target
			if err := r.Store.SetRehearsalClock(ctx, c); err != nil {
				return Moved{}, err
			}
			r.Clock.SetShift(c.Shift)
			return Moved{From: now, To: target}, nil
		}
		m, err := r.run(ctx, c, target, func(time.Time) bool { return true }, true)
		m.From = now
		return m, err
	})
}

// Check says whether the clock may move to target now.
func (r *Rehearsal) Check(ctx context.Context, target time.Time) error {
	latest, err := r.Store.LatestRecord(ctx)
	if err != nil {
		return err
	}
	return r.Cal.CheckClockMove(r.Clock.Now(), target, latest)
}

// Reset erases the rehearsal's records and puts its clock back on today.
func (r *Rehearsal) Reset(ctx context.Context) error {
	_, err := r.locked(ctx, true, func(ctx context.Context, _ storage.RehearsalClock) (Moved, error) {
		c := storage.RehearsalClock{Through: r.Clock.Base().Now()}
		if err := r.Store.ResetRehearsal(ctx, c); err != nil {
			return Moved{}, err
		}
		r.Clock.SetShift(0)
		return Moved{}, nil
	})
	return err
}

// locked runs fn holding the clock, with the clock as stored. A move
// waits a few seconds for a catch-up to finish; a catch-up does not wait.
func (r *Rehearsal) locked(ctx context.Context, wait bool, fn func(context.Context, storage.RehearsalClock) (Moved, error)) (Moved, error) {
	if wait {
		r.mu.Lock()
	} else if !r.mu.TryLock() {
		return Moved{}, ClockBusy
	}
	defer r.mu.Unlock()
	var m Moved
	deadline := time.Now().Add(5 * time.Second)
	for {
		ran, err := r.Store.WithJobLock(ctx, lockName, func(ctx context.Context) error {
			c, err := r.Store.RehearsalClock(ctx)
			if err != nil {
				return err
			}
			r.Clock.SetShift(c.Shift)
			m, err = fn(ctx, c)
			return err
		})
		if ran || err != nil {
			return m, err
		}
		if !wait || time.Now().After(deadline) {
			return m, ClockBusy
		}
		select {
		case <-ctx.Done():
			return m, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// run runs every job due after c.Through up to until, in order of time.
// When step is set, the clock is moved to each moment before its jobs
// run, so that what they record is dated then, and it is stored at the
// start of each day, so other processes see it move; it ends on until.
func (r *Rehearsal) run(ctx context.Context, c storage.RehearsalClock, until time.Time, late func(time.Time) bool, step bool) (Moved, error) {
	m := Moved{From: c.Through, To: until, Runs: map[string]int{}, Queued: map[string]int{}}
	from := c.Through
	if from.IsZero() {
		from = r.Clock.Now()
	}
	type due struct {
		job *Job
		at  time.Time
	}
	var queue []due
	for i := range r.Jobs {
		j := &r.Jobs[i]
		if at := j.Schedule.Next(from.In(r.Cal.Loc)); !at.After(until) {
			queue = append(queue, due{j, at})
		}
	}
	if len(queue) == 0 && !step {
		return m, nil // nothing came due: no need to write
	}
	base := r.Clock.Base()
	var day review.Date
	queued := 0
	for len(queue) > 0 {
		sort.SliceStable(queue, func(a, b int) bool { return queue[a].at.Before(queue[b].at) })
		next := queue[0]
		if step {
			c.Shift = next.at.Sub(base.Now())
			r.Clock.SetShift(c.Shift)
			if d := r.Cal.Today(next.at); d != day {
				day = d
				c.Through = next.at.Add(-time.Nanosecond)
				if err := r.Store.SetRehearsalClock(ctx, c); err != nil {
					return m, err
				}
			}
		}
		n, err := next.job.Run(ctx, next.at, late(next.at))
		if err != nil {
			return m, err
		}
		m.Runs[next.job.Name]++
		m.Queued[next.job.Name] += n
		queued += n
		if queued > 0 && r.Wake != nil && (queued >= 50 || !step) {
			r.Wake()
			queued = 0
		}
		if at := next.job.Schedule.Next(next.at); !at.After(until) {
			queue[0].at = at
		} else {
			queue = queue[1:]
		}
	}
	c.Through = until
	if step {
		c.Shift = until.Sub(base.Now())
		r.Clock.SetShift(c.Shift)
	}
	if err := r.Store.SetRehearsalClock(ctx, c); err != nil {
		return m, err
	}
	if queued > 0 && r.Wake != nil {
		r.Wake()
	}
	return m, nil
}
