package storage

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type wrapUpRow struct {
	ID                  int64
	ReviewID            int64
	Accomplishments     string
	EmployeeSubmittedAt *time.Time
	ManagerID           *int64
	ManagerComments     string
	Rating              string
	DevelopmentNote     string
	ManagerSubmittedAt  *time.Time
	ConversationHeldAt  *time.Time
	ReleasedAt          *time.Time
	ApprovedAt          *time.Time
	AcknowledgedAt      *time.Time
	Response            string
	RespondedAt         *time.Time
	MeritNoticeOn       string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (wrapUpRow) TableName() string { return "wrap_ups" }

func (r wrapUpRow) domain(answers []review.Answer) *review.WrapUp {
	w := &review.WrapUp{
		Accomplishments: r.Accomplishments, Comments: r.ManagerComments, Rating: r.Rating,
		DevelopmentNote: r.DevelopmentNote, Answers: answers, UpdatedAt: r.UpdatedAt, Response: r.Response, MeritNoticeOn: parseDay(r.MeritNoticeOn),
	}
	if r.ManagerID != nil {
		w.RaterID = *r.ManagerID
	}
	for _, t := range []struct {
		dst *time.Time
		src *time.Time
	}{{&w.ReflectedAt, r.EmployeeSubmittedAt}, {&w.RatedAt, r.ManagerSubmittedAt}, {&w.ApprovedAt, r.ApprovedAt}, {&w.HeldAt, r.ConversationHeldAt},
		{&w.AcknowledgedAt, r.AcknowledgedAt}, {&w.RespondedAt, r.RespondedAt}} {
		if t.src != nil {
			*t.dst = *t.src
		}
	}
	return w
}

// loadWrapUps returns the wrap-ups of reviews, with the manager's answers,
// keyed by review id.
func loadWrapUps(db *gorm.DB, reviews []int64) (map[int64]*review.WrapUp, error) {
	rows, err := findIn[wrapUpRow](db, "review_id", reviews, "", "")
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	answers, err := findIn[complianceAnswerRow](db, "review_id", reviews, "stage = ?", "id", string(review.StageWrapUp))
	if err != nil {
		return nil, err
	}
	byReview := map[int64][]review.Answer{}
	for _, a := range answers {
		byReview[a.ReviewID] = append(byReview[a.ReviewID], review.Answer{
			Stage: review.StageWrapUp, Question: a.Question, Yes: a.Answer, AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt,
		})
	}
	out := make(map[int64]*review.WrapUp, len(rows))
	for _, r := range rows {
		out[r.ReviewID] = r.domain(byReview[r.ReviewID])
	}
	return out, nil
}

// takeWrapUp loads the review's wrap-up row for change; found is false when
// there is none yet.
func takeWrapUp(tx *gorm.DB, reviewID int64) (row wrapUpRow, found bool, err error) {
	err = tx.Where("review_id = ?", reviewID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return wrapUpRow{ReviewID: reviewID}, false, nil
	}
	return row, err == nil, err
}

func saveWrapUp(tx *gorm.DB, audit *auditLog, action string, old, row wrapUpRow, found bool) error {
	if !found {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		audit.add(action, "wrap_up", row.ID, nil, row)
		return nil
	}
	if err := tx.Save(&row).Error; err != nil {
		return err
	}
	audit.add(action, "wrap_up", row.ID, old, row)
	return nil
}

type earlierWrapUpRow struct {
	ID              int64
	ReviewID        int64
	RaterID         *int64
	Rating          string
	Comments        string
	DevelopmentNote string
	Answers         string // JSON of the manager's answers
	RatedAt         *time.Time
	SetAsideAt      time.Time
}

func (earlierWrapUpRow) TableName() string { return "earlier_wrap_ups" }

func (r earlierWrapUpRow) domain() (review.EarlierWrapUp, error) {
	e := review.EarlierWrapUp{Rating: r.Rating, Comments: r.Comments, DevelopmentNote: r.DevelopmentNote, SetAsideAt: r.SetAsideAt}
	if r.RaterID != nil {
		e.RaterID = *r.RaterID
	}
	if r.RatedAt != nil {
		e.RatedAt = *r.RatedAt
	}
	return e, json.Unmarshal([]byte(r.Answers), &e.Answers)
}

// setAside moves the manager's part of a wrap-up (answers, comments,
// rating, development note) into earlier_wrap_ups and clears it from row,
// which the caller saves: the employee's new manager writes their own.
// The audit log keeps both sides.
func setAside(tx *gorm.DB, audit *auditLog, row *wrapUpRow, now time.Time) error {
	var rows []complianceAnswerRow
	if err := tx.Where("review_id = ? AND stage = ?", row.ReviewID, string(review.StageWrapUp)).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	answers := make([]review.Answer, len(rows))
	for i, a := range rows {
		answers[i] = review.Answer{Stage: review.StageWrapUp, Question: a.Question, Yes: a.Answer, AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt}
	}
	js, err := json.Marshal(answers)
	if err != nil {
		return err
	}
	earlier := earlierWrapUpRow{
		ReviewID: row.ReviewID, RaterID: row.ManagerID, Rating: row.Rating, Comments: row.ManagerComments,
		DevelopmentNote: row.DevelopmentNote, Answers: string(js), RatedAt: row.ManagerSubmittedAt, SetAsideAt: now,
	}
	if err := tx.Create(&earlier).Error; err != nil {
		return err
	}
	if len(rows) > 0 {
		if err := tx.Where("review_id = ? AND stage = ?", row.ReviewID, string(review.StageWrapUp)).Delete(&complianceAnswerRow{}).Error; err != nil {
			return err
		}
	}
	old := *row
	row.ManagerID, row.ManagerComments, row.Rating, row.DevelopmentNote = nil, "", "", ""
	row.ManagerSubmittedAt, row.ConversationHeldAt, row.ReleasedAt, row.ApprovedAt = nil, nil, nil, nil
	row.UpdatedAt = now
	audit.add("wrapup.set_aside", "wrap_up", row.ID, map[string]any{"wrap_up": old, "answers": answers}, earlier)
	return nil
}

// setAsideOnMove sets aside the unapproved wrap-ups of someone who moved
// to a new manager: that manager writes their own.
func setAsideOnMove(tx *gorm.DB, audit *auditLog, personID int64, newManager *int64, now time.Time) error {
	q := tx.Where("review_id IN (SELECT id FROM reviews WHERE person_id = ?) AND rating <> '' AND approved_at IS NULL", personID)
	if newManager != nil {
		q = q.Where("(manager_id IS NULL OR manager_id <> ?)", *newManager)
	}
	var rows []wrapUpRow
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	for _, row := range rows {
		if err := setAside(tx, audit, &row, now); err != nil {
			return err
		}
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
	}
	return nil
}

// EarlierWrapUps returns the wrap-ups of personID's fy review that were
// set aside, oldest first, each with its rater as the roster has them.
func (s *Store) EarlierWrapUps(ctx context.Context, personID int64, fy review.FiscalYear) ([]review.EarlierWrapUp, error) {
	db := s.read(ctx)
	var rows []earlierWrapUpRow
	err := db.Where("review_id IN (SELECT id FROM reviews WHERE person_id = ? AND fiscal_year = ?)", personID, int(fy)).Order("id").Find(&rows).Error
	if err != nil {
		return nil, s.wrap("earlier wrap-ups", err)
	}
	out, err := earlierOf(db, rows)
	return out, s.wrap("earlier wrap-ups", err)
}

// earlierOf turns rows into earlier wrap-ups with their raters.
func earlierOf(db *gorm.DB, rows []earlierWrapUpRow) ([]review.EarlierWrapUp, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var ids []int64
	for _, r := range rows {
		if r.RaterID != nil {
			ids = append(ids, *r.RaterID)
		}
	}
	raters, err := findIn[personRow](db, "id", ids, "", "")
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]review.Person, len(raters))
	for _, p := range raters {
		byID[p.ID] = p.domain()
	}
	out := make([]review.EarlierWrapUp, len(rows))
	for i, r := range rows {
		if out[i], err = r.domain(); err != nil {
			return nil, err
		}
		out[i].Rater = byID[out[i].RaterID]
	}
	return out, nil
}

// SaveReflection stores the employee's reflection for fy, as a draft or,
// with send, sent to their manager (the first send is kept as the day it
// was sent). It is refused once the manager's wrap-up is in.
func (s *Store) SaveReflection(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, w review.WrapUp, send bool) (review.YearState, error) {
	return s.change(ctx, "save reflection", ch, target.ID, fy, true, func(tx *gorm.DB, now time.Time, audit *auditLog, _ review.Person, rv reviewRow) error {
		old, found, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		if err := review.ReflectionLocked(fy, old.domain(nil)); err != nil {
			return err
		}
		row := old
		row.Accomplishments, row.UpdatedAt = w.Accomplishments, now
		if send && row.EmployeeSubmittedAt == nil {
			row.EmployeeSubmittedAt = &now
		}
		return saveWrapUp(tx, audit, "wrapup.reflect", old, row, found)
	})
}

// SaveManagerWrapUp stores the manager's wrap-up for fy: the answers (an
// answer given again unchanged keeps its first timestamp), comments and
// rating. It is refused while HR's approval of the target's unit stands. A
// changed rating must be approved and discussed again before the employee
// sees it.
func (s *Store) SaveManagerWrapUp(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, w review.WrapUp) (review.YearState, error) {
	return s.change(ctx, "save wrap-up", ch, target.ID, fy, true, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		old, found, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		var approved int64
		if err := tx.Model(&ratingApprovalRow{}).Where("unit = ? AND fiscal_year = ? AND approved_at IS NOT NULL", target.Unit, int(fy)).Count(&approved).Error; err != nil {
			return err
		}
		if old.ApprovedAt != nil || approved > 0 {
			return review.RatingLocked
		}
		row := old
		if old.domain(nil).SetAside(ch.Actor) {
			// Another manager's wrap-up: it is kept, not taken over.
			if err := setAside(tx, audit, &row, now); err != nil {
				return err
			}
		}
		row.ManagerComments, row.Rating, row.DevelopmentNote, row.UpdatedAt = w.Comments, w.Rating, w.DevelopmentNote, now
		row.ManagerID = &ch.Actor.Person.ID
		row.ManagerSubmittedAt = &now
		if old.Rating != w.Rating {
			row.ConversationHeldAt, row.ReleasedAt = nil, nil
		}
		if err := saveWrapUp(tx, audit, "wrapup.rate", old, row, found); err != nil {
			return err
		}
		return saveAnswers(tx, audit, rv.ID, ch.Actor.Person.ID, now, w.Answers)
	})
}

// saveAnswers records the manager's wrap-up answers: new ones are added,
// changed ones updated with who and when, unchanged ones left alone.
func saveAnswers(tx *gorm.DB, audit *auditLog, reviewID, by int64, now time.Time, answers []review.Answer) error {
	var old []complianceAnswerRow
	if err := tx.Where("review_id = ? AND stage = ?", reviewID, string(review.StageWrapUp)).Find(&old).Error; err != nil {
		return err
	}
	byKey := map[string]complianceAnswerRow{}
	for _, a := range old {
		byKey[a.Question] = a
	}
	for _, a := range answers {
		prev, ok := byKey[a.Question]
		switch {
		case ok && prev.Answer == a.Yes:
			continue
		case ok:
			row := prev
			row.Answer, row.AnsweredBy, row.AnsweredAt = a.Yes, by, now
			if err := tx.Save(&row).Error; err != nil {
				return err
			}
			audit.add("compliance.answer", "review", reviewID, prev, row)
		default:
			row := complianceAnswerRow{ReviewID: reviewID, Stage: string(review.StageWrapUp), Question: a.Question, Answer: a.Yes, AnsweredBy: by, AnsweredAt: now}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			audit.add("compliance.answer", "review", reviewID, nil, row)
		}
	}
	return nil
}

// NotYetApproved refuses marking a conversation held before HR approved
// the rating.
var NotYetApproved = &review.Error{Code: review.ECONFLICT, Message: "HR hasn't approved this rating yet. You'll get a message when you can share it."}

// AlreadyHeld refuses marking the final conversation held twice.
var AlreadyHeld = &review.Error{Code: review.ECONFLICT, Message: "You've already marked this conversation as held. They can see their rating."}

// MarkConversationHeld records that the manager who gave an approved
// rating held the final conversation about it, which releases it to the
// employee.
func (s *Store) MarkConversationHeld(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear) (review.YearState, error) {
	return s.change(ctx, "mark conversation held", ch, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		old, _, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		var rater personRow
		if old.ManagerID != nil {
			if err := tx.Take(&rater, *old.ManagerID).Error; err != nil {
				return err
			}
		}
		if err := review.CanHoldConversation(ch.Actor, target, rater.domain(), old.domain(nil)); err != nil {
			return err
		}
		switch {
		case old.ApprovedAt == nil:
			return NotYetApproved
		case old.ConversationHeldAt != nil:
			return AlreadyHeld
		}
		row := old
		row.ConversationHeldAt, row.ReleasedAt, row.UpdatedAt = &now, &now, now
		// A review released again (after a reopening) asks for a new
		// acknowledgement; the earlier one and any response stay in the
		// audit log.
		row.AcknowledgedAt, row.Response, row.RespondedAt = nil, "", nil
		return saveWrapUp(tx, audit, "wrapup.release", old, row, true)
	})
}

// AcknowledgeReview records that the employee has seen their released
// review (not that they agree with it).
func (s *Store) AcknowledgeReview(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear) (review.YearState, error) {
	return s.change(ctx, "acknowledge review", ch, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		old, _, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		if err := review.CanAcknowledge(old.domain(nil)); err != nil {
			return err
		}
		row := old
		row.AcknowledgedAt, row.UpdatedAt = &now, now
		return saveWrapUp(tx, audit, "wrapup.acknowledge", old, row, true)
	})
}

// SaveResponse keeps the employee's written response with their review,
// as plan allows it with the review as it stands; a response sent is also
// an acknowledgement.
func (s *Store) SaveResponse(ctx context.Context, ch Change, target review.Person, fy review.FiscalYear, plan func(*review.WrapUp) (string, error)) (review.YearState, error) {
	return s.change(ctx, "save response", ch, target.ID, fy, false, func(tx *gorm.DB, now time.Time, audit *auditLog, target review.Person, rv reviewRow) error {
		old, _, err := takeWrapUp(tx, rv.ID)
		if err != nil {
			return err
		}
		text, err := plan(old.domain(nil))
		if err != nil {
			return err
		}
		row := old
		row.Response, row.RespondedAt, row.UpdatedAt = text, &now, now
		if row.AcknowledgedAt == nil {
			row.AcknowledgedAt = &now
		}
		return saveWrapUp(tx, audit, "wrapup.respond", old, row, true)
	})
}
