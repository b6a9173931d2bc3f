package storage_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
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
// everyone is due a look at once): a page of people at a time, each nudge
// handed over and let go as it is decided. MB-peak is the most heap one
// run of the step held at once (see peakHeap), measured before the timed
// runs; -benchmem gives what it allocates along the way. What a process
// running the sweep holds is BenchmarkJobsDryRun's to measure.
func BenchmarkSweepPlan(b *testing.B) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 8, 3, 10, 0, 0, 0, ny)
	for _, n := range []int{1000, 10000, 100000} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			b.Run(fmt.Sprintf("%d/%s", n, db), func(b *testing.B) {
				s := seededOrg(b, db, n)
				nudger := &scheduler.Nudger{Store: s, Cal: review.Calendar{Loc: ny}, Message: handlers.NudgeMessage}
				nudges := 0
				count := func(scheduler.Nudge) error { nudges++; return nil }
				peak := peakHeap(func() {
					if err := nudger.PlanEach(ctx, now, count); err != nil || nudges == 0 {
						b.Fatalf("%d nudges, %v", nudges, err)
					}
				})
				planned := nudges
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := nudger.PlanEach(ctx, now, count); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(peak, "MB-peak")
				b.ReportMetric(float64(planned), "nudges")
			})
		}
	}
}

// peakHeap runs fn with the garbage collector set to keep the heap within
// 10% of what is live, samples the heap every 10 ms, and returns the
// highest it saw above where it started, in MB: close to the most memory
// fn needed at once.
func peakHeap(fn func()) float64 {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		high := uint64(0)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				sampled <- high
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				high = max(high, m.HeapAlloc)
			}
		}
	}()
	fn()
	close(done)
	peak = max(peak, <-sampled)
	return float64(peak-base) / (1 << 20)
}

// benchOrg opens a database of kind db (on the day given as an RFC 3339
// instant) holding n people, a tenth of them managers under one head, each
// in the unit unit(i) and in New York: the organisations the benchmarks
// use. It returns the store and the database's URL.
func benchOrg(b *testing.B, db, now string, n int, unit func(i int) string) (*storage.Store, string) {
	b.Helper()
	url := filepath.Join(b.TempDir(), "bench.db")
	if db == storage.Postgres {
		url = pgtest.NewDatabase(b)
	}
	s := storagetest.Open(b, url, newClock(now))
	managers := max(2, n/10)
	entries := make([]review.RosterEntry, n)
	for i := range entries {
		e := review.RosterEntry{Email: fmt.Sprintf("p%06d@x.org", i), Name: fmt.Sprintf("P%06d", i), Unit: unit(i), SlackID: fmt.Sprintf("U%06d", i), TZ: "America/New_York"}
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
	return s, url
}

// seededOrg is benchOrg with everyone's year under way (storagetest.SeedYears).
func seededOrg(b *testing.B, db string, n int) *storage.Store {
	b.Helper()
	const at = "2026-08-03T14:00:00Z"
	s, url := benchOrg(b, db, at, n, func(int) string { return "U" })
	now, _ := time.Parse(time.RFC3339, at)
	storagetest.SeedYears(b, url, 2027, now)
	return s
}

// BenchmarkDigest measures building HR's digest for a whole organisation:
// one pass over everyone, a thousand at a time.
func BenchmarkDigest(b *testing.B) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 10, 12, 8, 0, 0, 0, ny)
	for _, n := range []int{10000, 100000} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			b.Run(fmt.Sprintf("%d/%s", n, db), func(b *testing.B) {
				s := seededOrg(b, db, n)
				g := &scheduler.Digester{Store: s, Cal: review.Calendar{Loc: ny}}
				var d review.Digest
				peak := peakHeap(func() {
					var err error
					if d, err = g.Build(ctx, now); err != nil || d.Org.People != n-1 {
						b.Fatalf("%d people, %v", d.Org.People, err)
					}
				})
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := g.Build(ctx, now); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(peak, "MB-peak")
				b.ReportMetric(float64(d.OverdueCount()), "overdue")
			})
		}
	}
}
