package storage_test

import (
	"testing"
	"time"

	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestOutbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-07-15T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		n := func(key string) storage.Notification {
			return storage.Notification{Key: key, Recipient: "U1", Kind: "test", Payload: []byte(`{}`)}
		}
		if err := s.Enqueue(ctx, []storage.Notification{n("a"), n("b")}); err != nil {
			t.Fatal(err)
		}
		// The same key again is dropped, not an error.
		if err := s.Enqueue(ctx, []storage.Notification{n("a")}); err != nil {
			t.Fatal(err)
		}
		items, err := s.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(items) != 2 {
			t.Fatalf("claim = %v, %v", items, err)
		}
		// Leased: a second sender gets nothing until the lease ends.
		if again, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed twice: %v", again)
		}
		if err := s.MarkSent(ctx, items[0].ID, "D1", "1.0001"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRetry(ctx, items[1].ID, "rate limited", clock.Now().Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("retry came back early: %v", again)
		}
		clock.Set(clock.Now().Add(31 * time.Second))
		again, _ := s.ClaimOutbox(ctx, 10, time.Minute)
		if len(again) != 1 || again[0].Key != "b" || again[0].Attempts != 2 {
			t.Fatalf("retry = %+v", again)
		}
		// A sender that dies leaves its lease; after it, the item is offered again.
		clock.Set(clock.Now().Add(2 * time.Minute))
		again, _ = s.ClaimOutbox(ctx, 10, time.Minute)
		if len(again) != 1 || again[0].Attempts != 3 {
			t.Fatalf("after lease = %+v", again)
		}
		if err := s.MarkFailed(ctx, again[0].ID, "gave up"); err != nil {
			t.Fatal(err)
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts[storage.OutboxSent] != 1 || counts[storage.OutboxFailed] != 1 || counts[storage.OutboxPending] != 0 {
			t.Errorf("counts = %v", counts)
		}
	})
}
