package storage_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

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
		saved, err := s.SaveExpectations(ctx, setting(actor, func(y review.YearState) ([]storage.Notification, error) {
			notified++
			if len(y.Expectations) != 2 {
				t.Errorf("notify saw %d expectations, want 2", len(y.Expectations))
			}
			return []storage.Notification{{Key: "exp:1", Recipient: emp.SlackID, Kind: "expectations", Payload: []byte(`{"text":"hi"}`)}}, nil
		}), emp, 2027, review.ExpectationChanges{Create: []review.Expectation{
			{Position: 1, Text: "Ship the portal"}, {Position: 2, Text: "Coach two leads"},
		}})
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
		saved, err = s.SaveGoals(ctx, writing(eActor), emp, 2027, exp1.ID, review.GoalChanges{Create: []review.Goal{
			{Text: "Beta live", Measure: "50 users", Target: target},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(saved.Goals) != 1 || saved.Goals[0].Target != target || saved.Goals[0].ExpectationID != exp1.ID {
			t.Fatalf("goals = %+v", saved.Goals)
		}

		// A change whose notification cannot be built saves nothing.
		boom := errors.New("render failed")
		_, err = s.SaveExpectations(ctx, setting(actor, func(review.YearState) ([]storage.Notification, error) { return nil, boom }),
			emp, 2027, review.ExpectationChanges{Retire: []int64{exp1.ID}})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the notify error", err)
		}
		year, _ := s.Year(ctx, emp.ID, 2027)
		if len(year.Expectations) != 2 {
			t.Errorf("a failed save changed the review: %+v", year.Expectations)
		}

		// Update and retire, then check the audit trail keeps the old text.
		_, err = s.SaveExpectations(ctx, setting(actor, nil), emp, 2027, review.ExpectationChanges{
			Update: []review.Expectation{{ID: exp1.ID, Text: "Ship the portal by March"}},
			Retire: []int64{saved.Expectations[1].ID},
		})
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
		saved, err := s.SaveExpectations(ctx, setting(actor, nil), emp, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "a"}}})
		if err != nil {
			t.Fatal(err)
		}
		// Someone else's review's expectation, or one retired since: refused.
		other := emp
		other.ID = mgr.ID // as if the form claimed to be about Mona's review
		_, err = s.SaveExpectations(ctx, setting(review.Actor{SlackID: "U9", HR: true}, nil), other, 2027, review.ExpectationChanges{Update: []review.Expectation{{ID: saved.Expectations[0].ID, Text: "hijack"}}})
		if review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a change by someone who may not make it = %v, want EFORBIDDEN", err)
		}
		eActor := review.Actor{SlackID: emp.SlackID, Person: &emp}
		_, err = s.SaveGoals(ctx, writing(eActor), emp, 2027, 9999, review.GoalChanges{Create: []review.Goal{{Text: "g", Measure: "m", Target: review.NewDate(2026, 9, 1)}}})
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
		if _, err := s.SaveExpectations(ctx, setting(actor, nil), eli, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "a"}, {Position: 2, Text: "b"}}}); err != nil {
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

// setting is a manager setting expectations; writing an employee writing goals.
func setting(actor review.Actor, notify storage.Notify) storage.Change {
	return storage.Change{Actor: actor, Action: review.SetExpectations, Notify: notify}
}

func writing(actor review.Actor) storage.Change {
	return storage.Change{Actor: actor, Action: review.EditGoals}
}

func TestChangeGuarantees(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-07-15T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgr, emp := pair(t, s)
		actor := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		add := review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "once"}}}

		// The same form saved twice: the second is refused, nothing doubles.
		c := setting(actor, nil)
		c.Once = "view:V1:h1"
		if _, err := s.SaveExpectations(ctx, c, emp, 2027, add); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveExpectations(ctx, c, emp, 2027, add); err != review.AlreadySaved {
			t.Errorf("second save = %v, want AlreadySaved", err)
		}
		if y, _ := s.Year(ctx, emp.ID, 2027); len(y.Expectations) != 1 {
			t.Errorf("%d expectations after a double save", len(y.Expectations))
		}

		// Authorised against the people as stored when the change runs: a
		// manager moved away since the form opened cannot save.
		importRoster(t, s, "2026-07-20", []review.RosterEntry{
			entry("mona@x.org", "Mona", "", "U2"),
			entry("pat@x.org", "Pat", "", "U4"),
			entry("eli@x.org", "Eli", "pat@x.org", "U3"),
		}, false)
		if _, err := s.SaveExpectations(ctx, setting(actor, nil), emp, 2027, add); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a former manager's save = %v, want EFORBIDDEN", err)
		}
	})
}

func TestCollapsedNotifications(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-07-15T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		n := func(payload string) storage.Notification {
			return storage.Notification{Key: "goals:1:V1", Recipient: "U2", Kind: "goals", Payload: []byte(payload), Collapse: true, Delay: 15 * time.Minute}
		}
		for _, p := range []string{`{"text":"first"}`, `{"text":"second"}`, `{"text":"last"}`} {
			if err := s.Enqueue(ctx, []storage.Notification{n(p)}); err != nil {
				t.Fatal(err)
			}
		}
		if items, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(items) != 0 {
			t.Fatalf("a held-back notification went out early: %v", items)
		}
		if next, _ := s.NextOutboxDue(ctx); !next.Equal(clock.Now().Add(15 * time.Minute)) {
			t.Errorf("next due %v", next)
		}
		released, err := s.ReleaseNotification(ctx, "goals:1:V1")
		if err != nil || !released {
			t.Fatalf("release = %v, %v", released, err)
		}
		items, _ := s.ClaimOutbox(ctx, 10, time.Minute)
		if len(items) != 1 || string(items[0].Payload) != `{"text":"last"}` {
			t.Fatalf("after release: %+v", items)
		}
		s.MarkSent(ctx, items[0].Claim, "D2", "1.1")
		// Once sent, the key is spent: a later change to the same visit
		// does not send or rewrite anything.
		s.Enqueue(ctx, []storage.Notification{n(`{"text":"too late"}`)})
		clock.Set(clock.Now().Add(time.Hour))
		if items, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(items) != 0 {
			t.Errorf("a sent notification came back: %+v", items)
		}
		if released, _ := s.ReleaseNotification(ctx, "goals:1:V1"); released {
			t.Error("released a sent notification")
		}
	})
}
