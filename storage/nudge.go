package storage

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

type reminderRow struct {
	ID          int64
	RecipientID int64
	ItemKey     string
	SentOn      string
	OutboxKey   string
}

func (reminderRow) TableName() string { return "reminders" }

type snoozeRow struct {
	PersonID  int64 `gorm:"primaryKey"`
	Until     string
	UpdatedAt time.Time
}

func (snoozeRow) TableName() string { return "snoozes" }

// ActivePeople returns everyone on the roster now, in id order.
func (s *Store) ActivePeople(ctx context.Context) ([]review.Person, error) {
	var rows []personRow
	err := s.read(ctx).Select("id, slack_id, email, name, unit, manager_id, hr, active, hire_date, tz").Where("active").Order("id").Find(&rows).Error
	if err != nil {
		return nil, s.wrap("active people", err)
	}
	return people(rows), nil
}

// Member is someone on the roster as the sweep first sees them: who they
// report to (0 for nobody) and their time zone ("" when unknown).
type Member struct {
	ID, ManagerID int64
	TZ            string
}

// Members returns everyone on the roster now, in id order, with their
// manager and time zone only: the light picture of the whole organisation
// that the nudge sweep routes by, 32 bytes a person. People in one time
// zone share its string.
func (s *Store) Members(ctx context.Context) ([]Member, error) {
	rows, err := s.read(ctx).Table("people").Select("id, manager_id, tz").Where("active").Order("id").Rows()
	if err != nil {
		return nil, s.wrap("members", err)
	}
	defer rows.Close()
	var out []Member
	zones := map[string]string{}
	var (
		m       Member
		manager sql.NullInt64
		tz      sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&m.ID, &manager, &tz); err != nil {
			return nil, s.wrap("members", err)
		}
		m.ManagerID = manager.Int64
		z, ok := zones[string(tz)]
		if !ok {
			z = string(tz)
			zones[z] = z
		}
		m.TZ = z
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("members", err)
	}
	return out, nil
}

// PeopleByID returns these people, active or not, in id order, with what
// the sweep and the digest show of them and route by (see shownColumns).
// ids must be in ascending order; they are read a thousand at a time.
func (s *Store) PeopleByID(ctx context.Context, ids []int64) ([]review.Person, error) {
	out := make([]review.Person, 0, len(ids))
	db := s.read(ctx)
	for lo := 0; lo < len(ids); lo += idChunk {
		where, args := s.inIDs("p.id", ids[lo:min(lo+idChunk, len(ids))])
		err := eachRow(db.Table("people AS p").Select(shownColumns).Where(where, args...).Order("p.id"), func(rows *sql.Rows) error {
			p, err := scanShown(rows)
			out = append(out, p)
			return err
		})
		if err != nil {
			return nil, s.wrap("people by id", err)
		}
	}
	return out, nil
}

// shownColumns are the columns of people (as p) that the sweep and the
// digest read: what they show of a person (name, unit) and route by
// (Slack ID, manager, whether active), and the hire date. The rest of
// review.Person (email, HR rights, time zone) is left zero.
const shownColumns = "p.id, p.slack_id, p.name, p.unit, p.manager_id, p.active, p.hire_date"

// scanShown reads a person's shownColumns, then more, from a row.
func scanShown(rows *sql.Rows, more ...any) (review.Person, error) {
	var p review.Person
	var manager sql.NullInt64
	var hired string
	if err := rows.Scan(append([]any{&p.ID, &p.SlackID, &p.Name, &p.Unit, &manager, &p.Active, &hired}, more...)...); err != nil {
		return review.Person{}, err
	}
	p.ManagerID, p.HireDate = manager.Int64, parseDay(hired)
	return p, nil
}

// YearsOf returns the years in fy of these people (each with Since), in a
// fixed number of queries per thousand people.
func (s *Store) YearsOf(ctx context.Context, fy review.FiscalYear, ids []int64) (map[int64]review.YearState, error) {
	db := s.read(ctx)
	years, err := loadYearsOf(db, fy, ids)
	if err != nil {
		return nil, s.wrap("years", err)
	}
	for lo := 0; lo < len(ids); lo += idChunk {
		since, err := sinceOf(db, "p.id IN ?", ids[lo:min(lo+idChunk, len(ids))])
		if err != nil {
			return nil, s.wrap("years", err)
		}
		for id, d := range since {
			y, ok := years[id]
			if !ok {
				y = review.YearState{Year: fy}
			}
			y.Since = d
			years[id] = y
		}
	}
	return years, nil
}

// LastReminders returns, for each recipient, the last day each item was
// in a nudge to them.
func (s *Store) LastReminders(ctx context.Context, recipients []int64) (map[int64]map[string]review.Date, error) {
	out := map[int64]map[string]review.Date{}
	db := s.read(ctx)
	for lo := 0; lo < len(recipients); lo += idChunk {
		var rows []struct {
			RecipientID int64
			ItemKey     string
			Last        string
		}
		err := db.Table("reminders").Select("recipient_id, item_key, MAX(sent_on) AS last").
			Where("recipient_id IN ?", recipients[lo:min(lo+idChunk, len(recipients))]).
			Group("recipient_id, item_key").Scan(&rows).Error
		if err != nil {
			return nil, s.wrap("last reminders", err)
		}
		for _, r := range rows {
			d, err := review.ParseDate(r.Last)
			if err != nil {
				continue
			}
			if out[r.RecipientID] == nil {
				out[r.RecipientID] = map[string]review.Date{}
			}
			out[r.RecipientID][r.ItemKey] = d
		}
	}
	return out, nil
}

// Snoozes returns who asked for quiet, and until which day (inclusive), for
// snoozes that end on or after day.
func (s *Store) Snoozes(ctx context.Context, day review.Date) (map[int64]review.Date, error) {
	var rows []snoozeRow
	if err := s.read(ctx).Where("until >= ?", day.String()).Find(&rows).Error; err != nil {
		return nil, s.wrap("snoozes", err)
	}
	out := make(map[int64]review.Date, len(rows))
	for _, r := range rows {
		out[r.PersonID], _ = review.ParseDate(r.Until)
	}
	return out, nil
}

// Snooze keeps nudges away from a person until the day (inclusive).
func (s *Store) Snooze(ctx context.Context, personID int64, until review.Date) error {
	return s.tx(ctx, "snooze", func(tx *gorm.DB, now time.Time) error {
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "person_id"}}, DoUpdates: clause.AssignmentColumns([]string{"until", "updated_at"})}).
			Create(&snoozeRow{PersonID: personID, Until: until.String(), UpdatedAt: now}).Error
	})
}

// NudgeRecord is a nudge to queue: its message, and what it reminds of.
type NudgeRecord struct {
	Notification
	RecipientID int64
	Day         review.Date // the recipient's day
	ItemKeys    []string
}

// RecordNudges queues nudges with the reminders they carry, each at most
// once: a nudge whose key is already in the outbox (another process, or an
// earlier sweep, queued it) is skipped with its reminders. It returns how
// many were queued.
func (s *Store) RecordNudges(ctx context.Context, nudges []NudgeRecord) (int, error) {
	queued := 0
	err := s.tx(ctx, "record nudges", func(tx *gorm.DB, now time.Time) error {
		queued = 0
		for _, n := range nudges {
			row := outboxRow{DedupKey: n.Key, Recipient: n.Recipient, Kind: n.Kind, Payload: string(n.Payload), Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
			res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedup_key"}}, DoNothing: true}).Create(&row)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			queued++
			rows := make([]reminderRow, len(n.ItemKeys))
			for i, k := range n.ItemKeys {
				rows[i] = reminderRow{RecipientID: n.RecipientID, ItemKey: k, SentOn: n.Day.String(), OutboxKey: n.Key}
			}
			if len(rows) > 0 {
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, s.batch).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return queued, err
}

// Reminder is a nudge someone was sent.
type Reminder struct {
	Day   review.Date
	Items int
}

// RecentReminders returns the last n days a person was nudged, newest first,
// with how many items each nudge held.
func (s *Store) RecentReminders(ctx context.Context, personID int64, n int) ([]Reminder, error) {
	var rows []struct {
		SentOn string
		N      int
	}
	err := s.read(ctx).Table("reminders").Select("sent_on, COUNT(*) AS n").Where("recipient_id = ?", personID).
		Group("sent_on").Order("sent_on DESC").Limit(n).Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("recent reminders", err)
	}
	out := make([]Reminder, 0, len(rows))
	for _, r := range rows {
		d, _ := review.ParseDate(r.SentOn)
		out = append(out, Reminder{Day: d, Items: r.N})
	}
	return out, nil
}

// RefreshTimeZones records the time zones Slack reports now, by Slack user
// ID, for people on the roster whose zone changed. It reads the roster's
// zones once and writes only the changes, in one transaction, and returns
// how many changed.
func (s *Store) RefreshTimeZones(ctx context.Context, zones map[string]string) (int, error) {
	var rows []struct {
		ID      int64
		SlackID string
		TZ      string
	}
	if err := s.read(ctx).Table("people").Select("id, slack_id, tz").Where("active").Scan(&rows).Error; err != nil {
		return 0, s.wrap("time zones", err)
	}
	type change struct {
		id int64
		tz string
	}
	var changes []change
	for _, r := range rows {
		if tz, ok := zones[r.SlackID]; ok && tz != "" && tz != r.TZ {
			changes = append(changes, change{r.ID, tz})
		}
	}
	if len(changes) == 0 {
		return 0, nil
	}
	err := s.tx(ctx, "refresh time zones", func(tx *gorm.DB, now time.Time) error {
		for _, c := range changes {
			if err := tx.Model(&personRow{}).Where("id = ?", c.id).Updates(map[string]any{"tz": c.tz, "tz_refreshed_at": now}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return len(changes), err
}
