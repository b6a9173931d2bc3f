package storage_test

import (
	"fmt"
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

// What people's actions cause is delivered before the scheduler's backlog,
// and leases run on the real clock even when the program's leaps ahead.
func TestOutboxOrderAndLeases(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		program, wall := newClock("2026-10-01T14:00:00Z"), newClock("2026-11-24T12:00:00Z")
		s := storagetest.Open(t, url, program)
		s.LeaseOnRealTime(wall)
		var backlog []storage.Notification
		for i := range 5 {
			backlog = append(backlog, storage.Notification{Key: fmt.Sprintf("nudge:%d", i), Recipient: "U1", Kind: "nudge", Payload: []byte(`{}`)})
		}
		backlog = append(backlog, storage.Notification{Key: "digest:1", Recipient: "C1", Kind: "digest", Payload: []byte(`{}`)})
		if err := s.Enqueue(ctx, backlog); err != nil {
			t.Fatal(err)
		}
		program.Set(program.Now().Add(240 * 24 * time.Hour))
		if err := s.Enqueue(ctx, []storage.Notification{{Key: "reflection:1", Recipient: "U2", Kind: "reflection", Payload: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		items, err := s.ClaimOutbox(ctx, 2, time.Minute)
		if err != nil || len(items) != 2 || items[0].Key != "reflection:1" || items[1].Key != "nudge:0" {
			t.Fatalf("claimed %+v, %v", items, err)
		}
		// The program's clock leaps a week: the leases still hold.
		program.Set(program.Now().Add(7 * 24 * time.Hour))
		if again, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(again) != 5 {
			t.Fatalf("after the leap, %d claimed (the two leased ones must not be)", len(again))
		}
		wall.Set(wall.Now().Add(2 * time.Minute))
		if again, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(again) != 7 || !again[0].Uncertain || again[0].Key != "reflection:1" {
			t.Fatalf("after the leases ran out: %+v", again)
		}
	})
}
