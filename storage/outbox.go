package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notification is a message to deliver to Slack after the change that
// caused it commits. Key makes it idempotent: a second notification with a
// key already in the outbox is dropped.
type Notification struct {
	Key       string // unique, e.g. "expectations:42:1717"
	Recipient string // a Slack user ID (a DM) or channel ID
	Kind      string // what it is about, for counting and logs
	Payload   []byte // the message, as the sender expects it (JSON)
	// Collapse makes a notification whose key is still waiting to be sent
	// take this one's payload: several changes, one message saying where
	// they ended.
	Collapse bool
	// Delay holds the notification back, for more changes to collapse
	// into it; ReleaseNotification sends it sooner.
	Delay time.Duration
}

type outboxRow struct {
	ID            int64
	DedupKey      string
	Recipient     string
	Kind          string
	Payload       string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    *time.Time
	ClaimToken    string
	StartedAt     *time.Time
	LastError     string
	Channel       string
	SlackTS       string `gorm:"column:slack_ts"`
	CreatedAt     time.Time
	SentAt        *time.Time
}

func (outboxRow) TableName() string { return "outbox" }

// Outbox statuses.
const (
	OutboxPending   = "pending"
	OutboxSent      = "sent"
	OutboxFailed    = "failed"
	OutboxCancelled = "cancelled" // the recipient left the program before it went out
)

// Claim is one sender's hold on one notification: the row, and the token
// of the claim that took it. Every change a sender makes to the row shows
// the token, so a sender whose lease ran out, and whose notification
// another sender has claimed since, changes nothing.
type Claim struct {
	ID    int64
	Token string
}

// ErrClaimLost is returned when a notification is no longer held under the
// claim shown: its lease ran out and another sender claimed it (or it was
// recorded meanwhile).
var ErrClaimLost = errors.New("the notification is no longer held under this claim")

// OutboxItem is a notification claimed for delivery.
type OutboxItem struct {
	Claim
	Key       string
	Recipient string
	Kind      string
	Payload   []byte
	Attempts  int // including this one
	CreatedAt time.Time
	// Uncertain is set when an earlier attempt started sending it and
	// never recorded how that went (its process stopped mid-way): it may
	// have gone out. A notification that was claimed but never started
	// is not uncertain.
	Uncertain bool
}

// enqueue queues notifications inside a transaction, skipping any whose key
// is already in the outbox.
func enqueue(tx *gorm.DB, now time.Time, ns []Notification, batch int) error {
	var once, collapse []outboxRow
	for _, n := range ns {
		r := outboxRow{
			DedupKey: n.Key, Recipient: n.Recipient, Kind: n.Kind, Payload: string(n.Payload),
			Status: OutboxPending, NextAttemptAt: now.Add(n.Delay), CreatedAt: now,
		}
		if n.Collapse {
			collapse = append(collapse, r)
		} else {
			once = append(once, r)
		}
	}
	key := []clause.Column{{Name: "dedup_key"}}
	if len(once) > 0 {
		if err := tx.Clauses(clause.OnConflict{Columns: key, DoNothing: true}).CreateInBatches(once, batch).Error; err != nil {
			return err
		}
	}
	if len(collapse) > 0 {
		return tx.Clauses(clause.OnConflict{
			Columns:   key,
			DoUpdates: clause.AssignmentColumns([]string{"payload"}),
			Where:     clause.Where{Exprs: []clause.Expression{clause.Eq{Column: clause.Column{Table: "outbox", Name: "status"}, Value: OutboxPending}}},
		}).CreateInBatches(collapse, batch).Error
	}
	return nil
}

// ReleaseNotification makes a held-back notification due now. It reports
// whether one was waiting.
func (s *Store) ReleaseNotification(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.tx(ctx, "release notification", func(tx *gorm.DB, now time.Time) error {
		res := tx.Model(&outboxRow{}).Where("dedup_key = ? AND status = ? AND next_attempt_at > ?", key, OutboxPending, now).
			Update("next_attempt_at", now)
		n = res.RowsAffected
		return res.Error
	})
	return n > 0, err
}

// Enqueue queues notifications that no other change goes with.
func (s *Store) Enqueue(ctx context.Context, ns []Notification) error {
	return s.tx(ctx, "enqueue", func(tx *gorm.DB, now time.Time) error { return enqueue(tx, now, ns, s.batch) })
}

// bulkKinds are the notifications the scheduler queues by the hundred: the
// nudges and HR's digest. What people's own actions cause (a check-in to
// confirm, a reflection sent) goes ahead of them, so that a kickoff's
// backlog, or a rehearsal's skipped months, never holds it up.
var bulkKinds = []string{"nudge", "digest", "digest file"}

// ClaimOutbox leases up to limit pending notifications that are due, so
// that no other sender (in this process or another) takes them until the
// lease ends, and returns them under one new claim token. A notification
// whose sender died, or let its lease run out, is offered again once the
// lease has ended; it is Uncertain only if a send had started.
func (s *Store) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxItem, error) {
	now, wall := s.now(), s.leases.Now().UTC()
	var rows []outboxRow
	err := s.read(ctx).
		Where("status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", OutboxPending, now, wall).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN kind IN ? THEN 1 ELSE 0 END, next_attempt_at, id", Vars: []any{bulkKinds}}}).
		Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, s.wrap("outbox candidates", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	token := newClaimToken()
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var claimed []outboxRow
	err = s.tx(ctx, "claim outbox", func(tx *gorm.DB, _ time.Time) error {
		// Another sender may have claimed some since they were read: the
		// same conditions again decide, row by row, under the row's lock.
		err := tx.Model(&outboxRow{}).
			Where("id IN ? AND status = ? AND (lease_until IS NULL OR lease_until < ?)", ids, OutboxPending, wall).
			Updates(map[string]any{"lease_until": wall.Add(lease), "claim_token": token}).Error
		if err != nil {
			return err
		}
		claimed = claimed[:0] // the transaction may run again
		return tx.Where("id IN ? AND claim_token = ?", ids, token).Find(&claimed).Error
	})
	if err != nil {
		return nil, err
	}
	order := make(map[int64]int, len(ids))
	for i, id := range ids {
		order[id] = i
	}
	slices.SortFunc(claimed, func(a, b outboxRow) int { return order[a.ID] - order[b.ID] })
	items := make([]OutboxItem, 0, len(claimed))
	for _, r := range claimed {
		items = append(items, OutboxItem{Claim: Claim{ID: r.ID, Token: token}, Key: r.DedupKey, Recipient: r.Recipient, Kind: r.Kind,
			Payload: []byte(r.Payload), Attempts: r.Attempts + 1, CreatedAt: r.CreatedAt, Uncertain: r.StartedAt != nil})
	}
	return items, nil
}

// newClaimToken returns a token no other claim has.
func newClaimToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// updateClaimed changes one outbox row if it is still held under c, and
// returns ErrClaimLost if it is not.
func (s *Store) updateClaimed(ctx context.Context, op string, c Claim, set map[string]any) error {
	var n int64
	err := s.tx(ctx, op, func(tx *gorm.DB, _ time.Time) error {
		res := tx.Model(&outboxRow{}).Where("id = ? AND claim_token = ? AND status = ?", c.ID, c.Token, OutboxPending).Updates(set)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrClaimLost
	}
	return nil
}

// StartSend records that a send of a claimed notification is starting,
// and extends its lease by lease from now, which must outlast the send
// and its recording. From here until its outcome is recorded, the
// notification counts as possibly sent. It returns ErrClaimLost, and
// records nothing, if the claim was lost: then it must not be sent.
func (s *Store) StartSend(ctx context.Context, c Claim, lease time.Duration) error {
	return s.updateClaimed(ctx, "start send", c, map[string]any{
		"started_at": s.now(), "lease_until": s.leases.Now().UTC().Add(lease),
	})
}

// MarkSent records a delivered notification with the channel and message
// timestamp Slack returned.
func (s *Store) MarkSent(ctx context.Context, c Claim, channel, ts string) error {
	return s.updateClaimed(ctx, "mark sent", c, map[string]any{
		"status": OutboxSent, "channel": channel, "slack_ts": ts, "sent_at": s.now(), "last_error": "",
		"attempts": gorm.Expr("attempts + 1"), "lease_until": nil, "claim_token": "", "started_at": nil,
	})
}

// MarkRetry records a failed attempt and when to try again. uncertain
// says the attempt may have sent it all the same (a send that stopped
// without an answer, or a look in Slack that failed for a notification
// already in doubt): the next attempt then looks before sending.
func (s *Store) MarkRetry(ctx context.Context, c Claim, reason string, next time.Time, uncertain bool) error {
	set := map[string]any{
		"next_attempt_at": next.UTC(), "last_error": reason,
		"attempts": gorm.Expr("attempts + 1"), "lease_until": nil, "claim_token": "",
	}
	if !uncertain {
		set["started_at"] = nil
	}
	return s.updateClaimed(ctx, "mark retry", c, set)
}

// Release hands a claimed notification back unattempted, due at next: a
// sender stopping, or holding back for Slack's Retry-After. Whatever was
// known about an earlier send stays as it was.
func (s *Store) Release(ctx context.Context, c Claim, reason string, next time.Time) error {
	return s.updateClaimed(ctx, "release", c, map[string]any{
		"next_attempt_at": next.UTC(), "last_error": reason, "lease_until": nil, "claim_token": "",
	})
}

// MarkFailed gives up on a notification.
func (s *Store) MarkFailed(ctx context.Context, c Claim, reason string) error {
	return s.updateClaimed(ctx, "mark failed", c, map[string]any{
		"status": OutboxFailed, "last_error": reason,
		"attempts": gorm.Expr("attempts + 1"), "lease_until": nil, "claim_token": "", "started_at": nil,
	})
}

// OutboxOldestPending returns how long the oldest notification still to
// send has waited, by the store's clock (0 when none is waiting).
func (s *Store) OutboxOldestPending(ctx context.Context) (time.Duration, error) {
	var oldest []time.Time
	err := s.read(ctx).Model(&outboxRow{}).Where("status = ?", OutboxPending).Order("created_at").Limit(1).Pluck("created_at", &oldest).Error
	if err != nil || len(oldest) == 0 {
		return 0, s.wrap("oldest pending notification", err)
	}
	return max(0, s.now().Sub(oldest[0])), nil
}

// OutboxCounts returns how many notifications are in each status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := s.read(ctx).Model(&outboxRow{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, s.wrap("outbox counts", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// NextOutboxDue returns when the earliest pending notification can next be
// claimed (it is due and not leased), or the zero time when none is
// pending.
func (s *Store) NextOutboxDue(ctx context.Context) (time.Time, error) {
	now, wall := s.now(), s.leases.Now().UTC()
	var free, leased outboxRow
	db := s.read(ctx)
	err := db.Where("status = ? AND (lease_until IS NULL OR lease_until < ?)", OutboxPending, wall).Order("next_attempt_at").Limit(1).Find(&free).Error
	if err == nil {
		err = db.Where("status = ? AND lease_until >= ?", OutboxPending, wall).Order("lease_until").Limit(1).Find(&leased).Error
	}
	if err != nil {
		return time.Time{}, s.wrap("next outbox due", err)
	}
	var next time.Time
	if free.ID != 0 {
		next = free.NextAttemptAt
	}
	if leased.ID != 0 {
		// A lease runs on real time: say when it ends on the program's clock.
		if end := leased.LeaseUntil.Add(now.Sub(wall)); next.IsZero() || end.Before(next) {
			next = end
		}
	}
	return next, nil
}
