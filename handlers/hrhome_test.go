package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// The fake store's walk, for HR's Home: everyone reviewed inside scope,
// in id order.
func (f *fakeStore) EachReviewedIn(_ context.Context, fy review.FiscalYear, scope string, fn func(p, manager *review.Person, y review.YearState)) error {
	var ids []int64
	for id := range f.people {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		p := f.people[id]
		if !p.Reviewed() || !review.InScope(scope, p.Unit) {
			continue
		}
		m := f.people[p.ManagerID]
		y := f.years[id]
		if y.Year == 0 {
			y.Year = fy
		}
		fn(&p, &m, y)
	}
	return nil
}
func (f *fakeStore) NoAnswers(context.Context, review.FiscalYear) ([]storage.NoAnswer, error) {
	return nil, nil
}
func (f *fakeStore) LastDigest(context.Context) (storage.DigestSent, error) {
	return storage.DigestSent{}, review.Errorf(review.ENOTFOUND, "none")
}

func (f *fakeStore) FailedSince(context.Context, time.Time) (int, error) { return 0, nil }
func (f *fakeStore) DigestCounts(context.Context, review.Date, review.Date) ([]review.DigestCount, error) {
	return nil, nil
}

// hrFake is the fake store with ratings to approve and appeals open.
type hrFake struct {
	*fakeStore
	appeals []storage.AppealCase
}

func (f *hrFake) RatingPools(context.Context, review.FiscalYear) ([]review.UnitCount, []review.Pool, error) {
	pools := []review.Pool{
		{UnitCount: review.UnitCount{Unit: "EOHHS", People: 10, Counts: map[string]int{"successful": 10}}, Members: []string{"EOHHS", "EOHHS/DPH", "EOHHS/Revenue"}},
		{UnitCount: review.UnitCount{Unit: "EOTSS", People: 5, Counts: map[string]int{"successful": 5}}, Members: []string{"EOTSS", "EOTSS/MassIT"}},
	}
	return nil, pools, nil
}
func (f *hrFake) ApprovalChains(_ context.Context, pools []review.Pool) (map[string]review.Chain, error) {
	return map[string]review.Chain{"EOHHS": {HasSecretariatHR: true, HasCHRO: true}, "EOTSS": {HasCHRO: true}}, nil
}
func (f *hrFake) Approvals(context.Context, review.FiscalYear) (map[string]storage.Approval, error) {
	return map[string]storage.Approval{}, nil
}
func (f *hrFake) Appeals(context.Context, review.FiscalYear, bool) ([]storage.AppealCase, error) {
	return f.appeals, nil
}

// hrOrg is two secretariats: EOHHS (agencies DPH and Revenue) and EOTSS,
// each with managers and their reports, nobody with expectations in
// October (so everyone is overdue), and HR of every role. Names carry
// mrkdwn that must be escaped.
func hrOrg() *hrFake {
	f := &fakeStore{people: map[int64]review.Person{}, years: map[int64]review.YearState{}}
	add := func(id int64, name, unit string, manager int64, role review.HRRole) {
		f.people[id] = review.Person{ID: id, SlackID: fmt.Sprintf("U%d", id), Name: name, Unit: unit, ManagerID: manager, Active: true,
			HR: role != review.HRNone, HRRole: role}
	}
	add(1, "Top Boss", "EOHHS", 0, review.HRNone)
	// 24 managers in EOHHS/DPH, each with two reports: more than two pages.
	for i := int64(0); i < 24; i++ {
		m := 100 + i
		add(m, fmt.Sprintf("DPH Manager %02d", i), "EOHHS/DPH", 1, review.HRNone)
		add(1000+2*i, fmt.Sprintf("DPH Person %02d <!channel>", i), "EOHHS/DPH", m, review.HRNone)
		add(1001+2*i, fmt.Sprintf("DPH Person %02d b", i), "EOHHS/DPH", m, review.HRNone)
	}
	add(200, "Rev Manager", "EOHHS/Revenue", 1, review.HRNone)
	add(201, "Rev Person", "EOHHS/Revenue", 200, review.HRNone)
	add(300, "IT Manager", "EOTSS/MassIT", 1, review.HRNone)
	add(301, "IT Person", "EOTSS/MassIT", 300, review.HRNone)
	add(400, "Agnes Agency", "EOHHS/DPH", 0, review.HRAgency)
	add(401, "Sal Secretariat", "EOHHS/HR", 0, review.HRSecretariat)
	add(402, "Hedy Central", "ANF", 0, review.HRD)
	add(403, "Carl Chief", "ANF", 0, review.CHRO)
	appeal := func(id int64, person int64) storage.AppealCase {
		return storage.AppealCase{Appeal: review.Appeal{ID: id, PersonID: person, Year: 2026, Rating: "below", FiledOn: date("2026-09-01"), HearingDue: date("2026-09-22")},
			Person: f.people[person]}
	}
	return &hrFake{fakeStore: f, appeals: []storage.AppealCase{appeal(1, 1000), appeal(2, 301)}}
}

// TestHRHome: each HR role's Home shows its scope's figures, with nothing
// from outside it, inside Block Kit's limits.
func TestHRHome(t *testing.T) {
	store := hrOrg()
	h := testHandlers(store.fakeStore, "2026-10-12")
	h.Store = store
	h.HRChannel = "C0HR"
	h.Scale = review.ProgramScale
	h.HR = review.NewHRDirectory([]string{"U999"})
	ctx := context.Background()
	for _, tt := range []struct {
		name, user string
		want, not  []string
	}{
		{"agency", "U400", []string{"HR · EOHHS/DPH", "You see EOHHS/DPH as agency HR", "*EOHHS/DPH* (72)", "DPH Person 00 &lt;!channel&gt;", "_a manager outside EOHHS/DPH_",
			"*Appeals of ratings:* 1 open, ⚠️ 1 hearing overdue", "Nothing: no secretariat's ratings wait for you.", "<#C0HR>"},
			[]string{"Rev ", "IT ", "EOTSS", "Revenue", "MassIT", "Top Boss", "DPH Person 00 <!channel>"}},
		{"secretariat", "U401", []string{"HR · EOHHS", "*EOHHS/Revenue* (2)", "*EOHHS/DPH* (72)", "*Top Boss* (50)", "page 1 of 3", "yours: approve (1 of 2)"},
			[]string{"IT ", "EOTSS", "MassIT"}},
		{"hrd", "U402", []string{"HR · everyone", "*EOTSS/MassIT* (2)", "IT Person", "• IT Person (EOTSS/MassIT) · ⚠️ hearing overdue since", "*EOTSS* · 5 people, 5 rated · yours: approve"}, nil},
		{"chro", "U403", []string{"HR · everyone", "*EOTSS/MassIT* (2)", "*EOTSS* · 5 people, 5 rated · yours: approve"}, nil},
		{"HR_USERS, not on the roster", "U999", []string{"You're not in the program yourself", "HR · everyone"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			view, err := h.homeView(ctx, tt.user, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(view)
			for _, is := range slackemu.ValidateView(raw) {
				t.Errorf("%s at %s: %s", is.Rule, is.Pointer, is.Message)
			}
			if n := len(view.Blocks.BlockSet); n > maxHomeBlocks {
				t.Errorf("%d blocks", n)
			}
			text := strings.Join(slackemu.MrkdwnTexts(raw), "\n") + string(raw)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in\n%s", w, strings.Join(slackemu.MrkdwnTexts(raw), "\n"))
				}
			}
			for _, n := range tt.not {
				if strings.Contains(text, n) {
					t.Errorf("shows %q, outside the scope", n)
				}
			}
			if tt.name == "secretariat" {
				golden(t, "home_hr_secretariat", view)
			}
		})
	}
	t.Run("overdue pages", func(t *testing.T) {
		first, _ := h.homeView(ctx, "U401", 0, 0)
		last, _ := h.homeView(ctx, "U401", 0, 2)
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(last)
		if !strings.Contains(string(b), "page 3 of 3") || strings.Contains(string(b), "home_overdue_next") || !strings.Contains(string(a), "home_overdue_next") {
			t.Errorf("pages: first %s\nlast %s", a, b)
		}
		if team, overdue := homePages("2:1"); team != 2 || overdue != 1 {
			t.Errorf("homePages = %d, %d", team, overdue)
		}
	})
	t.Run("digest for the scope", func(t *testing.T) {
		sd, err := h.scopedDigest(ctx, h.HR.Actor("U401", ptr(store.people[401])))
		if err != nil {
			t.Fatal(err)
		}
		payload, err := DigestMessage(sd.Digest)
		if err != nil {
			t.Fatal(err)
		}
		payload = scopePayload(payload, "EOHHS")
		if !strings.Contains(string(payload), "*Across EOHHS*") || strings.Contains(string(payload), "IT Person") {
			t.Errorf("scoped digest: %s", payload)
		}
	})
}

// TestHRHomeBesideAFullTeam: a secretariat HR person who manages a team
// of more than a page keeps Home within Block Kit's limits.
func TestHRHomeBesideAFullTeam(t *testing.T) {
	store := hrOrg()
	boss := store.people[1]
	boss.SlackID, boss.HR, boss.HRRole = "UBOSS", true, review.HRSecretariat
	store.people[1] = boss
	for i := int64(0); i < 30; i++ {
		store.people[5000+i] = review.Person{ID: 5000 + i, SlackID: fmt.Sprintf("U%d", 5000+i), Name: fmt.Sprintf("Report %02d", i), Unit: "EOHHS", ManagerID: 1, Active: true}
	}
	h := testHandlers(store.fakeStore, "2026-10-12")
	h.Store = store
	h.Scale = review.ProgramScale
	view, err := h.homeView(context.Background(), "UBOSS", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(view)
	for _, is := range slackemu.ValidateView(raw) {
		t.Errorf("%s at %s: %s", is.Rule, is.Pointer, is.Message)
	}
	text := string(raw)
	for _, want := range []string{"Your team", "team_pages", "HR · EOHHS", "page 2 of 3", "home_overdue_prev", "home_overdue_next", "HR_CHANNEL isn't set"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
	if n := len(view.Blocks.BlockSet); n > maxHomeBlocks {
		t.Errorf("%d blocks", n)
	}
}
