package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// appealRow is an employee's appeal of their rating.
type appealRow struct {
	ID         int64
	ReviewID   int64
	Rating     string
	Reasons    string
	FiledOn    string
	HearingDue string
	HearingOn  string
	Outcome    string
	NewRating  string
	DecidedOn  string
	DecidedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (appealRow) TableName() string { return "appeals" }

func (r appealRow) domain(personID int64, fy review.FiscalYear) review.Appeal {
	day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
	return review.Appeal{ID: r.ID, PersonID: personID, Year: fy, Rating: r.Rating, Reasons: r.Reasons,
		FiledOn: day(r.FiledOn), HearingDue: day(r.HearingDue), HearingOn: day(r.HearingOn),
		Outcome: r.Outcome, NewRating: r.NewRating, DecidedOn: day(r.DecidedOn)}
}

func dateText(d review.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// AppealCase is an appeal with the people it is about, as HR lists it.
type AppealCase struct {
	review.Appeal
	Person review.Person
	Rater  review.Person // zero when the rater is gone from the roster
}

// FileAppeal records the employee's appeal of their rating for fy, as plan
// allows it with the review as it stands; one per review.
func (s *Store) FileAppeal(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, plan func(*review.WrapUp) (review.Appeal, error)) (review.Appeal, error) {
	var out review.Appeal
	_, err := s.change(ctx, "file appeal", ch, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		var n int64
		if err := tx.Model(&appealRow{}).Where("review_id = ?", rv.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return review.Errorf(review.ECONFLICT, "You have appealed this rating already: HR will be in touch.")
		}
		w, _, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		a, err := plan(w.domain(nil))
		if err != nil {
			return err
		}
		row := appealRow{ReviewID: rv.ID, Rating: a.Rating, Reasons: a.Reasons, FiledOn: dateText(a.FiledOn),
			HearingDue: dateText(a.HearingDue), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		audit.add("appeal.file", "appeal", row.ID, nil, row)
		out = row.domain(target.ID, fy)
		return nil
	})
	return out, err
}

// Appeals returns the appeals of fy (0: every year), open ones only if
// open, oldest hearing due first.
func (s *Store) Appeals(ctx context.Context, fy review.FiscalYear, open bool) ([]AppealCase, error) {
	var rows []appealRow
	q := s.read(ctx).Table("appeals").Select("appeals.*").Joins("JOIN reviews r ON r.id = appeals.review_id")
	if fy != 0 {
		q = q.Where("r.fiscal_year = ?", int(fy))
	}
	if open {
		q = q.Where("appeals.outcome = ''")
	}
	if err := q.Order("appeals.hearing_due, appeals.id").Find(&rows).Error; err != nil {
		return nil, s.wrap("appeals", err)
	}
	reviewIDs := make([]int64, len(rows))
	for i, r := range rows {
		reviewIDs[i] = r.ReviewID
	}
	var reviews []reviewRow
	var wraps []wrapUpRow
	if len(rows) > 0 {
		if err := s.read(ctx).Where("id IN ?", reviewIDs).Find(&reviews).Error; err != nil {
			return nil, s.wrap("appeals", err)
		}
		if err := s.read(ctx).Where("review_id IN ?", reviewIDs).Find(&wraps).Error; err != nil {
			return nil, s.wrap("appeals", err)
		}
	}
	byReview := map[int64]reviewRow{}
	for _, r := range reviews {
		byReview[r.ID] = r
	}
	raterOf := map[int64]int64{}
	for _, w := range wraps {
		if w.ManagerID != nil {
			raterOf[w.ReviewID] = *w.ManagerID
		}
	}
	ids := map[int64]bool{}
	for _, r := range rows {
		ids[byReview[r.ReviewID].PersonID] = true
		if id, ok := raterOf[r.ReviewID]; ok {
			ids[id] = true
		}
	}
	people, err := s.peopleByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]AppealCase, len(rows))
	for i, r := range rows {
		rv := byReview[r.ReviewID]
		out[i] = AppealCase{Appeal: r.domain(rv.PersonID, review.FiscalYear(rv.FiscalYear)), Person: people[rv.PersonID]}
		if id, ok := raterOf[r.ReviewID]; ok {
			out[i].Rater = people[id]
		}
	}
	return out, nil
}

func (s *Store) peopleByIDs(ctx context.Context, ids map[int64]bool) (map[int64]review.Person, error) {
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	out := map[int64]review.Person{}
	if len(list) == 0 {
		return out, nil
	}
	var rows []personRow
	if err := s.read(ctx).Where("id IN ?", list).Find(&rows).Error; err != nil {
		return nil, s.wrap("people", err)
	}
	for _, r := range rows {
		out[r.ID] = r.domain()
	}
	return out, nil
}

// DecideAppeal records HRD's decision of an appeal, as plan allows it with
// the appeal as it stands. A changed rating replaces the appealed one and
// goes back to its rater for a new final conversation (the approval
// stands: HRD decided it); the employee's acknowledgement and response go
// with the old one, into the audit log.
func (s *Store) DecideAppeal(ctx context.Context, actor review.Actor, id int64, plan func(review.Appeal) (review.Appeal, error), notify func(AppealCase) ([]Notification, error)) (AppealCase, error) {
	var out AppealCase
	err := s.tx(ctx, "decide appeal", func(tx *gorm.DB, now time.Time) error {
		if err := review.CanDecideAppeal(actor); err != nil {
			return err
		}
		var row appealRow
		if err := tx.Take(&row, id).Error; err != nil {
			return err
		}
		var rv reviewRow
		if err := tx.Take(&rv, row.ReviewID).Error; err != nil {
			return err
		}
		if actor.Person != nil && actor.Person.ID == rv.PersonID {
			return review.Errorf(review.EFORBIDDEN, "Another HR colleague decides your own appeal.")
		}
		a, err := plan(row.domain(rv.PersonID, review.FiscalYear(rv.FiscalYear)))
		if err != nil {
			return err
		}
		old := row
		row.HearingOn, row.Outcome, row.NewRating, row.DecidedOn, row.DecidedBy, row.UpdatedAt =
			dateText(a.HearingOn), a.Outcome, a.NewRating, dateText(a.DecidedOn), actor.AuditName(), now
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		audit := newAudit(actor.AuditName(), now)
		audit.add("appeal.decide", "appeal", row.ID, old, row)
		w, _, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		if a.Outcome == review.AppealChanged {
			next := w
			next.Rating, next.ConversationHeldAt, next.ReleasedAt, next.UpdatedAt = a.NewRating, nil, nil, now
			next.AcknowledgedAt, next.Response, next.RespondedAt = nil, "", nil
			if err := saveWrapUp(tx, audit, "wrapup.appeal_changed", w, next, true); err != nil {
				return err
			}
		}
		var person, rater personRow
		if err := tx.Take(&person, rv.PersonID).Error; err != nil {
			return err
		}
		out = AppealCase{Appeal: row.domain(rv.PersonID, review.FiscalYear(rv.FiscalYear)), Person: person.domain()}
		if w.ManagerID != nil && tx.Take(&rater, *w.ManagerID).Error == nil {
			out.Rater = rater.domain()
		}
		if err := audit.flush(tx, 10); err != nil {
			return err
		}
		if notify == nil {
			return nil
		}
		ns, err := notify(out)
		if err != nil {
			return err
		}
		return enqueue(tx, now, ns, 100)
	})
	return out, err
}

// AppealsOf returns the person's appeals of fy.
func (s *Store) AppealsOf(ctx context.Context, personID int64, fy review.FiscalYear) ([]AppealCase, error) {
	all, err := s.Appeals(ctx, fy, false)
	if err != nil {
		return nil, err
	}
	var out []AppealCase
	for _, a := range all {
		if a.PersonID == personID {
			out = append(out, a)
		}
	}
	return out, nil
}

// HRPeople returns the active people with HR rights from the roster, or
// with one of the emails (HR_USERS).
func (s *Store) HRPeople(ctx context.Context, emails []string) ([]review.Person, error) {
	var rows []personRow
	q := s.read(ctx).Where("active AND hr")
	if len(emails) > 0 {
		q = s.read(ctx).Where("active AND (hr OR email IN ?)", emails)
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, s.wrap("HR people", err)
	}
	out := make([]review.Person, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
