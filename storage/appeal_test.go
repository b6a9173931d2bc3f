package storage_test

import (
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestAppeals: a Below Expectations rating, once released, is appealed
// once; HR lists it, decides it after a hearing, and a changed rating goes
// back to its rater for a new final conversation.
func TestAppeals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-16T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgrs, hr := ratingOrg(t, s, map[string]int{"B/Y": 10})
		mgr := mgrs["B/Y"]
		rateTeam(t, s, mgr, 1)
		team, _ := s.Team(ctx, mgr.ID, 2027)
		emp := team[len(team)-1].Person
		asMgr := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: asMgr, Action: review.Rate}, emp, 2027,
			review.WrapUp{Rating: "below", DevelopmentNote: "Weekly 1:1s", Answers: allYes}); err != nil {
			t.Fatal(err)
		}
		none := func(review.Pool, []storage.TeamRelease) ([]storage.Notification, error) { return nil, nil }
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: none}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: asMgr, Action: review.HoldConversation}, emp, 2027); err != nil {
			t.Fatal(err)
		}
		cal := review.Calendar{Loc: clock.t.Location()}
		plan := func(w *review.WrapUp) (review.Appeal, error) {
			return review.DefaultYearEnd.PlanAppeal(review.Holidays{}, cal, review.ProgramScale, w, cal.Today(clock.Now()), "My Q3 work was missed")
		}
		asEmp := storage.Change{Actor: review.Actor{SlackID: emp.SlackID, Person: &emp}, Action: review.AppealRating}
		asMgrAppeal := storage.Change{Actor: asMgr, Action: review.AppealRating}
		if _, err := s.FileAppeal(ctx, asMgrAppeal, emp, 2027, plan); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("the manager appealing for them = %v", err)
		}
		appealOf := func() (*review.Appeal, int) {
			t.Helper()
			var got *review.Appeal
			n := s.CountQueries(func() {
				err := s.ComplianceExport(ctx, 2027, "", func(r review.ComplianceRow) error {
					if r.Person.ID == emp.ID {
						got = r.Appeal
					} else if r.Appeal != nil {
						t.Errorf("%s's line has an appeal: %+v", r.Person.Name, r.Appeal)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			return got, n
		}
		before, queries := appealOf()
		if before != nil {
			t.Errorf("the export has an appeal before one is filed: %+v", before)
		}
		clock.Set(clock.Now().AddDate(0, 0, 2)) // June 18
		a, err := s.FileAppeal(ctx, asEmp, emp, 2027, plan)
		if err != nil || a.FiledOn.String() != "2027-06-18" || a.HearingDue.String() != "2027-07-12" || a.Rating != "below" {
			t.Fatalf("appeal = %+v, %v", a, err)
		}
		if _, err := s.FileAppeal(ctx, asEmp, emp, 2027, plan); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("appealing twice = %v", err)
		}
		if got, n := appealOf(); got == nil || got.FiledOn.String() != "2027-06-18" || got.HearingDue.String() != "2027-07-12" || !got.Open() || got.Reasons != "My Q3 work was missed" {
			t.Errorf("exported appeal = %+v", got)
		} else if n != queries {
			t.Errorf("the export asked %d queries with an appeal, %d without: not one a page", n, queries)
		}
		open, err := s.Appeals(ctx, 2027, true)
		if err != nil || len(open) != 1 || open[0].Person.ID != emp.ID || open[0].Rater.ID != mgr.ID || open[0].Reasons != "My Q3 work was missed" {
			t.Fatalf("open appeals = %+v, %v", open, err)
		}

		clock.Set(clock.Now().AddDate(0, 0, 12)) // June 30
		today := cal.Today(clock.Now())
		decide := func(a review.Appeal) (review.Appeal, error) {
			return review.PlanDecision(a, review.ProgramScale, today, today, review.AppealChanged, "successful")
		}
		var told storage.AppealCase
		notify := func(c storage.AppealCase) ([]storage.Notification, error) {
			told = c
			return []storage.Notification{{Key: "appeal-decided", Recipient: c.Person.SlackID, Kind: "appeal", Payload: []byte(`{"text":"decided"}`)}}, nil
		}
		if _, err := s.DecideAppeal(ctx, asMgr, a.ID, decide, notify); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager deciding = %v", err)
		}
		c, err := s.DecideAppeal(ctx, hr, a.ID, decide, notify)
		if err != nil || c.Outcome != review.AppealChanged || c.NewRating != "successful" || told.Person.ID != emp.ID || told.Rater.ID != mgr.ID {
			t.Fatalf("decided: %+v, %v", c, err)
		}
		y, _ := s.Year(ctx, emp.ID, 2027)
		if y.WrapUp.Rating != "successful" || !y.WrapUp.Approved() || y.WrapUp.Released() {
			t.Errorf("after the changed rating: %+v", y.WrapUp)
		}
		if got, _ := appealOf(); got == nil || got.Outcome != review.AppealChanged || got.NewRating != "successful" || got.HearingOn.String() != "2027-06-30" || got.DecidedOn.String() != "2027-06-30" {
			t.Errorf("exported decided appeal = %+v", got)
		}
		if _, err := s.DecideAppeal(ctx, hr, a.ID, decide, notify); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("deciding twice = %v", err)
		}
		if open, _ := s.Appeals(ctx, 2027, true); len(open) != 0 {
			t.Errorf("still open: %+v", open)
		}
		if all, _ := s.Appeals(ctx, 0, false); len(all) != 1 {
			t.Errorf("all appeals: %+v", all)
		}
		trail, _ := s.AuditTrail(ctx, "appeal", a.ID)
		if len(trail) != 2 || trail[0].Action != "appeal.file" || trail[1].Action != "appeal.decide" {
			t.Errorf("audit trail = %+v", trail)
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts[storage.OutboxPending] != 1 {
			t.Errorf("outbox = %v", counts)
		}
	})
}
