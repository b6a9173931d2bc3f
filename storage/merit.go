package storage

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// meritProposalRow is a manager's proposed merit increase for someone.
type meritProposalRow struct {
	ID             int64
	PersonID       int64
	MeritYear      string
	Secretariat    string
	BaseBP         int64 `gorm:"column:base_bp"`
	BonusCents     int64
	IncreaseCents  int64
	NewSalaryCents int64
	ProposedBy     string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (meritProposalRow) TableName() string { return "merit_proposals" }

// MeritProposal is a proposal as stored.
type MeritProposal struct {
	review.Proposal
	Increase, NewSalary review.Cents
	By                  string
	At                  time.Time
}

func (r meritProposalRow) domain() *MeritProposal {
	return &MeritProposal{Proposal: review.Proposal{Base: review.BasisPoints(r.BaseBP), Bonus: review.Cents(r.BonusCents)},
		Increase: review.Cents(r.IncreaseCents), NewSalary: review.Cents(r.NewSalaryCents), By: r.ProposedBy, At: r.UpdatedAt}
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

func meritPool(db *gorm.DB, y review.MeritYear, secretariat string) (MeritPool, error) {
	pool := MeritPool{Secretariat: secretariat}
	cases, err := meritCases(db, y, "p.active AND (p.unit = ? OR p.unit LIKE ?) AND EXISTS (SELECT 1 FROM pay_records pr WHERE pr.person_id = p.id AND pr.merit_year = ?)",
		secretariat, secretariat+"/%", y.Name)
	if err != nil {
		return pool, err
	}
	for _, c := range cases {
		if !y.Eligible(*c.Pay, true, c.Rating, false).Eligible {
			continue
		}
		pool.Eligible++
		pool.Salaries += c.Pay.Salary
		if c.Proposal != nil {
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
// the proposal inside the grid, the band and the bonus cap. It returns the
// award, and is in the audit log.
func (s *Store) ProposeMerit(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64, prop review.Proposal) (review.Award, error) {
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
		e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false)
		award, err = y.Award(*c.Pay, c.Rating, e, prop, false)
		if err != nil {
			return err
		}
		row := meritProposalRow{PersonID: personID, MeritYear: y.Name, Secretariat: c.Person.Secretariat(), BaseBP: int64(prop.Base), BonusCents: int64(prop.Bonus),
			IncreaseCents: int64(award.Increase), NewSalaryCents: int64(award.NewSalary), ProposedBy: actor.AuditName(), CreatedAt: now, UpdatedAt: now}
		err = tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "person_id"}, {Name: "merit_year"}},
			DoUpdates: clause.AssignmentColumns([]string{"secretariat", "base_bp", "bonus_cents", "increase_cents", "new_salary_cents", "proposed_by", "updated_at"}),
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
		})
		return audit.flush(tx, s.batch)
	})
	return award, err
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
	ApprovedAt    time.Time // HRD approved the increases; zero before
	ApprovedBy    string
}

func meritAudit(db *gorm.DB, y review.MeritYear, secretariat string) (MeritAudit, error) {
	var a MeritAudit
	var err error
	a.Cases, err = meritCases(db, y, "(p.unit = ? OR p.unit LIKE ?) AND EXISTS (SELECT 1 FROM pay_records pr WHERE pr.person_id = p.id AND pr.merit_year = ?)",
		secretariat, secretariat+"/%", y.Name)
	if err != nil {
		return a, err
	}
	if a.Pool, err = meritPool(db, y, secretariat); err != nil {
		return a, err
	}
	var approved int64
	if err := db.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND unit = ? AND approved_at IS NOT NULL", int(y.RatingsYear), secretariat).Count(&approved).Error; err != nil {
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
	sum := review.MeritSummary{RatingsApproved: a.RatingsPassed, Approved: !a.ApprovedAt.IsZero(), Budget: a.Pool.Budget, Cost: a.Pool.Used}
	for _, c := range a.Cases {
		var prop *review.Proposal
		if c.Proposal != nil {
			prop = &c.Proposal.Proposal
		}
		sum.Add(y, *c.Pay, c.Person.Active, c.Rating, prop)
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
	seen := map[string]bool{}
	var out []string
	for _, u := range units {
		sec := review.Person{Unit: u}.Secretariat()
		if !seen[sec] {
			seen[sec] = true
			out = append(out, sec)
		}
	}
	sort.Strings(out)
	return out, nil
}

// MeritPayroll returns the people whose increases central HR approved for
// the merit year (their secretariat's approval), ordered by name: what
// payroll is given.
func (s *Store) MeritPayroll(ctx context.Context, y review.MeritYear) ([]MeritCase, error) {
	out, err := meritCases(s.read(ctx), y, `EXISTS (SELECT 1 FROM merit_proposals mp JOIN merit_approvals ma ON ma.merit_year = mp.merit_year AND ma.secretariat = mp.secretariat
		WHERE mp.person_id = p.id AND mp.merit_year = ?) AND EXISTS (SELECT 1 FROM pay_records pr WHERE pr.person_id = p.id AND pr.merit_year = ?)`, y.Name, y.Name)
	return out, s.wrap("merit payroll", err)
}
