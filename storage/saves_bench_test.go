package storage_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// BenchmarkCrowdSaves is a crowd's form submissions reaching the database
// at one instant, as the load benchmark's burst does, without Slack in
// between: each is what a submission of the expectations form asks of
// storage before it is acked (the sender, target and their manager read
// again in one query, their year read, then the change saved with its
// audit and outbox rows in one transaction). It reports each save's latency, p50 and p99, from the
// moment the crowd starts.
func BenchmarkCrowdSaves(b *testing.B) {
	for _, crowd := range []int{50, 200} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			b.Run(fmt.Sprintf("%d/%s", crowd, db), func(b *testing.B) {
				// A tenth of benchOrg's people are managers: 20 people per
				// saver leave a report for each.
				s, _ := benchOrg(b, db, "2026-08-03T14:00:00Z", crowd*20, func(int) string { return "U" })
				people, err := s.ActivePeople(ctx)
				if err != nil {
					b.Fatal(err)
				}
				byID := map[int64]review.Person{}
				for _, p := range people {
					byID[p.ID] = p
				}
				var pairs [][2]review.Person // manager, report
				used := map[int64]bool{}
				for _, p := range people {
					if m, ok := byID[p.ManagerID]; ok && p.ManagerID != 0 && !used[m.ID] && len(pairs) < crowd {
						used[m.ID] = true
						pairs = append(pairs, [2]review.Person{m, p})
					}
				}
				if len(pairs) < crowd {
					b.Fatalf("only %d manager-report pairs", len(pairs))
				}
				var lat []time.Duration
				var mu sync.Mutex
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					// Each round is another year's first expectations, so
					// that every round saves the same kind of change.
					fy := review.FiscalYear(2027 + i)
					start := time.Now()
					var wg sync.WaitGroup
					for j, pr := range pairs {
						wg.Go(func() {
							mgr, rep := pr[0], pr[1]
							sub, err := s.SubjectOf(ctx, mgr.SlackID, rep.ID)
							var year review.YearState
							if err == nil {
								year, err = s.YearForChange(ctx, rep.ID, fy)
							}
							if err == nil {
								ch := storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: sub.Sender}, Action: review.SetExpectations,
									Once: fmt.Sprintf("view:V%d-%d:h", i, j),
									Notify: func(saved review.YearState) ([]storage.Notification, error) {
										return []storage.Notification{{Key: fmt.Sprintf("expectations:%d:%d:%d", saved.ReviewID, i, j), Recipient: rep.SlackID, Kind: "expectations", Payload: []byte(`{"text":"set"}`)}}, nil
									}}
								_, err = s.SaveExpectations(ctx, ch, rep, fy, review.ExpectationChanges{Create: []review.Expectation{{Position: len(year.Expectations) + 1, Text: fmt.Sprintf("Run the load test %d", i)}}})
							}
							if err != nil {
								b.Error(err)
								return
							}
							mu.Lock()
							lat = append(lat, time.Since(start))
							mu.Unlock()
						})
					}
					wg.Wait()
				}
				b.StopTimer()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				p := func(q float64) float64 {
					return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
				}
				b.ReportMetric(p(.5), "save-p50-ms")
				b.ReportMetric(p(.99), "save-p99-ms")
			})
		}
	}
}
