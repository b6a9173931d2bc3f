package storage

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/massperform/massperform/review"
)

// EachReviewedIn is EachReviewed for a part of the organisation: only the
// people whose unit lies inside scope (the unit itself, or one below it;
// "" is everyone) are read, so HR of an agency pays for its agency, not
// for the whole organisation. Their managers are read whatever their
// unit. fn is called in id order; the people are shared, as in
// EachReviewed.
func (s *Store) EachReviewedIn(ctx context.Context, fy review.FiscalYear, scope string, fn func(p, manager *review.Person, y review.YearState)) error {
	scope = strings.Trim(scope, "/")
	q := s.read(ctx).Table("people").Select("id, manager_id").Where("active AND manager_id IS NOT NULL")
	if scope != "" {
		q = q.Where("(unit = ? OR SUBSTR(unit, 1, ?) = ?)", scope, utf8.RuneCountInString(scope)+1, scope+"/")
	}
	var rows []struct {
		ID        int64
		ManagerID int64
	}
	if err := q.Order("id").Scan(&rows).Error; err != nil {
		return s.wrap("people in scope", err)
	}
	ids := make([]int64, 0, len(rows))
	managerIDs := make([]int64, 0, len(rows))
	for _, r := range rows {
		if r.ManagerID != 0 {
			ids = append(ids, r.ID)
			managerIDs = append(managerIDs, r.ManagerID)
		}
	}
	rows = nil
	return s.walkReviewed(ctx, fy, ids, managerIDs, func(p *review.Person) bool { return review.InScope(scope, p.Unit) }, fn)
}

// DigestSent is the last digest queued for HR's channel: its day, and
// whether and when it went out.
type DigestSent struct {
	Day     review.Date
	Status  string     // OutboxPending, OutboxSent, OutboxFailed, …
	SentAt  *time.Time // when Slack took it
	Channel string     // where it went
}

// LastDigest returns the latest digest queued for HR's channel, or a
// not-found error when none ever was.
func (s *Store) LastDigest(ctx context.Context) (DigestSent, error) {
	var rows []outboxRow
	// Digest keys are "digest:<day>" (and ":file" after them): a range of
	// the unique key, newest day last.
	err := s.read(ctx).Select("dedup_key, status, sent_at, channel, recipient").
		Where("dedup_key >= ? AND dedup_key < ? AND kind = ?", "digest:", "digest;", "digest").
		Order("dedup_key DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return DigestSent{}, s.wrap("last digest", err)
	}
	if len(rows) == 0 {
		return DigestSent{}, review.Errorf(review.ENOTFOUND, "No digest has been sent yet.")
	}
	r := rows[0]
	day, err := review.ParseDate(strings.TrimPrefix(r.DedupKey, "digest:"))
	if err != nil {
		return DigestSent{}, s.wrap("last digest", err)
	}
	ch := r.Channel
	if ch == "" {
		ch = r.Recipient
	}
	return DigestSent{Day: day, Status: r.Status, SentAt: r.SentAt, Channel: ch}, nil
}
