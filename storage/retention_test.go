package storage_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestPurge: past its retention, a notification that went out, failed or
// was cancelled loses its message and keeps its row and key, so it is
// still never queued twice; a pending one keeps everything however old;
// request ids past theirs are forgotten, newer ones kept. A dry run counts
// and changes nothing; a second purge finds nothing; batches of a thousand
// go through.
func TestPurge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		start := time.Date(2025, 6, 2, 14, 0, 0, 0, time.UTC)
		clock := &fixedClock{t: start}
		s := storagetest.Open(t, url, clock)
		_, emp := pair(t, s)
		msg := func(key string) []byte { return []byte(`{"text":"Your rating for ` + key + ` is Exceptional"}`) }
		note := func(key, to string) storage.Notification {
			return storage.Notification{Key: key, Recipient: to, Kind: "test", Payload: msg(key)}
		}
		deliver := func(key string, sent bool) {
			t.Helper()
			if err := s.Enqueue(ctx, []storage.Notification{note(key, "U2")}); err != nil {
				t.Fatal(err)
			}
			items, err := s.ClaimOutbox(ctx, 10, time.Minute)
			if err != nil || len(items) != 1 || items[0].Key != key {
				t.Fatalf("claim %s: %+v, %v", key, items, err)
			}
			if sent {
				err = s.MarkSent(ctx, items[0].Claim, "D2", "1.0001")
			} else {
				err = s.MarkFailed(ctx, items[0].Claim, "channel_not_found")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		claim := func(key string) bool {
			t.Helper()
			first, err := s.Claim(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return first
		}

		// June 2025: a message sent, one failed, 2,345 cancelled (their
		// recipient left), one still pending; a request handled.
		deliver("old-sent", true)
		deliver("old-failed", false)
		var leaving []storage.Notification
		for i := range 2345 {
			leaving = append(leaving, note(fmt.Sprintf("old-cancelled-%d", i), emp.SlackID))
		}
		if err := s.Enqueue(ctx, leaving); err != nil {
			t.Fatal(err)
		}
		importRoster(t, s, "2025-06-02", []review.RosterEntry{entry("mona@x.org", "Mona", "", "U2")}, true)
		if err := s.Enqueue(ctx, []storage.Notification{{Key: "old-pending", Recipient: "U2", Kind: "test", Payload: msg("old-pending"), Delay: 500 * 24 * time.Hour}}); err != nil {
			t.Fatal(err)
		}
		claim("event:old")
		// Later: a message sent 100 days on, a request 380 days on.
		clock.Set(start.AddDate(0, 0, 100))
		deliver("newer-sent", true)
		clock.Set(start.AddDate(0, 0, 380))
		claim("event:newer")

		// 400 days and an hour after June: messages of 400 days are due,
		// request ids of 30.
		now := start.AddDate(0, 0, 400).Add(time.Hour)
		clock.Set(now)
		keep := storage.Retention{PayloadDays: 400, RequestDays: 30}
		want := storage.PurgeReport{Payloads: 2347, Requests: 1, PayloadsBefore: now.AddDate(0, 0, -400), RequestsBefore: now.AddDate(0, 0, -30)}
		got, err := s.Purge(ctx, now, keep, true)
		if err != nil || got != want {
			t.Fatalf("dry run = %+v, %v; want %+v", got, err, want)
		}
		if _, payload, _ := s.OutboxMessage(ctx, "old-sent"); payload != string(msg("old-sent")) {
			t.Fatalf("a dry run changed a message: %q", payload)
		}
		if got, err = s.Purge(ctx, now, keep, false); err != nil || got != want {
			t.Fatalf("purge = %+v, %v; want %+v", got, err, want)
		}

		for _, c := range []struct {
			key, status string
			kept        bool
		}{
			{"old-sent", storage.OutboxSent, false},
			{"old-failed", storage.OutboxFailed, false},
			{"old-cancelled-0", storage.OutboxCancelled, false},
			{"old-cancelled-2344", storage.OutboxCancelled, false},
			{"old-pending", storage.OutboxPending, true},
			{"newer-sent", storage.OutboxSent, true},
		} {
			status, payload, err := s.OutboxMessage(ctx, c.key)
			switch {
			case err != nil:
				t.Errorf("%s: the row is gone: %v", c.key, err)
			case status != c.status:
				t.Errorf("%s: status %q, want %q", c.key, status, c.status)
			case c.kept && payload != string(msg(c.key)):
				t.Errorf("%s: message %q, want it kept", c.key, payload)
			case !c.kept && payload != "":
				t.Errorf("%s: message %q, want it blanked", c.key, payload)
			}
		}
		// The key still keeps a notification from being queued again.
		if err := s.Enqueue(ctx, []storage.Notification{note("old-sent", "U2")}); err != nil {
			t.Fatal(err)
		}
		if status, payload, _ := s.OutboxMessage(ctx, "old-sent"); status != storage.OutboxSent || payload != "" {
			t.Errorf("queued again after the purge: %s %q", status, payload)
		}
		if counts, _ := s.OutboxCounts(ctx); counts[storage.OutboxPending] != 1 || counts[storage.OutboxCancelled] != 2345 {
			t.Errorf("outbox after the purge: %v", counts)
		}
		if !claim("event:old") {
			t.Error("a request id of 400 days was kept")
		}
		if claim("event:newer") {
			t.Error("a request id of 20 days was forgotten")
		}

		// Nothing more to do: a second purge finds nothing.
		if got, err := s.Purge(ctx, now, keep, false); err != nil || got.Payloads != 0 || got.Requests != 0 {
			t.Errorf("a second purge = %+v, %v", got, err)
		}
		if _, err := s.Purge(ctx, now, storage.Retention{PayloadDays: 0, RequestDays: 30}, false); err == nil {
			t.Error("a retention of 0 days purged")
		}
	})
}
