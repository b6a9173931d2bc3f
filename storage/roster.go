package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type managerChangeRow struct {
	ID           int64
	PersonID     int64
	OldManagerID *int64
	NewManagerID *int64
	Effective    string
	HandoffNote  string
	HandoffAt    *time.Time
	CreatedAt    time.Time
}

func (managerChangeRow) TableName() string { return "manager_changes" }

// ManagerChange is one entry of a person's reporting history.
type ManagerChange struct {
	OldManagerID int64 // 0 when there was none
	NewManagerID int64
	Effective    review.Date
}

// ApplyRoster carries out a roster plan in one transaction: new people are
// stored with their managers, changed people updated (a new manager is
// recorded in their reporting history, effective today), and people the
// plan deactivates stop taking part, their open reviews closed as "left".
// Every change writes an audit row.
func (s *Store) ApplyRoster(ctx context.Context, actor string, today review.Date, plan review.RosterPlan) error {
	return s.tx(ctx, "apply roster", func(tx *gorm.DB, now time.Time) error {
		audit := newAudit(actor, now)
		idOf := map[string]int64{}
		var current []struct {
			ID    int64
			Email string
		}
		if err := tx.Model(&personRow{}).Select("id, email").Find(&current).Error; err != nil {
			return err
		}
		for _, p := range current {
			idOf[p.Email] = p.ID
		}
		managerID := func(email string) *int64 {
			if email == "" {
				return nil
			}
			id := idOf[email]
			return &id
		}

		// New people, managers before their reports, in batches that never
		// hold both a manager and someone who reports to them.
		var batch []personRow
		inBatch := map[string]bool{}
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if err := tx.CreateInBatches(batch, s.batch).Error; err != nil {
				return err
			}
			for _, r := range batch {
				idOf[r.Email] = r.ID
				audit.add("roster.add", "person", r.ID, nil, r)
			}
			batch, inBatch = batch[:0], map[string]bool{}
			return nil
		}
		for _, e := range review.ManagersFirst(plan.Add) {
			if inBatch[e.ManagerEmail] || len(batch) == s.batch {
				if err := flush(); err != nil {
					return err
				}
			}
			batch = append(batch, personRow{
				SlackID: e.SlackID, Email: e.Email, Name: e.Name, Unit: e.Unit, ManagerID: managerID(e.ManagerEmail),
				HR: e.HR, Active: true, HireDate: e.HireDate.String(), TZ: e.TZ, TZRefreshedAt: &now,
			})
			inBatch[e.Email] = true
		}
		if err := flush(); err != nil {
			return err
		}

		for _, c := range plan.Change {
			var old personRow
			if err := tx.Take(&old, c.Person.ID).Error; err != nil {
				return err
			}
			upd := old
			upd.Email, upd.Name, upd.Unit, upd.HR, upd.HireDate = c.Entry.Email, c.Entry.Name, c.Entry.Unit, c.Entry.HR, c.Entry.HireDate.String()
			if c.Entry.SlackID != "" {
				upd.SlackID = c.Entry.SlackID
			}
			if c.Entry.TZ != "" {
				upd.TZ, upd.TZRefreshedAt = c.Entry.TZ, &now
			}
			upd.Active, upd.LeftAt = true, nil
			upd.ManagerID = managerID(c.Entry.ManagerEmail)
			upd.UpdatedAt = now
			if err := tx.Save(&upd).Error; err != nil {
				return err
			}
			if c.Moved {
				mc := managerChangeRow{PersonID: old.ID, OldManagerID: old.ManagerID, NewManagerID: upd.ManagerID, Effective: today.String(), CreatedAt: now}
				if err := tx.Create(&mc).Error; err != nil {
					return err
				}
				audit.add("roster.move", "person", old.ID, old, upd)
			}
			if len(c.Fields) > 0 {
				audit.add("roster.update", "person", old.ID, old, upd)
			}
			if !old.Active {
				if err := tx.Model(&reviewRow{}).Where("person_id = ? AND state = ?", old.ID, reviewLeft).
					Updates(map[string]any{"state": reviewOpen, "closed_reason": "", "closed_at": nil, "updated_at": now}).Error; err != nil {
					return err
				}
			}
		}

		for _, p := range plan.Deactivate {
			res := tx.Model(&personRow{}).Where("id = ? AND active", p.ID).Updates(map[string]any{"active": false, "left_at": now, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			if err := tx.Model(&reviewRow{}).Where("person_id = ? AND state = ?", p.ID, reviewOpen).
				Updates(map[string]any{"state": reviewLeft, "closed_reason": "left the roster", "closed_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
			audit.add("roster.deactivate", "person", p.ID, map[string]any{"active": true}, map[string]any{"active": false})
		}
		return audit.flush(tx, s.batch)
	})
}

// ManagerHistory returns a person's reporting history, oldest first.
func (s *Store) ManagerHistory(ctx context.Context, personID int64) ([]ManagerChange, error) {
	var rows []managerChangeRow
	if err := s.read(ctx).Where("person_id = ?", personID).Order("id").Find(&rows).Error; err != nil {
		return nil, s.wrap("manager history", err)
	}
	out := make([]ManagerChange, len(rows))
	for i, r := range rows {
		out[i].Effective, _ = review.ParseDate(r.Effective)
		if r.OldManagerID != nil {
			out[i].OldManagerID = *r.OldManagerID
		}
		if r.NewManagerID != nil {
			out[i].NewManagerID = *r.NewManagerID
		}
	}
	return out, nil
}
