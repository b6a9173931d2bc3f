package storage_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// BenchmarkSweepPlan measures the nudge sweep's decision step for a whole
// organisation (a tenth of it managers, everyone in one time zone, so
// everyone is due a look at once): set-based loads a thousand people at a
// time. It reports the heap the step leaves behind (its result) as
// MB-retained; -benchmem gives what it allocates along the way.
func BenchmarkSweepPlan(b *testing.B) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 8, 3, 10, 0, 0, 0, ny)
	for _, n := range []int{1000, 10000, 100000} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			b.Run(fmt.Sprintf("%d/%s", n, db), func(b *testing.B) {
				url := filepath.Join(b.TempDir(), "sweep.db")
				if db == storage.Postgres {
					url = pgtest.NewDatabase(b)
				}
				s := storagetest.Open(b, url, newClock("2026-08-03T14:00:00Z"))
				managers := max(2, n/10)
				entries := make([]review.RosterEntry, n)
				for i := range entries {
					e := review.RosterEntry{Email: fmt.Sprintf("p%06d@x.org", i), Name: fmt.Sprintf("P%06d", i), Unit: "U", SlackID: fmt.Sprintf("U%06d", i), TZ: "America/New_York"}
					if i > 0 && i < managers {
						e.ManagerEmail = "p000000@x.org"
					} else if i >= managers {
						e.ManagerEmail = fmt.Sprintf("p%06d@x.org", i%(managers-1)+1)
					}
					entries[i] = e
				}
				if err := s.ApplyRoster(ctx, "bench", review.NewDate(2026, 7, 1), review.PlanRoster(nil, entries, false)); err != nil {
					b.Fatal(err)
				}
				if err := s.SeedYears(2027); err != nil {
					b.Fatal(err)
				}
				nudger := &scheduler.Nudger{Store: s, Cal: review.Calendar{Loc: ny}, Message: handlers.NudgeMessage}
				var ms runtime.MemStats
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					before := ms.HeapAlloc
					nudges, err := nudger.Plan(ctx, now)
					if err != nil || len(nudges) == 0 {
						b.Fatalf("%d nudges, %v", len(nudges), err)
					}
					runtime.GC()
					runtime.ReadMemStats(&ms)
					b.ReportMetric(float64(ms.HeapAlloc-before)/(1<<20), "MB-retained")
					b.ReportMetric(float64(len(nudges)), "nudges")
				}
			})
		}
	}
}
