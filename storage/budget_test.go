package storage_test

import (
	"sync"
	"testing"
	"time"

	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestSlackBudgetIsOneForAllProcesses: processes that share the database
// read and change a method's budget in turn, never both from the same
// reading: 2 processes × 4 goroutines × 25 changes of +1 µs each end
// 200 µs on. A method's first change starts from zero.
func TestSlackBudgetIsOneForAllProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-07-15T14:00:00Z")
		stores := []*storage.Store{storagetest.Open(t, url, clock), storagetest.Open(t, url, clock)}
		start := time.UnixMicro(1_700_000_000_000_000)
		var wg sync.WaitGroup
		for _, s := range stores {
			for range 4 {
				wg.Go(func() {
					for range 25 {
						err := s.UpdateSlackBudget(ctx, "chat.postMessage", func(tat time.Time) (time.Time, bool) {
							if tat.IsZero() {
								tat = start
							}
							return tat.Add(time.Microsecond), true
						})
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		var got time.Time
		_ = stores[0].UpdateSlackBudget(ctx, "chat.postMessage", func(tat time.Time) (time.Time, bool) { got = tat; return tat, false })
		if want := start.Add(200 * time.Microsecond); !got.Equal(want) {
			t.Errorf("after 200 changes the budget is %d µs on, want 200: changes were lost", got.Sub(start).Microseconds())
		}
		var other time.Time
		_ = stores[1].UpdateSlackBudget(ctx, "users.list", func(tat time.Time) (time.Time, bool) { other = tat; return tat, false })
		if !other.IsZero() {
			t.Errorf("a method never called starts at %v", other)
		}
	})
}
