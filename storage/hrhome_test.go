package storage_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestEachReviewedIn: the walk for a scope reads the people whose unit is
// the scope or below it, and nobody whose unit only starts alike
// (EOHHS/DPHX is not in EOHHS/DPH) or holds a LIKE wildcard; "" is
// everyone. Managers are read whatever their unit.
func TestEachReviewedIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-10-12T12:00:00Z"))
		entries := []review.RosterEntry{
			{Email: "a@x.org", SlackID: "UA", Name: "Ann", Unit: "EOHHS"},
			{Email: "b@x.org", SlackID: "UB", Name: "Bo", Unit: "EOHHS/DPH", ManagerEmail: "a@x.org"},
			{Email: "c@x.org", SlackID: "UC", Name: "Cy", Unit: "EOHHS/DPH/Labs", ManagerEmail: "b@x.org"},
			{Email: "d@x.org", SlackID: "UD", Name: "Di", Unit: "EOHHS/DPHX", ManagerEmail: "a@x.org"},
			{Email: "e@x.org", SlackID: "UE", Name: "Ed", Unit: "EOTSS", ManagerEmail: "a@x.org"},
			{Email: "f@x.org", SlackID: "UF", Name: "Fay", Unit: "EO%HS/DPH", ManagerEmail: "a@x.org"},
		}
		if err := s.ApplyRoster(ctx, "test", review.NewDate(2026, 7, 1), review.PlanRoster(nil, entries, false)); err != nil {
			t.Fatal(err)
		}
		for scope, want := range map[string][]string{
			"EOHHS/DPH": {"Bo (Ann)", "Cy (Bo)"},
			"EOHHS":     {"Bo (Ann)", "Cy (Bo)", "Di (Ann)"},
			"EO%HS":     {"Fay (Ann)"},
			"":          {"Bo (Ann)", "Cy (Bo)", "Di (Ann)", "Ed (Ann)", "Fay (Ann)"},
		} {
			var got []string
			err := s.EachReviewedIn(ctx, 2027, scope, func(p, m *review.Person, y review.YearState) {
				got = append(got, p.Name+" ("+m.Name+")")
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("scope %q (-want +got):\n%s", scope, diff)
			}
		}
	})
}

// TestLastDigest: none at first; then the latest day queued, not its file.
func TestLastDigest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-10-12T12:00:00Z"))
		if _, err := s.LastDigest(ctx); review.ErrorCode(err) != review.ENOTFOUND {
			t.Fatalf("before any digest: %v", err)
		}
		for _, d := range []string{"2026-10-12", "2026-10-05"} {
			ns := []storage.Notification{
				{Key: "digest:" + d, Recipient: "C0HR", Kind: "digest", Payload: []byte(`{"text":"digest"}`)},
				{Key: "digest:" + d + ":file", Recipient: "C0HR", Kind: "digest file", Payload: []byte(`{}`)},
			}
			day, _ := review.ParseDate(d)
			if err := s.QueueDigest(ctx, ns, review.DigestCount{Day: day}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LastDigest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Day.String() != "2026-10-12" || got.Status != storage.OutboxPending || got.Channel != "C0HR" || got.SentAt != nil {
			t.Errorf("LastDigest = %+v", got)
		}
	})
}

// TestBuildScope: for everyone, the scoped digest is the channel's
// digest; for a secretariat, only its people and units are counted.
func TestBuildScope(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		const at = "2026-10-12T14:00:00Z"
		s := storagetest.Open(t, url, newClock(at))
		var entries []review.RosterEntry
		for i := range 40 {
			e := review.RosterEntry{Email: fmt.Sprintf("p%02d@x.org", i), SlackID: fmt.Sprintf("U%02d", i), Name: fmt.Sprintf("P%02d", i),
				Unit: []string{"EOHHS/DPH", "EOHHS/Revenue", "EOTSS"}[i%3]}
			if i > 0 {
				e.ManagerEmail = fmt.Sprintf("p%02d@x.org", i/5)
			}
			entries = append(entries, e)
		}
		if err := s.ApplyRoster(ctx, "test", review.NewDate(2026, 7, 1), review.PlanRoster(nil, entries, false)); err != nil {
			t.Fatal(err)
		}
		now, _ := time.Parse(time.RFC3339, at)
		storagetest.SeedYears(t, url, 2027, now)
		cal := review.Calendar{Loc: time.UTC}
		whole, err := (&scheduler.Digester{Store: s, Cal: cal}).Build(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if whole.Org.People != 39 || whole.OverdueCount() == 0 {
			t.Fatalf("the channel's digest counts %d people, %d overdue", whole.Org.People, whole.OverdueCount())
		}
		all, err := scheduler.BuildScope(ctx, s, cal, now, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, all.Digest, cmpopts.IgnoreUnexported(review.Digest{})); diff != "" {
			t.Errorf("everyone's digest (-channel +scope):\n%s", diff)
		}
		eohhs, err := scheduler.BuildScope(ctx, s, cal, now, "EOHHS", 0)
		if err != nil {
			t.Fatal(err)
		}
		d := eohhs.Digest
		if got, want := d.UnitNames(), []string{"EOHHS/DPH", "EOHHS/Revenue"}; !slices.Equal(got, want) {
			t.Errorf("EOHHS's units = %v", got)
		}
		if d.Org.People != whole.Org.People-whole.Units["EOTSS"].People {
			t.Errorf("EOHHS counts %d people of %d", d.Org.People, whole.Org.People)
		}
		for _, m := range d.Overdue {
			for _, o := range m.Items {
				if !review.InUnit(o.Person.Unit, "EOHHS") {
					t.Errorf("EOHHS's digest lists %s of %s", o.Person.Name, o.Person.Unit)
				}
			}
		}
	})
}
