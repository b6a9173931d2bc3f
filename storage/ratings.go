package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type ratingApprovalRow struct {
	ID                 int64
	Unit               string
	FiscalYear         int
	Pool               string
	CheckedAt          *time.Time
	CheckedBy          string
	CheckedCounts      string
	ApprovedBy         *int64
	ApprovedAt         *time.Time
	ExceptionReason    string
	ExceptionAskedAt   *time.Time
	ExceptionAskedBy   string
	ExceptionGrantedAt *time.Time
	ExceptionGrantedBy string
	ReopenedAt         *time.Time
	ReopenedBy         *int64
	ReopenReason       string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (ratingApprovalRow) TableName() string { return "rating_approvals" }

// Approval is where a unit's ratings for a year stand in the approval
// chain: the secretariat's step (checked), HRD's (approved), and an
// exception to the cap asked for and granted.
type Approval struct {
	Unit               string
	Pool               string    // the pool it was given for
	CheckedAt          time.Time // the secretariat's step
	CheckedBy          string
	ApprovedAt         time.Time // HRD's step: the ratings are approved
	Exception          string    // why the secretariat asked to go over the cap
	ExceptionAskedAt   time.Time
	ExceptionAskedBy   string
	ExceptionGrantedAt time.Time
	ExceptionGrantedBy string
	ReopenedAt         time.Time
	Reopen             string // why HR reopened it
}

// Approved reports whether the approval stands.
func (a Approval) Approved() bool { return !a.ApprovedAt.IsZero() }

// Stage is where the chain stands.
func (a Approval) Stage() review.Approval {
	switch {
	case a.Approved():
		return review.Approved
	case !a.CheckedAt.IsZero():
		return review.AwaitingHRD
	}
	return review.AwaitingSecretariat
}

// Excepted reports whether the exception to the cap is granted.
func (a Approval) Excepted() bool { return !a.ExceptionGrantedAt.IsZero() }

// Asked reports whether an exception was asked for and not yet granted.
func (a Approval) Asked() bool { return !a.ExceptionAskedAt.IsZero() && !a.Excepted() }

func (r ratingApprovalRow) domain() Approval {
	a := Approval{Unit: r.Unit, Pool: r.Pool, CheckedBy: r.CheckedBy, Exception: r.ExceptionReason, ExceptionAskedBy: r.ExceptionAskedBy,
		ExceptionGrantedBy: r.ExceptionGrantedBy, Reopen: r.ReopenReason}
	for _, t := range []struct {
		to   *time.Time
		from *time.Time
	}{{&a.CheckedAt, r.CheckedAt}, {&a.ApprovedAt, r.ApprovedAt}, {&a.ExceptionAskedAt, r.ExceptionAskedAt}, {&a.ExceptionGrantedAt, r.ExceptionGrantedAt}, {&a.ReopenedAt, r.ReopenedAt}} {
		if t.from != nil {
			*t.to = *t.from
		}
	}
	return a
}

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

// Approvals returns where HR's approvals for fy stand, by unit.
func (s *Store) Approvals(ctx context.Context, fy review.FiscalYear) (map[string]Approval, error) {
	var rows []ratingApprovalRow
	if err := s.read(ctx).Where("fiscal_year = ?", int(fy)).Find(&rows).Error; err != nil {
		return nil, s.wrap("approvals", err)
	}
	out := make(map[string]Approval, len(rows))
	for _, r := range rows {
		out[r.Unit] = r.domain()
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

func capOf(s review.Scale) int {
	r, _ := s.Capped()
	return r.CapPercent
}

func topOf(s review.Scale) string {
	r, _ := s.Capped()
	return r.Key
}
