package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

type ratingApprovalRow struct {
	ID              int64
	Unit            string
	FiscalYear      int
	Pool            string
	ApprovedBy      *int64
	ApprovedAt      *time.Time
	ExceptionReason string
	ReopenedAt      *time.Time
	ReopenedBy      *int64
	ReopenReason    string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (ratingApprovalRow) TableName() string { return "rating_approvals" }

// Approval is HR's approval of a unit's ratings for a year.
type Approval struct {
	Unit       string
	Pool       string // the unit of the pool it was given for
	ApprovedAt time.Time
	Exception  string // why HR accepted a pool over the cap, "" if it was not
	ReopenedAt time.Time
	Reopen     string // why HR reopened it
}

// Approved reports whether the approval stands.
func (a Approval) Approved() bool { return !a.ApprovedAt.IsZero() }

// inYear is the SQL condition (over people as p) for the people who are to
// get a rating for a year: on the roster, with a manager, since before the
// year ended.
const inYear = "p.active AND p.manager_id IS NOT NULL AND p.joined_on <= ?"

// RatingCounts returns, for each unit, how many people are to get a
// rating for fy and the ratings given so far: two grouped queries,
// whatever the size of the organisation.
func (s *Store) RatingCounts(ctx context.Context, fy review.FiscalYear) ([]review.UnitCount, error) {
	out, err := ratingCounts(s.read(ctx), fy)
	return out, s.wrap("rating counts", err)
}

func ratingCounts(db *gorm.DB, fy review.FiscalYear) ([]review.UnitCount, error) {
	var people []struct {
		Unit string
		N    int
	}
	end := fy.End().String()
	if err := db.Table("people AS p").Select("p.unit, COUNT(*) AS n").Where(inYear, end).Group("p.unit").Scan(&people).Error; err != nil {
		return nil, err
	}
	var rated []struct {
		Unit   string
		Rating string
		N      int
	}
	err := db.Table("wrap_ups AS w").Select("p.unit, w.rating, COUNT(*) AS n").
		Joins("JOIN reviews r ON r.id = w.review_id").Joins("JOIN people p ON p.id = r.person_id").
		Where("r.fiscal_year = ? AND w.rating <> ''", int(fy)).Where(inYear, end).
		Group("p.unit, w.rating").Scan(&rated).Error
	if err != nil {
		return nil, err
	}
	byUnit := map[string]*review.UnitCount{}
	var out []review.UnitCount
	for _, p := range people {
		out = append(out, review.UnitCount{Unit: p.Unit, People: p.N, Counts: map[string]int{}})
	}
	for i := range out {
		byUnit[out[i].Unit] = &out[i]
	}
	for _, r := range rated {
		if u, ok := byUnit[r.Unit]; ok {
			u.Counts[r.Rating] += r.N
		}
	}
	// Someone on leave for more than six months of the year is not rated
	// for it: unless rated all the same, they are not waited for.
	var leaves []struct {
		PersonID int64
		FromDay  string
		ToDay    string
		Unit     string
		Rating   string
	}
	err = db.Table("leaves AS l").Select("l.person_id, l.from_day, l.to_day, p.unit, COALESCE(w.rating, '') AS rating").
		Joins("JOIN people p ON p.id = l.person_id").
		Joins("LEFT JOIN reviews r ON r.person_id = p.id AND r.fiscal_year = ?", int(fy)).
		Joins("LEFT JOIN wrap_ups w ON w.review_id = r.id").
		Where(inYear, end).Where("l.from_day <= ? AND (l.to_day = '' OR l.to_day >= ?)", end, fy.Start().String()).
		Order("l.person_id").Scan(&leaves).Error
	if err != nil {
		return nil, err
	}
	type onLeave struct {
		unit, rating string
		leaves       []review.Leave
	}
	who := map[int64]*onLeave{}
	for _, l := range leaves {
		p := who[l.PersonID]
		if p == nil {
			p = &onLeave{unit: l.Unit, rating: l.Rating}
			who[l.PersonID] = p
		}
		p.leaves = append(p.leaves, review.Leave{From: parseDay(l.FromDay), To: parseDay(l.ToDay)})
	}
	for _, p := range who {
		if u, ok := byUnit[p.unit]; ok && p.rating == "" && review.DefaultYearEnd.NotRatedForLeave(p.leaves, fy) {
			u.People--
			u.NotRated++
		}
	}
	return out, nil
}

// Approvals returns HR's approvals for fy, by unit.
func (s *Store) Approvals(ctx context.Context, fy review.FiscalYear) (map[string]Approval, error) {
	var rows []ratingApprovalRow
	if err := s.read(ctx).Where("fiscal_year = ?", int(fy)).Find(&rows).Error; err != nil {
		return nil, s.wrap("approvals", err)
	}
	out := make(map[string]Approval, len(rows))
	for _, r := range rows {
		a := Approval{Unit: r.Unit, Pool: r.Pool, Exception: r.ExceptionReason, Reopen: r.ReopenReason}
		if r.ApprovedAt != nil {
			a.ApprovedAt = *r.ApprovedAt
		}
		if r.ReopenedAt != nil {
			a.ReopenedAt = *r.ReopenedAt
		}
		out[r.Unit] = a
	}
	return out, nil
}

// TeamRelease is a manager and those of their reports whose ratings a
// decision of HR touched.
type TeamRelease struct {
	Manager review.Person
	Reports []review.Person
}

// NotifyTeams builds the messages for the managers a decision touched.
type NotifyTeams func(pool review.Pool, teams []TeamRelease) ([]Notification, error)

// ApproveRatings records HR's approval of the pool named unit for fy, with
// the reason for an exception when it is over the cap. The pool is
// recomputed inside the transaction, so approval is given to the
// distribution as it stands. Each rating in it is marked approved, and
// notify tells the managers of the people rated.
func (s *Store) ApproveRatings(ctx context.Context, actor review.Actor, fy review.FiscalYear, scale review.Scale, unit, exception string, notify NotifyTeams) (review.Pool, error) {
	var pool review.Pool
	err := s.tx(ctx, "approve ratings", func(tx *gorm.DB, now time.Time) error {
		if err := review.CanAuditRatings(actor); err != nil {
			return err
		}
		p, err := poolNamed(tx, fy, unit)
		if err != nil {
			return err
		}
		if err := review.CanDecidePool(actor, p); err != nil {
			return err
		}
		pool = p
		var standing int64
		if err := tx.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND unit IN ? AND approved_at IS NOT NULL", int(fy), p.Members).Count(&standing).Error; err != nil {
			return err
		}
		if int(standing) == len(p.Members) {
			return review.Errorf(review.ECONFLICT, "%s is already approved.", p.Unit)
		}
		if err := review.ApprovalCheck(scale, p, exception); err != nil {
			return err
		}
		if !review.OverCap(capOf(scale), p.Counts[topOf(scale)], p.People) {
			exception = ""
		}
		var by *int64
		if actor.Person != nil {
			by = &actor.Person.ID
		}
		rows := make([]ratingApprovalRow, len(p.Members))
		for i, m := range p.Members {
			rows[i] = ratingApprovalRow{Unit: m, FiscalYear: int(fy), Pool: p.Unit, ApprovedBy: by, ApprovedAt: &now, ExceptionReason: exception, CreatedAt: now, UpdatedAt: now}
		}
		err = tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "unit"}, {Name: "fiscal_year"}},
			DoUpdates: clause.AssignmentColumns([]string{"pool", "approved_by", "approved_at", "exception_reason", "updated_at"}),
		}).Create(&rows).Error
		if err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("ratings.approve", "rating_approval", rows[0].ID, nil, map[string]any{
			"fiscal_year": int(fy), "pool": p.Unit, "units": p.Members, "people": p.People, "counts": p.Counts, "exception": exception,
		})
		return s.touchPool(tx, now, audit, fy, p, &now, notify)
	})
	return pool, err
}

// ReopenRatings withdraws HR's approval of the pool named unit, with the
// reason, so that its managers can change ratings; notify tells them.
// Ratings already shared go back to waiting for a new approval.
func (s *Store) ReopenRatings(ctx context.Context, actor review.Actor, fy review.FiscalYear, unit, reason string, notify NotifyTeams) (review.Pool, error) {
	var pool review.Pool
	err := s.tx(ctx, "reopen ratings", func(tx *gorm.DB, now time.Time) error {
		if err := review.CanAuditRatings(actor); err != nil {
			return err
		}
		var rows []ratingApprovalRow
		if err := tx.Where("fiscal_year = ? AND pool = ? AND approved_at IS NOT NULL", int(fy), unit).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return review.Errorf(review.ECONFLICT, "%s has no approval to reopen.", unit)
		}
		members := make([]string, len(rows))
		for i, r := range rows {
			members[i] = r.Unit
		}
		if err := review.CanDecidePool(actor, review.Pool{UnitCount: review.UnitCount{Unit: unit}, Members: members}); err != nil {
			return err
		}
		var by *int64
		if actor.Person != nil {
			by = &actor.Person.ID
		}
		err := tx.Model(&ratingApprovalRow{}).Where("fiscal_year = ? AND pool = ?", int(fy), unit).
			Updates(map[string]any{"approved_at": nil, "reopened_at": now, "reopened_by": by, "reopen_reason": reason, "updated_at": now}).Error
		if err != nil {
			return err
		}
		counts, err := ratingCounts(tx, fy)
		if err != nil {
			return err
		}
		pool = review.Pool{UnitCount: review.UnitCount{Unit: unit, Counts: map[string]int{}}, Members: members}
		for _, c := range counts {
			for _, m := range members {
				if c.Unit == m {
					pool.People += c.People
					for k, n := range c.Counts {
						pool.Counts[k] += n
					}
				}
			}
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("ratings.reopen", "rating_approval", rows[0].ID, map[string]any{"approved_at": rows[0].ApprovedAt}, map[string]any{
			"fiscal_year": int(fy), "pool": unit, "units": members, "reason": reason,
		})
		return s.touchPool(tx, now, audit, fy, pool, nil, notify)
	})
	return pool, err
}

// touchPool sets the approval of every rating in the pool (nil withdraws
// it), writes the audit and queues notify's messages: on approval to the
// managers who gave the ratings, who hold the final conversations; on a
// reopening to the people's managers now, who may write a rating again.
func (s *Store) touchPool(tx *gorm.DB, now time.Time, audit *auditLog, fy review.FiscalYear, p review.Pool, approvedAt *time.Time, notify NotifyTeams) error {
	var rated []struct {
		WrapUpID  int64
		PersonID  int64
		ManagerID int64
	}
	manager := "p.manager_id"
	if approvedAt != nil {
		manager = "w.manager_id"
	}
	err := tx.Table("wrap_ups AS w").Select("w.id AS wrap_up_id, p.id AS person_id, "+manager+" AS manager_id").
		Joins("JOIN reviews r ON r.id = w.review_id").Joins("JOIN people p ON p.id = r.person_id").
		Where("r.fiscal_year = ? AND w.rating <> '' AND p.unit IN ?", int(fy), p.Members).Where(inYear, fy.End().String()).
		Order(manager + ", p.name, p.id").Scan(&rated).Error
	if err != nil {
		return err
	}
	wraps := make([]int64, len(rated))
	ids := make([]int64, 0, 2*len(rated))
	for i, r := range rated {
		wraps[i] = r.WrapUpID
		ids = append(ids, r.PersonID, r.ManagerID)
	}
	for lo := 0; lo < len(wraps); lo += idChunk {
		part := wraps[lo:min(lo+idChunk, len(wraps))]
		if err := tx.Model(&wrapUpRow{}).Where("id IN ?", part).Updates(map[string]any{"approved_at": approvedAt, "updated_at": now}).Error; err != nil {
			return err
		}
	}
	if err := audit.flush(tx, s.batch); err != nil {
		return err
	}
	if notify == nil {
		return nil
	}
	rows, err := findIn[personRow](tx, "id", ids, "", "")
	if err != nil {
		return err
	}
	byID := make(map[int64]review.Person, len(rows))
	for _, r := range rows {
		byID[r.ID] = r.domain()
	}
	var teams []TeamRelease
	for _, r := range rated {
		if len(teams) == 0 || teams[len(teams)-1].Manager.ID != r.ManagerID {
			teams = append(teams, TeamRelease{Manager: byID[r.ManagerID]})
		}
		t := &teams[len(teams)-1]
		t.Reports = append(t.Reports, byID[r.PersonID])
	}
	ns, err := notify(p, teams)
	if err != nil {
		return err
	}
	return enqueue(tx, now, ns, s.batch)
}

// poolNamed returns the pool named unit as it stands.
func poolNamed(db *gorm.DB, fy review.FiscalYear, unit string) (review.Pool, error) {
	counts, err := ratingCounts(db, fy)
	if err != nil {
		return review.Pool{}, err
	}
	for _, p := range review.Pools(counts) {
		if p.Unit == unit {
			return p, nil
		}
	}
	if p, ok := review.PoolOf(review.Pools(counts), unit); ok {
		return review.Pool{}, review.Errorf(review.ECONFLICT, "%s is pooled with %s for the cap, so the two are approved together: approve %s.", unit, p.Unit, p.Unit)
	}
	return review.Pool{}, review.Errorf(review.ENOTFOUND, "There is no unit %s with people to rate in %s.", unit, fy)
}

func capOf(s review.Scale) int {
	r, _ := s.Capped()
	return r.CapPercent
}

func topOf(s review.Scale) string {
	r, _ := s.Capped()
	return r.Key
}
