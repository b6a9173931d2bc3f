package storage_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func entry(email, name, manager, slack string) review.RosterEntry {
	return review.RosterEntry{Email: email, Name: name, ManagerEmail: manager, Unit: "EOHHS/DPH", SlackID: slack, TZ: "America/New_York"}
}

// importRoster plans and applies entries the way the roster command does.
func importRoster(t *testing.T, s *storage.Store, today string, entries []review.RosterEntry, deactivate bool) review.RosterSummary {
	t.Helper()
	current, err := s.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := review.PlanRoster(current, entries, deactivate)
	d, _ := review.ParseDate(today)
	if err := s.ApplyRoster(ctx, "roster import", d, plan); err != nil {
		t.Fatalf("ApplyRoster: %v", err)
	}
	return plan.Summary()
}

func TestApplyRoster(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-07-01T14:00:00Z"))
		// Reports listed before their managers: the store must cope.
		first := []review.RosterEntry{
			entry("eli@x.org", "Eli", "mona@x.org", "U3"),
			entry("mona@x.org", "Mona", "ceo@x.org", "U2"),
			entry("ceo@x.org", "Cee", "", "U1"),
			entry("pat@x.org", "Pat", "ceo@x.org", "U4"),
		}
		if got := importRoster(t, s, "2026-07-01", first, false); got != (review.RosterSummary{Added: 4}) {
			t.Errorf("first import = %+v", got)
		}
		ceo, _ := s.PersonBySlackID(ctx, "U1")
		mona, _ := s.PersonBySlackID(ctx, "U2")
		eli, _ := s.PersonBySlackID(ctx, "U3")
		if mona.ManagerID != ceo.ID || eli.ManagerID != mona.ID || ceo.ManagerID != 0 {
			t.Fatalf("tree = ceo %d, mona→%d, eli→%d", ceo.ID, mona.ManagerID, eli.ManagerID)
		}
		// Eli starts a review so we can see it close when he leaves.
		if _, err := s.SaveExpectations(ctx, review.Actor{SlackID: "U2", Person: &mona}, eli, 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "x"}}}, nil); err != nil {
			t.Fatal(err)
		}

		// Same file again: nothing changes.
		if got := importRoster(t, s, "2026-07-02", first, false); got != (review.RosterSummary{Unchanged: 4}) {
			t.Errorf("re-import = %+v", got)
		}

		// Eli moves to Pat; Mona is renamed; Pat leaves the file.
		second := []review.RosterEntry{
			entry("eli@x.org", "Eli", "ceo@x.org", "U3"),
			entry("mona@x.org", "Mona Lee", "ceo@x.org", "U2"),
			entry("ceo@x.org", "Cee", "", "U1"),
		}
		want := review.RosterSummary{Updated: 1, Moved: 1, Unchanged: 1, Missing: 1}
		if got := importRoster(t, s, "2026-11-02", second, false); got != want {
			t.Errorf("second import = %+v, want %+v", got, want)
		}
		hist, err := s.ManagerHistory(ctx, eli.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]storage.ManagerChange{{OldManagerID: mona.ID, NewManagerID: ceo.ID, Effective: review.NewDate(2026, 11, 2)}}, hist); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		trail, _ := s.AuditTrail(ctx, "person", mona.ID)
		if n := len(trail); n != 2 || trail[1].Action != "roster.update" {
			t.Errorf("Mona's audit trail = %+v", trail)
		}

		// Now Eli leaves, with --deactivate-missing; Pat too.
		third := second[1:]
		if got := importRoster(t, s, "2026-11-03", third, true); got.Deactivated != 2 {
			t.Errorf("third import = %+v", got)
		}
		eli, _ = s.PersonByID(ctx, eli.ID)
		if eli.Active {
			t.Error("Eli is still active")
		}
		if reports, _ := s.DirectReports(ctx, ceo.ID); len(reports) != 1 || reports[0].ID != mona.ID {
			t.Errorf("ceo's reports after Eli left = %v", reports)
		}
		// And comes back: active again.
		if got := importRoster(t, s, "2026-12-01", second, true); got.Updated != 1 {
			t.Errorf("return = %+v", got)
		}
		eli, _ = s.PersonByID(ctx, eli.ID)
		if !eli.Active {
			t.Error("Eli was not reactivated")
		}
	})
}

// BenchmarkApplyRoster stores a first import of n people, a tenth of them
// managers, in one transaction: the database's part of a roster import.
func BenchmarkApplyRoster(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			b.Run(fmt.Sprintf("%d/%s", n, db), func(b *testing.B) {
				entries := make([]review.RosterEntry, n)
				managers := max(2, n/10)
				for i := range entries {
					e := review.RosterEntry{Email: fmt.Sprintf("p%06d@x.org", i), Name: "P", Unit: "U", SlackID: fmt.Sprintf("U%06d", i), TZ: "America/New_York"}
					if i > 0 && i < managers {
						e.ManagerEmail = "p000000@x.org"
					} else if i >= managers {
						e.ManagerEmail = fmt.Sprintf("p%06d@x.org", i%(managers-1)+1)
					}
					entries[i] = e
				}
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					url := filepath.Join(b.TempDir(), "apply.db")
					if db == storage.Postgres {
						url = pgtest.NewDatabase(b)
					}
					s := storagetest.Open(b, url, newClock("2026-07-01T14:00:00Z"))
					plan := review.PlanRoster(nil, entries, false)
					b.StartTimer()
					if err := s.ApplyRoster(ctx, "bench", review.NewDate(2026, 7, 1), plan); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
