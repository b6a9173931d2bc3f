package storage

import (
	"context"
	"unicode/utf8"

	"github.com/massperform/massperform/review"
)

// exportPage is how many people the export loads at a time.
const exportPage = 1000

// ComplianceExport calls fn with the year of each person in fy's program
// (everyone to be rated that year, and anyone who had a review in it and
// has since left), in unit then name order, optionally only inside unit.
// It reads a page of people at a time, so memory stays bounded however
// large the organisation, with a query for each of what a page's people
// have (years, managers and raters, earlier wrap-ups, appeals), never one
// per person.
func (s *Store) ComplianceExport(ctx context.Context, fy review.FiscalYear, unit string, fn func(review.ComplianceRow) error) error {
	db := s.read(ctx)
	var after *personRow
	for {
		q := db.Table("people AS p").
			Where("("+inYear+") OR EXISTS (SELECT 1 FROM reviews r WHERE r.person_id = p.id AND r.fiscal_year = ?)", fy.End().String(), int(fy))
		if unit != "" {
			q = q.Where("(p.unit = ? OR SUBSTR(p.unit, 1, ?) = ?)", unit, utf8.RuneCountInString(unit)+1, unit+"/")
		}
		if after != nil {
			q = q.Where("(p.unit, p.name, p.id) > (?, ?, ?)", after.Unit, after.Name, after.ID)
		}
		var rows []personRow
		if err := q.Order("p.unit, p.name, p.id").Limit(exportPage).Find(&rows).Error; err != nil {
			return s.wrap("export", err)
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int64, len(rows))
		var others []int64 // managers and raters
		for i, r := range rows {
			ids[i] = r.ID
			if r.ManagerID != nil {
				others = append(others, *r.ManagerID)
			}
		}
		years, err := loadYearsOf(db, fy, ids)
		if err != nil {
			return s.wrap("export", err)
		}
		var reviews []int64
		for _, y := range years {
			if y.WrapUp.Rated() {
				others = append(others, y.WrapUp.RaterID)
			}
			if y.ReviewID != 0 {
				reviews = append(reviews, y.ReviewID)
			}
		}
		people, err := findIn[personRow](db, "id", others, "", "")
		if err != nil {
			return s.wrap("export", err)
		}
		byID := make(map[int64]review.Person, len(people))
		for _, m := range people {
			byID[m.ID] = m.domain()
		}
		earlierRows, err := findIn[earlierWrapUpRow](db, "review_id", reviews, "", "id")
		if err != nil {
			return s.wrap("export", err)
		}
		earlier, err := earlierOf(db, earlierRows)
		if err != nil {
			return s.wrap("export", err)
		}
		byReview := map[int64][]review.EarlierWrapUp{}
		for i, e := range earlier {
			byReview[earlierRows[i].ReviewID] = append(byReview[earlierRows[i].ReviewID], e)
		}
		appeals, err := findIn[appealRow](db, "review_id", reviews, "", "id")
		if err != nil {
			return s.wrap("export", err)
		}
		appealOf := make(map[int64]appealRow, len(appeals)) // by review: one appeal each
		for _, a := range appeals {
			appealOf[a.ReviewID] = a
		}
		for _, r := range rows {
			row := review.ComplianceRow{Person: r.domain(), Year: years[r.ID]}
			if row.Year.Year == 0 {
				row.Year.Year = fy
			}
			if r.ManagerID != nil {
				row.Manager = byID[*r.ManagerID]
			}
			if row.Year.WrapUp.Rated() {
				row.Rater = byID[row.Year.WrapUp.RaterID]
			}
			row.Earlier = byReview[row.Year.ReviewID]
			if a, ok := appealOf[row.Year.ReviewID]; ok && row.Year.ReviewID != 0 {
				appeal := a.domain(r.ID, fy)
				row.Appeal = &appeal
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		after = &rows[len(rows)-1]
	}
}
