package storage_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// chainOrg is three secretariats and their HR: A (15 people in A/X, and
// Sam, its HR, who has no manager here and so may decide it), B (10 in
// B/Y, and Bea, its HR, who is rated in B and so may not), T (3 in T/Z);
// Hal is central HR, Cher the CHRO, Ada agency HR in A/X.
func chainOrg(t *testing.T, s *storage.Store) (mgrs map[string]review.Person, hr map[string]review.Actor) {
	t.Helper()
	entries := []review.RosterEntry{{Email: "head@x.org", Name: "Head", Unit: "S", SlackID: "UHEAD"}}
	for _, sec := range []struct {
		unit string
		n    int
	}{{"A/X", 15}, {"B/Y", 10}, {"T/Z", 3}} {
		m := sec.unit[:1]
		entries = append(entries, review.RosterEntry{Email: "m" + m + "@x.org", Name: "Mgr " + m, ManagerEmail: "head@x.org", Unit: "S", SlackID: "UM" + m})
		for i := range sec.n {
			entries = append(entries, review.RosterEntry{Email: fmt.Sprintf("%s%d@x.org", m, i), Name: fmt.Sprintf("%s %02d", sec.unit, i), ManagerEmail: "m" + m + "@x.org", Unit: sec.unit, SlackID: fmt.Sprintf("U%s%d", m, i)})
		}
	}
	role := func(email, name, manager, unit, id string, r review.HRRole) review.RosterEntry {
		return review.RosterEntry{Email: email, Name: name, ManagerEmail: manager, Unit: unit, SlackID: id, HR: true, HRRole: r}
	}
	entries = append(entries,
		role("sam@x.org", "Sam", "", "A/HR", "USAM", review.HRSecretariat),
		role("bea@x.org", "Bea", "mB@x.org", "B/HR", "UBEA", review.HRSecretariat),
		role("hal@x.org", "Hal", "", "ANF/HRD", "UHAL", review.HRD),
		role("cher@x.org", "Cher", "", "ANF", "UCHER", review.CHRO),
		role("ada@x.org", "Ada", "", "A/X/HR", "UADA", review.HRAgency),
	)
	importRoster(t, s, "2026-07-01", entries, false)
	mgrs, hr = map[string]review.Person{}, map[string]review.Actor{}
	for _, m := range []string{"A", "B", "T"} {
		mgrs[m], _ = s.PersonBySlackID(ctx, "UM"+m)
	}
	dir := review.NewHRDirectory(nil)
	for _, id := range []string{"USAM", "UBEA", "UHAL", "UCHER", "UADA"} {
		p, err := s.PersonBySlackID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		hr[p.Name] = dir.Actor(id, &p)
	}
	return mgrs, hr
}

func TestApprovalChain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgrs, hr := chainOrg(t, s)
		if hr["Sam"].Role != review.HRSecretariat || hr["Sam"].Scope != "A" || hr["Ada"].Scope != "A/X" || hr["Hal"].Scope != "" {
			t.Fatalf("roles from the roster: %+v", hr)
		}
		type told struct{ what, to string }
		var next []told
		var teams []storage.TeamRelease
		d := func(pool, reason string) storage.Decision {
			return storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: pool, Reason: reason,
				Teams: func(p review.Pool, ts []storage.TeamRelease) ([]storage.Notification, error) {
					teams = ts
					return nil, nil
				},
				Next: func(p review.Pool, what string, to []review.Person) ([]storage.Notification, error) {
					var names []string
					for _, r := range to {
						names = append(names, r.Name)
					}
					next = append(next, told{what, strings.Join(names, ",")})
					return nil, nil
				}}
		}
		code := func(err error) string { return review.ErrorCode(err) }

		// Only central HR combines, only a small secretariat, with a reason.
		if err := s.CombinePools(ctx, hr["Sam"], 2027, "T", "A", "Too small", false); code(err) != review.EFORBIDDEN {
			t.Errorf("secretariat HR combining = %v", err)
		}
		if err := s.CombinePools(ctx, hr["Hal"], 2027, "B", "A", "Why not", false); code(err) != review.ECONFLICT {
			t.Errorf("combining a secretariat of 11 = %v", err)
		}
		if err := s.CombinePools(ctx, hr["Hal"], 2027, "T", "A", " ", false); code(err) != review.EINVALID {
			t.Errorf("combining without a reason = %v", err)
		}
		if err := s.CombinePools(ctx, hr["Hal"], 2027, "T", "A", "Three people: the cap would allow nobody", false); err != nil {
			t.Fatal(err)
		}
		_, pools, _ := s.RatingPools(ctx, 2027)
		if p, _ := review.PoolOf(pools, "T/Z"); p.Unit != "A" || p.People != 18 {
			t.Fatalf("T/Z's pool = %+v", p)
		}
		if err := s.CombinePools(ctx, hr["Hal"], 2027, "T", "", "", true); err != nil {
			t.Fatal(err)
		}
		if err := s.CombinePools(ctx, hr["Hal"], 2027, "T", "A", "Three people: the cap would allow nobody", false); err != nil {
			t.Fatal(err)
		}

		rateTeam(t, s, mgrs["A"], 2) // 2 of 18: over the cap (it allows 1)
		rateTeam(t, s, mgrs["T"], 0)
		rateTeam(t, s, mgrs["B"], 1) // Bea included: 1 of 11

		// Over the cap: the secretariat asks, only the CHRO grants.
		if _, err := s.ApproveRatings(ctx, hr["Sam"], d("A", "")); code(err) != review.ECONFLICT {
			t.Errorf("approving over the cap without an exception = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr["Hal"], d("A", "HRD says so")); code(err) != review.ECONFLICT {
			t.Errorf("HRD approving A over the cap, before its HR = %v", err)
		}
		if _, err := s.AskException(ctx, hr["Ada"], d("A", "Agency wants it")); code(err) != review.EFORBIDDEN {
			t.Errorf("agency HR asking = %v", err)
		}
		if _, err := s.GrantException(ctx, hr["Cher"], d("A", "")); code(err) != review.ECONFLICT {
			t.Errorf("granting what nobody asked for = %v", err)
		}
		if _, err := s.AskException(ctx, hr["Sam"], d("A", "Both led the flood response.")); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"Sam", "Hal", "Ada"} {
			if _, err := s.GrantException(ctx, hr[who], d("A", "")); code(err) != review.EFORBIDDEN {
				t.Errorf("%s granting = %v", who, err)
			}
		}
		if _, err := s.GrantException(ctx, hr["Cher"], d("A", "")); err != nil {
			t.Fatal(err)
		}

		// The secretariat's step, then HRD's.
		if _, err := s.ApproveRatings(ctx, hr["Hal"], d("A", "")); code(err) != review.EFORBIDDEN {
			t.Errorf("HRD before the secretariat = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr["Bea"], d("A", "")); code(err) != review.EFORBIDDEN {
			t.Errorf("B's HR approving A = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr["Sam"], d("A", "")); err != nil {
			t.Fatal(err)
		}
		approvals, _ := s.Approvals(ctx, 2027)
		if a := approvals["A"]; a.Stage() != review.AwaitingHRD || a.Approved() || !a.Excepted() || a.Exception != "Both led the flood response." {
			t.Fatalf("A after its HR = %+v", a)
		}
		if teams != nil {
			t.Errorf("managers told before HRD approved: %+v", teams)
		}
		if _, err := s.ApproveRatings(ctx, hr["Sam"], d("A", "")); code(err) != review.EFORBIDDEN {
			t.Errorf("the secretariat's HR taking HRD's step = %v", err)
		}
		// A rating that changes between the steps sends it back.
		team, _ := s.Team(ctx, mgrs["T"].ID, 2027)
		rate := storage.Change{Actor: review.Actor{SlackID: mgrs["T"].SlackID, Person: ptr(mgrs["T"])}, Action: review.Rate}
		if _, err := s.SaveManagerWrapUp(ctx, rate, team[0].Person, 2027, review.WrapUp{Rating: "highly_effective", Answers: allYes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApproveRatings(ctx, hr["Hal"], d("A", "")); code(err) != review.ECONFLICT {
			t.Errorf("HRD approving what changed since = %v", err)
		}
		if _, err := s.SaveManagerWrapUp(ctx, rate, team[0].Person, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApproveRatings(ctx, hr["Hal"], d("A", "")); err != nil {
			t.Fatal(err)
		}
		approvals, _ = s.Approvals(ctx, 2027)
		if a := approvals["T/Z"]; !a.Approved() || a.Pool != "A" {
			t.Errorf("T/Z, combined with A = %+v", a)
		}
		if len(teams) != 2 {
			t.Errorf("managers told on approval: %+v", teams)
		}
		if err := s.CombinePools(ctx, hr["Hal"], 2027, "T", "", "", true); code(err) != review.ECONFLICT {
			t.Errorf("separating an approved pool = %v", err)
		}

		// B's HR is rated in B: central HR holds both steps, in one.
		if _, err := s.ApproveRatings(ctx, hr["Bea"], d("B", "")); code(err) != review.EFORBIDDEN {
			t.Errorf("Bea approving the pool her own rating is in = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr["Hal"], d("B", "")); err != nil {
			t.Fatal(err)
		}
		approvals, _ = s.Approvals(ctx, 2027)
		if a := approvals["B"]; !a.Approved() || a.CheckedAt.IsZero() {
			t.Errorf("B, approved by HRD standing in = %+v", a)
		}
		want := []told{{storage.StepExceptionAsk, "Cher"}, {storage.StepExceptionDone, "Sam"}, {storage.StepChecked, "Hal"}}
		if !slices.Equal(next, want) {
			t.Errorf("told next: %+v, want %+v", next, want)
		}

		// Reopening goes back through both steps, the exception with them.
		if _, err := s.ReopenRatings(ctx, hr["Ada"], d("A", "Recheck")); code(err) != review.EFORBIDDEN {
			t.Errorf("agency HR reopening = %v", err)
		}
		if _, err := s.ReopenRatings(ctx, hr["Sam"], d("A", "Recheck one")); err != nil {
			t.Fatal(err)
		}
		approvals, _ = s.Approvals(ctx, 2027)
		if a := approvals["A"]; a.Stage() != review.AwaitingSecretariat || a.Excepted() || a.Asked() {
			t.Errorf("A reopened = %+v", a)
		}
		trail, _ := s.AuditTrail(ctx, "rating_approval", approvalID(t, s, "A"))
		var actions []string
		for _, e := range trail {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "ratings.exception.ask,ratings.exception.grant,ratings.approve.secretariat,ratings.approve,ratings.reopen" {
			t.Errorf("A's audit = %s", got)
		}
	})
}

// approvalID is the id of unit's approval row for 2027.
func approvalID(t *testing.T, s *storage.Store, unit string) int64 {
	t.Helper()
	id, err := s.ApprovalRowID(ctx, 2027, unit)
	if err != nil || id == 0 {
		t.Fatalf("approval row of %s: %d, %v", unit, id, err)
	}
	return id
}
