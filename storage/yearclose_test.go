package storage_test

import (
	"strings"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestClosingYear: from July 1 the year just ended stays live beside the
// new one until HR closes it; closing says what is still open and takes
// "anyway" to close with it; a closed year is no longer live.
func TestClosingYear(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		cal := review.Calendar{Loc: clock.t.Location()}
		live := func(want ...review.FiscalYear) {
			t.Helper()
			got, err := s.LiveYears(ctx, cal, clock.Now())
			if err != nil || len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
				t.Errorf("live years on %s: %v, %v; want %v", cal.Today(clock.Now()), got, err, want)
			}
		}
		live(2027)
		clock.Set(clock.Now().AddDate(0, 0, 12)) // July 2
		live(2028)                               // nothing of FY2027 was ever held here

		clock.Set(clock.Now().AddDate(0, 0, -12))
		mgrs, hr := ratingOrg(t, s, map[string]int{"A/X": 15, "B/Y": 10})
		rateTeam(t, s, mgrs["A/X"], 1)
		rateTeam(t, s, mgrs["B/Y"], 1)
		notify := func(review.Pool, []storage.TeamRelease) ([]storage.Notification, error) { return nil, nil }
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: notify}); err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().AddDate(0, 0, 12)) // July 2
		live(2027, 2028)

		b, err := s.YearBusiness(ctx, 2027)
		if err != nil {
			t.Fatal(err)
		}
		// 25 reports and the two managers are to be rated; the managers are not.
		if b.People != 27 || b.WrapUpsMissing != 2 || strings.Join(b.PoolsNotApproved, ",") != "A" || b.ConversationsNotHeld != 10 {
			t.Fatalf("FY2027's business = %+v", b)
		}
		today := cal.Today(clock.Now())
		mgr := review.Actor{SlackID: mgrs["A/X"].SlackID, Person: ptr(mgrs["A/X"])}
		if _, err := s.CloseYear(ctx, mgr, 2027, today, true); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager closing the year = %v", err)
		}
		if _, err := s.CloseYear(ctx, hr, 2027, review.NewDate(2027, 6, 30), true); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("closing on its last day = %v", err)
		}
		_, err = s.CloseYear(ctx, hr, 2027, today, false)
		if msg := review.ErrorMessage(err); review.ErrorCode(err) != review.ECONFLICT ||
			!strings.Contains(msg, "2 wrap-ups of 27 not written; 1 secretariat not approved: A; 10 final conversations still to hold") {
			t.Errorf("closing with business open = %v", err)
		}
		live(2027, 2028)
		if _, err := s.CloseYear(ctx, hr, 2027, today, true); err != nil {
			t.Fatalf("closing anyway: %v", err)
		}
		live(2028)
		if _, err := s.CloseYear(ctx, hr, 2027, today, true); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("closing twice = %v", err)
		}
		closed, err := s.ClosedYears(ctx)
		if c := closed[2027]; err != nil || !c.Anyway || c.ClosedBy != "UHR" || len(c.OpenItems) != 3 {
			t.Errorf("closed years = %+v, %v", closed, err)
		}
		trail, err := s.AuditTrail(ctx, "year", 2027)
		if err != nil || len(trail) != 1 || trail[0].Action != "year.close" || trail[0].Actor != "UHR" {
			t.Errorf("audit trail = %+v, %v", trail, err)
		}
	})
}

// TestEmployeeSay: once their review is released, the employee (and only
// they) acknowledges it, once, and may respond within the window; a new
// release after a reopening and a new rating asks again.
func TestEmployeeSay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgrs, hr := ratingOrg(t, s, map[string]int{"B/Y": 10})
		rateTeam(t, s, mgrs["B/Y"], 1)
		notify := func(review.Pool, []storage.TeamRelease) ([]storage.Notification, error) { return nil, nil }
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: notify}); err != nil {
			t.Fatal(err)
		}
		mgr := mgrs["B/Y"]
		team, _ := s.Team(ctx, mgr.ID, 2027)
		emp, other := team[0].Person, team[1].Person
		asMgr := storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.HoldConversation}
		asEmp := storage.Change{Actor: review.Actor{SlackID: emp.SlackID, Person: &emp}, Action: review.Acknowledge}
		asOther := storage.Change{Actor: review.Actor{SlackID: other.SlackID, Person: &other}, Action: review.Acknowledge}
		if _, err := s.AcknowledgeReview(ctx, asEmp, emp, 2027); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("acknowledging before the conversation = %v", err)
		}
		if _, err := s.MarkConversationHeld(ctx, asMgr, emp, 2027); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcknowledgeReview(ctx, asOther, emp, 2027); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("someone else acknowledging = %v", err)
		}
		y, err := s.AcknowledgeReview(ctx, asEmp, emp, 2027)
		if err != nil || y.WrapUp.AcknowledgedAt.IsZero() {
			t.Fatalf("acknowledged: %+v, %v", y.WrapUp, err)
		}
		if _, err := s.AcknowledgeReview(ctx, asEmp, emp, 2027); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("acknowledging twice = %v", err)
		}
		cal := review.Calendar{Loc: clock.t.Location()}
		plan := func(text string) func(*review.WrapUp) (string, error) {
			return func(w *review.WrapUp) (string, error) {
				return review.DefaultYearEnd.PlanResponse(review.Holidays{}, cal, w, cal.Today(clock.Now()), text)
			}
		}
		if _, err := s.SaveResponse(ctx, asEmp, emp, 2027, plan("  ")); review.FieldErrors(err)[review.FieldResponse] == "" {
			t.Errorf("an empty response = %v", err)
		}
		if y, err = s.SaveResponse(ctx, asEmp, emp, 2027, plan("I led the permit work too.")); err != nil || y.WrapUp.Response != "I led the permit work too." {
			t.Fatalf("response: %+v, %v", y.WrapUp, err)
		}
		clock.Set(clock.Now().AddDate(0, 0, 12)) // Friday July 2: the tenth workday after Sunday June 20
		if _, err = s.SaveResponse(ctx, asEmp, emp, 2027, plan("One more thing.")); err != nil {
			t.Errorf("a response on July 2 = %v", err)
		}
		clock.Set(clock.Now().AddDate(0, 0, 4)) // Tuesday July 6 (July 5 is the Fourth, observed)
		if _, err = s.SaveResponse(ctx, asEmp, emp, 2027, plan("Too late?")); review.ErrorCode(err) != review.ECONFLICT || !strings.Contains(review.ErrorMessage(err), "closed on Jul 2, 2027") {
			t.Errorf("a response after the window = %v", err)
		}

		// Reopened, approved and talked through again: a new acknowledgement.
		if _, err := s.ReopenRatings(ctx, hr, storage.Decision{Year: 2027, Pool: "B", Reason: "Recheck", Teams: notify}); err != nil {
			t.Fatal(err)
		}
		rating := storage.Change{Actor: asMgr.Actor, Action: review.Rate}
		if _, err := s.SaveManagerWrapUp(ctx, rating, emp, 2027, review.WrapUp{Rating: "highly_effective", Answers: allYes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: notify}); err != nil {
			t.Fatal(err)
		}
		if y, err = s.MarkConversationHeld(ctx, asMgr, emp, 2027); err != nil || !y.WrapUp.AcknowledgedAt.IsZero() || y.WrapUp.Response != "" {
			t.Errorf("released again: %+v, %v", y.WrapUp, err)
		}
	})
}
