package storage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// merit2027 is the shipped 2007 merit year moved twenty years on, so that
// it pays for FY2027's ratings.
func merit2027(t testing.TB) review.MeritYear {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "merit", "2007.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("2006-", "2026-", "2007-", "2027-", "FY2007", "FY2027", `name: "2007"`, `name: "2027"`).Replace(string(data))
	y, err := config.ReadMeritYear("2027.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// ratedTeam gives s a manager in A/X with a team of n, everyone rated and
// the ratings approved for 2027; it returns the manager, central HR and
// the team.
func ratedTeam(t *testing.T, s *storage.Store, n int) (review.Person, review.Actor, []storage.TeamMember) {
	t.Helper()
	mgrs, hr := ratingOrg(t, s, map[string]int{"A/X": n})
	mgr := mgrs["A/X"]
	rateTeam(t, s, mgr, 0)
	if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A"}); err != nil {
		t.Fatal(err)
	}
	team, err := s.Team(ctx, mgr.ID, 2027)
	if err != nil {
		t.Fatal(err)
	}
	return mgr, hr, team
}

func TestProposeMerit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		y := merit2027(t)
		mgr, hr, team := ratedTeam(t, s, 3)
		asMgr := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		for _, m := range team[:2] {
			if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: asMgr, Action: review.Rate}, m.Person, 2027); err != nil {
				t.Fatal(err)
			}
		}
		day := func(v string) review.Date { x, _ := review.ParseDate(v); return x }
		var entries []review.PayEntry
		for i, m := range team {
			entries = append(entries, review.PayEntry{Line: i + 2, Email: strings.ToLower(m.Person.Email),
				Record: review.PayRecord{Level: "M-IV", Salary: 5659992, Class: review.ClassClassified, HireDate: day("2020-01-06")}})
		}
		if _, problems, err := s.ImportPay(ctx, "pay import", y.Name, entries[:2], false); err != nil || len(problems) > 0 {
			t.Fatal(problems, err)
		}
		clock.Set(clock.Now().AddDate(0, 2, 0)) // August

		cases, err := s.MeritTeam(ctx, mgr.ID, y)
		if err != nil || len(cases) != 3 || cases[0].Rating != "successful" || cases[0].Pay == nil || cases[2].Pay != nil || cases[2].Rating != "" {
			t.Fatalf("MeritTeam = %+v, %v", cases, err)
		}
		pool, _ := s.MeritPoolOf(ctx, y, "A")
		if pool.Eligible != 2 || pool.Salaries != 2*5659992 || pool.Budget != 396199 || pool.Used != 0 {
			t.Fatalf("pool before = %+v", pool)
		}

		emp := team[0].Person
		if _, err := s.ProposeMerit(ctx, review.Actor{SlackID: "UHEAD"}, y, emp.ID, review.Proposal{Base: 350}, ""); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("someone else proposing = %v", err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, emp.ID, review.Proposal{Base: 500}, ""); review.FieldErrors(err)[review.FieldMeritBase] == "" {
			t.Errorf("5%% for Successful in the 2nd quartile = %v", err)
		}
		a, err := s.ProposeMerit(ctx, asMgr, y, emp.ID, review.Proposal{Base: 350}, "")
		if err != nil || a.Increase != 198100 || a.NewSalary != 5858092 {
			t.Fatalf("3.5%% = %+v, %v", a, err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, emp.ID, review.Proposal{Base: 300, Bonus: 28300}, ""); err != nil {
			t.Fatalf("a changed proposal: %v", err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, team[2].Person.ID, review.Proposal{Base: 350}, ""); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("without a pay record = %v", err)
		}
		pool, _ = s.MeritPoolOf(ctx, y, "A")
		if pool.Used != 169800+28300 || pool.Proposals != 1 || pool.Left() != 396199-198100 {
			t.Errorf("pool after = %+v", pool)
		}
		cases, _ = s.MeritTeam(ctx, mgr.ID, y)
		if p := cases[0].Proposal; p == nil || p.Base != 300 || p.Bonus != 28300 || p.By != mgr.SlackID {
			t.Errorf("the proposal stored = %+v", p)
		}
		// Not released: the third report's conversation was not held.
		if _, _, err := s.ImportPay(ctx, "pay import", y.Name, entries, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, team[2].Person.ID, review.Proposal{Base: 350}, ""); review.ErrorCode(err) != review.ECONFLICT || !strings.Contains(review.ErrorMessage(err), "No released rating") {
			t.Errorf("before the rating is released = %v", err)
		}
		// Central HR approves only when everyone eligible has a proposal.
		if _, err := s.ApproveMerit(ctx, asMgr, y, "A"); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager approving = %v", err)
		}
		if _, err := s.ApproveMerit(ctx, hr, y, "A"); review.ErrorCode(err) != review.ECONFLICT || !strings.Contains(review.ErrorMessage(err), "1 increase to propose") {
			t.Errorf("approving with one to propose = %v", err)
		}
		// A bonus over the cap waits for HRD's exception, with the
		// manager's reason: $77,000 in the 4th quartile, 0.1% and $2,600.
		entries[1].Record.Salary = 7700000
		if _, _, err := s.ImportPay(ctx, "pay import", y.Name, entries, false); err != nil {
			t.Fatal(err)
		}
		big := review.Proposal{Base: 10, Bonus: 260000}
		if _, err := s.ProposeMerit(ctx, asMgr, y, team[1].Person.ID, big, " "); review.FieldErrors(err)[review.FieldMeritReason] == "" {
			t.Fatalf("a bonus over the cap without a reason = %v", err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, team[1].Person.ID, big, "Led the merger"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApproveMerit(ctx, hr, y, "A"); !strings.Contains(review.ErrorMessage(err), "1 bonus over the bonus cap") {
			t.Errorf("approving with a bonus waiting for its exception = %v", err)
		}
		if err := s.GrantMeritException(ctx, review.Actor{SlackID: "USEC", HR: true, Role: review.HRSecretariat, Scope: "A", Person: &review.Person{ID: 999, Unit: "A/HR", Active: true}}, y, team[1].Person.ID); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("secretariat HR granting = %v", err)
		}
		if err := s.GrantMeritException(ctx, hr, y, team[0].Person.ID); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("granting a bonus within the cap = %v", err)
		}
		if err := s.GrantMeritException(ctx, hr, y, team[1].Person.ID); err != nil {
			t.Fatal(err)
		}
		// HR returns one to the manager: it counts as not proposed, and the
		// manager is told why.
		var told []string
		if err := s.ReturnMerit(ctx, hr, y, emp.ID, "Check the bonus against the team's", func(c storage.MeritCase, m review.Person) (storage.Notification, error) {
			told = append(told, m.SlackID+":"+c.Person.Name)
			return storage.Notification{Key: "merit-return:test", Recipient: m.SlackID, Kind: "merit", Payload: []byte(`{"text":"returned"}`)}, nil
		}); err != nil || len(told) != 1 || told[0] != mgr.SlackID+":"+emp.Name {
			t.Fatalf("return = %v, told %v", err, told)
		}
		if _, err := s.ApproveMerit(ctx, hr, y, "A"); !strings.Contains(review.ErrorMessage(err), "1 increase to propose") {
			t.Errorf("approving with one returned = %v", err)
		}
		if pool, _ := s.MeritPoolOf(ctx, y, "A"); pool.Used != 7700+260000 || pool.Budget != 467600 {
			t.Errorf("the pool without the returned one = %+v", pool)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, emp.ID, review.Proposal{Base: 300, Bonus: 28300}, ""); err != nil {
			t.Fatal(err)
		}
		audit, err := s.ApproveMerit(ctx, hr, y, "A")
		if err != nil || audit.ApprovedAt.IsZero() {
			t.Fatalf("approve = %+v, %v", audit, err)
		}
		if _, err := s.ApproveMerit(ctx, hr, y, "A"); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("approving twice = %v", err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, emp.ID, review.Proposal{Base: 350}, ""); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("a change after approval = %v", err)
		}
		if err := s.ReturnMerit(ctx, hr, y, emp.ID, "late", nil); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("a return after approval = %v", err)
		}
		payroll, approved, _ := s.MeritExport(ctx, y, "")
		if len(payroll) != 2 || payroll[0].Proposal == nil || !approved["A/X"] {
			t.Errorf("payroll = %+v, %v", payroll, approved)
		}
		if other, _, _ := s.MeritExport(ctx, y, "B"); len(other) != 0 {
			t.Errorf("another secretariat's = %+v", other)
		}
		id, _ := s.MeritProposalID(ctx, emp.ID, y.Name)
		trail, _ := s.AuditTrail(ctx, "merit_proposal", id)
		if len(trail) != 4 || trail[1].Action != "merit.propose" || !strings.Contains(trail[1].Before, `"base_bp":350`) || trail[2].Action != "merit.return" || trail[3].Action != "merit.propose" {
			t.Errorf("audit = %+v", trail)
		}
	})
}

// A salary collision, or a statutory manager, is eligible only once
// central HR approves; the approval survives the next pay import.
func TestApproveMeritEligibility(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		y := merit2027(t)
		mgr, hr, team := ratedTeam(t, s, 2)
		asMgr := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		for _, m := range team {
			if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: asMgr, Action: review.Rate}, m.Person, 2027); err != nil {
				t.Fatal(err)
			}
		}
		day := func(v string) review.Date { x, _ := review.ParseDate(v); return x }
		entries := []review.PayEntry{
			{Line: 2, Email: strings.ToLower(team[0].Person.Email), Record: review.PayRecord{Level: "M-IV", Salary: 5659992, Class: review.ClassClassified, HireDate: day("2020-01-06"), Collision: true}},
			{Line: 3, Email: strings.ToLower(team[1].Person.Email), Record: review.PayRecord{Level: "M-IV", Salary: 5659992, Class: review.ClassStatutory, HireDate: day("2020-01-06")}},
		}
		if _, problems, err := s.ImportPay(ctx, "pay import", y.Name, entries, false); err != nil || len(problems) > 0 {
			t.Fatal(problems, err)
		}
		collision := team[0].Person.ID
		if _, err := s.ProposeMerit(ctx, asMgr, y, collision, review.Proposal{Base: 350}, ""); review.ErrorCode(err) != review.ECONFLICT || !strings.Contains(review.ErrorMessage(err), "collision") {
			t.Errorf("proposing before the approval = %v", err)
		}
		if err := s.ApproveMeritEligibility(ctx, asMgr, y, collision); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager approving = %v", err)
		}
		if err := s.ApproveMeritEligibility(ctx, hr, y, collision); err != nil {
			t.Fatal(err)
		}
		if err := s.ApproveMeritEligibility(ctx, hr, y, collision); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("approving twice = %v", err)
		}
		if _, _, err := s.ImportPay(ctx, "pay import", y.Name, entries, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ProposeMerit(ctx, asMgr, y, collision, review.Proposal{Base: 350}, ""); err != nil {
			t.Errorf("proposing once approved, after another import = %v", err)
		}
		if pool, _ := s.MeritPoolOf(ctx, y, "A"); pool.Eligible != 1 {
			t.Errorf("pool = %+v: the statutory manager is not approved yet", pool)
		}
	})
}

// An agency HRD lets go ahead of its secretariat has a pool of its own,
// approved on its own; putting it back is refused once approved.
func TestSplitMeritPool(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		y := merit2027(t)
		mgrs, hr := ratingOrg(t, s, map[string]int{"A/X": 10, "A/Y": 2})
		rateTeam(t, s, mgrs["A/X"], 0)
		rateTeam(t, s, mgrs["A/Y"], 0)
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A"}); err != nil {
			t.Fatal(err)
		}
		day := func(v string) review.Date { x, _ := review.ParseDate(v); return x }
		var entries []review.PayEntry
		teams := map[string][]storage.TeamMember{}
		for _, u := range []string{"A/X", "A/Y"} {
			mgr := mgrs[u]
			team, _ := s.Team(ctx, mgr.ID, 2027)
			teams[u] = team
			for _, m := range team {
				if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}, m.Person, 2027); err != nil {
					t.Fatal(err)
				}
				entries = append(entries, review.PayEntry{Line: len(entries) + 2, Email: strings.ToLower(m.Person.Email),
					Record: review.PayRecord{Level: "M-IV", Salary: 5659992, Class: review.ClassClassified, HireDate: day("2020-01-06")}})
			}
		}
		if _, problems, err := s.ImportPay(ctx, "pay import", y.Name, entries, false); err != nil || len(problems) > 0 {
			t.Fatal(problems, err)
		}
		asX := review.Actor{SlackID: mgrs["A/X"].SlackID, Person: ptr(mgrs["A/X"])}
		for _, m := range teams["A/X"] {
			if _, err := s.ProposeMerit(ctx, asX, y, m.Person.ID, review.Proposal{Base: 325}, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Before the split, A waits for A/Y's two.
		if _, err := s.ApproveMerit(ctx, hr, y, "A"); !strings.Contains(review.ErrorMessage(err), "2 increases to propose") {
			t.Fatalf("A before the split = %v", err)
		}
		if err := s.SplitMeritPool(ctx, asX, y, "A/X", "Ready a month early", false); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager splitting = %v", err)
		}
		if err := s.SplitMeritPool(ctx, hr, y, "A/X", " ", false); review.ErrorCode(err) != review.EINVALID {
			t.Errorf("a split without a reason = %v", err)
		}
		if err := s.SplitMeritPool(ctx, hr, y, "A/X", "Ready a month early", false); err != nil {
			t.Fatal(err)
		}
		pools, _ := s.MeritSecretariats(ctx, y)
		if strings.Join(pools, ",") != "A,A/X" {
			t.Errorf("pools = %v", pools)
		}
		x, _ := s.MeritPoolOf(ctx, y, "A/X")
		a, _ := s.MeritPoolOf(ctx, y, "A")
		if x.Eligible != 10 || x.Proposals != 10 || a.Eligible != 2 || a.Proposals != 0 || x.Budget != y.PoolBudget(10*5659992) {
			t.Fatalf("A/X = %+v, A = %+v", x, a)
		}
		if _, err := s.ApproveMerit(ctx, hr, y, "A/X"); err != nil {
			t.Fatalf("A/X on its own = %v", err)
		}
		if err := s.SplitMeritPool(ctx, hr, y, "A/X", "", true); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("putting back an approved agency = %v", err)
		}
		cases, approved, _ := s.MeritExport(ctx, y, "")
		if len(cases) != 10 || !approved["A/X"] || approved["A/Y"] {
			t.Errorf("export = %d cases, %v", len(cases), approved)
		}
		if _, err := s.ProposeMerit(ctx, asX, y, teams["A/X"][0].Person.ID, review.Proposal{Base: 400}, ""); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("a change in the approved agency = %v", err)
		}
	})
}
