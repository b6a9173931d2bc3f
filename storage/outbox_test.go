package storage_test

import (
	"errors"
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
		if err := s.MarkSent(ctx, items[0].Claim, "D1", "1.0001"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRetry(ctx, items[1].Claim, "rate limited", clock.Now().Add(30*time.Second), false); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("retry came back early: %v", again)
		}
		clock.Set(clock.Now().Add(31 * time.Second))
		again, _ := s.ClaimOutbox(ctx, 10, time.Minute)
		if len(again) != 1 || again[0].Key != "b" || again[0].Attempts != 2 || again[0].Uncertain {
			t.Fatalf("retry = %+v", again)
		}
		// A sender that dies leaves its lease; after it, the item is offered
		// again, as a second attempt still: nothing was attempted.
		clock.Set(clock.Now().Add(2 * time.Minute))
		again, _ = s.ClaimOutbox(ctx, 10, time.Minute)
		if len(again) != 1 || again[0].Attempts != 2 || again[0].Uncertain {
			t.Fatalf("after lease = %+v", again)
		}
		if err := s.MarkFailed(ctx, again[0].Claim, "gave up"); err != nil {
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
		if err := s.StartSend(ctx, items[0].Claim, time.Minute); err != nil {
			t.Fatal(err)
		}
		// The program's clock leaps a week: the leases still hold.
		program.Set(program.Now().Add(7 * 24 * time.Hour))
		if again, _ := s.ClaimOutbox(ctx, 10, time.Minute); len(again) != 5 {
			t.Fatalf("after the leap, %d claimed (the two leased ones must not be)", len(again))
		}
		wall.Set(wall.Now().Add(2 * time.Minute))
		again, _ := s.ClaimOutbox(ctx, 10, time.Minute)
		if len(again) != 7 || again[0].Key != "reflection:1" || !again[0].Uncertain || again[1].Uncertain {
			t.Fatalf("after the leases ran out: %+v", again)
		}
	})
}

// TestOutboxClaimTokens: a sender whose lease ran out, and whose
// notifications another sender has claimed since, can neither start
// sending them nor record anything about them; the second sender can.
func TestOutboxClaimTokens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-07-15T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		var ns []storage.Notification
		for i := range 4 {
			ns = append(ns, storage.Notification{Key: fmt.Sprintf("k%d", i), Recipient: "U1", Kind: "test", Payload: []byte(`{}`)})
		}
		if err := s.Enqueue(ctx, ns); err != nil {
			t.Fatal(err)
		}
		first, err := s.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(first) != 4 {
			t.Fatalf("first claim = %+v, %v", first, err)
		}
		// The first sender sends k0 in time; then its batch outlives its lease.
		if err := s.StartSend(ctx, first[0].Claim, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().Add(61 * time.Second))
		second, err := s.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(second) != 3 || second[0].Key != "k1" {
			t.Fatalf("second claim = %+v, %v (k0, under way, must stay with the first)", second, err)
		}
		if second[0].Token == first[1].Token || second[0].Token == "" {
			t.Fatalf("the second claim has the first's token %q", second[0].Token)
		}
		for _, lost := range []struct {
			name string
			do   func(storage.Claim) error
		}{
			{"start", func(c storage.Claim) error { return s.StartSend(ctx, c, time.Minute) }},
			{"sent", func(c storage.Claim) error { return s.MarkSent(ctx, c, "D1", "9.9") }},
			{"retry", func(c storage.Claim) error { return s.MarkRetry(ctx, c, "x", clock.Now().Add(time.Hour), false) }},
			{"release", func(c storage.Claim) error { return s.Release(ctx, c, "x", clock.Now().Add(time.Hour)) }},
			{"failed", func(c storage.Claim) error { return s.MarkFailed(ctx, c, "x") }},
		} {
			if err := lost.do(first[1].Claim); !errors.Is(err, storage.ErrClaimLost) {
				t.Errorf("%s under a lost claim: %v, want ErrClaimLost", lost.name, err)
			}
		}
		// The second sender's work stands: k1 is still its to send.
		if err := s.StartSend(ctx, second[0].Claim, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, second[0].Claim, "D1", "1.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, first[0].Claim, "D1", "1.0"); err != nil {
			t.Fatalf("k0, sent under its claim: %v", err)
		}
		// A recorded notification takes no more changes, whoever asks.
		if err := s.MarkRetry(ctx, second[0].Claim, "x", clock.Now(), false); !errors.Is(err, storage.ErrClaimLost) {
			t.Errorf("retry after sent: %v", err)
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts[storage.OutboxSent] != 2 || counts[storage.OutboxPending] != 2 {
			t.Errorf("counts = %v", counts)
		}
	})
}

// TestOutboxOnlyStartedSendsAreUncertain: after a crash, a notification
// comes back uncertain only if its send had started; the rest of its
// batch comes back as if never claimed. Uncertainty lasts until an
// outcome is known: a hand-back or a failed look keeps it.
func TestOutboxOnlyStartedSendsAreUncertain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-07-15T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		if err := s.Enqueue(ctx, []storage.Notification{
			{Key: "digest:1", Recipient: "C1", Kind: "digest", Payload: []byte(`{}`)},
			{Key: "digest:1:file", Recipient: "C1", Kind: "digest file", Payload: []byte(`{}`)},
		}); err != nil {
			t.Fatal(err)
		}
		items, err := s.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(items) != 2 {
			t.Fatalf("claim = %+v, %v", items, err)
		}
		if err := s.StartSend(ctx, items[0].Claim, time.Minute); err != nil {
			t.Fatal(err)
		}
		// The process dies here. Its leases run out.
		clock.Set(clock.Now().Add(3 * time.Minute))
		items, _ = s.ClaimOutbox(ctx, 10, time.Minute)
		if len(items) != 2 || items[0].Key != "digest:1" || !items[0].Uncertain || items[1].Uncertain {
			t.Fatalf("after the crash: %+v (only the started one is in doubt)", items)
		}
		// Handed back, and looked for in vain: still in doubt.
		if err := s.Release(ctx, items[0].Claim, "stopping", clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRetry(ctx, items[1].Claim, "slack down", clock.Now(), false); err != nil {
			t.Fatal(err)
		}
		items, _ = s.ClaimOutbox(ctx, 10, time.Minute)
		if len(items) != 2 || !items[0].Uncertain || items[0].Attempts != 1 || items[1].Uncertain || items[1].Attempts != 2 {
			t.Fatalf("after a hand-back: %+v", items)
		}
		if err := s.MarkRetry(ctx, items[0].Claim, "history unavailable", clock.Now(), true); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, items[1].Claim, "stopping", clock.Now()); err != nil {
			t.Fatal(err)
		}
		items, _ = s.ClaimOutbox(ctx, 10, time.Minute)
		if len(items) != 2 || !items[0].Uncertain || items[0].Attempts != 2 || items[1].Uncertain {
			t.Fatalf("after a failed look: %+v", items)
		}
		// A send that failed with an answer settles it.
		if err := s.StartSend(ctx, items[0].Claim, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRetry(ctx, items[0].Claim, "ratelimited", clock.Now(), false); err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().Add(3 * time.Minute))
		items, _ = s.ClaimOutbox(ctx, 10, time.Minute)
		if len(items) != 2 || items[0].Uncertain || items[1].Uncertain {
			t.Fatalf("after an answered attempt: %+v", items)
		}
	})
}

func TestOutboxOldestPending(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-08-03T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		if age, err := s.OutboxOldestPending(ctx); err != nil || age != 0 {
			t.Fatalf("an empty outbox: %v, %v", age, err)
		}
		if err := s.Enqueue(ctx, []storage.Notification{{Key: "a", Recipient: "U1", Kind: "test", Payload: []byte(`{"text":"a"}`)}}); err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().Add(90 * time.Second))
		if err := s.Enqueue(ctx, []storage.Notification{{Key: "b", Recipient: "U1", Kind: "test", Payload: []byte(`{"text":"b"}`)}}); err != nil {
			t.Fatal(err)
		}
		clock.Set(clock.Now().Add(30 * time.Second))
		if age, err := s.OutboxOldestPending(ctx); err != nil || age != 120*time.Second {
			t.Errorf("oldest = %v, %v; want 2m0s", age, err)
		}
	})
}
