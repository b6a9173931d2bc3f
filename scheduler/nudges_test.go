package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestPagedPlanIsTheWholeOrganisationsPlan generates an organisation whose
// managers and reports are spread across pages (ids shuffled, three levels,
// some people in time zones where it is night, some snoozed, reminders
// already sent, years at every stage) and checks, on days across the year,
// that the sweep deciding a few people at a time plans exactly what
// deciding for the whole organisation at once plans: the same nudges, to
// the same people, with the same lines in the same order.
func TestPagedPlanIsTheWholeOrganisationsPlan(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		ny, _ := time.LoadLocation("America/New_York")
		clock := &settableClock{t: time.Date(2026, 8, 10, 14, 0, 0, 0, time.UTC)}
		s := storagetest.Open(t, url, clock)
		spread := generateOrg(t, s)
		if spread < 5 {
			t.Fatalf("only %d managers have reports on both sides of them in id order", spread)
		}
		cal := review.Calendar{Loc: ny}
		lines, phases := 0, 0
		for _, day := range []string{"2026-07-06", "2026-08-17", "2026-10-13", "2027-01-04", "2027-05-03", "2027-06-07"} {
			d, _ := review.ParseDate(day)
			now := d.In(ny).Add(10 * time.Hour)
			for _, kickoff := range []bool{false, true} {
				whole, err := wholeOrganisationPlan(context.Background(), &Nudger{Store: s, Cal: cal, PhasesOnly: kickoff}, s, now)
				if err != nil {
					t.Fatal(err)
				}
				if len(whole) == 0 && !kickoff {
					t.Fatalf("%s: nobody to nudge", day)
				}
				for _, x := range whole {
					lines += len(x.Lines)
					phases += len(x.Phases)
				}
				for _, size := range []int{1, 2, 3, 7, 1000} {
					var progress [][2]int
					n := &Nudger{Store: s, Cal: cal, PhasesOnly: kickoff, pageSize: size,
						Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }}
					paged, err := n.Plan(context.Background(), now)
					if err != nil {
						t.Fatal(err)
					}
					// Told after each page, counting up to everyone it may nudge.
					for i, p := range progress {
						if p[0] <= 0 || p[0] > p[1] || i > 0 && (p[0] <= progress[i-1][0] || p[1] != progress[i-1][1]) {
							t.Errorf("%s, kickoff %v, pages of %d: progress %v", day, kickoff, size, progress)
							break
						}
					}
					if len(paged) > 0 && (len(progress) == 0 || progress[len(progress)-1][0] != progress[len(progress)-1][1] ||
						size == 1 && len(progress) != progress[len(progress)-1][1]) {
						t.Errorf("%s, kickoff %v, pages of %d: progress %v, want it to end with everyone, a page at a time", day, kickoff, size, progress)
					}
					// The whole-organisation plan reads people with
					// ActivePeople, which has more of them than
					// nudges use.
					if diff := cmp.Diff(whole, paged, cmpopts.IgnoreFields(review.Person{}, "Email", "HR", "TZ")); diff != "" {
						t.Errorf("%s, kickoff %v, pages of %d: (-whole +paged)\n%s", day, kickoff, size, diff)
					}
				}
			}
		}
		if lines < 300 || phases < 100 {
			t.Errorf("only %d lines and %d openings in all: the organisation tests too little", lines, phases)
		}
		t.Logf("%d lines, %d openings", lines, phases)
	})
}

// generateOrg fills s with an organisation of 90 people whose ids are in
// no particular order of the tree: a head, eight managers under them, and
// under each manager reports, some of whom manage a few people of their
// own. It returns how many managers have reports with ids both below and
// above their own.
func generateOrg(t *testing.T, s *storage.Store) int {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2027, 1))
	type node struct {
		email, manager, tz string
	}
	zones := []string{"America/New_York", "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", ""}
	nodes := []node{{email: "head@x.org"}}
	add := func(manager string) string {
		e := fmt.Sprintf("p%02d@x.org", len(nodes))
		nodes = append(nodes, node{email: e, manager: manager, tz: zones[rng.IntN(len(zones))]})
		return e
	}
	for range 8 {
		m := add("head@x.org")
		for range 5 + rng.IntN(5) {
			r := add(m)
			if rng.IntN(5) == 0 {
				for range 2 + rng.IntN(2) {
					add(r)
				}
			}
		}
	}
	for len(nodes) < 90 {
		add(nodes[1+rng.IntN(8)].email)
	}
	// A first import gives managers lower ids than their reports, so the
	// roster comes in three rounds, in no order of the tree: until their
	// manager arrives, people report to the head, and then they move.
	rng.Shuffle(len(nodes)-1, func(i, j int) { nodes[i+1], nodes[j+1] = nodes[j+1], nodes[i+1] })
	entries := make([]review.RosterEntry, len(nodes))
	for i, n := range nodes {
		entries[i] = review.RosterEntry{Email: n.email, Name: "Name " + n.email, ManagerEmail: n.manager, Unit: "U", SlackID: fmt.Sprintf("U%03d", i), TZ: n.tz}
	}
	apply := func(day review.Date, entries []review.RosterEntry, deactivateMissing bool) {
		current, err := s.People(ctx)
		if err != nil {
			t.Fatal(err)
		}
		plan := review.PlanRoster(current, entries, deactivateMissing)
		if err := s.ApplyRoster(ctx, "test", day, plan); err != nil {
			t.Fatalf("%v: %v", plan.Problems, err)
		}
	}
	for round, cut := range []int{30, 60, len(entries)} {
		in := slices.Clone(entries[:cut])
		for i := range in {
			if in[i].ManagerEmail != "" && !slices.ContainsFunc(in, func(e review.RosterEntry) bool { return e.Email == in[i].ManagerEmail }) {
				in[i].ManagerEmail = "head@x.org"
			}
		}
		apply(review.NewDate(2026, 7, 1+round), in, false)
	}
	// Someone who manages nobody leaves.
	leaver := slices.IndexFunc(entries, func(e review.RosterEntry) bool {
		return e.ManagerEmail != "" && !slices.ContainsFunc(entries, func(r review.RosterEntry) bool { return r.ManagerEmail == e.Email })
	})
	apply(review.NewDate(2026, 7, 20), slices.Delete(slices.Clone(entries), leaver, leaver+1), true)
	people, err := s.ActivePeople(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]review.Person{}
	for _, p := range people {
		byID[p.ID] = p
	}
	// Years at every stage: nothing, expectations, goals, a check-in,
	// confirmed, a faster cadence.
	var keys []storage.NudgeRecord
	for k, p := range people {
		if !p.Reviewed() {
			continue
		}
		m := byID[p.ManagerID]
		ma := storage.Change{Actor: review.Actor{SlackID: m.SlackID, Person: &m}}
		ea := storage.Change{Actor: review.Actor{SlackID: p.SlackID, Person: &p}}
		stage := k % 6
		if stage >= 1 {
			ma.Action = review.SetExpectations
			y, err := s.SaveExpectations(ctx, ma, p, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "Deliver " + p.Name}, {Position: 2, Text: "Grow"}}})
			if err != nil {
				t.Fatal(err)
			}
			if stage >= 2 {
				ea.Action = review.EditGoals
				if _, err := s.SaveGoals(ctx, ea, p, 2027, y.Expectations[0].ID, review.GoalChanges{Create: []review.Goal{{Text: "g", Measure: "m", Target: review.NewDate(2026, 12, 1)}}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if stage >= 3 {
			cadence := review.Quarterly
			if stage == 5 {
				cadence = review.Cadence{Monthly: true}
			}
			ma.Action = review.LogCheckIn
			_, id, err := s.SaveCheckIn(ctx, ma, p, 2027, review.CheckIn{HeldOn: review.NewDate(2026, 8, 5), Expectations: true, First: true}, &cadence)
			if err != nil {
				t.Fatal(err)
			}
			if stage >= 4 {
				ea.Action = review.ConfirmCheckIn
				if _, err := s.SaveConfirmation(ctx, ea, p, 2027, review.Confirmation{CheckInID: id}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Reminders already sent: to some managers about this report's
		// expectations or first check-in, to some people about the kickoff.
		switch k % 4 {
		case 0:
			keys = append(keys, reminded(m, "2026-08-12", review.ReminderKey(2027, p.ID, review.Item{Kind: review.ItemExpectations}),
				review.ReminderKey(2027, p.ID, review.Item{Kind: review.ItemFirstCheckIn, Quarter: 1})))
		case 1:
			keys = append(keys, reminded(p, "2026-07-02", review.PhaseKey(2027, p.ID, review.PhaseKickoff)))
		}
	}
	if _, err := s.RecordNudges(ctx, keys); err != nil {
		t.Fatal(err)
	}
	// Two people snooze, through the first weeks of August.
	for _, p := range people[3:5] {
		if err := s.Snooze(ctx, p.ID, review.NewDate(2026, 8, 20)); err != nil {
			t.Fatal(err)
		}
	}
	spread := 0
	for _, m := range people {
		var below, above bool
		for _, p := range people {
			if p.ManagerID == m.ID {
				below, above = below || p.ID < m.ID, above || p.ID > m.ID
			}
		}
		if below && above {
			spread++
		}
	}
	return spread
}

// reminded is a nudge p was sent on day, carrying these reminder keys.
func reminded(p review.Person, day string, keys ...string) storage.NudgeRecord {
	d, _ := review.ParseDate(day)
	key := fmt.Sprintf("nudge:%s:%s", p.SlackID, d)
	return storage.NudgeRecord{Notification: storage.Notification{Key: key + ":" + keys[0], Recipient: p.SlackID, Kind: "nudge", Payload: []byte("{}")},
		RecipientID: p.ID, Day: d, ItemKeys: keys}
}

// wholeOrganisationPlan decides the nudges due at now for everyone at once,
// as the sweep did before it went a page at a time: everyone on the roster,
// all their years, every item routed to whoever's move it is, then the
// rhythm and the year's openings. It is what the paged plan must agree
// with.
func wholeOrganisationPlan(ctx context.Context, n *Nudger, s *storage.Store, now time.Time) ([]Nudge, error) {
	people, err := s.ActivePeople(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*review.Person{}
	day := map[int64]review.Date{}
	for i := range people {
		p := &people[i]
		byID[p.ID] = p
		loc := n.Cal.Loc
		if p.TZ != "" {
			if l, err := time.LoadLocation(p.TZ); err == nil {
				loc = l
			}
		}
		if d, ok := n.Holidays.NudgeTime(now.In(loc)); ok {
			day[p.ID] = d
		}
	}
	snoozed, err := s.Snoozes(ctx, n.Cal.Today(now).AddDays(-1))
	if err != nil {
		return nil, err
	}
	for id, until := range snoozed {
		if d, ok := day[id]; ok && !d.After(until) {
			delete(day, id)
		}
	}
	fy := n.Cal.Year(now)
	manages := map[int64]bool{}
	var reviewed []int64
	for _, p := range people {
		if p.ManagerID != 0 {
			manages[p.ManagerID] = true
		}
		_, selfOK := day[p.ID]
		_, mgrOK := day[p.ManagerID]
		if p.Reviewed() && (selfOK || mgrOK) && !n.PhasesOnly {
			reviewed = append(reviewed, p.ID)
		}
	}
	years, err := s.DueStates(ctx, fy, reviewed)
	if err != nil {
		return nil, err
	}
	lines := map[int64][]NudgeLine{}
	for _, id := range reviewed {
		p, y := byID[id], years[id]
		if y.Year == 0 {
			y.Year = fy
		}
		for _, it := range n.Cal.Due(y, now) {
			to := p.ID
			if it.Whose == review.RoleManager {
				to = p.ManagerID
			}
			if _, ok := day[to]; ok {
				lines[to] = append(lines[to], NudgeLine{Item: it, About: p, Year: y.About(it), Key: review.ReminderKey(fy, p.ID, it)})
			}
		}
	}
	var recipients []int64
	for id := range day {
		recipients = append(recipients, id)
	}
	slices.Sort(recipients)
	last, err := s.LastReminders(ctx, recipients)
	if err != nil {
		return nil, err
	}
	var out []Nudge
	for _, id := range recipients {
		var keep []NudgeLine
		for _, l := range lines[id] {
			seen := last[id][l.Key]
			if a := announced(l, n.Cal); a.After(seen) {
				seen = a
			}
			if review.Remind(l.Item, seen, day[id]) {
				keep = append(keep, l)
			}
		}
		var news []review.Phase
		for _, ph := range review.Phases(fy, day[id]) {
			if ph.For(byID[id].Reviewed(), manages[id]) && last[id][review.PhaseKey(fy, id, ph)].IsZero() {
				news = append(news, ph)
			}
		}
		if len(keep) == 0 && len(news) == 0 {
			continue
		}
		sort.SliceStable(keep, func(i, j int) bool {
			if keep[i].Item.Overdue != keep[j].Item.Overdue {
				return keep[i].Item.Overdue
			}
			return keep[i].Item.DueBy.Before(keep[j].Item.DueBy)
		})
		out = append(out, Nudge{Recipient: *byID[id], Day: day[id], Year: fy, Phases: news, Manages: manages[id], Lines: keep})
	}
	return out, nil
}

// rosterStore is a NudgeStore holding a roster and nothing else.
type rosterStore struct {
	NudgeStore
	members []storage.Member
}

func (f rosterStore) Members(context.Context) ([]storage.Member, error) { return f.members, nil }
func (f rosterStore) Snoozes(context.Context, review.Date) (map[int64]review.Date, error) {
	return nil, nil
}
func (f rosterStore) LiveYears(_ context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error) {
	return []review.FiscalYear{cal.Year(now)}, nil
}

// TestSweepPages checks where the sweep's pages end: after size
// recipients, or sooner once the years they need (their own, their
// reports') come to size; people it is no time to nudge are in no page,
// and a sweep with nobody to nudge has no pages at all.
func TestSweepPages(t *testing.T) {
	const ny, tokyo = "America/New_York", "Asia/Tokyo"
	// A head (1) managing 2 and 3; 2 manages 4, 5 and 6; 7 is in Tokyo,
	// where it is night; 8 reports to nobody and manages nobody.
	org := []storage.Member{{ID: 1, TZ: ny}, {ID: 2, ManagerID: 1, TZ: ny}, {ID: 3, ManagerID: 1, TZ: ny},
		{ID: 4, ManagerID: 2, TZ: ny}, {ID: 5, ManagerID: 2, TZ: ""}, {ID: 6, ManagerID: 2, TZ: ny},
		{ID: 7, ManagerID: 3, TZ: tokyo}, {ID: 8, TZ: ny}}
	monday := time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC) // 10:00 in New York, 23:00 in Tokyo
	nyLoc, _ := time.LoadLocation(ny)
	for _, tc := range []struct {
		name       string
		members    []storage.Member
		size       int
		phasesOnly bool
		want       [][]int64 // the ids of each page's recipients
	}{
		// 1 needs the years of 2 and 3: a page of its own. 2 needs its
		// own and 4, 5, 6's. 3 needs its own and 7's (who is in no page
		// of their own). 4, 5 and 6 need their own.
		{"pages of two", org, 2, false, [][]int64{{1}, {2}, {3}, {4, 5}, {6, 8}}},
		{"pages of four", org, 4, false, [][]int64{{1, 2}, {3, 4, 5}, {6, 8}}},
		{"one page", org, 1000, false, [][]int64{{1, 2, 3, 4, 5, 6, 8}}},
		{"pages of one", org, 1, false, [][]int64{{1}, {2}, {3}, {4}, {5}, {6}, {8}}},
		// A kickoff reads no years: pages are of size recipients.
		{"kickoff, pages of three", org, 3, true, [][]int64{{1, 2, 3}, {4, 5, 6}, {8}}},
		{"nobody it is time to nudge", []storage.Member{{ID: 1, TZ: tokyo}, {ID: 2, ManagerID: 1, TZ: tokyo}}, 2, false, nil},
		{"nobody", nil, 2, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &Nudger{Store: rosterStore{members: tc.members}, Cal: review.Calendar{Loc: nyLoc}, pageSize: tc.size}
			r, err := n.loadRoster(context.Background(), monday)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]int64
			if r != nil {
				for page := range r.pages(tc.size, tc.phasesOnly) {
					if len(page) == 0 {
						t.Error("an empty page")
					}
					ids := make([]int64, len(page))
					for k, i := range page {
						ids[k] = r.members[i].ID
					}
					got = append(got, ids)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pages (-want +got)\n%s", diff)
			}
			if r != nil {
				// Everyone's reports, as the roster groups them.
				for i, m := range r.members {
					var want, reports []int64
					for _, o := range tc.members {
						if o.ManagerID == m.ID {
							want = append(want, o.ID)
						}
					}
					for _, j := range r.reportsOf(int32(i)) {
						reports = append(reports, r.members[j].ID)
					}
					if !slices.Equal(want, reports) {
						t.Errorf("reports of %d: %v, want %v", m.ID, reports, want)
					}
				}
			}
		})
	}
}

// TestClosingYearWithNothingRecorded: on July 2 the manager of someone
// who joined in June, with nothing recorded in the year that ended, is
// reminded of their late wrap-up; someone who joined after that year
// ended owes none of it.
func TestClosingYearWithNothingRecorded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ny, _ := time.LoadLocation("America/New_York")
		clock := &settableClock{t: time.Date(2027, 6, 21, 14, 0, 0, 0, time.UTC)}
		s := storagetest.Open(t, url, clock)
		entry := func(email, manager, slack string) review.RosterEntry {
			return review.RosterEntry{Email: email, Name: "Name " + email, ManagerEmail: manager, Unit: "U", SlackID: slack, TZ: "America/New_York"}
		}
		entries := []review.RosterEntry{entry("boss@x.org", "", "U1"), entry("june@x.org", "boss@x.org", "U2"), entry("rated@x.org", "boss@x.org", "U4")}
		apply := func(day review.Date) {
			t.Helper()
			current, err := s.People(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ApplyRoster(ctx, "test", day, review.PlanRoster(current, entries, false)); err != nil {
				t.Fatal(err)
			}
		}
		apply(review.NewDate(2027, 6, 21))
		// One wrap-up written in June: FY2027 has business, and stays live.
		boss, _ := s.PersonBySlackID(ctx, "U1")
		rated, _ := s.PersonBySlackID(ctx, "U4")
		yes := []review.Answer{{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true}, {Stage: review.StageWrapUp, Question: "expectations", Yes: true}, {Stage: review.StageWrapUp, Question: "feedback", Yes: true}}
		if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: "U1", Person: &boss}, Action: review.Rate}, rated, 2027,
			review.WrapUp{Rating: "successful", Answers: yes}); err != nil {
			t.Fatal(err)
		}
		clock.add(11 * 24 * time.Hour) // July 2
		entries = append(entries, entry("july@x.org", "boss@x.org", "U3"))
		apply(review.NewDate(2027, 7, 2))

		nudges, err := (&Nudger{Store: s, Cal: review.Calendar{Loc: ny}}).Plan(ctx, time.Date(2027, 7, 2, 10, 0, 0, 0, ny))
		if err != nil {
			t.Fatal(err)
		}
		var late []string
		for _, n := range nudges {
			for _, l := range n.Lines {
				if l.Year.Year == 2027 {
					late = append(late, fmt.Sprintf("%s: %s about %s", n.Recipient.SlackID, l.Item.Kind, l.About.SlackID))
				}
			}
		}
		if diff := cmp.Diff([]string{"U1: wrapup about U2"}, late); diff != "" {
			t.Errorf("FY2027's lines on July 2 (-want +got):\n%s", diff)
		}
	})
}

// failingPages is rosterStore whose reads of people fail from the failAt-th
// on (counting from 1); the reads before it find everyone with a year.
type failingPages struct {
	rosterStore
	mu     sync.Mutex
	reads  int
	failAt int
}

var errPageRead = errors.New("the database went away")

func (f *failingPages) PeopleDue(_ context.Context, fy review.FiscalYear, ids []int64) ([]review.Person, map[int64]review.YearState, error) {
	f.mu.Lock()
	f.reads++
	n := f.reads
	f.mu.Unlock()
	if n >= f.failAt {
		return nil, nil, errPageRead
	}
	people := make([]review.Person, len(ids))
	for i, id := range ids {
		people[i] = review.Person{ID: id, SlackID: fmt.Sprint("U", id), Active: true}
	}
	return people, map[int64]review.YearState{}, nil
}

func (f *failingPages) PeopleByID(_ context.Context, ids []int64) ([]review.Person, error) {
	people, _, err := f.PeopleDue(context.Background(), 0, ids)
	return people, err
}

func (f *failingPages) LastReminders(context.Context, []int64) (map[int64]map[string]review.Date, error) {
	return nil, nil
}

// A page that cannot be read ends the sweep with its error, whichever page
// it is (two are read at once), with nothing after it decided and no
// goroutine left waiting.
func TestSweepStopsAtAPageItCannotRead(t *testing.T) {
	var org []storage.Member
	for id := int64(1); id <= 40; id++ {
		m := storage.Member{ID: id, TZ: "America/New_York"}
		if id > 1 {
			m.ManagerID = (id + 1) / 4
			if m.ManagerID == 0 {
				m.ManagerID = 1
			}
		}
		org = append(org, m)
	}
	nyLoc, _ := time.LoadLocation("America/New_York")
	monday := time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)
	for _, failAt := range []int{1, 2, 3, 5, 8} {
		t.Run(fmt.Sprint("read ", failAt), func(t *testing.T) {
			store := &failingPages{rosterStore: rosterStore{members: org}, failAt: failAt}
			n := &Nudger{Store: store, Cal: review.Calendar{Loc: nyLoc}, pageSize: 3}
			done := make(chan error, 1)
			go func() {
				done <- n.PlanEach(context.Background(), monday, func(Nudge) error { return nil })
			}()
			select {
			case err := <-done:
				if !errors.Is(err, errPageRead) {
					t.Errorf("PlanEach = %v, want the page's error", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the sweep never ended")
			}
		})
	}
}
