package storage

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// EachReviewed calls fn with every active person who has a manager, their
// manager and their year in fy (as DueStates loads it), in id order, a
// thousand people at a time. It reads the roster's ids and managers
// first (Members), then the managers, then the people with their years a
// page at a time, each with the columns PeopleDue reads: fn keeps only
// what it holds on to.
//
// The people are shared: fn may keep the pointers, not change them.
func (s *Store) EachReviewed(ctx context.Context, fy review.FiscalYear, fn func(p, manager *review.Person, y review.YearState)) error {
	members, err := s.Members(ctx)
	if err != nil {
		return err
	}
	var ids, managerIDs []int64
	for _, m := range members {
		if m.ManagerID != 0 {
			ids = append(ids, m.ID)
			managerIDs = append(managerIDs, m.ManagerID)
		}
	}
	members = nil
	return s.walkReviewed(ctx, fy, ids, managerIDs, func(*review.Person) bool { return true }, fn)
}

// walkReviewed is the walk of EachReviewed and EachReviewedIn: it reads
// the managers named in managerIDs (any order, repeats allowed), then the
// people of ids (in id order) with their years a thousand at a time, and
// calls fn with each person still reviewed whom keep keeps.
func (s *Store) walkReviewed(ctx context.Context, fy review.FiscalYear, ids, managerIDs []int64, keep func(*review.Person) bool, fn func(p, manager *review.Person, y review.YearState)) error {
	slices.Sort(managerIDs)
	managerIDs = slices.Compact(managerIDs)
	people, err := s.PeopleByID(ctx, managerIDs)
	if err != nil {
		return err
	}
	managers := make(map[int64]*review.Person, len(people))
	for i := range people {
		if people[i].Active {
			managers[people[i].ID] = &people[i]
		}
	}
	for lo := 0; lo < len(ids); lo += idChunk {
		page, years, err := s.PeopleDue(ctx, fy, ids[lo:min(lo+idChunk, len(ids))])
		if err != nil {
			return err
		}
		for i := range page {
			p := &page[i]
			if !p.Reviewed() || !keep(p) {
				continue // left the roster (or the part walked) since it was read
			}
			m := managers[p.ManagerID]
			if m == nil {
				m = &review.Person{}
			}
			y := years[p.ID]
			if y.Year == 0 {
				y.Year = fy
			}
			fn(p, m, y)
		}
	}
	return nil
}

// NoAnswer is a compliance question answered No, with whose review it is.
type NoAnswer struct {
	PersonID int64
	Answer   review.Answer
}

// NoAnswers returns every No answered in fy's reviews of people still on
// the roster, newest first.
func (s *Store) NoAnswers(ctx context.Context, fy review.FiscalYear) ([]NoAnswer, error) {
	var rows []struct {
		PersonID   int64
		Stage      string
		Question   string
		AnsweredBy int64
		AnsweredAt time.Time
	}
	err := s.read(ctx).Table("compliance_answers AS a").Select("r.person_id, a.stage, a.question, a.answered_by, a.answered_at").
		Joins("JOIN reviews r ON r.id = a.review_id").Joins("JOIN people p ON p.id = r.person_id").
		Where("r.fiscal_year = ? AND NOT a.answer AND p.active", int(fy)).Order("a.answered_at DESC, a.id DESC").Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("no answers", err)
	}
	out := make([]NoAnswer, len(rows))
	for i, r := range rows {
		out[i] = NoAnswer{PersonID: r.PersonID, Answer: review.Answer{Stage: review.Stage(r.Stage), Question: r.Question, AnsweredBy: r.AnsweredBy, AnsweredAt: r.AnsweredAt}}
	}
	return out, nil
}

// FailedSince counts notifications given up on since a moment.
func (s *Store) FailedSince(ctx context.Context, since time.Time) (int, error) {
	var n int64
	err := s.read(ctx).Model(&outboxRow{}).Where("status = ? AND created_at >= ?", OutboxFailed, since.UTC()).Count(&n).Error
	return int(n), s.wrap("failed deliveries", err)
}

// digestCountRow is what the digest of a day counted.
type digestCountRow struct {
	Day       string `gorm:"primaryKey"`
	Overdue   int
	CreatedAt time.Time
}

func (digestCountRow) TableName() string { return "digest_counts" }

// QueueDigest queues a digest's notifications (as Enqueue does) and records
// what it counted, in one transaction. A day's digest is queued and
// counted once: a second run that day changes neither.
func (s *Store) QueueDigest(ctx context.Context, ns []Notification, c review.DigestCount) error {
	return s.tx(ctx, "queue digest", func(tx *gorm.DB, now time.Time) error {
		if err := enqueue(tx, now, ns, s.batch); err != nil {
			return err
		}
		row := digestCountRow{Day: c.Day.String(), Overdue: c.Overdue, CreatedAt: now}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "day"}}, DoNothing: true}).Create(&row).Error
	})
}

// DigestCounts returns what the digests from one day to another (both
// included) counted, oldest first.
func (s *Store) DigestCounts(ctx context.Context, from, to review.Date) ([]review.DigestCount, error) {
	var rows []digestCountRow
	err := s.read(ctx).Where("day >= ? AND day <= ?", from.String(), to.String()).Order("day").Find(&rows).Error
	if err != nil {
		return nil, s.wrap("digest counts", err)
	}
	out := make([]review.DigestCount, 0, len(rows))
	for _, r := range rows {
		day, err := review.ParseDate(r.Day)
		if err != nil {
			return nil, s.wrap("digest counts", err)
		}
		out = append(out, review.DigestCount{Day: day, Overdue: r.Overdue})
	}
	return out, nil
}
