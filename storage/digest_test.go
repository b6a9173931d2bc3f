package storage_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestDigestCounts: a queued digest records what it counted, once per day
// (a second run that day changes neither the count nor the outbox), and
// DigestCounts reads them back by day, oldest first, within its range.
func TestDigestCounts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-10-12T12:00:00Z"))
		day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
		queue := func(d string, overdue int) {
			t.Helper()
			ns := []storage.Notification{{Key: "digest:" + d, Recipient: "C0HR", Kind: "digest", Payload: []byte(`{"text":"digest"}`)}}
			if err := s.QueueDigest(ctx, ns, review.DigestCount{Day: day(d), Overdue: overdue}); err != nil {
				t.Fatal(err)
			}
		}
		queue("2026-10-12", 4)
		queue("2026-09-28", 9)
		queue("2026-10-05", 6)
		queue("2026-10-12", 1) // run again that day: nothing changes
		queue("2026-10-19", 2)

		got, err := s.DigestCounts(ctx, day("2026-10-01"), day("2026-10-12"))
		if err != nil {
			t.Fatal(err)
		}
		want := []review.DigestCount{{Day: day("2026-10-05"), Overdue: 6}, {Day: day("2026-10-12"), Overdue: 4}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DigestCounts (-want +got):\n%s", diff)
		}
		counts, err := s.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := counts[storage.OutboxPending]; n != 4 {
			t.Errorf("%d digests pending, want 4 (one a day): %v", n, counts)
		}
	})
}
