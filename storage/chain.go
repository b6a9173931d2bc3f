package storage

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// The approval chain: a secretariat's rating distribution is approved by
// its own HR, then by central HR (HRD); over the cap it needs the CHRO's
// exception, asked for with a reason. Where the roster has no
// secretariat HR who may decide (their own rating is not in the pool),
// or no CHRO, HRD holds that step.

// Decision is one step HR takes on a pool's ratings.
type Decision struct {
	Year   review.FiscalYear
	Scale  review.Scale
	Pool   string // the secretariat the pool is named by
	Reason string // the exception's or the reopening's reason
	// HRUsers are HR_USERS' emails: people with HRD's rights.
	HRUsers []string
	// Teams tells the managers, on the final approval and on a reopening.
	Teams NotifyTeams
	// Next tells who acts next: HRD after the secretariat's step, the CHRO
	// when an exception is asked for, the secretariat's HR when it is
	// granted.
	Next NotifyApprovers
}

// NotifyApprovers builds the messages for the people who act next on a
// pool: what happened (a step taken, an exception asked or granted).
type NotifyApprovers func(p review.Pool, what string, to []review.Person) ([]Notification, error)

// What NotifyApprovers is told happened.
const (
	StepChecked       = "checked"  // the secretariat approved: HRD's turn
	StepExceptionAsk  = "asked"    // an exception was asked for: the CHRO's turn
	StepExceptionDone = "excepted" // the exception was granted: the secretariat's turn
)

// poolState is a pool as it stands inside a transaction: its counts,
// the chain that decides it and where the chain is.
type poolState struct {
	pool     review.Pool
	chain    review.Chain
	approval Approval
	row      ratingApprovalRow
	over     bool
	secHR    []review.Person // secretariat HR who may decide it
}

// holdsSecretariat is the secretariat the actor's unit gives them within
// the pool: theirs if it is in the pool, else the pool's name (which their
// unit then is not in).
func (st poolState) secretariatFor(actor review.Actor) string {
	if actor.Person != nil {
		if s := actor.Person.Secretariat(); st.pool.Holds(s) {
			return st.pool.Unit
		}
	}
	return ""
}

func (s *Store) poolState(tx *gorm.DB, d Decision) (poolState, error) {
	var st poolState
	counts, err := ratingCounts(tx, d.Year)
	if err != nil {
		return st, err
	}
	combined, err := combinations(tx, d.Year)
	if err != nil {
		return st, err
	}
	pools := review.Pools(counts, combined)
	found := false
	for _, p := range pools {
		if p.Unit == d.Pool {
			st.pool, found = p, true
		}
	}
	if !found {
		if p, ok := review.PoolOf(pools, d.Pool); ok {
			return st, review.Errorf(review.ECONFLICT, "Ratings are approved by secretariat: %s is in %s, so approve %s.", d.Pool, p.Unit, p.Unit)
		}
		return st, review.Errorf(review.ENOTFOUND, "There is no secretariat %s with people to rate in %s.", d.Pool, d.Year)
	}
	var row ratingApprovalRow
	if err := tx.Where("fiscal_year = ? AND unit = ?", int(d.Year), st.pool.Unit).Limit(1).Find(&row).Error; err != nil {
		return st, err
	}
	st.approval, st.row = row.domain(), row
	st.over = review.OverCap(capOf(d.Scale), st.pool.Counts[topOf(d.Scale)], st.pool.People)
	var hr []personRow
	if err := tx.Where("active AND hr_role IN ?", []string{review.HRSecretariat.String(), review.CHRO.String()}).Order("id").Find(&hr).Error; err != nil {
		return st, err
	}
	for _, r := range hr {
		p := r.domain()
		switch {
		case p.HRRole == review.CHRO:
			st.chain.HasCHRO = true
		case st.pool.Holds(p.Secretariat()) && !p.Reviewed():
			st.secHR = append(st.secHR, p)
		}
	}
	st.chain.HasSecretariatHR = len(st.secHR) > 0
	return st, nil
}

// ApprovalChains says, for each pool, who holds its steps: whether the
// roster has secretariat HR for it who may decide it, and a CHRO.
func (s *Store) ApprovalChains(ctx context.Context, pools []review.Pool) (map[string]review.Chain, error) {
	var hr []personRow
	if err := s.read(ctx).Where("active AND hr_role IN ?", []string{review.HRSecretariat.String(), review.CHRO.String()}).Find(&hr).Error; err != nil {
		return nil, s.wrap("approval chains", err)
	}
	out := make(map[string]review.Chain, len(pools))
	for _, p := range pools {
		var c review.Chain
		for _, r := range hr {
			person := r.domain()
			switch {
			case person.HRRole == review.CHRO:
				c.HasCHRO = true
			case p.Holds(person.Secretariat()) && !person.Reviewed():
				c.HasSecretariatHR = true
			}
		}
		out[p.Unit] = c
	}
	return out, nil
}

// hrOfRole returns the active people with role, and, for HRD, those
// HR_USERS names by email.
func hrOfRole(tx *gorm.DB, role review.HRRole, emails []string) ([]review.Person, error) {
	var rows []personRow
	q := tx.Where("active AND hr_role = ?", role.String())
	if role == review.HRD && len(emails) > 0 {
		q = tx.Where("active AND (hr_role = ? OR email IN ?)", role.String(), emails)
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return people(rows), nil
}

// setPool writes the pool's approval row for each of its units, and
// returns the id of the row of the unit the pool is named by (the one the
// audit log names).
func setPool(tx *gorm.DB, fy review.FiscalYear, p review.Pool, now time.Time, set map[string]any) (int64, error) {
	rows := make([]ratingApprovalRow, len(p.Members))
	for i, m := range p.Members {
		rows[i] = ratingApprovalRow{Unit: m, FiscalYear: int(fy), Pool: p.Unit, CreatedAt: now, UpdatedAt: now}
	}
	if err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "unit"}, {Name: "fiscal_year"}},
		DoUpdates: clause.AssignmentColumns([]string{"pool", "updated_at"}),
	}).Create(&rows).Error; err != nil {
		return 0, err
	}
	set["updated_at"] = now
	if err := tx.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND unit IN ?", int(fy), p.Members).Updates(set).Error; err != nil {
		return 0, err
	}
	var id int64
	err := tx.Model(&ratingApprovalRow{}).Select("id").Where("fiscal_year = ? AND unit = ?", int(fy), p.Unit).Scan(&id).Error
	return id, err
}

// decidable loads the pool d names as it stands, for an actor who must be
// HR and must not have their own rating in it: what every decision on a
// pool starts with.
func (s *Store) decidable(tx *gorm.DB, actor review.Actor, d Decision) (poolState, error) {
	if err := review.CanAuditRatings(actor); err != nil {
		return poolState{}, err
	}
	st, err := s.poolState(tx, d)
	if err != nil {
		return st, err
	}
	return st, review.CanDecidePool(actor, st.pool)
}

// ApproveRatings takes the actor's step in the chain on the pool named
// d.Pool, as it stands: the secretariat's, or HRD's. HRD standing in for
// a secretariat without HR takes both at once, and, when the roster has
// no CHRO either, grants the exception a pool over the cap needs with
// d.Reason. On the final approval each rating in the pool is marked
// approved and d.Teams tells the managers; after the secretariat's step
// d.Next tells HRD.
func (s *Store) ApproveRatings(ctx context.Context, actor review.Actor, d Decision) (review.Pool, error) {
	var pool review.Pool
	err := s.tx(ctx, "approve ratings", func(tx *gorm.DB, now time.Time) error {
		st, err := s.decidable(tx, actor, d)
		pool = st.pool
		if err != nil {
			return err
		}
		p := st.pool
		role, unit := actor.HRRole(), ""
		if actor.Person != nil {
			unit = actor.Person.Unit
		}
		stage := st.approval.Stage()
		if stage == review.Approved {
			return review.Errorf(review.ECONFLICT, "%s is already approved.", p.Unit)
		}
		if err := review.AllRated(p); err != nil {
			return err
		}
		counts := toJSON(map[string]any{"people": p.People, "counts": p.Counts})
		if stage == review.AwaitingHRD && st.row.CheckedCounts != counts {
			return review.Errorf(review.ECONFLICT, "%s's ratings changed after its HR approved them. Reopen it, so that its HR approves them as they are now.", p.Unit)
		}
		excepted := st.approval.Excepted()
		exception := ""
		// HRD holding every step (no secretariat HR, no CHRO) decides an
		// exception with its approval, as one decision.
		if st.over && !excepted && stage == review.AwaitingSecretariat && st.chain.Holder(stage) == review.HRD && !st.chain.HasCHRO && role.OrgWide() {
			if err := review.ApprovalCheck(d.Scale, p, d.Reason); err != nil {
				return err
			}
			exception, excepted = strings.TrimSpace(d.Reason), true
		}
		if err := st.chain.CanApprove(role, unit, st.secretariatOr(actor), stage, st.over, excepted); err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		set := map[string]any{}
		if exception != "" {
			set["exception_reason"], set["exception_asked_at"], set["exception_asked_by"] = exception, now, actor.AuditName()
			set["exception_granted_at"], set["exception_granted_by"] = now, actor.AuditName()
		}
		after := map[string]any{"fiscal_year": int(d.Year), "pool": p.Unit, "units": p.Members, "people": p.People, "counts": p.Counts, "role": role.String()}
		if exception != "" {
			after["exception"] = exception
		}
		final := stage == review.AwaitingHRD || st.chain.Holder(review.AwaitingSecretariat) == review.HRD && role.OrgWide()
		if stage == review.AwaitingSecretariat {
			set["checked_at"], set["checked_by"], set["checked_counts"] = now, actor.AuditName(), counts
		}
		if !final {
			id, err := setPool(tx, d.Year, p, now, set)
			if err != nil {
				return err
			}
			audit.add("ratings.approve.secretariat", "rating_approval", id, nil, after)
			if err := audit.flush(tx, s.batch); err != nil {
				return err
			}
			return s.tellNext(tx, now, d, p, StepChecked, review.HRD, nil)
		}
		var by *int64
		if actor.Person != nil {
			by = &actor.Person.ID
		}
		set["approved_at"], set["approved_by"] = now, by
		id, err := setPool(tx, d.Year, p, now, set)
		if err != nil {
			return err
		}
		if stage == review.AwaitingSecretariat {
			audit.add("ratings.approve.secretariat", "rating_approval", id, nil, after)
		}
		audit.add("ratings.approve", "rating_approval", id, nil, after)
		return s.touchPool(tx, now, audit, d.Year, p, &now, d.Teams)
	})
	return pool, err
}

// secretariatOr is the secretariat CanApprove is asked about for actor:
// the pool's, named as the actor's own when their secretariat is in it
// (combined pools), so that its HR may take its step.
func (st poolState) secretariatOr(actor review.Actor) string {
	if s := st.secretariatFor(actor); s != "" && actor.Person != nil {
		return actor.Person.Secretariat()
	}
	return st.pool.Unit
}

// tellNext queues d.Next's messages to the people with role (none:
// nobody by role) and extra.
func (s *Store) tellNext(tx *gorm.DB, now time.Time, d Decision, p review.Pool, what string, role review.HRRole, extra []review.Person) error {
	if d.Next == nil {
		return nil
	}
	to := extra
	if role != review.HRNone {
		of, err := hrOfRole(tx, role, d.HRUsers)
		if err != nil {
			return err
		}
		to = append(of, extra...)
	}
	ns, err := d.Next(p, what, to)
	if err != nil {
		return err
	}
	return enqueue(tx, now, ns, s.batch)
}

// AskException records the secretariat's request to go over the cap, with
// d.Reason, and tells the CHRO (HRD when the roster has none).
func (s *Store) AskException(ctx context.Context, actor review.Actor, d Decision) (review.Pool, error) {
	var pool review.Pool
	err := s.tx(ctx, "ask for an exception", func(tx *gorm.DB, now time.Time) error {
		st, err := s.decidable(tx, actor, d)
		pool = st.pool
		if err != nil {
			return err
		}
		unit := ""
		if actor.Person != nil {
			unit = actor.Person.Unit
		}
		if err := st.chain.CanAskException(actor.HRRole(), unit, st.secretariatOr(actor), st.approval.Stage()); err != nil {
			return err
		}
		switch {
		case !st.over:
			return review.Errorf(review.ECONFLICT, "%s is within the cap, so it needs no exception.", st.pool.Unit)
		case st.approval.Excepted():
			return review.Errorf(review.ECONFLICT, "%s's exception is already granted.", st.pool.Unit)
		}
		reason := strings.TrimSpace(d.Reason)
		if err := review.ApprovalCheck(d.Scale, st.pool, reason); err != nil {
			return err
		}
		id, err := setPool(tx, d.Year, st.pool, now, map[string]any{"exception_reason": reason, "exception_asked_at": now, "exception_asked_by": actor.AuditName()})
		if err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("ratings.exception.ask", "rating_approval", id, nil, map[string]any{
			"fiscal_year": int(d.Year), "pool": st.pool.Unit, "people": st.pool.People, "counts": st.pool.Counts, "reason": reason,
		})
		if err := audit.flush(tx, s.batch); err != nil {
			return err
		}
		return s.tellNext(tx, now, d, st.pool, StepExceptionAsk, st.chain.ExceptionHolder(), nil)
	})
	return pool, err
}

// GrantException records the CHRO's exception to the cap for the pool,
// and tells whoever holds the secretariat's step that they may approve.
func (s *Store) GrantException(ctx context.Context, actor review.Actor, d Decision) (review.Pool, error) {
	var pool review.Pool
	err := s.tx(ctx, "grant an exception", func(tx *gorm.DB, now time.Time) error {
		st, err := s.decidable(tx, actor, d)
		pool = st.pool
		if err != nil {
			return err
		}
		if err := st.chain.CanExcept(actor.HRRole()); err != nil {
			return err
		}
		switch {
		case st.approval.Excepted():
			return review.Errorf(review.ECONFLICT, "%s's exception is already granted.", st.pool.Unit)
		case !st.approval.Asked():
			return review.Errorf(review.ECONFLICT, "Nobody has asked for an exception for %s.", st.pool.Unit)
		}
		id, err := setPool(tx, d.Year, st.pool, now, map[string]any{"exception_granted_at": now, "exception_granted_by": actor.AuditName()})
		if err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("ratings.exception.grant", "rating_approval", id, nil, map[string]any{
			"fiscal_year": int(d.Year), "pool": st.pool.Unit, "counts": st.pool.Counts, "reason": st.approval.Exception,
		})
		if err := audit.flush(tx, s.batch); err != nil {
			return err
		}
		if st.chain.HasSecretariatHR {
			return s.tellNext(tx, now, Decision{Next: d.Next}, st.pool, StepExceptionDone, review.HRNone, st.secHR)
		}
		return s.tellNext(tx, now, d, st.pool, StepExceptionDone, review.HRD, nil)
	})
	return pool, err
}

// ReopenRatings withdraws the pool's approval, whichever step it reached,
// with the reason, so that its managers can change ratings; d.Teams tells
// them. The chain starts again from the secretariat's step, exception
// included. Ratings already shared go back to waiting for a new approval.
func (s *Store) ReopenRatings(ctx context.Context, actor review.Actor, d Decision) (review.Pool, error) {
	var pool review.Pool
	err := s.tx(ctx, "reopen ratings", func(tx *gorm.DB, now time.Time) error {
		if err := review.CanAuditRatings(actor); err != nil {
			return err
		}
		var rows []ratingApprovalRow
		if err := tx.Where("fiscal_year = ? AND pool = ? AND (approved_at IS NOT NULL OR checked_at IS NOT NULL)", int(d.Year), d.Pool).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return review.Errorf(review.ECONFLICT, "%s has no approval to reopen.", d.Pool)
		}
		members := make([]string, len(rows))
		id := rows[0].ID
		for i, r := range rows {
			members[i] = r.Unit
			if r.Unit == d.Pool {
				id = r.ID
			}
		}
		slices.Sort(members)
		p := review.Pool{UnitCount: review.UnitCount{Unit: d.Pool, Counts: map[string]int{}}, Members: members}
		if err := review.CanDecidePool(actor, p); err != nil {
			return err
		}
		role := actor.HRRole()
		if !role.OrgWide() && !(role == review.HRSecretariat && actor.Person != nil && p.Holds(actor.Person.Secretariat())) {
			return review.Errorf(review.EFORBIDDEN, "%s's ratings are reopened by its own HR or by central HR (HRD).", d.Pool)
		}
		var by *int64
		if actor.Person != nil {
			by = &actor.Person.ID
		}
		err := tx.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND pool = ?", int(d.Year), d.Pool).
			Updates(map[string]any{"approved_at": nil, "checked_at": nil, "checked_by": "", "exception_asked_at": nil, "exception_asked_by": "",
				"exception_granted_at": nil, "exception_granted_by": "", "checked_counts": "", "reopened_at": now, "reopened_by": by, "reopen_reason": d.Reason, "updated_at": now}).Error
		if err != nil {
			return err
		}
		counts, err := ratingCounts(tx, d.Year)
		if err != nil {
			return err
		}
		for _, c := range counts {
			if p.Holds(c.Unit) {
				p.People += c.People
				for k, n := range c.Counts {
					p.Counts[k] += n
				}
			}
		}
		pool = p
		audit := newAudit(actor.AuditName(), now)
		audit.add("ratings.reopen", "rating_approval", id, map[string]any{"approved_at": rows[0].ApprovedAt, "checked_at": rows[0].CheckedAt}, map[string]any{
			"fiscal_year": int(d.Year), "pool": d.Pool, "units": members, "reason": d.Reason,
		})
		return s.touchPool(tx, now, audit, d.Year, p, nil, d.Teams)
	})
	return pool, err
}

// poolCombinationRow is HRD's combining of a small secretariat with
// another for the cap.
type poolCombinationRow struct {
	ID              int64
	FiscalYear      int
	Secretariat     string
	IntoSecretariat string
	Reason          string
	CombinedBy      string
	CreatedAt       time.Time
}

func (poolCombinationRow) TableName() string { return "pool_combinations" }

// Combination is a small secretariat counted with another for the cap.
type Combination struct {
	Secretariat, Into, Reason, By string
	At                            time.Time
}

func combinations(db *gorm.DB, fy review.FiscalYear) (map[string]string, error) {
	var rows []poolCombinationRow
	if err := db.Where("fiscal_year = ?", int(fy)).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Secretariat] = r.IntoSecretariat
	}
	return out, nil
}

// Combinations returns the secretariats HRD combined with another for fy.
func (s *Store) Combinations(ctx context.Context, fy review.FiscalYear) ([]Combination, error) {
	var rows []poolCombinationRow
	if err := s.read(ctx).Where("fiscal_year = ?", int(fy)).Order("secretariat").Find(&rows).Error; err != nil {
		return nil, s.wrap("combinations", err)
	}
	out := make([]Combination, len(rows))
	for i, r := range rows {
		out[i] = Combination{Secretariat: r.Secretariat, Into: r.IntoSecretariat, Reason: r.Reason, By: r.CombinedBy, At: r.CreatedAt}
	}
	return out, nil
}

// RatingPools returns fy's rating counts by unit and the pools they make.
func (s *Store) RatingPools(ctx context.Context, fy review.FiscalYear) ([]review.UnitCount, []review.Pool, error) {
	db := s.read(ctx)
	counts, err := ratingCounts(db, fy)
	if err != nil {
		return nil, nil, s.wrap("rating counts", err)
	}
	combined, err := combinations(db, fy)
	if err != nil {
		return nil, nil, s.wrap("rating counts", err)
	}
	return counts, review.Pools(counts, combined), nil
}

// CombinePools counts the small secretariat with into's pool for fy's
// cap, with the reason; undo says to count it on its own again. Only
// central HR (HRD, the CHRO) combines, and only pools no step was taken
// on.
func (s *Store) CombinePools(ctx context.Context, actor review.Actor, fy review.FiscalYear, small, into, reason string, undo bool) error {
	return s.tx(ctx, "combine secretariats", func(tx *gorm.DB, now time.Time) error {
		if !actor.HRRole().OrgWide() {
			return review.Errorf(review.EFORBIDDEN, "Only central HR (HRD) combines secretariats for the cap.")
		}
		counts, err := ratingCounts(tx, fy)
		if err != nil {
			return err
		}
		combined, err := combinations(tx, fy)
		if err != nil {
			return err
		}
		pools := review.Pools(counts, combined)
		find := func(name string) (review.Pool, bool) {
			for _, p := range pools {
				if p.Unit == name {
					return p, true
				}
			}
			return review.Pool{}, false
		}
		var taken int64
		check := func(names ...string) error {
			if err := tx.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND pool IN ? AND (checked_at IS NOT NULL OR approved_at IS NOT NULL)", int(fy), names).Count(&taken).Error; err != nil {
				return err
			}
			if taken > 0 {
				return review.Errorf(review.ECONFLICT, "%s already has an approval step taken: reopen it first.", strings.Join(names, " or "))
			}
			return nil
		}
		audit := newAudit(actor.AuditName(), now)
		if undo {
			into, ok := combined[small]
			if !ok {
				return review.Errorf(review.ENOTFOUND, "%s isn't combined with another secretariat in %s.", small, fy)
			}
			if err := check(into); err != nil {
				return err
			}
			if err := tx.Where("fiscal_year = ? AND secretariat = ?", int(fy), small).Delete(&poolCombinationRow{}).Error; err != nil {
				return err
			}
			audit.add("ratings.separate", "pool_combination", 0, map[string]any{"secretariat": small, "into": into}, map[string]any{"fiscal_year": int(fy), "reason": reason})
			return audit.flush(tx, s.batch)
		}
		sp, ok := find(small)
		switch {
		case !ok:
			if p, in := review.PoolOf(pools, small); in && p.Unit != small {
				return review.Errorf(review.ECONFLICT, "%s is already counted with %s.", small, p.Unit)
			}
			return review.Errorf(review.ENOTFOUND, "There is no secretariat %s with people to rate in %s.", small, fy)
		case sp.People >= review.SmallPool:
			return review.Errorf(review.ECONFLICT, "%s has %d people: only a secretariat of fewer than %d is combined with another for the cap.", small, sp.People, review.SmallPool)
		case len(sp.Members) > 0 && slices.ContainsFunc(sp.Members[1:], func(m string) bool { return !strings.Contains(m, "/") && m != small }):
			return review.Errorf(review.ECONFLICT, "Other secretariats are counted with %s: separate them first.", small)
		case strings.TrimSpace(reason) == "":
			return review.Errorf(review.EINVALID, "Say why the two are counted together: it's kept with the decision.")
		}
		if _, ok := find(into); !ok || into == small {
			return review.Errorf(review.ENOTFOUND, "There is no other secretariat %s with people to rate in %s.", into, fy)
		}
		if err := check(small, into); err != nil {
			return err
		}
		row := poolCombinationRow{FiscalYear: int(fy), Secretariat: small, IntoSecretariat: into, Reason: strings.TrimSpace(reason), CombinedBy: actor.AuditName(), CreatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		audit.add("ratings.combine", "pool_combination", row.ID, nil, map[string]any{"fiscal_year": int(fy), "secretariat": small, "into": into, "reason": row.Reason, "people": sp.People})
		return audit.flush(tx, s.batch)
	})
}
