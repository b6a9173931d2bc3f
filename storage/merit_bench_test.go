package storage_test

import (
	"fmt"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// BenchmarkMerit measures what merit pay's surfaces read:
//   - form: a manager's Propose form (their team's cases and their
//     secretariat's pool), 10,000 people with pay in one secretariat;
//   - pool: HR's audit of a secretariat of 5,000 (every case, the pool,
//     the approvals, and the look written to the audit log);
//   - export: payroll's file of 100,000 proposals, every line's award
//     worked out again.
func BenchmarkMerit(b *testing.B) {
	y := merit2027(b)
	for _, db := range []string{storage.SQLite, storage.Postgres} {
		for _, tt := range []struct {
			name string
			n    int
			unit func(int) string
		}{
			{"form/10000", 10000, func(i int) string { return fmt.Sprintf("A/U%03d", i%100) }},
			{"pool/5000", 5000, func(i int) string { return fmt.Sprintf("A/U%03d", i%50) }},
			{"export/100000", 100000, func(i int) string { return fmt.Sprintf("S%02d/U%03d", i%20, i%200) }},
		} {
			b.Run(tt.name+"/"+db, func(b *testing.B) {
				s, _ := benchOrg(b, db, "2027-08-02T14:00:00Z", tt.n, tt.unit)
				if err := s.SeedRatings(2027); err != nil {
					b.Fatal(err)
				}
				if err := s.SeedMerit(y.Name, 2027); err != nil {
					b.Fatal(err)
				}
				people, err := s.ActivePeople(ctx)
				if err != nil {
					b.Fatal(err)
				}
				byID := map[int64]review.Person{}
				for _, p := range people {
					byID[p.ID] = p
				}
				var mgr review.Person // a manager who is rated too
				for _, p := range people {
					if q, ok := byID[p.ManagerID]; ok && q.ManagerID != 0 {
						mgr = q
						break
					}
				}
				hr := review.Actor{SlackID: "UHR", HR: true}
				b.ResetTimer()
				for range b.N {
					switch tt.name {
					case "form/10000":
						cases, err := s.MeritTeam(ctx, mgr.ID, y)
						if err != nil || len(cases) == 0 {
							b.Fatal(len(cases), err)
						}
						if _, err := s.MeritPoolOf(ctx, y, mgr.Secretariat()); err != nil {
							b.Fatal(err)
						}
					case "pool/5000":
						a, err := s.MeritAuditOf(ctx, hr, y, "A")
						if err != nil || len(a.Cases) < tt.n/2 {
							b.Fatal(len(a.Cases), err)
						}
						a.Summary(y)
					case "export/100000":
						cases, _, err := s.MeritExport(ctx, y, "")
						if err != nil || len(cases) < tt.n/2 {
							b.Fatal(len(cases), err)
						}
						for _, c := range cases {
							e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false)
							_, _ = y.Award(*c.Pay, c.Rating, e, c.Proposal.Proposal, c.Proposal.Excepted)
						}
					}
				}
			})
		}
	}
}
