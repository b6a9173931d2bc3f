package storage

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type auditRow struct {
	ID         int64
	Actor      string
	Action     string
	Entity     string
	EntityID   int64
	BeforeJSON string
	AfterJSON  string
	At         time.Time
}

func (auditRow) TableName() string { return "audit_log" }

// AuditEntry is one recorded change: who did what to which entity, and the
// entity before and after, as JSON ("" when it did not exist).
type AuditEntry struct {
	Actor    string
	Action   string
	Entity   string
	EntityID int64
	Before   string
	After    string
	At       time.Time
}

// auditLog collects the audit rows of one transaction and writes them
// together.
type auditLog struct {
	actor string
	now   time.Time
	rows  []auditRow
}

func newAudit(actor string, now time.Time) *auditLog { return &auditLog{actor: actor, now: now} }

// add records a change; before or after is nil when the entity did not
// exist before or does not after.
func (a *auditLog) add(action, entity string, id int64, before, after any) {
	a.rows = append(a.rows, auditRow{
		Actor: a.actor, Action: action, Entity: entity, EntityID: id,
		BeforeJSON: toJSON(before), AfterJSON: toJSON(after), At: a.now,
	})
}

func (a *auditLog) flush(tx *gorm.DB, batch int) error {
	if len(a.rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(a.rows, batch).Error
}

func toJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return `{"error":"unencodable"}`
	}
	return string(b)
}

// AuditTrail returns the changes recorded for one entity, oldest first.
func (s *Store) AuditTrail(ctx context.Context, entity string, id int64) ([]AuditEntry, error) {
	var rows []auditRow
	err := s.read(ctx).Where("entity = ? AND entity_id = ?", entity, id).Order("id").Find(&rows).Error
	if err != nil {
		return nil, s.wrap("audit trail", err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = AuditEntry{r.Actor, r.Action, r.Entity, r.EntityID, r.BeforeJSON, r.AfterJSON, r.At}
	}
	return out, nil
}

// RecordRead writes to the audit log that actor read something
// confidential (a team's salaries, say): action, the entity and its id,
// and what was read.
func (s *Store) RecordRead(ctx context.Context, actor review.Actor, action, entity string, id int64, details map[string]any) error {
	return s.tx(ctx, action, func(tx *gorm.DB, now time.Time) error {
		audit := newAudit(actor.AuditName(), now)
		audit.add(action, entity, id, nil, details)
		return audit.flush(tx, s.batch)
	})
}
