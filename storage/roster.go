package storage

import (
	"context"
	"fmt"
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

// ApplyRoster carries out a roster plan in one transaction: people the plan
// deactivates stop taking part (their open reviews close as "left"),
// changed people are updated, new people are stored, and then everyone's
// manager is set, a new manager being recorded in the person's reporting
// history, effective today (and a wrap-up the former manager wrote, not yet
// approved, set aside for the new one to write their own), and the leaves
// the file records are recorded as RecordLeave does (one recorded already,
// as it is, changes nothing). Every change writes an audit row.
func (s *Store) ApplyRoster(ctx context.Context, actor string, today review.Date, plan review.RosterPlan, ns ...Notification) error {
	if len(plan.Problems) > 0 {
		return review.Errorf(review.EINVALID, "The roster has %d problems; nothing was changed.", len(plan.Problems))
	}
	return s.tx(ctx, "apply roster", func(tx *gorm.DB, now time.Time) error {
		return s.applyRoster(tx, now, newAudit(actor, now), today, plan, nil, ns)
	})
}

// applyRoster is ApplyRoster's work in tx, where the new people in added
// (their emails, and their ids) are stored already, with their audit rows.
func (s *Store) applyRoster(tx *gorm.DB, now time.Time, audit *auditLog, today review.Date, plan review.RosterPlan, added map[string]int64, ns []Notification) error {
	// Leavers first: their emails are free for whoever has them now.
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
		// Nothing more reaches someone who has left.
		if err := tx.Model(&outboxRow{}).Where("recipient = ? AND status = ?", p.SlackID, OutboxPending).
			Updates(map[string]any{"status": OutboxCancelled, "lease_until": nil}).Error; err != nil {
			return err
		}
		audit.add("roster.deactivate", "person", p.ID, map[string]any{"active": true}, map[string]any{"active": false})
	}

	// Changed people, but for their managers, who may be new. Emails
	// that change go through a placeholder first, so that two people
	// can swap theirs.
	before := map[int64]personRow{}
	for _, c := range plan.Change {
		var old personRow
		if err := tx.Take(&old, c.Person.ID).Error; err != nil {
			return err
		}
		before[old.ID] = old
		if old.Email != c.Entry.Email {
			if err := tx.Model(&personRow{}).Where("id = ?", old.ID).Update("email", fmt.Sprintf("~moving-%d", old.ID)).Error; err != nil {
				return err
			}
		}
	}
	thisYear := review.FiscalYearOf(today)
	for _, c := range plan.Change {
		old := before[c.Person.ID]
		upd := map[string]any{
			"email": c.Entry.Email, "name": c.Entry.Name, "unit": c.Entry.Unit, "hr": c.Entry.HR, "hr_role": c.Entry.HRRole.String(),
			"hire_date": c.Entry.HireDate.String(), "active": true, "left_at": nil, "updated_at": now,
		}
		if c.Entry.TZ != "" {
			upd["tz"], upd["tz_refreshed_at"] = c.Entry.TZ, now
		}
		if err := tx.Model(&personRow{}).Where("id = ?", old.ID).Updates(upd).Error; err != nil {
			return err
		}
		if !old.Active {
			if err := tx.Model(&personRow{}).Where("id = ?", old.ID).Update("joined_on", today.String()).Error; err != nil {
				return err
			}
			// Back in the program: this year's review, if it was closed
			// when they left, opens again.
			if err := tx.Model(&reviewRow{}).Where("person_id = ? AND state = ? AND fiscal_year >= ?", old.ID, reviewLeft, int(thisYear)).
				Updates(map[string]any{"state": reviewOpen, "closed_reason": "", "closed_at": nil, "updated_at": now}).Error; err != nil {
				return err
			}
		}
	}

	// New people, managers before their reports, in batches that never
	// hold both a manager and someone who reports to them.
	idOf := make(map[string]int64, len(plan.Matched)+len(plan.Add))
	for email, id := range plan.Matched {
		idOf[email] = id
	}
	for email, id := range added {
		idOf[email] = id
	}
	managerID := func(email string) (*int64, error) {
		if email == "" {
			return nil, nil
		}
		id, ok := idOf[email]
		if !ok {
			return nil, fmt.Errorf("manager %s of the roster is not stored", email)
		}
		return &id, nil
	}
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
		if _, stored := added[e.Email]; stored {
			continue
		}
		if inBatch[e.ManagerEmail] || len(batch) == s.batch {
			if err := flush(); err != nil {
				return err
			}
		}
		mid, err := managerID(e.ManagerEmail)
		if err != nil {
			return err
		}
		batch = append(batch, newPersonRow(e, mid, today, now))
		inBatch[e.Email] = true
	}
	if err := flush(); err != nil {
		return err
	}

	// Now every manager is stored: set them, and keep the history.
	for _, c := range plan.Change {
		old := before[c.Person.ID]
		var after personRow
		if c.Moved {
			mid, err := managerID(c.Entry.ManagerEmail)
			if err != nil {
				return err
			}
			if err := tx.Model(&personRow{}).Where("id = ?", old.ID).Update("manager_id", mid).Error; err != nil {
				return err
			}
			mc := managerChangeRow{PersonID: old.ID, OldManagerID: old.ManagerID, NewManagerID: mid, Effective: today.String(), CreatedAt: now}
			if err := tx.Create(&mc).Error; err != nil {
				return err
			}
			// A wrap-up the former manager wrote and HR has not approved
			// gives way: the new manager writes their own.
			if err := setAsideOnMove(tx, audit, old.ID, mid, now); err != nil {
				return err
			}
		}
		if err := tx.Take(&after, old.ID).Error; err != nil {
			return err
		}
		if c.Moved {
			audit.add("roster.move", "person", old.ID, old, after)
		}
		if len(c.Fields) > 0 {
			audit.add("roster.update", "person", old.ID, old, after)
		}
	}

	// The leaves the file records, as /perform leave records them.
	for _, e := range plan.Leaves {
		id, ok := idOf[e.Email]
		if !ok {
			return fmt.Errorf("%s of the roster is not stored", e.Email)
		}
		if err := recordLeave(tx, audit, now, id, e.Leave); err != nil {
			return err
		}
	}
	if err := audit.flush(tx, s.batch); err != nil {
		return err
	}
	return enqueue(tx, now, ns, s.batch)
}

// newPersonRow is the row of someone a roster import adds.
func newPersonRow(e review.RosterEntry, managerID *int64, today review.Date, now time.Time) personRow {
	return personRow{
		SlackID: e.SlackID, Email: e.Email, Name: e.Name, Unit: e.Unit, ManagerID: managerID,
		HR: e.HR, HRRole: e.HRRole.String(), Active: true, HireDate: e.HireDate.String(), JoinedOn: today.String(), TZ: e.TZ, TZRefreshedAt: &now,
	}
}

// RosterDraft is a roster import stored while Slack's user list is still
// being read, so that little is left to store once the last page is in:
// one transaction, open from BeginRoster until Apply commits it with the
// rest of the plan, or Discard drops it. Nobody else sees any of it
// before Apply; an import that fails, is refused or is killed leaves
// nothing.
//
// It stores only people who are new beyond doubt: whose Slack user is not
// stored, whose email nobody active on the roster has, and who have no
// manager or a manager it has stored already. Everyone else waits for
// Apply, which stores them as ApplyRoster does.
type RosterDraft struct {
	s     *Store
	tx    *gorm.DB
	now   time.Time
	today review.Date
	audit *auditLog
	// users and emails are the Slack users and the active emails stored
	// before the import.
	users, emails map[string]bool
	taken         map[string]bool                 // emails given to Add
	added         map[string]personRow            // by email: the people stored
	waiting       map[string][]review.RosterEntry // by manager email: new people whose manager is not stored yet
	closed        bool
}

// BeginRoster starts a draft of a roster import by actor, effective
// today. On SQLite it returns nil: SQLite has one writer at a time, and a
// transaction open for the minutes Slack's list takes would keep everyone
// else waiting, the running bot and the workspace's Slack budget (kept in
// this database) included. The import then stores everything at the end,
// with ApplyRoster.
func (s *Store) BeginRoster(ctx context.Context, actor string, today review.Date) (*RosterDraft, error) {
	if s.dialect != Postgres {
		return nil, nil
	}
	now := s.now()
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return nil, s.wrap("begin roster", tx.Error)
	}
	var stored []struct {
		SlackID string
		Email   string
		Active  bool
	}
	if err := tx.Model(&personRow{}).Select("slack_id", "email", "active").Scan(&stored).Error; err != nil {
		tx.Rollback()
		return nil, s.wrap("begin roster", err)
	}
	d := &RosterDraft{s: s, tx: tx, now: now, today: today, audit: newAudit(actor, now),
		users: make(map[string]bool, len(stored)), emails: make(map[string]bool, len(stored)),
		taken: map[string]bool{}, added: map[string]personRow{}, waiting: map[string][]review.RosterEntry{}}
	for _, p := range stored {
		d.users[p.SlackID] = true
		if p.Active {
			d.emails[p.Email] = true
		}
	}
	return d, nil
}

// Add stores those of entries (resolved to their Slack users) who are new
// beyond doubt, with their audit rows, and then the new people who were
// waiting for them as their manager. After an error the draft can only be
// discarded.
func (d *RosterDraft) Add(entries []review.RosterEntry) error {
	var ready []review.RosterEntry
	for _, e := range entries {
		if e.SlackID == "" || d.users[e.SlackID] || d.emails[e.Email] || d.taken[e.Email] {
			continue
		}
		d.taken[e.Email] = true
		if _, stored := d.added[e.ManagerEmail]; e.ManagerEmail == "" || stored {
			ready = append(ready, e)
		} else {
			d.waiting[e.ManagerEmail] = append(d.waiting[e.ManagerEmail], e)
		}
	}
	// Each round's managers are stored already: their ids are known.
	for len(ready) > 0 {
		rows := make([]personRow, len(ready))
		for i, e := range ready {
			var mid *int64
			if m, ok := d.added[e.ManagerEmail]; ok {
				mid = &m.ID
			}
			rows[i] = newPersonRow(e, mid, d.today, d.now)
		}
		if err := d.tx.CreateInBatches(rows, d.s.batch).Error; err != nil {
			return d.s.wrap("draft roster", err)
		}
		ready = ready[:0]
		for _, r := range rows {
			d.added[r.Email] = r
			d.audit.add("roster.add", "person", r.ID, nil, r)
			ready = append(ready, d.waiting[r.Email]...)
			delete(d.waiting, r.Email)
		}
	}
	if err := d.audit.flush(d.tx, d.s.batch); err != nil {
		return d.s.wrap("draft roster", err)
	}
	d.audit.rows = d.audit.rows[:0]
	return nil
}

// Stored is how many new people the draft holds.
func (d *RosterDraft) Stored() int { return len(d.added) }

// Apply stores the rest of plan, which must be made from the same
// resolved entries, and commits the import. The draft is finished
// whatever the outcome.
func (d *RosterDraft) Apply(ctx context.Context, plan review.RosterPlan, ns ...Notification) error {
	defer d.Discard()
	if len(plan.Problems) > 0 {
		return review.Errorf(review.EINVALID, "The roster has %d problems; nothing was changed.", len(plan.Problems))
	}
	adds := make(map[string]string, len(plan.Add))
	for _, e := range plan.Add {
		adds[e.Email] = e.SlackID
	}
	ids := make(map[string]int64, len(d.added))
	for email, r := range d.added {
		if adds[email] != r.SlackID {
			return fmt.Errorf("apply roster: %s was stored as new while Slack's list was read, and the plan does not add them; nothing was changed", email)
		}
		ids[email] = r.ID
	}
	tx := d.tx.WithContext(ctx)
	if err := d.s.applyRoster(tx, d.now, d.audit, d.today, plan, ids, ns); err != nil {
		return d.s.wrap("apply roster", err)
	}
	d.closed = true
	return d.s.wrap("apply roster", tx.Commit().Error)
}

// Discard drops the draft, unless Apply committed it. A nil draft is
// fine.
func (d *RosterDraft) Discard() {
	if d == nil || d.closed {
		return
	}
	d.closed = true
	d.tx.Rollback()
}

// Handoff is the latest change of a person's manager, and its note.
type Handoff struct {
	PersonID     int64
	OldManagerID int64
	NewManagerID int64
	Effective    review.Date
	Note         string
}

// SaveHandoffNote records the note a former manager leaves for the new one
// about the person who moved, on that person's latest change of manager.
// Only that change's former manager may write it; writing again replaces
// it, and the audit log keeps every version.
func (s *Store) SaveHandoffNote(ctx context.Context, actor review.Actor, personID int64, note string, notify func(Handoff) ([]Notification, error)) (Handoff, error) {
	var h Handoff
	err := s.tx(ctx, "save hand-off note", func(tx *gorm.DB, now time.Time) error {
		var mc managerChangeRow
		if err := tx.Where("person_id = ?", personID).Order("id DESC").Limit(1).Take(&mc).Error; err != nil {
			return err
		}
		if actor.Person == nil || mc.OldManagerID == nil || *mc.OldManagerID != actor.Person.ID || mc.NewManagerID == nil {
			return review.Errorf(review.EFORBIDDEN, "Only the manager they moved from can leave a hand-off note about them.")
		}
		old := mc
		mc.HandoffNote, mc.HandoffAt = note, &now
		if err := tx.Save(&mc).Error; err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("handoff.note", "person", personID, old, mc)
		if err := audit.flush(tx, s.batch); err != nil {
			return err
		}
		h = Handoff{PersonID: personID, OldManagerID: *mc.OldManagerID, NewManagerID: *mc.NewManagerID, Note: note}
		h.Effective, _ = review.ParseDate(mc.Effective)
		ns, err := notify(h)
		if err != nil {
			return err
		}
		return enqueue(tx, now, ns, s.batch)
	})
	return h, err
}

// LatestHandoff returns a person's latest change of manager.
func (s *Store) LatestHandoff(ctx context.Context, personID int64) (Handoff, error) {
	var mc managerChangeRow
	if err := s.read(ctx).Where("person_id = ?", personID).Order("id DESC").Limit(1).Take(&mc).Error; err != nil {
		return Handoff{}, s.wrap("latest hand-off", err)
	}
	h := Handoff{PersonID: personID, Note: mc.HandoffNote}
	if mc.OldManagerID != nil {
		h.OldManagerID = *mc.OldManagerID
	}
	if mc.NewManagerID != nil {
		h.NewManagerID = *mc.NewManagerID
	}
	h.Effective, _ = review.ParseDate(mc.Effective)
	return h, nil
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
