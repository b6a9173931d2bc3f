package storage_test

import (
	"fmt"
	"testing"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestTeamQueriesAreBounded loads a team of 3 and a team of 40, each
// with expectations, goals and check-ins: the same number of queries.
func TestTeamQueriesAreBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-08-12T14:00:00Z"))
		queries := map[int]int{}
		for _, size := range []int{3, 40} {
			mgrEmail := fmt.Sprintf("m%d@x.org", size)
			entries := []review.RosterEntry{entry(mgrEmail, "M", "", fmt.Sprintf("UM%d", size))}
			for i := range size {
				entries = append(entries, entry(fmt.Sprintf("r%d-%d@x.org", size, i), "R", mgrEmail, fmt.Sprintf("UR%d-%d", size, i)))
			}
			importRoster(t, s, "2026-07-01", entries, false)
			mgr, _ := s.PersonBySlackID(ctx, fmt.Sprintf("UM%d", size))
			storagetest.SeedTeam(t, s, mgr)
			var team []storage.TeamMember
			queries[size] = s.CountQueries(func() {
				var err error
				if team, err = s.Team(ctx, mgr.ID, 2027); err != nil {
					t.Fatal(err)
				}
			})
			if len(team) != size || len(team[0].Year.CheckIns) != 1 || len(team[0].Year.Goals) != 1 {
				t.Fatalf("team of %d loaded as %d, first %+v", size, len(team), team[0].Year)
			}
		}
		if queries[3] != queries[40] || queries[3] > 12 {
			t.Errorf("queries for a team of 3: %d, of 40: %d; want the same, and few", queries[3], queries[40])
		}
	})
}

// BenchmarkTeam loads a team of 300 with their years: the storage part of
// /perform team.
func BenchmarkTeam(b *testing.B) {
	for _, db := range []string{storage.SQLite, storage.Postgres} {
		b.Run(db, func(b *testing.B) {
			s, mgr := bigTeam(b, db, 300)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Team(ctx, mgr.ID, 2027); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func bigTeam(b testing.TB, db string, n int) (*storage.Store, review.Person) {
	b.Helper()
	url := b.TempDir() + "/team.db"
	if db == storage.Postgres {
		url = pgtest.NewDatabase(b)
	}
	s := storagetest.Open(b, url, newClock("2026-08-12T14:00:00Z"))
	entries := []review.RosterEntry{entry("boss@x.org", "Boss", "", "UBOSS")}
	for i := range n {
		entries = append(entries, entry(fmt.Sprintf("r%d@x.org", i), fmt.Sprintf("Report %d", i), "boss@x.org", fmt.Sprintf("UR%d", i)))
	}
	current, _ := s.People(ctx)
	if err := s.ApplyRoster(ctx, "bench", review.NewDate(2026, 7, 1), review.PlanRoster(current, entries, false)); err != nil {
		b.Fatal(err)
	}
	mgr, _ := s.PersonBySlackID(ctx, "UBOSS")
	storagetest.SeedTeam(b, s, mgr)
	return s, mgr
}
