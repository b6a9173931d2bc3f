package storage

import (
	"context"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/massperform/massperform/review"
)

// yearClosingRow is a review year HR has closed.
type yearClosingRow struct {
	FiscalYear int `gorm:"primaryKey"`
	ClosedBy   string
	Anyway     bool
	OpenItems  string
	ClosedAt   time.Time
}

func (yearClosingRow) TableName() string { return "year_closings" }

// YearClosing says when, and by whom, a year was closed.
type YearClosing struct {
	Year      review.FiscalYear
	ClosedBy  string // the Slack user, as the audit log names them
	ClosedAt  time.Time
	Anyway    bool     // closed with business still open
	OpenItems []string // what was open then
}

// ClosedYears returns the years HR has closed.
func (s *Store) ClosedYears(ctx context.Context) (map[review.FiscalYear]YearClosing, error) {
	var rows []yearClosingRow
	if err := s.read(ctx).Find(&rows).Error; err != nil {
		return nil, s.wrap("closed years", err)
	}
	out := make(map[review.FiscalYear]YearClosing, len(rows))
	for _, r := range rows {
		c := YearClosing{Year: review.FiscalYear(r.FiscalYear), ClosedBy: r.ClosedBy, ClosedAt: r.ClosedAt, Anyway: r.Anyway}
		if r.OpenItems != "" {
			c.OpenItems = strings.Split(r.OpenItems, "\n")
		}
		out[c.Year] = c
	}
	return out, nil
}

// LiveYears returns the review years live at now: the running one, and
// the one before it until HR closes it (a year the program never held a
// review in is not live).
func (s *Store) LiveYears(ctx context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error) {
	today := cal.Today(now)
	prev := review.FiscalYearOf(today) - 1
	var n int64
	err := s.read(ctx).Raw(`SELECT COUNT(*) FROM reviews r WHERE r.fiscal_year = ?
		AND NOT EXISTS (SELECT 1 FROM year_closings c WHERE c.fiscal_year = r.fiscal_year)`, int(prev)).Scan(&n).Error
	if err != nil {
		return nil, s.wrap("live years", err)
	}
	return review.LiveYears(today, func(fy review.FiscalYear) bool { return fy != prev || n == 0 }), nil
}

// YearBusiness returns what is still open of fy.
func (s *Store) YearBusiness(ctx context.Context, fy review.FiscalYear) (review.YearBusiness, error) {
	b, err := yearBusiness(s.read(ctx), fy)
	return b, s.wrap("year business", err)
}

func yearBusiness(db *gorm.DB, fy review.FiscalYear) (review.YearBusiness, error) {
	b := review.YearBusiness{Year: fy}
	units, err := ratingCounts(db, fy)
	if err != nil {
		return b, err
	}
	var approved []ratingApprovalRow
	if err := db.Where("fiscal_year = ? AND approved_at IS NOT NULL", int(fy)).Find(&approved).Error; err != nil {
		return b, err
	}
	ok := map[string]bool{}
	for _, a := range approved {
		ok[a.Unit] = true
	}
	for _, u := range units {
		b.People += u.People
		b.WrapUpsMissing += u.People - u.Rated()
	}
	combined, err := combinations(db, fy)
	if err != nil {
		return b, err
	}
	for _, p := range review.Pools(units, combined) {
		for _, m := range p.Members {
			if !ok[m] && p.Rated() > 0 {
				b.PoolsNotApproved = append(b.PoolsNotApproved, p.Unit)
				break
			}
		}
	}
	sort.Strings(b.PoolsNotApproved)
	var held int64
	err = db.Table("wrap_ups AS w").Joins("JOIN reviews r ON r.id = w.review_id").Joins("JOIN people p ON p.id = r.person_id").
		Where("r.fiscal_year = ? AND w.rating <> '' AND w.approved_at IS NOT NULL AND w.released_at IS NULL", int(fy)).
		Where(inYear, fy.End().String()).Count(&held).Error
	b.ConversationsNotHeld = int(held)
	return b, err
}

// CloseYear records HR closing fy on today, with what was still open;
// while anything is, only anyway closes it. Closing is in the audit log.
func (s *Store) CloseYear(ctx context.Context, actor review.Actor, fy review.FiscalYear, today review.Date, anyway bool) (review.YearBusiness, error) {
	var b review.YearBusiness
	err := s.tx(ctx, "close year", func(tx *gorm.DB, now time.Time) error {
		var err error
		if b, err = yearBusiness(tx, fy); err != nil {
			return err
		}
		if err := review.CanCloseYear(actor, fy, today, b, anyway); err != nil {
			return err
		}
		row := yearClosingRow{FiscalYear: int(fy), ClosedBy: actor.AuditName(), Anyway: b.Open(), OpenItems: strings.Join(b.Lines(), "\n"), ClosedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return review.Errorf(review.ECONFLICT, "%s is already closed.", fy)
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("year.close", "year", int64(fy), nil, map[string]any{"fiscal_year": int(fy), "anyway": row.Anyway, "open": b.Lines()})
		return audit.flush(tx, 10)
	})
	return b, err
}
