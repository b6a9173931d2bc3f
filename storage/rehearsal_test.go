package storage_test

import (
	"testing"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestRehearsalDatabase(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-10-01T14:00:00Z")
		s := storagetest.Open(t, url, clock)

		// A fresh database: live until a rehearsal takes it.
		if err := s.CheckLive(ctx); err != nil {
			t.Fatalf("fresh database refused as live: %v", err)
		}
		if c, err := s.RehearsalClock(ctx); err != nil || c != (storage.RehearsalClock{}) {
			t.Fatalf("clock before any rehearsal = %+v, %v", c, err)
		}
		if latest, err := s.LatestRecord(ctx); err != nil || !latest.IsZero() {
			t.Fatalf("latest record of an empty database = %v, %v", latest, err)
		}
		if err := s.UseForRehearsal(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.UseForRehearsal(ctx); err != nil {
			t.Fatalf("a rehearsal reopening its database: %v", err)
		}
		if err := s.CheckLive(ctx); err != storage.NotRehearsalDatabase {
			t.Fatalf("a live deployment on a rehearsal database: %v", err)
		}

		want := storage.RehearsalClock{Shift: -54*24*time.Hour + 123, Through: time.Date(2026, 8, 8, 13, 0, 0, 5, time.UTC)}
		if err := s.SetRehearsalClock(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, err := s.RehearsalClock(ctx); err != nil || got.Shift != want.Shift || !got.Through.Equal(want.Through) {
			t.Fatalf("clock = %+v, %v; want %+v", got, err, want)
		}

		// History: the latest change or queued message.
		mgr, emp := pair(t, s)
		clock.Set(time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC))
		if _, err := s.SaveExpectations(ctx, setting(review.Actor{SlackID: mgr.SlackID, Person: &mgr}, nil), emp, 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "Run the pilot"}}}); err != nil {
			t.Fatal(err)
		}
		latest, err := s.LatestRecord(ctx)
		if err != nil || !latest.Equal(clock.Now()) {
			t.Fatalf("latest record = %v, %v; want %v", latest, err, clock.Now())
		}

		// A reset empties it all, the roster too, and keeps the mark.
		if err := s.ResetRehearsal(ctx, storage.RehearsalClock{Through: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if people, err := s.People(ctx); err != nil || len(people) != 0 {
			t.Fatalf("after a reset: %d people, %v", len(people), err)
		}
		if latest, err := s.LatestRecord(ctx); err != nil || !latest.IsZero() {
			t.Fatalf("after a reset the latest record is %v, %v", latest, err)
		}
		if c, _ := s.RehearsalClock(ctx); c.Shift != 0 || !c.Through.Equal(clock.Now()) {
			t.Fatalf("clock after a reset: %+v", c)
		}
		if err := s.CheckLive(ctx); err != storage.NotRehearsalDatabase {
			t.Fatalf("the reset dropped the rehearsal mark: %v", err)
		}
	})
}

func TestLiveDatabaseIsNeverARehearsal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-10-01T14:00:00Z"))
		pair(t, s)
		if err := s.UseForRehearsal(ctx); err != storage.LiveDatabase {
			t.Fatalf("a rehearsal took a live program's database: %v", err)
		}
		if err := s.ResetRehearsal(ctx, storage.RehearsalClock{}); err != storage.LiveDatabase {
			t.Fatalf("a live program was reset: %v", err)
		}
		if people, _ := s.People(ctx); len(people) != 2 {
			t.Fatalf("the live roster has %d people", len(people))
		}
		if err := s.CheckLive(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
