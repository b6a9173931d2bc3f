package storage

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// payRow is a person's pay record for a merit year.
type payRow struct {
	ID            int64
	PersonID      int64
	MeritYear     string
	MLevel        string `gorm:"column:m_level"`
	BaseSalary    int64
	Class         string
	HireDate      string
	PositionDate  string
	LeaveMonths   int
	MilitaryLeave bool
	Acting        bool
	Collision     bool
	// HRD's approval of a case that needs it; kept across imports.
	EligibilityApprovedBy string
	EligibilityApprovedAt *time.Time
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (payRow) TableName() string { return "pay_records" }

func (r payRow) domain() review.PayRecord {
	return review.PayRecord{Level: r.MLevel, Salary: review.Cents(r.BaseSalary), Class: r.Class, HireDate: parseDay(r.HireDate),
		PositionDate: parseDay(r.PositionDate), LeaveMonths: r.LeaveMonths, Military: r.MilitaryLeave, Acting: r.Acting, Collision: r.Collision,
		EligibilityApproved: r.EligibilityApprovedAt != nil}
}

func (r *payRow) set(p review.PayRecord) {
	r.MLevel, r.BaseSalary, r.Class, r.HireDate, r.PositionDate = p.Level, int64(p.Salary), p.Class, p.HireDate.String(), p.PositionDate.String()
	r.LeaveMonths, r.MilitaryLeave, r.Acting, r.Collision = p.LeaveMonths, p.Military, p.Acting, p.Collision
}

// PaySummary is what a pay import did, or would do: counts only.
type PaySummary struct {
	Added, Changed, Unchanged int
	// Missing is how many active people on the roster the file leaves
	// without a pay record for the year.
	Missing int
}

// ImportPay stores a pay file's entries for the merit year, as by, in one
// transaction: every email must be someone active on the roster (else the
// problems, by line, and nothing is stored). Each new or changed record is
// in the audit log, with what changed. dryRun checks and counts, and
// stores nothing.
func (s *Store) ImportPay(ctx context.Context, by, year string, entries []review.PayEntry, dryRun bool) (PaySummary, []review.Problem, error) {
	var sum PaySummary
	var problems []review.Problem
	err := s.tx(ctx, "import pay", func(tx *gorm.DB, now time.Time) error {
		emails := make([]string, len(entries))
		for i, e := range entries {
			emails[i] = e.Email
		}
		var people []personRow
		for lo := 0; lo < len(emails); lo += idChunk {
			var part []personRow
			if err := tx.Where("active AND email IN ?", emails[lo:min(lo+idChunk, len(emails))]).Find(&part).Error; err != nil {
				return err
			}
			people = append(people, part...)
		}
		byEmail := make(map[string]int64, len(people))
		for _, p := range people {
			byEmail[strings.ToLower(p.Email)] = p.ID
		}
		for _, e := range entries {
			if _, ok := byEmail[e.Email]; !ok {
				problems = append(problems, review.Problem{Line: e.Line, Message: e.Email + " is not on the roster: import the roster first, or take them out of the file"})
			}
		}
		if len(problems) > 0 {
			return nil
		}
		var existing []payRow
		if err := tx.Where("merit_year = ?", year).Find(&existing).Error; err != nil {
			return err
		}
		have := make(map[int64]payRow, len(existing))
		for _, r := range existing {
			have[r.PersonID] = r
		}
		audit := newAudit(by, now)
		var add []payRow
		for _, e := range entries {
			id := byEmail[e.Email]
			old, ok := have[id]
			switch {
			case !ok:
				r := payRow{PersonID: id, MeritYear: year, CreatedAt: now, UpdatedAt: now}
				r.set(e.Record)
				add = append(add, r)
				sum.Added++
			case sameRecord(old.domain(), e.Record):
				sum.Unchanged++
			default:
				sum.Changed++
				if dryRun {
					continue
				}
				r := old
				r.set(e.Record)
				r.UpdatedAt = now
				if err := tx.Save(&r).Error; err != nil {
					return err
				}
				audit.add("pay.change", "pay_record", r.ID, payAudit(old), payAudit(r))
			}
		}
		var without int64
		if err := tx.Table("people AS p").Where("p.active AND NOT EXISTS (SELECT 1 FROM pay_records r WHERE r.person_id = p.id AND r.merit_year = ?)", year).
			Count(&without).Error; err != nil {
			return err
		}
		sum.Missing = int(without) - sum.Added
		if dryRun || len(add) == 0 && len(audit.rows) == 0 {
			return nil
		}
		if len(add) > 0 {
			if err := tx.CreateInBatches(&add, s.batch).Error; err != nil {
				return err
			}
			for _, r := range add {
				audit.add("pay.add", "pay_record", r.ID, nil, payAudit(r))
			}
		}
		return audit.flush(tx, s.batch)
	})
	return sum, problems, err
}

// sameRecord compares what a pay file gives (HRD's approval is not in it).
func sameRecord(stored, file review.PayRecord) bool {
	stored.EligibilityApproved = false
	return stored == file
}

// ApproveMeritEligibility records central HR's approval of a case the
// rules make eligible only once approved (salary collision, a statutory or
// unclassified manager). In the audit log.
func (s *Store) ApproveMeritEligibility(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64) error {
	return s.tx(ctx, "approve merit eligibility", func(tx *gorm.DB, now time.Time) error {
		if !actor.HRRole().OrgWide() {
			return review.Errorf(review.EFORBIDDEN, "Only central HR (HRD) approves these cases.")
		}
		var row payRow
		if err := tx.Where("person_id = ? AND merit_year = ?", personID, y.Name).Take(&row).Error; err != nil {
			return review.Errorf(review.ENOTFOUND, "There is no pay record for that person in merit year %s.", y.Name)
		}
		p := row.domain()
		if !p.Collision && p.Class == review.ClassClassified {
			return review.Errorf(review.ECONFLICT, "This case needs no approval: the rules decide it.")
		}
		if row.EligibilityApprovedAt != nil {
			return review.Errorf(review.ECONFLICT, "This case is approved already.")
		}
		if err := tx.Model(&row).Updates(map[string]any{"eligibility_approved_by": actor.AuditName(), "eligibility_approved_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("merit.eligibility.approve", "pay_record", row.ID, nil, map[string]any{"person_id": personID, "merit_year": y.Name, "class": row.Class, "collision": row.Collision})
		return audit.flush(tx, s.batch)
	})
}

// payAudit is a pay record as the audit log keeps it.
func payAudit(r payRow) map[string]any {
	return map[string]any{"person_id": r.PersonID, "merit_year": r.MeritYear, "m_level": r.MLevel, "base_salary_cents": r.BaseSalary, "class": r.Class,
		"hire_date": r.HireDate, "position_date": r.PositionDate, "leave_months": r.LeaveMonths, "military_leave": r.MilitaryLeave, "acting": r.Acting, "collision": r.Collision}
}

// PayOf returns the people's pay records for the merit year, by person;
// someone without one is missing from the map.
func (s *Store) PayOf(ctx context.Context, year string, personIDs []int64) (map[int64]review.PayRecord, error) {
	rows, err := findIn[payRow](s.read(ctx), "person_id", personIDs, "merit_year = ?", "", year)
	if err != nil {
		return nil, s.wrap("pay records", err)
	}
	out := make(map[int64]review.PayRecord, len(rows))
	for _, r := range rows {
		out[r.PersonID] = r.domain()
	}
	return out, nil
}
