package storage_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestCheckInsAndConfirmations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-08-12T14:00:00Z"))
		mgr, emp := pair(t, s)
		mActor := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		eActor := review.Actor{SlackID: emp.SlackID, Person: &emp}
		year, err := s.SaveExpectations(ctx, setting(mActor, nil), emp, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "e"}}})
		if err != nil {
			t.Fatal(err)
		}
		year, err = s.SaveGoals(ctx, writing(eActor), emp, 2027, year.Expectations[0].ID, review.GoalChanges{Create: []review.Goal{{Text: "g", Measure: "m", Target: review.NewDate(2026, 12, 1)}}})
		if err != nil {
			t.Fatal(err)
		}
		goal := year.Goals[0].ID

		logging := storage.Change{Actor: mActor, Action: review.LogCheckIn}
		monthly := review.Cadence{Monthly: true}
		first := review.CheckIn{HeldOn: review.NewDate(2026, 8, 10), Expectations: true, Feedback: true, FeedbackForEmployee: "Strong start", First: true,
			Progress: map[int64]review.Progress{goal: review.OnTarget}}
		year, id, err := s.SaveCheckIn(ctx, logging, emp, 2027, first, &monthly)
		if err != nil {
			t.Fatal(err)
		}
		if year.Cadence != monthly || len(year.CheckIns) != 1 || year.CheckIns[0].Progress[goal] != review.OnTarget || !year.CheckIns[0].First {
			t.Fatalf("after the first check-in: %+v", year)
		}
		// A second "first" check-in racing the first is refused.
		if _, _, err := s.SaveCheckIn(ctx, logging, emp, 2027, first, &monthly); err != review.StaleForm {
			t.Errorf("a second first check-in = %v", err)
		}

		// The employee confirms, answering one question No.
		confirming := storage.Change{Actor: eActor, Action: review.ConfirmCheckIn}
		conf := review.Confirmation{CheckInID: id, FeedbackForManager: "Helpful", Answers: []review.Answer{
			{Stage: review.StageFirstCheckIn, Question: "met", Yes: true},
			{Stage: review.StageFirstCheckIn, Question: "cadence", Yes: false},
			{Stage: review.StageFirstCheckIn, Question: "expectations", Yes: true},
		}}
		if _, err := s.SaveConfirmation(ctx, storage.Change{Actor: mActor, Action: review.ConfirmCheckIn}, emp, 2027, conf); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("the manager confirming for the employee = %v", err)
		}
		year, err = s.SaveConfirmation(ctx, confirming, emp, 2027, conf)
		if err != nil {
			t.Fatal(err)
		}
		c := year.CheckIns[0].Confirmation
		if c == nil || c.FeedbackForManager != "Helpful" || len(c.Answers) != 3 || c.Answers[1].Yes || c.Answers[1].AnsweredBy != emp.ID {
			t.Fatalf("confirmation = %+v", c)
		}
		if _, err := s.SaveConfirmation(ctx, confirming, emp, 2027, conf); err != review.AlreadyConfirmed {
			t.Errorf("confirming twice = %v", err)
		}

		// Editing keeps the old version in the audit log.
		edited := year.CheckIns[0]
		edited.Notes = "Added notes later"
		if _, _, err := s.SaveCheckIn(ctx, logging, emp, 2027, edited, nil); err != nil {
			t.Fatal(err)
		}
		trail, _ := s.AuditTrail(ctx, "check_in", id)
		var before struct{ Notes string }
		if len(trail) < 3 || trail[len(trail)-1].Action != "checkin.update" || json.Unmarshal([]byte(trail[len(trail)-1].Before), &before) != nil || before.Notes != "" {
			t.Errorf("trail = %+v", trail)
		}
		ref, err := s.CheckInByID(ctx, id)
		if err != nil || ref.PersonID != emp.ID || ref.CheckIn.Notes != "Added notes later" || ref.CheckIn.Confirmation == nil {
			t.Errorf("CheckInByID = %+v, %v", ref, err)
		}

		// The cadence changes later, with a reason, in the history.
		if _, err := s.SaveCadence(ctx, storage.Change{Actor: mActor, Action: review.SetCadence}, emp, 2027, review.Cadence{Weeks: 2}, "Big project"); err != nil {
			t.Fatal(err)
		}
		hist, _ := s.CadenceHistory(ctx, year.ReviewID)
		if len(hist) != 2 || hist[0].Reason != "agreed at the first check-in" || hist[1].Cadence != (review.Cadence{Weeks: 2}) || hist[1].ChangedBy != mgr.ID {
			t.Errorf("history = %+v", hist)
		}
	})
}

func TestDevelopmentPlan(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-08-12T14:00:00Z"))
		mgr, emp := pair(t, s)
		eActor := review.Actor{SlackID: emp.SlackID, Person: &emp}
		editing := storage.Change{Actor: eActor, Action: review.EditPlan}
		year, err := s.SaveDevelopmentPlan(ctx, editing, emp, 2027, review.DevelopmentPlan{LongTerm: "Lead a division"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if year.Plan == nil || year.Plan.LongTerm != "Lead a division" || year.Plan.Shared || !year.Plan.RequestedAt.IsZero() {
			t.Fatalf("draft = %+v", year.Plan)
		}
		year, err = s.SaveDevelopmentPlan(ctx, editing, emp, 2027, review.DevelopmentPlan{LongTerm: "Lead a division", Needs: "Budget training", Shared: true}, true)
		if err != nil {
			t.Fatal(err)
		}
		if !year.Plan.Shared || year.Plan.Needs != "Budget training" || year.Plan.RequestedAt.IsZero() {
			t.Fatalf("shared = %+v", year.Plan)
		}
		if _, err := s.SaveDevelopmentPlan(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.EditPlan}, emp, 2027, review.DevelopmentPlan{}, false); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("the manager editing the plan = %v", err)
		}
		trail, _ := s.AuditTrail(ctx, "development_plan", 1)
		if len(trail) != 2 || trail[1].Action != "plan.update" || !strings.Contains(trail[1].Before, "Lead a division") {
			t.Errorf("history = %+v", trail)
		}
	})
}
