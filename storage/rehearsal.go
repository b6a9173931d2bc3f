package storage

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// Settings the rehearsal keeps in the settings table, so that every
// replica reads one clock.
const (
	settingMode    = "mode"              // "rehearsal" once a rehearsal has used the database
	settingShift   = "rehearsal_shift"   // nanoseconds the virtual clock is ahead of the real one
	settingThrough = "rehearsal_through" // the instant the scheduled jobs have run up to (RFC 3339)
	modeRehearsal  = "rehearsal"
)

// programTables is every table of the program's data, children first, so
// that a reset can empty them in order.
var programTables = []string{
	"goal_progress", "compliance_answers", "confirmations", "check_ins", "goals", "expectations",
	"cadence_changes", "development_plans", "wrap_ups", "rating_approvals", "reviews",
	"reminders", "snoozes", "outbox", "audit_log", "handled_requests", "manager_changes", "people",
}

// RehearsalClock is the rehearsal's clock as stored.
type RehearsalClock struct {
	Shift   time.Duration // how far the virtual clock is from the real one
	Through time.Time     // the scheduled jobs have run up to here (virtual time); zero before the first run
}

// NotRehearsalDatabase is the refusal to run a live deployment on a
// database a rehearsal has used: its records are dated on a virtual clock.
var NotRehearsalDatabase = review.Errorf(review.ECONFLICT, "this database belongs to a rehearsal (its dates are on a virtual clock): set REHEARSAL=true to run the rehearsal, or point DATABASE_URL at the live database")

// LiveDatabase is the refusal to start a rehearsal on a database that holds
// a live program.
var LiveDatabase = review.Errorf(review.ECONFLICT, "this database already holds a live program: a rehearsal needs a database of its own (set DATABASE_URL to a new one)")

// UseForRehearsal marks the database as a rehearsal's. It refuses a
// database that already holds people or history without that mark: a
// rehearsal must never move the clock under, or reset, a live program.
func (s *Store) UseForRehearsal(ctx context.Context) error {
	return s.tx(ctx, "use for rehearsal", func(tx *gorm.DB, now time.Time) error {
		mode, err := setting(tx, settingMode)
		if err != nil || mode == modeRehearsal {
			return err
		}
		for _, table := range []string{"people", "audit_log", "outbox"} {
			var n int64
			if err := tx.Table(table).Limit(1).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return LiveDatabase
			}
		}
		return putSetting(tx, settingMode, modeRehearsal, now)
	})
}

// CheckLive refuses a database that a rehearsal has used.
func (s *Store) CheckLive(ctx context.Context) error {
	mode, err := setting(s.read(ctx), settingMode)
	if err != nil {
		return s.wrap("check mode", err)
	}
	if mode == modeRehearsal {
		return NotRehearsalDatabase
	}
	return nil
}

// RehearsalClock reads the rehearsal's clock: zero values before it was
// first set.
func (s *Store) RehearsalClock(ctx context.Context) (RehearsalClock, error) {
	var c RehearsalClock
	db := s.read(ctx)
	shift, err := setting(db, settingShift)
	if err != nil {
		return c, s.wrap("rehearsal clock", err)
	}
	through, err := setting(db, settingThrough)
	if err != nil {
		return c, s.wrap("rehearsal clock", err)
	}
	if shift != "" {
		n, err := strconv.ParseInt(shift, 10, 64)
		if err != nil {
			return c, s.wrap("rehearsal clock", err)
		}
		c.Shift = time.Duration(n)
	}
	if through != "" {
		if c.Through, err = time.Parse(time.RFC3339Nano, through); err != nil {
			return c, s.wrap("rehearsal clock", err)
		}
	}
	return c, nil
}

// SetRehearsalClock records the rehearsal's clock.
func (s *Store) SetRehearsalClock(ctx context.Context, c RehearsalClock) error {
	return s.tx(ctx, "set rehearsal clock", func(tx *gorm.DB, now time.Time) error {
		if err := putSetting(tx, settingShift, strconv.FormatInt(int64(c.Shift), 10), now); err != nil {
			return err
		}
		return putSetting(tx, settingThrough, c.Through.UTC().Format(time.RFC3339Nano), now)
	})
}

// LatestRecord returns when the last thing was recorded: the latest
// audited change or queued message. Zero when nothing has been.
func (s *Store) LatestRecord(ctx context.Context) (time.Time, error) {
	var latest time.Time
	for _, q := range []struct{ table, column string }{{"audit_log", "at"}, {"outbox", "created_at"}} {
		var ts []time.Time
		if err := s.read(ctx).Table(q.table).Order(q.column+" DESC").Limit(1).Pluck(q.column, &ts).Error; err != nil {
			return latest, s.wrap("latest record", err)
		}
		if len(ts) > 0 && ts[0].After(latest) {
			latest = ts[0]
		}
	}
	return latest, nil
}

// ResetRehearsal empties a rehearsal's database of everything it
// recorded, the roster too, and sets its clock. It refuses a database
// not marked as a rehearsal's.
func (s *Store) ResetRehearsal(ctx context.Context, c RehearsalClock) error {
	return s.tx(ctx, "reset rehearsal", func(tx *gorm.DB, now time.Time) error {
		mode, err := setting(tx, settingMode)
		if err != nil {
			return err
		}
		if mode != modeRehearsal {
			return LiveDatabase
		}
		for _, table := range programTables {
			if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
				return err
			}
		}
		if err := putSetting(tx, settingShift, strconv.FormatInt(int64(c.Shift), 10), now); err != nil {
			return err
		}
		return putSetting(tx, settingThrough, c.Through.UTC().Format(time.RFC3339Nano), now)
	})
}

func setting(db *gorm.DB, name string) (string, error) {
	var vals []string
	err := db.Table("settings").Where("name = ?", name).Pluck("value", &vals).Error
	if err != nil || len(vals) == 0 {
		return "", err
	}
	return vals[0], nil
}

func putSetting(tx *gorm.DB, name, value string, now time.Time) error {
	return tx.Table("settings").Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(map[string]any{"name": name, "value": value, "updated_at": now}).Error
}
