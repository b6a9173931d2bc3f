package storage_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func entry(email, name, manager, slack string) review.RosterEntry {
	return review.RosterEntry{Email: email, Name: name, ManagerEmail: manager, Unit: "EOHHS/DPH", SlackID: slack, TZ: "America/New_York"}
}

// importRoster plans and applies entries the way the roster command does.
func importRoster(t *testing.T, s *storage.Store, today string, entries []review.RosterEntry, deactivate bool) review.RosterSummary {
	t.Helper()
	current, err := s.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := review.PlanRoster(current, entries, deactivate)
	d, _ := review.ParseDate(today)
	if err := s.ApplyRoster(ctx, "roster import", d, plan); err != nil {
		t.Fatalf("ApplyRoster: %v", err)
	}
	return plan.Summary()
}

func TestApplyRoster(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-07-01T14:00:00Z"))
		// Reports listed before their managers: the store must cope.
		first := []review.RosterEntry{
			entry("eli@x.org", "Eli", "mona@x.org", "U3"),
			entry("mona@x.org", "Mona", "ceo@x.org", "U2"),
			entry("ceo@x.org", "Cee", "", "U1"),
			entry("pat@x.org", "Pat", "ceo@x.org", "U4"),
		}
		if got := importRoster(t, s, "2026-07-01", first, false); got != (review.RosterSummary{Added: 4}) {
			t.Errorf("first import = %+v", got)
		}
		ceo, _ := s.PersonBySlackID(ctx, "U1")
		mona, _ := s.PersonBySlackID(ctx, "U2")
		eli, _ := s.PersonBySlackID(ctx, "U3")
		if mona.ManagerID != ceo.ID || eli.ManagerID != mona.ID || ceo.ManagerID != 0 {
			t.Fatalf("tree = ceo %d, mona→%d, eli→%d", ceo.ID, mona.ManagerID, eli.ManagerID)
		}
		// Eli starts a review so we can see it close when he leaves.
		if _, err := s.SaveExpectations(ctx, setting(review.Actor{SlackID: "U2", Person: &mona}, nil), eli, 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "x"}}}); err != nil {
			t.Fatal(err)
		}

		// Same file again: nothing changes.
		if got := importRoster(t, s, "2026-07-02", first, false); got != (review.RosterSummary{Unchanged: 4}) {
			t.Errorf("re-import = %+v", got)
		}

		// Eli moves to Pat; Mona is renamed; Pat leaves the file.
		second := []review.RosterEntry{
			entry("eli@x.org", "Eli", "ceo@x.org", "U3"),
			entry("mona@x.org", "Mona Lee", "ceo@x.org", "U2"),
			entry("ceo@x.org", "Cee", "", "U1"),
		}
		want := review.RosterSummary{Updated: 1, Moved: 1, Unchanged: 1, Missing: 1}
		if got := importRoster(t, s, "2026-11-02", second, false); got != want {
			t.Errorf("second import = %+v, want %+v", got, want)
		}
		hist, err := s.ManagerHistory(ctx, eli.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]storage.ManagerChange{{OldManagerID: mona.ID, NewManagerID: ceo.ID, Effective: review.NewDate(2026, 11, 2)}}, hist); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		// Eli's time under his new manager began with the move; Mona's when
		// she joined the roster.
		if y, _ := s.Year(ctx, eli.ID, 2027); y.Since != review.NewDate(2026, 11, 2) {
			t.Errorf("Eli since %v, want the move", y.Since)
		}
		team, _ := s.Team(ctx, ceo.ID, 2027)
		for _, m := range team {
			if m.Person.ID == mona.ID && m.Year.Since != review.NewDate(2026, 7, 1) {
				t.Errorf("Mona since %v, want the day she joined", m.Year.Since)
			}
		}
		trail, _ := s.AuditTrail(ctx, "person", mona.ID)
		if n := len(trail); n != 2 || trail[1].Action != "roster.update" {
			t.Errorf("Mona's audit trail = %+v", trail)
		}

		// Now Eli leaves, with --deactivate-missing; Pat too. A message
		// still waiting for Eli is dropped.
		if err := s.Enqueue(ctx, []storage.Notification{{Key: "for-eli", Recipient: "U3", Kind: "test", Payload: []byte(`{}`), Delay: time.Hour}}); err != nil {
			t.Fatal(err)
		}
		third := second[1:]
		if got := importRoster(t, s, "2026-11-03", third, true); got.Deactivated != 2 {
			t.Errorf("third import = %+v", got)
		}
		eli, _ = s.PersonByID(ctx, eli.ID)
		if eli.Active {
			t.Error("Eli is still active")
		}
		if counts, _ := s.OutboxCounts(ctx); counts[storage.OutboxCancelled] != 1 || counts[storage.OutboxPending] != 0 {
			t.Errorf("outbox after Eli left = %v", counts)
		}
		if team, _ := s.Team(ctx, ceo.ID, 2027); len(team) != 1 || team[0].Person.ID != mona.ID {
			t.Errorf("ceo's team after Eli left = %+v", team)
		}
		// And comes back: active again.
		if got := importRoster(t, s, "2026-12-01", second, true); got.Updated != 1 {
			t.Errorf("return = %+v", got)
		}
		eli, _ = s.PersonByID(ctx, eli.ID)
		if !eli.Active {
			t.Error("Eli was not reactivated")
		}
	})
}

// BenchmarkApplyRoster stores a first import of n people, a tenth of them
// managers, in one transaction: the database's part of a roster import.
func BenchmarkApplyRoster(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			b.Run(fmt.Sprintf("%d/%s", n, db), func(b *testing.B) {
				entries := make([]review.RosterEntry, n)
				managers := max(2, n/10)
				for i := range entries {
					e := review.RosterEntry{Email: fmt.Sprintf("p%06d@x.org", i), Name: "P", Unit: "U", SlackID: fmt.Sprintf("U%06d", i), TZ: "America/New_York"}
					if i > 0 && i < managers {
						e.ManagerEmail = "p000000@x.org"
					} else if i >= managers {
						e.ManagerEmail = fmt.Sprintf("p%06d@x.org", i%(managers-1)+1)
					}
					entries[i] = e
				}
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					url := filepath.Join(b.TempDir(), "apply.db")
					if db == storage.Postgres {
						url = pgtest.NewDatabase(b)
					}
					s := storagetest.Open(b, url, newClock("2026-07-01T14:00:00Z"))
					plan := review.PlanRoster(nil, entries, false)
					b.StartTimer()
					if err := s.ApplyRoster(ctx, "bench", review.NewDate(2026, 7, 1), plan); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// planAndApply plans entries against what is stored and applies the plan
// unless it has problems, which it returns.
func planAndApply(t *testing.T, s *storage.Store, entries []review.RosterEntry, deactivate bool) (review.RosterPlan, []string) {
	t.Helper()
	current, err := s.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := review.PlanRoster(current, entries, deactivate)
	var problems []string
	for _, p := range plan.Problems {
		problems = append(problems, p.String())
	}
	if len(problems) == 0 {
		if err := s.ApplyRoster(ctx, "roster import", review.NewDate(2026, 9, 1), plan); err != nil {
			t.Fatalf("ApplyRoster: %v", err)
		}
	}
	return plan, problems
}

func TestRosterIdentityIsTheSlackUser(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-07-01T14:00:00Z"))
		boss := entry("boss@x.org", "Boss", "", "UB")
		john := entry("js@x.org", "John Smith", "boss@x.org", "UOLD")
		ann := entry("ann@x.org", "Ann", "boss@x.org", "UA")
		bob := entry("bob@x.org", "Bob", "boss@x.org", "UBOB")
		if _, p := planAndApply(t, s, []review.RosterEntry{boss, john, ann, bob}, false); p != nil {
			t.Fatal(p)
		}
		johnRow, _ := s.PersonBySlackID(ctx, "UOLD")
		mgr, _ := s.PersonBySlackID(ctx, "UB")
		if _, err := s.SaveExpectations(ctx, setting(review.Actor{SlackID: "UB", Person: &mgr}, nil), johnRow, 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "John's own"}}}); err != nil {
			t.Fatal(err)
		}

		// John's address goes to Jane, a different Slack user, while John
		// is still in the program: refused, with the line.
		jane := entry("js@x.org", "Jane Smith", "boss@x.org", "UNEW")
		jane.Line = 3
		_, problems := planAndApply(t, s, []review.RosterEntry{boss, jane, ann, bob}, false)
		if len(problems) != 1 || !strings.Contains(problems[0], "line 3: js@x.org now belongs to another Slack user than John Smith") {
			t.Fatalf("problems = %v", problems)
		}
		// With John taken out in the same import, Jane is a new person and
		// John's review stays his.
		plan, problems := planAndApply(t, s, []review.RosterEntry{boss, jane, ann, bob}, true)
		if problems != nil || plan.Summary() != (review.RosterSummary{Added: 1, Unchanged: 3, Deactivated: 1}) {
			t.Fatalf("summary %+v, problems %v", plan.Summary(), problems)
		}
		janeRow, _ := s.PersonBySlackID(ctx, "UNEW")
		if janeRow.ID == johnRow.ID {
			t.Fatal("Jane was given John's record")
		}
		if y, _ := s.Year(ctx, janeRow.ID, 2027); len(y.Expectations) != 0 {
			t.Errorf("Jane sees John's expectations: %+v", y.Expectations)
		}

		// Ann and Bob swap addresses; Boss changes his. Nobody moves.
		ann2, bob2 := ann, bob
		ann2.Email, bob2.Email = "bob@x.org", "ann@x.org"
		ann2.ManagerEmail, bob2.ManagerEmail, jane.ManagerEmail = "chief@x.org", "chief@x.org", "chief@x.org"
		boss2 := boss
		boss2.Email = "chief@x.org"
		plan, problems = planAndApply(t, s, []review.RosterEntry{boss2, jane, ann2, bob2}, true)
		if problems != nil {
			t.Fatal(problems)
		}
		if got := plan.Summary(); got.Moved != 0 || got.Updated != 3 {
			t.Errorf("summary after email changes = %+v: nobody changed manager", got)
		}
		annRow, _ := s.PersonBySlackID(ctx, "UA")
		bossRow, _ := s.PersonBySlackID(ctx, "UB")
		if annRow.Email != "bob@x.org" || annRow.ManagerID != bossRow.ID || bossRow.Email != "chief@x.org" {
			t.Errorf("after the swap: Ann %+v, Boss %+v", annRow, bossRow)
		}
		if hist, _ := s.ManagerHistory(ctx, annRow.ID); len(hist) != 0 {
			t.Errorf("Ann has manager changes: %+v", hist)
		}
	})
}

// rosterState is everyone stored, with their manager by email, and the
// audit actions on them, in a form two databases can be compared in.
func rosterState(t *testing.T, s *storage.Store) []string {
	t.Helper()
	people, err := s.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	email := map[int64]string{}
	for _, p := range people {
		email[p.ID] = p.Email
	}
	var out []string
	for _, p := range people {
		trail, err := s.AuditTrail(ctx, "person", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range trail {
			actions = append(actions, a.Action)
		}
		out = append(out, fmt.Sprintf("%s %s %s manager=%s active=%t tz=%s audit=%v", p.SlackID, p.Email, p.Name, email[p.ManagerID], p.Active, p.TZ, actions))
	}
	sort.Strings(out)
	return out
}

// TestRosterDraft stores a second import's new people as Slack's list
// finds them, reports before their managers, and checks that nobody sees
// any of it before Apply, and that Apply stores what ApplyRoster does.
// People the draft cannot be sure of wait for Apply: someone whose
// manager is stored already, and a newcomer with the email of someone
// the import takes out of the program. A discarded draft, a plan with
// problems, and a plan that does not add someone the draft stored leave
// nothing. On SQLite there is no draft.
func TestRosterDraft(t *testing.T) {
	first := []review.RosterEntry{entry("ceo@x.org", "Cee", "", "U1"), entry("ann@x.org", "Ann", "ceo@x.org", "U2")}
	second := []review.RosterEntry{
		entry("ceo@x.org", "Cee", "", "U1"),
		entry("nb@x.org", "New Boss", "", "U5"),
		entry("mona@x.org", "Mona", "nb@x.org", "U6"),
		entry("eli@x.org", "Eli", "mona@x.org", "U7"),
		entry("pat@x.org", "Pat", "ceo@x.org", "U8"),
		entry("ann@x.org", "Another Ann", "nb@x.org", "U9"), // U2 leaves
	}
	// As Slack's pages would bring them.
	pages := [][]review.RosterEntry{{second[3], second[4]}, {second[2], second[5]}, {second[0], second[1]}}
	today := review.NewDate(2026, 9, 1)
	begin := func(t *testing.T, s *storage.Store) *storage.RosterDraft {
		t.Helper()
		d, err := s.BeginRoster(ctx, "roster import", today)
		if err != nil || d == nil {
			t.Fatalf("BeginRoster = %v, %v", d, err)
		}
		return d
	}
	plan := func(s *storage.Store, entries []review.RosterEntry) review.RosterPlan {
		current, err := s.People(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return review.PlanRoster(current, entries, true)
	}

	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-09-01T14:00:00Z"))
		importRoster(t, s, "2026-07-01", first, false)
		if s.Dialect() == storage.SQLite {
			if d, err := s.BeginRoster(ctx, "roster import", today); d != nil || err != nil {
				t.Errorf("BeginRoster on SQLite = %v, %v; want no draft", d, err)
			}
			return
		}
		before := rosterState(t, s)

		t.Run("discarded", func(t *testing.T) {
			d := begin(t, s)
			for _, p := range pages {
				if err := d.Add(p); err != nil {
					t.Fatal(err)
				}
			}
			d.Discard()
			if diff := cmp.Diff(before, rosterState(t, s)); diff != "" {
				t.Errorf("a discarded draft changed the roster (-want +got):\n%s", diff)
			}
		})
		t.Run("problems", func(t *testing.T) {
			d := begin(t, s)
			if err := d.Add(pages[0]); err != nil {
				t.Fatal(err)
			}
			p := plan(s, second)
			p.Problems = []review.Problem{{Line: 3, Message: "wrong"}}
			if err := d.Apply(ctx, p); review.ErrorCode(err) != review.EINVALID {
				t.Errorf("Apply of a plan with problems = %v", err)
			}
			if diff := cmp.Diff(before, rosterState(t, s)); diff != "" {
				t.Errorf("a refused plan changed the roster (-want +got):\n%s", diff)
			}
		})
		t.Run("not in the plan", func(t *testing.T) {
			d := begin(t, s)
			if err := d.Add([]review.RosterEntry{entry("zed@x.org", "Zed", "", "UZ")}); err != nil {
				t.Fatal(err)
			}
			if err := d.Apply(ctx, plan(s, second)); err == nil {
				t.Error("Apply stored a draft the plan does not add")
			}
			if diff := cmp.Diff(before, rosterState(t, s)); diff != "" {
				t.Errorf("a mismatched draft changed the roster (-want +got):\n%s", diff)
			}
		})
		t.Run("applied", func(t *testing.T) {
			d := begin(t, s)
			// Eli waits for Mona, who waits for the new boss; Pat (whose
			// manager is stored) and the new Ann (who has a leaver's
			// email) wait for Apply.
			for i, want := range []int{0, 0, 3} {
				if err := d.Add(pages[i]); err != nil {
					t.Fatal(err)
				}
				if got := d.Stored(); got != want {
					t.Errorf("after page %d the draft holds %d people, want %d", i+1, got, want)
				}
			}
			if diff := cmp.Diff(before, rosterState(t, s)); diff != "" {
				t.Errorf("the draft is seen before Apply (-want +got):\n%s", diff)
			}
			if err := d.Apply(ctx, plan(s, second)); err != nil {
				t.Fatal(err)
			}
			// The same two imports through ApplyRoster alone.
			other := storagetest.Open(t, pgtest.NewDatabase(t), newClock("2026-09-01T14:00:00Z"))
			importRoster(t, other, "2026-07-01", first, false)
			importRoster(t, other, "2026-09-01", second, true)
			if diff := cmp.Diff(rosterState(t, other), rosterState(t, s)); diff != "" {
				t.Errorf("draft and ApplyRoster differ (-ApplyRoster +draft):\n%s", diff)
			}
		})
	})
}

// TestRosterLeave: a roster's leave_from (and leave_to) records the leave
// starting that day, or changes its end, as /perform leave does and in
// the audit log; importing the file again changes nothing, and a row
// without leave leaves the leave recorded alone.
func TestRosterLeave(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2027-01-10T14:00:00Z"))
		day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
		onLeave := func(e review.RosterEntry, from, to string) review.RosterEntry {
			e.Leave = review.Leave{From: day(from), To: day(to)}
			return e
		}
		ceo, mona := entry("ceo@x.org", "Cee", "", "U1"), entry("mona@x.org", "Mona", "ceo@x.org", "U2")
		eli := entry("eli@x.org", "Eli", "mona@x.org", "U3")
		// The actions of every leave's audit rows, in order.
		trail := func() []string {
			t.Helper()
			var out []string
			for id := int64(1); id <= 10; id++ {
				rows, err := s.AuditTrail(ctx, "leave", id)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					out = append(out, r.Actor+" "+r.Action)
				}
			}
			return out
		}
		leaves := func(slack string) []review.Leave {
			t.Helper()
			p, err := s.PersonBySlackID(ctx, slack)
			if err != nil {
				t.Fatal(err)
			}
			l, err := s.Leaves(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}

		// A new person, on leave since January 4, open.
		file := []review.RosterEntry{ceo, mona, onLeave(eli, "2027-01-04", "")}
		importRoster(t, s, "2027-01-10", file, false)
		if diff := cmp.Diff([]review.Leave{{From: day("2027-01-04")}}, leaves("U3")); diff != "" {
			t.Errorf("Eli's leave (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"roster import leave.record"}, trail()); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		// The same file again: nothing changes, nothing is logged.
		if got := importRoster(t, s, "2027-01-11", file, false); got != (review.RosterSummary{Unchanged: 3}) {
			t.Errorf("re-import = %+v", got)
		}
		if diff := cmp.Diff([]string{"roster import leave.record"}, trail()); diff != "" {
			t.Errorf("audit after the same file (-want +got):\n%s", diff)
		}

		// HR records Mona's leave in Slack; the next file has her without
		// leave, and Eli's leave with its end.
		m, _ := s.PersonBySlackID(ctx, "U2")
		hr := review.Actor{SlackID: "UHR", HR: true}
		if err := s.RecordLeave(ctx, hr, m.ID, review.Leave{From: day("2027-02-01")}); err != nil {
			t.Fatal(err)
		}
		file = []review.RosterEntry{ceo, mona, onLeave(eli, "2027-01-04", "2027-03-31")}
		importRoster(t, s, "2027-02-02", file, false)
		importRoster(t, s, "2027-02-03", file, false)
		if diff := cmp.Diff([]review.Leave{{From: day("2027-01-04"), To: day("2027-03-31")}}, leaves("U3")); diff != "" {
			t.Errorf("Eli's leave, ended by the file (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]review.Leave{{From: day("2027-02-01")}}, leaves("U2")); diff != "" {
			t.Errorf("Mona's leave, not in the file (-want +got):\n%s", diff)
		}

		// A new leave for Mona in the file ends the open one the day before.
		file = []review.RosterEntry{ceo, onLeave(mona, "2027-04-12", ""), onLeave(eli, "2027-01-04", "2027-03-31")}
		importRoster(t, s, "2027-04-12", file, false)
		importRoster(t, s, "2027-04-13", file, false)
		want := []review.Leave{{From: day("2027-02-01"), To: day("2027-04-11")}, {From: day("2027-04-12")}}
		if diff := cmp.Diff(want, leaves("U2")); diff != "" {
			t.Errorf("Mona's leaves (-want +got):\n%s", diff)
		}
		wantTrail := []string{
			"roster import leave.record", "roster import leave.change", // Eli's: recorded, then ended
			"UHR leave.record", "roster import leave.end", // Mona's first
			"roster import leave.record", // Mona's second
		}
		if diff := cmp.Diff(wantTrail, trail()); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
}

// SenderBySlackID reads who asks and whether anyone active reports to
// them, in one query, on both databases.
func TestSenderBySlackID(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2026-08-12T14:00:00Z"))
		importRoster(t, s, "2026-07-01", []review.RosterEntry{
			entry("mona@x.org", "Mona Diaz", "", "UMONA"),
			entry("eli@x.org", "Eli Ortiz", "mona@x.org", "UELI"),
			entry("zoe@x.org", "Zoe Adams", "eli@x.org", "UZOE"),
		}, false)
		// Zoe leaves: Eli manages nobody active any more.
		importRoster(t, s, "2026-08-01", []review.RosterEntry{
			entry("mona@x.org", "Mona Diaz", "", "UMONA"),
			entry("eli@x.org", "Eli Ortiz", "mona@x.org", "UELI"),
		}, true)
		for _, tc := range []struct {
			slack, name string
			manages     bool
		}{{"UMONA", "Mona Diaz", true}, {"UELI", "Eli Ortiz", false}} {
			p, manages, err := s.SenderBySlackID(ctx, tc.slack)
			if err != nil || p.Name != tc.name || p.SlackID != tc.slack || manages != tc.manages {
				t.Errorf("%s: %+v, manages %v, %v; want %s, manages %v", tc.slack, p, manages, err, tc.name, tc.manages)
			}
		}
		if _, _, err := s.SenderBySlackID(ctx, "UNOBODY"); review.ErrorCode(err) != review.ENOTFOUND {
			t.Errorf("a stranger: %v, want ENOTFOUND", err)
		}
	})
}
