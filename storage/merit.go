package storage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// meritProposalRow is a manager's proposed merit increase for someone.
type meritProposalRow struct {
	ID                 int64
	PersonID           int64
	MeritYear          string
	Secretariat        string
	BaseBP             int64 `gorm:"column:base_bp"`
	BonusCents         int64
	IncreaseCents      int64
	NewSalaryCents     int64
	ProposedBy         string
	ExceptionReason    string
	ExceptionGrantedBy string
	ExceptionGrantedAt *time.Time
	ReturnedReason     string
	ReturnedBy         string
	ReturnedAt         *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (meritProposalRow) TableName() string { return "merit_proposals" }

// MeritProposal is a proposal as stored.
type MeritProposal struct {
	review.Proposal
	Increase, NewSalary review.Cents
	By                  string
	At                  time.Time
	// ExceptionReason is why the manager asks HRD to let the bonus go
	// over the cap; Excepted says HRD granted it.
	ExceptionReason string
	Excepted        bool
	// Returned is HR's reason for sending the proposal back to the
	// manager ("" when it was not): it then counts as not proposed.
	Returned   string
	ReturnedBy string
}

// Standing reports whether the proposal counts: it was not returned.
func (p *MeritProposal) Standing() bool { return p != nil && p.Returned == "" }

func (r meritProposalRow) domain() *MeritProposal {
	return &MeritProposal{Proposal: review.Proposal{Base: review.BasisPoints(r.BaseBP), Bonus: review.Cents(r.BonusCents)},
		Increase: review.Cents(r.IncreaseCents), NewSalary: review.Cents(r.NewSalaryCents), By: r.ProposedBy, At: r.UpdatedAt,
		ExceptionReason: r.ExceptionReason, Excepted: r.ExceptionGrantedAt != nil, Returned: r.ReturnedReason, ReturnedBy: r.ReturnedBy}
}

// MeritCase is one person as merit pay sees them: their pay record (nil if
// HR loaded none), their released rating of the merit year's ratings year
// ("" if none is released) and the proposal made for them, if any.
type MeritCase struct {
	Person   review.Person
	Pay      *review.PayRecord
	Rating   string
	Proposal *MeritProposal
}

// meritCases loads the cases of the people the where clause (over people
// as p) picks, ordered by name.
func meritCases(db *gorm.DB, y review.MeritYear, where string, args ...any) ([]MeritCase, error) {
	var rows []personRow
	if err := db.Table("people AS p").Select("p.*").Where(where, args...).Order("p.name, p.id").Find(&rows).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	pays, err := findIn[payRow](db, "person_id", ids, "merit_year = ?", "", y.Name)
	if err != nil {
		return nil, err
	}
	props, err := findIn[meritProposalRow](db, "person_id", ids, "merit_year = ?", "", y.Name)
	if err != nil {
		return nil, err
	}
	var rated []struct {
		PersonID int64
		Rating   string
	}
	for lo := 0; lo < len(ids); lo += idChunk {
		var part []struct {
			PersonID int64
			Rating   string
		}
		err := db.Table("wrap_ups AS w").Select("r.person_id, w.rating").Joins("JOIN reviews r ON r.id = w.review_id").
			Where("r.fiscal_year = ? AND r.person_id IN ? AND w.rating <> '' AND w.approved_at IS NOT NULL AND w.conversation_held_at IS NOT NULL",
				int(y.RatingsYear), ids[lo:min(lo+idChunk, len(ids))]).Scan(&part).Error
		if err != nil {
			return nil, err
		}
		rated = append(rated, part...)
	}
	out := make([]MeritCase, len(rows))
	at := make(map[int64]*MeritCase, len(rows))
	for i, r := range rows {
		out[i] = MeritCase{Person: r.domain()}
		at[r.ID] = &out[i]
	}
	for _, p := range pays {
		rec := p.domain()
		at[p.PersonID].Pay = &rec
	}
	for _, p := range props {
		at[p.PersonID].Proposal = p.domain()
	}
	for _, r := range rated {
		at[r.PersonID].Rating = r.Rating
	}
	return out, nil
}

// MeritTeam returns the merit cases of a manager's active direct reports.
func (s *Store) MeritTeam(ctx context.Context, managerID int64, y review.MeritYear) ([]MeritCase, error) {
	out, err := meritCases(s.read(ctx), y, "p.manager_id = ? AND p.active", managerID)
	return out, s.wrap("merit team", err)
}

// MeritPool is a secretariat's pool for a merit year, in amounts only: its
// budget (the pool's share of the eligible people's base salaries) and
// what the proposals so far cost (increases and bonuses).
type MeritPool struct {
	Secretariat string
	Eligible    int // people eligible
	Salaries    review.Cents
	Budget      review.Cents
	Used        review.Cents
	Proposals   int
}

// Left is what the pool has left (negative when over it).
func (p MeritPool) Left() review.Cents { return p.Budget - p.Used }

// meritAgencySplitRow is HRD's permission for an agency to go ahead of
// its secretariat: its merit pool is its own.
type meritAgencySplitRow struct {
	ID        int64
	MeritYear string
	Agency    string
	Reason    string
	SplitBy   string
	CreatedAt time.Time
}

func (meritAgencySplitRow) TableName() string { return "merit_agency_splits" }

// agencySplits returns the agencies HRD let go ahead on their own.
func agencySplits(db *gorm.DB, y review.MeritYear) (map[string]bool, error) {
	var agencies []string
	if err := db.Model(&meritAgencySplitRow{}).Where("merit_year = ?", y.Name).Pluck("agency", &agencies).Error; err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(agencies))
	for _, a := range agencies {
		out[a] = true
	}
	return out, nil
}

// agencyOf is a unit's agency: its path's first two parts.
func agencyOf(unit string) string {
	parts := strings.SplitN(unit, "/", 3)
	return strings.Join(parts[:min(2, len(parts))], "/")
}

// meritPoolName is the merit pool a unit's people are in: their agency's
// when HRD let it go ahead on its own, else their secretariat's.
func meritPoolName(unit string, splits map[string]bool) string {
	if a := agencyOf(unit); strings.Contains(a, "/") && splits[a] {
		return a
	}
	return review.Person{Unit: unit}.Secretariat()
}

// poolCases loads the cases, with a pay record, of the merit pool named
// pool (a secretariat, or an agency gone ahead on its own); active keeps
// only people still employed.
func poolCases(db *gorm.DB, y review.MeritYear, pool string, active bool) ([]MeritCase, error) {
	splits, err := agencySplits(db, y)
	if err != nil {
		return nil, err
	}
	sec := review.Person{Unit: pool}.Secretariat()
	where := "(p.unit = ? OR p.unit LIKE ?) AND EXISTS (SELECT 1 FROM pay_records pr WHERE pr.person_id = p.id AND pr.merit_year = ?)"
	if active {
		where = "p.active AND " + where
	}
	cases, err := meritCases(db, y, where, sec, sec+"/%", y.Name)
	if err != nil {
		return nil, err
	}
	kept := cases[:0]
	for _, c := range cases {
		if meritPoolName(c.Person.Unit, splits) == pool {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

func meritPool(db *gorm.DB, y review.MeritYear, secretariat string) (MeritPool, error) {
	pool := MeritPool{Secretariat: secretariat}
	cases, err := poolCases(db, y, secretariat, true)
	if err != nil {
		return pool, err
	}
	for _, c := range cases {
		if !y.Eligible(*c.Pay, true, c.Rating, false).Eligible {
			continue
		}
		pool.Eligible++
		pool.Salaries += c.Pay.Salary
		if c.Proposal.Standing() {
			pool.Proposals++
			pool.Used += c.Proposal.Increase + c.Proposal.Bonus
		}
	}
	pool.Budget = y.PoolBudget(pool.Salaries)
	return pool, nil
}

// MeritPoolOf returns a secretariat's pool as it stands.
func (s *Store) MeritPoolOf(ctx context.Context, y review.MeritYear, secretariat string) (MeritPool, error) {
	p, err := meritPool(s.read(ctx), y, secretariat)
	return p, s.wrap("merit pool", err)
}

// ProposeMerit records the actor's proposal for the person, checked inside
// the transaction against what is stored then: the actor must be their
// manager now, the person eligible (a released rating, a pay record), and
// the proposal inside the grid and the band. A bonus over the cap is kept
// with the manager's reason, waiting for HRD's exception (one granted
// stands while the bonus stays the same). A proposal HR returned stands
// again. It returns the award, and is in the audit log.
func (s *Store) ProposeMerit(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64, prop review.Proposal, reason string) (review.Award, error) {
	var award review.Award
	err := s.tx(ctx, "propose merit", func(tx *gorm.DB, now time.Time) error {
		cases, err := meritCases(tx, y, "p.id = ?", personID)
		if err != nil {
			return err
		}
		if len(cases) == 0 {
			return review.Errorf(review.ENOTFOUND, "That person isn't on the roster.")
		}
		c := cases[0]
		if err := review.CanProposeMerit(actor, c.Person); err != nil {
			return err
		}
		if c.Pay == nil {
			return review.Errorf(review.ECONFLICT, "HR hasn't loaded %s's pay for the %s merit year yet.", c.Person.Name, y.Name)
		}
		splits, err := agencySplits(tx, y)
		if err != nil {
			return err
		}
		poolName := meritPoolName(c.Person.Unit, splits)
		var approved int64
		if err := tx.Model(&meritApprovalRow{}).Where("merit_year = ? AND secretariat = ?", y.Name, poolName).Count(&approved).Error; err != nil {
			return err
		}
		if approved > 0 {
			return review.Errorf(review.ECONFLICT, "%s's merit increases are approved already, so they can't change here: ask HR.", poolName)
		}
		e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false)
		award, err = y.Award(*c.Pay, c.Rating, e, prop, true)
		if err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		kept := c.Proposal != nil && c.Proposal.Excepted && c.Proposal.Bonus == prop.Bonus
		switch {
		case !award.BonusException:
			reason = ""
		case kept:
			reason = c.Proposal.ExceptionReason
		case reason == "":
			return &review.Error{Code: review.EINVALID, Message: "A bonus over the cap needs a reason.", Fields: map[string]string{
				review.FieldMeritReason: fmt.Sprintf("A bonus over %s needs HRD's exception: say why, and HRD is asked.", y.BonusCap)}}
		}
		row := meritProposalRow{PersonID: personID, MeritYear: y.Name, Secretariat: poolName, BaseBP: int64(prop.Base), BonusCents: int64(prop.Bonus),
			IncreaseCents: int64(award.Increase), NewSalaryCents: int64(award.NewSalary), ProposedBy: actor.AuditName(), ExceptionReason: reason, CreatedAt: now, UpdatedAt: now}
		cols := []string{"secretariat", "base_bp", "bonus_cents", "increase_cents", "new_salary_cents", "proposed_by", "exception_reason", "returned_reason", "returned_by", "returned_at", "updated_at"}
		if !kept {
			cols = append(cols, "exception_granted_by", "exception_granted_at")
		}
		err = tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "person_id"}, {Name: "merit_year"}},
			DoUpdates: clause.AssignmentColumns(cols),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		var id int64
		if err := tx.Model(&meritProposalRow{}).Select("id").Where("person_id = ? AND merit_year = ?", personID, y.Name).Scan(&id).Error; err != nil {
			return err
		}
		var before any
		if c.Proposal != nil {
			before = map[string]any{"base_bp": int64(c.Proposal.Base), "bonus_cents": int64(c.Proposal.Bonus), "by": c.Proposal.By}
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("merit.propose", "merit_proposal", id, before, map[string]any{
			"person_id": personID, "merit_year": y.Name, "base_bp": int64(prop.Base), "bonus_cents": int64(prop.Bonus),
			"increase_cents": int64(award.Increase), "new_salary_cents": int64(award.NewSalary), "rating": c.Rating, "quartile": award.Quartile,
			"exception_reason": reason,
		})
		return audit.flush(tx, s.batch)
	})
	return award, err
}

// meritProposalOf loads a person's proposal row and case for HR's
// decisions, refusing HR outside the person's scope.
func meritProposalOf(tx *gorm.DB, actor review.Actor, y review.MeritYear, personID int64) (MeritCase, meritProposalRow, error) {
	cases, err := meritCases(tx, y, "p.id = ?", personID)
	if err != nil {
		return MeritCase{}, meritProposalRow{}, err
	}
	if len(cases) == 0 || !actor.HRFor(cases[0].Person.Unit) {
		return MeritCase{}, meritProposalRow{}, review.Errorf(review.EFORBIDDEN, "That proposal is outside your part of the organisation.")
	}
	var row meritProposalRow
	if err := tx.Where("person_id = ? AND merit_year = ?", personID, y.Name).Take(&row).Error; err != nil {
		return MeritCase{}, row, review.Errorf(review.ENOTFOUND, "There is no proposal for %s to decide.", cases[0].Person.Name)
	}
	var approved int64
	if err := tx.Model(&meritApprovalRow{}).Where("merit_year = ? AND secretariat = ?", y.Name, row.Secretariat).Count(&approved).Error; err != nil {
		return MeritCase{}, row, err
	}
	if approved > 0 {
		return MeritCase{}, row, review.Errorf(review.ECONFLICT, "%s's merit increases are approved already.", row.Secretariat)
	}
	return cases[0], row, nil
}

// ReturnMerit sends a proposal back to its manager with HR's reason: it
// then counts as not proposed until the manager proposes again, and
// notify tells them. In the audit log.
func (s *Store) ReturnMerit(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64, reason string, notify func(c MeritCase, manager review.Person) (Notification, error)) error {
	return s.tx(ctx, "return merit", func(tx *gorm.DB, now time.Time) error {
		c, row, err := meritProposalOf(tx, actor, y, personID)
		if err != nil {
			return err
		}
		if row.ReturnedReason != "" {
			return review.Errorf(review.ECONFLICT, "%s's proposal is with their manager already.", c.Person.Name)
		}
		reason = strings.TrimSpace(reason)
		if err := tx.Model(&row).Updates(map[string]any{"returned_reason": reason, "returned_by": actor.AuditName(), "returned_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("merit.return", "merit_proposal", row.ID, nil, map[string]any{"person_id": personID, "merit_year": y.Name, "reason": reason})
		if err := audit.flush(tx, s.batch); err != nil {
			return err
		}
		if notify == nil || c.Person.ManagerID == 0 {
			return nil
		}
		var mgr personRow
		if err := tx.Take(&mgr, c.Person.ManagerID).Error; err != nil {
			return err
		}
		n, err := notify(c, mgr.domain())
		if err != nil {
			return err
		}
		return enqueue(tx, now, []Notification{n}, s.batch)
	})
}

// GrantMeritException lets a proposal's bonus go over the cap: central HR
// only, on the manager's reason. In the audit log.
func (s *Store) GrantMeritException(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64) error {
	return s.tx(ctx, "grant merit exception", func(tx *gorm.DB, now time.Time) error {
		if !actor.HRRole().OrgWide() {
			return review.Errorf(review.EFORBIDDEN, "Only central HR (HRD) lets a bonus go over the cap.")
		}
		c, row, err := meritProposalOf(tx, actor, y, personID)
		if err != nil {
			return err
		}
		switch {
		case review.Cents(row.BonusCents) <= y.BonusCap:
			return review.Errorf(review.ECONFLICT, "%s's bonus is within the cap: it needs no exception.", c.Person.Name)
		case row.ExceptionGrantedAt != nil:
			return review.Errorf(review.ECONFLICT, "%s's bonus exception is granted already.", c.Person.Name)
		}
		if err := tx.Model(&row).Updates(map[string]any{"exception_granted_by": actor.AuditName(), "exception_granted_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("merit.exception.grant", "merit_proposal", row.ID, nil, map[string]any{"person_id": personID, "merit_year": y.Name,
			"bonus_cents": row.BonusCents, "reason": row.ExceptionReason})
		return audit.flush(tx, s.batch)
	})
}

// meritApprovalRow is HRD's approval of a secretariat's merit increases.
type meritApprovalRow struct {
	ID          int64
	MeritYear   string
	Secretariat string
	BudgetCents int64
	CostCents   int64
	ApprovedBy  string
	ApprovedAt  time.Time
}

func (meritApprovalRow) TableName() string { return "merit_approvals" }

// MeritAudit is a secretariat's merit increases as HR audits them: every
// person in it with a pay record, its pool, whether its ratings are
// approved, and whether its increases are.
type MeritAudit struct {
	Cases         []MeritCase
	Pool          MeritPool
	RatingsPassed bool      // the secretariat's rating distribution is approved
	OwnPool       bool      // an agency gone ahead of its secretariat
	ApprovedAt    time.Time // HRD approved the increases; zero before
	ApprovedBy    string
}

func meritAudit(db *gorm.DB, y review.MeritYear, secretariat string) (MeritAudit, error) {
	var a MeritAudit
	var err error
	a.Cases, err = poolCases(db, y, secretariat, false)
	if err != nil {
		return a, err
	}
	a.OwnPool = strings.Contains(secretariat, "/")
	if a.Pool, err = meritPool(db, y, secretariat); err != nil {
		return a, err
	}
	var approved int64
	if err := db.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND unit = ? AND approved_at IS NOT NULL", int(y.RatingsYear), review.Person{Unit: secretariat}.Secretariat()).Count(&approved).Error; err != nil {
		return a, err
	}
	// (A secretariat combined with another for the cap has a row of its
	// own, written with its pool's.)
	a.RatingsPassed = approved > 0
	var rows []meritApprovalRow
	if err := db.Where("merit_year = ? AND secretariat = ?", y.Name, secretariat).Limit(1).Find(&rows).Error; err != nil {
		return a, err
	}
	if len(rows) > 0 {
		a.ApprovedAt, a.ApprovedBy = rows[0].ApprovedAt, rows[0].ApprovedBy
	}
	return a, nil
}

// MeritAuditOf returns a secretariat's merit audit, and records in the
// audit log that actor read it (salaries are read only on the record).
func (s *Store) MeritAuditOf(ctx context.Context, actor review.Actor, y review.MeritYear, secretariat string) (MeritAudit, error) {
	var a MeritAudit
	err := s.tx(ctx, "merit audit", func(tx *gorm.DB, now time.Time) error {
		if !actor.HRFor(secretariat) && !actor.HR {
			return review.Errorf(review.EFORBIDDEN, "The merit audit is for HR.")
		}
		var err error
		if a, err = meritAudit(tx, y, secretariat); err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("merit.audit.read", "merit_pool", 0, nil, map[string]any{"merit_year": y.Name, "secretariat": secretariat, "people": len(a.Cases), "scope": actor.Scope})
		return audit.flush(tx, s.batch)
	})
	return a, err
}

// ApproveMerit records central HR's approval of a secretariat's merit
// increases, checked as they stand: its ratings approved first, then every
// eligible person with a proposal inside the rules, and the cost within
// the pool. In the audit log.
func (s *Store) ApproveMerit(ctx context.Context, actor review.Actor, y review.MeritYear, secretariat string) (MeritAudit, error) {
	var a MeritAudit
	err := s.tx(ctx, "approve merit", func(tx *gorm.DB, now time.Time) error {
		if !actor.HRRole().OrgWide() {
			return review.Errorf(review.EFORBIDDEN, "Central HR (HRD) approves merit increases.")
		}
		var err error
		if a, err = meritAudit(tx, y, secretariat); err != nil {
			return err
		}
		if err := review.CanApproveMerit(y, secretariat, a.summary(y)); err != nil {
			return err
		}
		row := meritApprovalRow{MeritYear: y.Name, Secretariat: secretariat, BudgetCents: int64(a.Pool.Budget), CostCents: int64(a.Pool.Used), ApprovedBy: actor.AuditName(), ApprovedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		a.ApprovedAt, a.ApprovedBy = now, row.ApprovedBy
		audit := newAudit(actor.AuditName(), now)
		audit.add("merit.approve", "merit_approval", row.ID, nil, map[string]any{"merit_year": y.Name, "secretariat": secretariat,
			"budget_cents": row.BudgetCents, "cost_cents": row.CostCents, "proposals": a.Pool.Proposals})
		return audit.flush(tx, s.batch)
	})
	return a, err
}

// Summary counts the audit's cases as review.MeritSummary.
func (a MeritAudit) Summary(y review.MeritYear) review.MeritSummary { return a.summary(y) }

func (a MeritAudit) summary(y review.MeritYear) review.MeritSummary {
	sum := review.MeritSummary{RatingsApproved: a.RatingsPassed, Approved: !a.ApprovedAt.IsZero(), Budget: a.Pool.Budget, Cost: a.Pool.Used, OwnPool: a.OwnPool}
	for _, c := range a.Cases {
		var prop *review.Proposal
		excepted := false
		if c.Proposal.Standing() {
			prop, excepted = &c.Proposal.Proposal, c.Proposal.Excepted
		}
		sum.Add(y, *c.Pay, c.Person.Active, c.Rating, prop, excepted)
	}
	return sum
}

// MeritSecretariats returns the secretariats with someone HR loaded pay
// for in the merit year, in order.
func (s *Store) MeritSecretariats(ctx context.Context, y review.MeritYear) ([]string, error) {
	var units []string
	err := s.read(ctx).Table("people AS p").Distinct("p.unit").Joins("JOIN pay_records pr ON pr.person_id = p.id AND pr.merit_year = ?", y.Name).
		Pluck("p.unit", &units).Error
	if err != nil {
		return nil, s.wrap("merit secretariats", err)
	}
	splits, err := agencySplits(s.read(ctx), y)
	if err != nil {
		return nil, s.wrap("merit secretariats", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range units {
		sec := meritPoolName(u, splits)
		if !seen[sec] {
			seen[sec] = true
			out = append(out, sec)
		}
	}
	sort.Strings(out)
	return out, nil
}

// MeritExport returns everyone with a proposal for the merit year (in
// the secretariat, if one is named), ordered by name, and, by unit,
// whether central HR approved its merit pool: what payroll is given.
func (s *Store) MeritExport(ctx context.Context, y review.MeritYear, secretariat string) ([]MeritCase, map[string]bool, error) {
	where := `EXISTS (SELECT 1 FROM merit_proposals mp WHERE mp.person_id = p.id AND mp.merit_year = ?) AND EXISTS (SELECT 1 FROM pay_records pr WHERE pr.person_id = p.id AND pr.merit_year = ?)`
	args := []any{y.Name, y.Name}
	if secretariat != "" {
		where += " AND (p.unit = ? OR p.unit LIKE ?)"
		args = append(args, secretariat, secretariat+"/%")
	}
	db := s.read(ctx)
	out, err := meritCases(db, y, where, args...)
	if err != nil {
		return nil, nil, s.wrap("merit export", err)
	}
	var secs []string
	if err := db.Model(&meritApprovalRow{}).Where("merit_year = ?", y.Name).Pluck("secretariat", &secs).Error; err != nil {
		return nil, nil, s.wrap("merit export", err)
	}
	splits, err := agencySplits(db, y)
	if err != nil {
		return nil, nil, s.wrap("merit export", err)
	}
	approved := make(map[string]bool, len(out))
	done := make(map[string]bool, len(secs))
	for _, sec := range secs {
		done[sec] = true
	}
	for _, c := range out {
		approved[c.Person.Unit] = done[meritPoolName(c.Person.Unit, splits)]
	}
	return out, approved, nil
}

// MeritNoticeBuild renders a person's merit notice: their case, and the
// award (nil when their rating denies the step and merit).
type MeritNoticeBuild func(c MeritCase, award *review.Award) ([]byte, error)

// QueueMeritNotices queues, from the merit year's effective date on, the
// notice of everyone in a secretariat whose increases central HR approved:
// the award for those with one; for those whose released rating denies the
// step, that it does, which opens their appeal window from today (once).
// One notice per person and year, whoever runs it and however often.
func (s *Store) QueueMeritNotices(ctx context.Context, y review.MeritYear, today review.Date, build MeritNoticeBuild) (int, error) {
	if today.Before(y.Effective) {
		return 0, nil
	}
	queued := 0
	err := s.tx(ctx, "merit notices", func(tx *gorm.DB, now time.Time) error {
		var secs []string
		if err := tx.Model(&meritApprovalRow{}).Where("merit_year = ?", y.Name).Pluck("secretariat", &secs).Error; err != nil {
			return err
		}
		var ns []Notification
		for _, sec := range secs {
			cases, err := poolCases(tx, y, sec, true)
			if err != nil {
				return err
			}
			for _, c := range cases {
				var award *review.Award
				switch {
				case c.Proposal.Standing():
					e := y.Eligible(*c.Pay, true, c.Rating, false)
					a, err := y.Award(*c.Pay, c.Rating, e, c.Proposal.Proposal, true)
					if err != nil {
						s.log.Warn("an approved merit increase no longer fits the rules: no notice", "merit_year", y.Name, "person_id", c.Person.ID, "reason", review.ErrorMessage(err))
						continue
					}
					award = &a
				case c.Rating != "" && y.Denies(c.Rating):
					// The notice that denies the step opens the appeal
					// window again, from its first day.
					err := tx.Exec(`UPDATE wrap_ups SET merit_notice_on = ?, updated_at = ? WHERE merit_notice_on = '' AND review_id IN
						(SELECT id FROM reviews WHERE person_id = ? AND fiscal_year = ?)`, today.String(), now, c.Person.ID, int(y.RatingsYear)).Error
					if err != nil {
						return err
					}
				default:
					continue // eligible without a proposal, or not eligible for another reason
				}
				payload, err := build(c, award)
				if err != nil {
					return err
				}
				ns = append(ns, Notification{Key: "merit-notice:" + y.Name + ":" + c.Person.SlackID, Recipient: c.Person.SlackID, Kind: "merit", Payload: payload})
			}
		}
		if len(ns) == 0 {
			return nil
		}
		before, err := pendingKeys(tx, ns)
		if err != nil {
			return err
		}
		queued = len(ns) - before
		return enqueue(tx, now, ns, s.batch)
	})
	return queued, err
}

// pendingKeys counts which of the notifications' keys the outbox already
// holds.
func pendingKeys(tx *gorm.DB, ns []Notification) (int, error) {
	keys := make([]string, len(ns))
	for i, n := range ns {
		keys[i] = n.Key
	}
	var n int64
	err := tx.Model(&outboxRow{}).Where("dedup_key IN ?", keys).Count(&n).Error
	return int(n), err
}

// SplitMeritPool lets an agency go ahead of its secretariat, with HRD's
// reason: its merit pool is then its own (its own 3.5%, and its own 10%
// cap on the capped rating), approved on its own. undo puts it back.
// Central HR only, and only before either pool is approved.
func (s *Store) SplitMeritPool(ctx context.Context, actor review.Actor, y review.MeritYear, agency, reason string, undo bool) error {
	return s.tx(ctx, "split merit pool", func(tx *gorm.DB, now time.Time) error {
		if !actor.HRRole().OrgWide() {
			return review.Errorf(review.EFORBIDDEN, "Only central HR (HRD) lets an agency go ahead of its secretariat.")
		}
		agency = strings.Trim(agency, "/")
		if strings.Count(agency, "/") != 1 {
			return review.Errorf(review.EINVALID, "Name an agency as the roster writes it, like EOHHS/DPH.")
		}
		sec := review.Person{Unit: agency}.Secretariat()
		var approved int64
		if err := tx.Model(&meritApprovalRow{}).Where("merit_year = ? AND secretariat IN ?", y.Name, []string{sec, agency}).Count(&approved).Error; err != nil {
			return err
		}
		if approved > 0 {
			return review.Errorf(review.ECONFLICT, "%s's or %s's merit increases are approved already.", sec, agency)
		}
		audit := newAudit(actor.AuditName(), now)
		if undo {
			res := tx.Where("merit_year = ? AND agency = ?", y.Name, agency).Delete(&meritAgencySplitRow{})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return review.Errorf(review.ENOTFOUND, "%s isn't on its own for merit year %s.", agency, y.Name)
			}
			if err := tx.Model(&meritProposalRow{}).Where("merit_year = ? AND secretariat = ?", y.Name, agency).Update("secretariat", sec).Error; err != nil {
				return err
			}
			audit.add("merit.pool.join", "merit_agency_split", 0, map[string]any{"agency": agency}, map[string]any{"merit_year": y.Name})
			return audit.flush(tx, s.batch)
		}
		if strings.TrimSpace(reason) == "" {
			return review.Errorf(review.EINVALID, "Say why %s goes ahead of %s: it's kept with the decision.", agency, sec)
		}
		var people int64
		if err := tx.Table("people AS p").Where("p.active AND (p.unit = ? OR p.unit LIKE ?) AND EXISTS (SELECT 1 FROM pay_records pr WHERE pr.person_id = p.id AND pr.merit_year = ?)",
			agency, agency+"/%", y.Name).Count(&people).Error; err != nil {
			return err
		}
		if people == 0 {
			return review.Errorf(review.ENOTFOUND, "Nobody in %s has pay loaded for merit year %s.", agency, y.Name)
		}
		row := meritAgencySplitRow{MeritYear: y.Name, Agency: agency, Reason: strings.TrimSpace(reason), SplitBy: actor.AuditName(), CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		// Proposals made so far move to the agency's pool.
		if err := tx.Model(&meritProposalRow{}).Where("merit_year = ? AND person_id IN (SELECT id FROM people WHERE unit = ? OR unit LIKE ?)", y.Name, agency, agency+"/%").
			Update("secretariat", agency).Error; err != nil {
			return err
		}
		audit.add("merit.pool.split", "merit_agency_split", row.ID, nil, map[string]any{"merit_year": y.Name, "agency": agency, "reason": row.Reason})
		return audit.flush(tx, s.batch)
	})
}
