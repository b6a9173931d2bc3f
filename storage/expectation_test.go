package storage_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func pair(t *testing.T, s *storage.Store) (mgr, emp review.Person) {
	t.Helper()
	importRoster(t, s, "2026-07-01", []review.RosterEntry{
		entry("mona@x.org", "Mona", "", "U2"),
		entry("eli@x.org", "Eli", "mona@x.org", "U3"),
	}, false)
	mgr, _ = s.PersonBySlackID(ctx, "U2")
	emp, _ = s.PersonBySlackID(ctx, "U3")
	return mgr, emp
}

func TestSaveExpectationsAndGoals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-07-15T14:00:00Z"))
		mgr, emp := pair(t, s)
		actor := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		notified := 0
		saved, err := s.SaveExpectations(ctx, actor, emp, 2027, review.ExpectationChanges{Create: []review.Expectation{
			{Position: 1, Text: "Ship the portal"}, {Position: 2, Text: "Coach two leads"},
		}}, func(y review.YearState) ([]storage.Notification, error) {
			notified++
			if len(y.Expectations) != 2 {
				t.Errorf("notify saw %d expectations, want 2", len(y.Expectations))
			}
			return []storage.Notification{{Key: "exp:1", Recipient: emp.SlackID, Kind: "expectations", Payload: []byte(`{"text":"hi"}`)}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if notified != 1 || saved.ReviewID == 0 || len(saved.Expectations) != 2 || saved.Expectations[0].Text != "Ship the portal" {
			t.Fatalf("saved = %+v (notified %d)", saved, notified)
		}

		// The employee adds goals to the first expectation.
		eActor := review.Actor{SlackID: emp.SlackID, Person: &emp}
		exp1 := saved.Expectations[0]
		target := review.NewDate(2026, 12, 1)
		saved, err = s.SaveGoals(ctx, eActor, emp, 2027, exp1.ID, review.GoalChanges{Create: []review.Goal{
			{Text: "Beta live", Measure: "50 users", Target: target},
		}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(saved.Goals) != 1 || saved.Goals[0].Target != target || saved.Goals[0].ExpectationID != exp1.ID {
			t.Fatalf("goals = %+v", saved.Goals)
		}

		// A change whose notification cannot be built saves nothing.
		boom := errors.New("render failed")
		_, err = s.SaveExpectations(ctx, actor, emp, 2027, review.ExpectationChanges{Retire: []int64{exp1.ID}},
			func(review.YearState) ([]storage.Notification, error) { return nil, boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the notify error", err)
		}
		year, _ := s.Year(ctx, emp.ID, 2027)
		if len(year.Expectations) != 2 {
			t.Errorf("a failed save changed the review: %+v", year.Expectations)
		}

		// Update and retire, then check the audit trail keeps the old text.
		_, err = s.SaveExpectations(ctx, actor, emp, 2027, review.ExpectationChanges{
			Update: []review.Expectation{{ID: exp1.ID, Text: "Ship the portal by March"}},
			Retire: []int64{saved.Expectations[1].ID},
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		year, _ = s.Year(ctx, emp.ID, 2027)
		if len(year.Expectations) != 1 || year.Expectations[0].Text != "Ship the portal by March" {
			t.Errorf("after update: %+v", year.Expectations)
		}
		trail, _ := s.AuditTrail(ctx, "expectation", exp1.ID)
		if len(trail) != 2 || trail[1].Action != "expectation.update" || trail[1].Actor != "U2" {
			t.Fatalf("trail = %+v", trail)
		}
		var before struct{ Body string }
		_ = json.Unmarshal([]byte(trail[1].Before), &before)
		if before.Body != "Ship the portal" {
			t.Errorf("audit before = %s", trail[1].Before)
		}

		// Another year is separate.
		other, _ := s.Year(ctx, emp.ID, 2028)
		if other.ReviewID != 0 || len(other.Expectations) != 0 {
			t.Errorf("FY2028 = %+v", other)
		}
	})
}

func TestStaleChangesAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-07-15T14:00:00Z"))
		mgr, emp := pair(t, s)
		actor := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		saved, err := s.SaveExpectations(ctx, actor, emp, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "a"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Someone else's review's expectation, or one retired since: refused.
		_, err = s.SaveExpectations(ctx, actor, mgr, 2027, review.ExpectationChanges{Update: []review.Expectation{{ID: saved.Expectations[0].ID, Text: "hijack"}}}, nil)
		if review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("cross-review update = %v, want ECONFLICT", err)
		}
		eActor := review.Actor{SlackID: emp.SlackID, Person: &emp}
		_, err = s.SaveGoals(ctx, eActor, emp, 2027, 9999, review.GoalChanges{Create: []review.Goal{{Text: "g", Measure: "m", Target: review.NewDate(2026, 9, 1)}}}, nil)
		if review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("goal on unknown expectation = %v, want ECONFLICT", err)
		}
		year, _ := s.Year(ctx, emp.ID, 2027)
		if year.Expectations[0].Text != "a" || len(year.Goals) != 0 {
			t.Errorf("refused changes were saved: %+v", year)
		}
	})
}

func TestTeam(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-07-15T14:00:00Z"))
		importRoster(t, s, "2026-07-01", []review.RosterEntry{
			entry("mona@x.org", "Mona", "", "U2"),
			entry("zed@x.org", "Zed", "mona@x.org", "U5"),
			entry("eli@x.org", "Eli", "mona@x.org", "U3"),
			entry("amy@x.org", "Amy", "eli@x.org", "U4"),
		}, false)
		mgr, _ := s.PersonBySlackID(ctx, "U2")
		eli, _ := s.PersonBySlackID(ctx, "U3")
		actor := review.Actor{SlackID: "U2", Person: &mgr}
		if _, err := s.SaveExpectations(ctx, actor, eli, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "a"}, {Position: 2, Text: "b"}}}, nil); err != nil {
			t.Fatal(err)
		}
		team, err := s.Team(ctx, mgr.ID, 2027)
		if err != nil {
			t.Fatal(err)
		}
		if len(team) != 2 || team[0].Person.Name != "Eli" || team[1].Person.Name != "Zed" {
			t.Fatalf("team = %+v", team)
		}
		if len(team[0].Year.Expectations) != 2 || team[1].Year.ReviewID != 0 {
			t.Errorf("years = %+v / %+v", team[0].Year, team[1].Year)
		}
	})
}
