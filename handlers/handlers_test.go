package handlers

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares v, as indented JSON, with testdata/name.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./handlers -update to create it)", err)
	}
	if diff := cmp.Diff(strings.TrimSpace(string(want)), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// fakeStore is an in-memory Store.
type fakeStore struct {
	people map[int64]review.Person
	years  map[int64]review.YearState
}

func (f *fakeStore) PersonBySlackID(_ context.Context, id string) (review.Person, error) {
	for _, p := range f.people {
		if p.SlackID == id {
			return p, nil
		}
	}
	return review.Person{}, review.Errorf(review.ENOTFOUND, "not found")
}
func (f *fakeStore) PersonByID(_ context.Context, id int64) (review.Person, error) {
	if p, ok := f.people[id]; ok {
		return p, nil
	}
	return review.Person{}, review.Errorf(review.ENOTFOUND, "not found")
}
func (f *fakeStore) SenderBySlackID(ctx context.Context, slackID string) (review.Person, bool, error) {
	p, err := f.PersonBySlackID(ctx, slackID)
	if err != nil {
		return review.Person{}, false, err
	}
	team, _ := f.Team(ctx, p.ID, 0)
	return p, len(team) > 0, nil
}
func (f *fakeStore) Year(_ context.Context, id int64, fy review.FiscalYear) (review.YearState, error) {
	if y, ok := f.years[id]; ok {
		return y, nil
	}
	return review.YearState{Year: fy}, nil
}
func (f *fakeStore) Team(ctx context.Context, id int64, fy review.FiscalYear) ([]storage.TeamMember, error) {
	var team []storage.TeamMember
	for pid := int64(1); pid <= int64(len(f.people))+1000; pid++ {
		p, ok := f.people[pid]
		if ok && p.ManagerID == id && p.Active {
			y, _ := f.Year(ctx, p.ID, fy)
			team = append(team, storage.TeamMember{Person: p, Year: y})
		}
	}
	return team, nil
}
func (f *fakeStore) SaveExpectations(context.Context, storage.Change, review.Person, review.FiscalYear, review.ExpectationChanges) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.EINTERNAL, "not in this fake")
}
func (f *fakeStore) SaveGoals(context.Context, storage.Change, review.Person, review.FiscalYear, int64, review.GoalChanges) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.EINTERNAL, "not in this fake")
}
func (f *fakeStore) ReleaseNotification(context.Context, string) (bool, error) { return false, nil }
func (f *fakeStore) SaveCheckIn(context.Context, storage.Change, review.Person, review.FiscalYear, review.CheckIn, *review.Cadence) (review.YearState, int64, error) {
	return review.YearState{}, 0, review.Errorf(review.EINTERNAL, "not in this fake")
}
func (f *fakeStore) CheckInByID(context.Context, int64) (storage.CheckInRef, error) {
	return storage.CheckInRef{}, review.Errorf(review.ENOTFOUND, "not in this fake")
}
func (f *fakeStore) SaveConfirmation(context.Context, storage.Change, review.Person, review.FiscalYear, review.Confirmation) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.EINTERNAL, "not in this fake")
}
func (f *fakeStore) LatestHandoff(context.Context, int64) (storage.Handoff, error) {
	return storage.Handoff{}, review.Errorf(review.ENOTFOUND, "not in this fake")
}
func (f *fakeStore) SaveHandoffNote(context.Context, review.Actor, int64, string, func(storage.Handoff) ([]storage.Notification, error)) (storage.Handoff, error) {
	return storage.Handoff{}, review.Errorf(review.EINTERNAL, "not in this fake")
}
func (f *fakeStore) SaveDevelopmentPlan(context.Context, storage.Change, review.Person, review.FiscalYear, review.DevelopmentPlan, bool) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.EINTERNAL, "not in this fake")
}
func (f *fakeStore) SaveCadence(context.Context, storage.Change, review.Person, review.FiscalYear, review.Cadence, string) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.EINTERNAL, "not in this fake")
}

var boston, _ = time.LoadLocation("America/New_York")

func testHandlers(store *fakeStore, day string) *handlers {
	d, _ := review.ParseDate(day)
	now := d.In(boston).Add(10 * time.Hour)
	return &handlers{Deps{
		Store: store, Clock: review.ClockFunc(func() time.Time { return now }), Cal: review.Calendar{Loc: boston},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Wake: func() {},
	}}
}

func date(s string) review.Date { d, _ := review.ParseDate(s); return d }

// smallTeam is Mona, her report Eli with two expectations (one with a
// goal), and Zoe with none.
func smallTeam() *fakeStore {
	mona := review.Person{ID: 1, SlackID: "U1", Name: "Mona Lee", Active: true}
	eli := review.Person{ID: 2, SlackID: "U2", Name: "Eli <Ortiz>", ManagerID: 1, Active: true}
	zoe := review.Person{ID: 3, SlackID: "U3", Name: "Zoe Adams", ManagerID: 1, Active: true}
	added := date("2026-07-10").In(boston)
	return &fakeStore{
		people: map[int64]review.Person{1: mona, 2: eli, 3: zoe},
		years: map[int64]review.YearState{2: {ReviewID: 7, Year: 2027,
			Expectations: []review.Expectation{
				{ID: 10, ReviewID: 7, Position: 1, Text: "Ship the grants portal & tell <!channel>", CreatedAt: added},
				{ID: 11, ReviewID: 7, Position: 2, Text: "Coach two new leads", CreatedAt: added},
			},
			Goals: []review.Goal{{ID: 20, ReviewID: 7, ExpectationID: 10, Text: "Beta live", Measure: "50 pilot users", Target: date("2026-12-01")}},
		}},
	}
}

func TestGoldenSurfaces(t *testing.T) {
	store := smallTeam()
	h := testHandlers(store, "2026-08-03")
	eli, _ := store.PersonByID(context.Background(), 2)
	year := store.years[2]

	golden(t, "expectations_modal", expectationsModal(eli, year))
	golden(t, "expectations_modal_empty", expectationsModal(store.people[3], review.YearState{Year: 2027}))
	dm, err := expectationsDM("Mona Lee", year, true, h.Cal.Due(year, h.Clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "expectations_dm", json.RawMessage(dm))
	golden(t, "goal_editor", goalEditor(eli, year, year.Expectations[0]))
	list, err := h.goalsList(context.Background(), eli, year)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "goals_list", list)
	gdm, _ := goalsDM(eli, year)
	golden(t, "goals_dm", json.RawMessage(gdm))
	home, err := h.homeView(context.Background(), "U1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "home_manager", home)
	home, _ = h.homeView(context.Background(), "U2", 0, 0)
	golden(t, "home_employee", home)
	r := bot.NewRouter("/perform")
	Register(r, h.Deps)
	golden(t, "help_manager", h.helpMessage(context.Background(), r, &bot.Command{SlashCommand: slack.SlashCommand{UserID: "U1"}}))

	today := date("2026-08-03")
	golden(t, "checkin_modal_first", checkInModal(eli, year, today, false, nil))
	first := review.CheckIn{ID: 30, ReviewID: 7, ManagerID: 1, HeldOn: date("2026-08-01"), CreatedAt: date("2026-08-01").In(boston).Add(15 * time.Hour), Expectations: true, Feedback: true,
		FeedbackForEmployee: "Great start <3", Notes: "Agreed on a monthly rhythm", First: true, Progress: map[int64]review.Progress{20: review.OnTarget}}
	withCheckIn := year
	withCheckIn.CheckIns = []review.CheckIn{first}
	withCheckIn.Cadence = review.Cadence{Monthly: true}
	golden(t, "checkin_modal_later", checkInModal(eli, withCheckIn, today, true, nil))
	cdm, _ := checkInDM("Mona Lee", withCheckIn, first, false)
	golden(t, "checkin_dm", json.RawMessage(cdm))
	golden(t, "checkin_modal_edit", checkInModal(eli, withCheckIn, today, false, &first))
	mona := store.people[1]
	golden(t, "confirm_modal_first", confirmModal(eli, mona, storage.CheckInRef{CheckIn: first, PersonID: 2, Year: 2027}))
	later := first
	later.First = false
	golden(t, "confirm_modal_later", confirmModal(eli, mona, storage.CheckInRef{CheckIn: later, PersonID: 2, Year: 2027}))
	no, yes := false, true
	conf, _ := review.PlanConfirmation(first, review.ConfirmForm{Feedback: "Thanks!", Answers: map[string]*bool{"met": &yes, "cadence": &no, "expectations": &yes}})
	okdm, _ := confirmedDM("Eli <Ortiz>", first, conf)
	golden(t, "confirmed_dm", json.RawMessage(okdm))
	golden(t, "cadence_modal", cadenceModal(eli, withCheckIn))
	withPlan := withCheckIn
	withPlan.Plan = &review.DevelopmentPlan{LongTerm: "Lead a <division>", Needs: "Budget training", Shared: true, RequestedAt: date("2026-08-02").In(boston)}
	golden(t, "development_modal", developmentModal(eli, mona, withPlan))
	ddm, _ := developmentRequestDM(eli, *withPlan.Plan)
	golden(t, "development_dm", json.RawMessage(ddm))

	store.years[2] = withCheckIn
	viewer, _ := h.actor(context.Background(), "U1")
	team, _ := h.teamMessage(context.Background(), viewer, mona, 0)
	golden(t, "team", team)
	golden(t, "status", h.statusView(withCheckIn))
}

// TestLargestSurfacesStayInsideBlockKit builds every surface at the largest
// sizes the domain allows, with hostile text, and checks each against the
// emulator's Block Kit validator and the 20 KB ack limit where it applies.
func TestLargestSurfacesStayInsideBlockKit(t *testing.T) {
	nasty := "<!channel> <@U999> &amp; ☃️ שלום "
	long := func(n int) string { return string([]rune(strings.Repeat(nasty, n))[:n]) }
	mgr := review.Person{ID: 1, SlackID: "U1", Name: long(review.MaxNameLength), Active: true}
	store := &fakeStore{people: map[int64]review.Person{1: mgr}, years: map[int64]review.YearState{}}
	added := date("2026-07-10").In(boston)
	for i := range 300 {
		id := int64(i + 2)
		p := review.Person{ID: id, SlackID: fmt.Sprintf("U%d", id), Name: long(review.MaxNameLength), ManagerID: 1, Active: true}
		store.people[id] = p
		if i > 0 {
			continue
		}
		y := review.YearState{ReviewID: 1, Year: 2027}
		for e := range review.MaxExpectations {
			eid := int64(100 + e)
			y.Expectations = append(y.Expectations, review.Expectation{ID: eid, ReviewID: 1, Position: e + 1, Text: long(review.MaxExpectationLength), CreatedAt: added})
			for g := range review.MaxGoalsPerExpectation {
				y.Goals = append(y.Goals, review.Goal{ID: eid*100 + int64(g), ReviewID: 1, ExpectationID: eid,
					Text: long(review.MaxGoalLength), Measure: long(review.MaxMeasureLength), Target: date("2027-06-30")})
			}
		}
		store.years[id] = y
	}
	h := testHandlers(store, "2026-08-03")
	emp := store.people[2]
	year := store.years[2]
	ctx := context.Background()

	check := func(name string, issues []slackemu.Issue) {
		t.Helper()
		for _, is := range issues {
			t.Errorf("%s: %s at %s: %s", name, is.Rule, is.Pointer, is.Message)
		}
	}
	unescaped := func(name string, raw []byte) {
		t.Helper()
		for _, txt := range slackemu.MrkdwnTexts(raw) {
			if strings.Contains(txt, "<!channel>") || strings.Contains(txt, "<@U999>") {
				t.Errorf("%s shows user text unescaped in mrkdwn: %.80q", name, txt)
				return
			}
		}
	}
	view := func(name string, v any) {
		t.Helper()
		raw, _ := json.Marshal(v)
		check(name, slackemu.ValidateView(raw))
		unescaped(name, raw)
	}
	message := func(name string, payload []byte) {
		t.Helper()
		var p struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal(payload, &p)
		check(name, slackemu.ValidateBlocks(slackemu.SurfaceMessage, p.Blocks))
		unescaped(name, p.Blocks)
		if strings.Contains(p.Text, "<!channel>") || strings.Contains(p.Text, "<@U999>") {
			t.Errorf("%s: the notification text shows user text unescaped: %.80q", name, p.Text)
		}
	}

	view("expectations modal", expectationsModal(emp, year))
	view("check-in modal, first", checkInModal(emp, year, date("2026-08-03"), false, nil))
	full := review.CheckIn{ID: 1, HeldOn: date("2026-08-01"), Expectations: true, Feedback: true, Development: true, First: true,
		Notes: long(review.MaxCheckInText), FeedbackForEmployee: long(review.MaxCheckInText), Progress: map[int64]review.Progress{}}
	for _, g := range year.Goals {
		full.Progress[g.ID] = review.BelowTarget
	}
	year.CheckIns = []review.CheckIn{full}
	view("check-in modal, later", checkInModal(emp, year, date("2026-08-03"), true, nil))
	view("check-in modal, editing", checkInModal(emp, year, date("2026-08-03"), false, &full))
	view("confirm modal", confirmModal(emp, mgr, storage.CheckInRef{CheckIn: full, PersonID: emp.ID, Year: 2027}))
	view("cadence modal", cadenceModal(emp, year))
	bigPlan := review.DevelopmentPlan{LongTerm: long(review.MaxPlanText), ShortTerm: long(review.MaxPlanText), Needs: long(review.MaxPlanText), Shared: true}
	year.Plan = &bigPlan
	view("development modal", developmentModal(emp, mgr, year))
	// The ratings audit at its largest: twenty secretariats of long names,
	// each over the cap, with many agencies, and its two charts.
	var manyCounts []review.UnitCount
	for i := range 25 {
		for j := range 12 {
			manyCounts = append(manyCounts, review.UnitCount{Unit: fmt.Sprintf("%s %02d <!channel>/Agency of %s %02d", long(40), i, long(30), j), People: 40,
				Counts: map[string]int{"exceptional": 9, "highly_effective": 10, "successful": 20, "below": 1}})
		}
	}
	manyPools := review.Pools(manyCounts, nil)
	hrd := review.NewHRDirectory(nil).Actor("UHR", &review.Person{ID: 90, SlackID: "UHR", Unit: "ANF", Active: true, HR: true, HRRole: review.HRD})
	view("ratings modal, at its largest", ratingsModal(ratingsAudit{Year: 2027, Scale: review.ProgramScale, Actor: hrd, Pools: manyPools, Counts: manyCounts,
		Approvals: map[string]storage.Approval{}, Chains: map[string]review.Chain{}}))
	ddm, _ := developmentRequestDM(emp, bigPlan)
	message("development DM", ddm)
	cdm, _ := checkInDM(mgr.Name, year, full, true)
	message("check-in DM", cdm)
	conf := review.Confirmation{CheckInID: 1, FeedbackForManager: long(review.MaxCheckInText), Answers: []review.Answer{{Stage: review.StageFirstCheckIn, Question: "met"}}}
	okdm, _ := confirmedDM(emp.Name, full, conf)
	message("confirmed DM", okdm)
	view("goal editor modal", goalEditor(emp, year, year.Expectations[0]))
	list, _ := h.goalsList(ctx, emp, year)
	view("goals list", list)
	for p := range 13 {
		home, err := h.homeView(ctx, "U1", p, 0)
		if err != nil {
			t.Fatal(err)
		}
		view(fmt.Sprintf("manager home page %d", p), home)
	}
	home, _ := h.homeView(ctx, "U2", 0, 0)
	view("employee home", home)
	dm, _ := expectationsDM(mgr.Name, year, false, h.Cal.Due(year, h.Clock.Now()))
	message("expectations DM", dm)
	gdm, _ := goalsDM(emp, year)
	message("goals DM", gdm)

	// Replies that travel in an ack must stay under 20 KB, and inside a
	// message's limits.
	r := bot.NewRouter("/perform")
	Register(r, h.Deps)
	replies := map[string]bot.Message{"help": h.helpMessage(ctx, r, &bot.Command{SlashCommand: slack.SlashCommand{UserID: "U1"}})}
	viewer, err := h.actor(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	for p := range 21 {
		team, err := h.teamMessage(ctx, viewer, mgr, p)
		if err != nil {
			t.Fatal(err)
		}
		replies[fmt.Sprintf("team page %d", p)] = team
	}
	replies["status"] = h.statusView(year)
	for name, m := range replies {
		raw, _ := json.Marshal(map[string]any{"envelope_id": strings.Repeat("x", 36), "payload": map[string]any{"text": m.Text, "blocks": m.Blocks}})
		if len(raw) >= 20*1024 {
			t.Errorf("%s ack is %d bytes", name, len(raw))
		}
		blocks, _ := json.Marshal(m.Blocks)
		check(name, slackemu.ValidateBlocks(slackemu.SurfaceMessage, blocks))
		unescaped(name, blocks)
	}
}

func TestEscapeAndTruncate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<!channel>", "&lt;!channel&gt;"},
		{"<@U123|boss>", "&lt;@U123|boss&gt;"},
		{"&lt; stays literal", "&amp;lt; stays literal"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := esc(tt.in); got != tt.want {
			t.Errorf("esc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := truncate("héllo wörld", 7); got != "héllo…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("truncate short = %q", got)
	}
}

func TestParseUser(t *testing.T) {
	tests := []struct {
		in, id, name string
		ok           bool
	}{
		{"<@U0ELI|eli>", "U0ELI", "eli", true},
		{"<@W0ELI>", "W0ELI", "", true},
		{"  <@U0ELI|eli> and more", "U0ELI", "eli", true},
		{"@eli", "", "", false},
		{"<!channel>", "", "", false},
		{"<#C123|general>", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		id, name, ok := parseUser(tt.in)
		if id != tt.id || name != tt.name || ok != tt.ok {
			t.Errorf("parseUser(%q) = %q, %q, %v", tt.in, id, name, ok)
		}
	}
}

func TestPage(t *testing.T) {
	items := make([]int, 60)
	for i := range items {
		items[i] = i
	}
	tests := []struct{ p, first, n, at, pages int }{
		{0, 0, 25, 0, 3}, {1, 25, 25, 1, 3}, {2, 50, 10, 2, 3}, {9, 50, 10, 2, 3}, {-1, 0, 25, 0, 3},
	}
	for _, tt := range tests {
		shown, at, pages := page(items, tt.p, 25)
		if len(shown) != tt.n || shown[0] != tt.first || at != tt.at || pages != tt.pages {
			t.Errorf("page(%d) = %d items from %d, at %d of %d", tt.p, len(shown), shown[0], at, pages)
		}
	}
	if shown, at, pages := page([]int{}, 3, 25); len(shown) != 0 || at != 0 || pages != 1 {
		t.Errorf("empty page = %v %d %d", shown, at, pages)
	}
}

var errNotInFake = review.Errorf(review.EINTERNAL, "not in this fake")

func (f *fakeStore) SaveReflection(context.Context, storage.Change, review.Person, review.FiscalYear, review.WrapUp, bool) (review.YearState, error) {
	return review.YearState{}, errNotInFake
}
func (f *fakeStore) SaveManagerWrapUp(context.Context, storage.Change, review.Person, review.FiscalYear, review.WrapUp) (review.YearState, error) {
	return review.YearState{}, errNotInFake
}
func (f *fakeStore) EarlierWrapUps(context.Context, int64, review.FiscalYear) ([]review.EarlierWrapUp, error) {
	return nil, nil
}
func (f *fakeStore) MarkConversationHeld(context.Context, storage.Change, review.Person, review.FiscalYear) (review.YearState, error) {
	return review.YearState{}, errNotInFake
}
func (f *fakeStore) MeritTeam(context.Context, int64, review.MeritYear) ([]storage.MeritCase, error) {
	return nil, errNotInFake
}
func (f *fakeStore) MeritPoolOf(context.Context, review.MeritYear, string) (storage.MeritPool, error) {
	return storage.MeritPool{}, errNotInFake
}
func (f *fakeStore) ProposeMerit(context.Context, review.Actor, review.MeritYear, int64, review.Proposal, string) (review.Award, error) {
	return review.Award{}, errNotInFake
}
func (f *fakeStore) ReturnMerit(context.Context, review.Actor, review.MeritYear, int64, string, func(storage.MeritCase, review.Person) (storage.Notification, error)) error {
	return errNotInFake
}
func (f *fakeStore) RecordRead(context.Context, review.Actor, string, string, int64, map[string]any) error {
	return errNotInFake
}
func (f *fakeStore) SplitMeritPool(context.Context, review.Actor, review.MeritYear, string, string, bool) error {
	return errNotInFake
}
func (f *fakeStore) ApproveMeritEligibility(context.Context, review.Actor, review.MeritYear, int64) error {
	return errNotInFake
}
func (f *fakeStore) GrantMeritException(context.Context, review.Actor, review.MeritYear, int64) error {
	return errNotInFake
}
func (f *fakeStore) MeritSecretariats(context.Context, review.MeritYear) ([]string, error) {
	return nil, errNotInFake
}
func (f *fakeStore) MeritAuditOf(context.Context, review.Actor, review.MeritYear, string) (storage.MeritAudit, error) {
	return storage.MeritAudit{}, errNotInFake
}
func (f *fakeStore) ApproveMerit(context.Context, review.Actor, review.MeritYear, string) (storage.MeritAudit, error) {
	return storage.MeritAudit{}, errNotInFake
}
func (f *fakeStore) RatingPools(context.Context, review.FiscalYear) ([]review.UnitCount, []review.Pool, error) {
	return nil, nil, errNotInFake
}
func (f *fakeStore) ApprovalChains(context.Context, []review.Pool) (map[string]review.Chain, error) {
	return nil, errNotInFake
}
func (f *fakeStore) CombinePools(context.Context, review.Actor, review.FiscalYear, string, string, string, bool) error {
	return errNotInFake
}
func (f *fakeStore) AskException(context.Context, review.Actor, storage.Decision) (review.Pool, error) {
	return review.Pool{}, errNotInFake
}
func (f *fakeStore) GrantException(context.Context, review.Actor, storage.Decision) (review.Pool, error) {
	return review.Pool{}, errNotInFake
}
func (f *fakeStore) Approvals(context.Context, review.FiscalYear) (map[string]storage.Approval, error) {
	return nil, errNotInFake
}
func (f *fakeStore) ApproveRatings(context.Context, review.Actor, storage.Decision) (review.Pool, error) {
	return review.Pool{}, errNotInFake
}
func (f *fakeStore) ReopenRatings(context.Context, review.Actor, storage.Decision) (review.Pool, error) {
	return review.Pool{}, errNotInFake
}
func (f *fakeStore) ComplianceExport(context.Context, review.FiscalYear, string, func(review.ComplianceRow) error) error {
	return errNotInFake
}

func TestWrapUpSurfaces(t *testing.T) {
	store := smallTeam()
	eli, mona := store.people[2], store.people[1]
	eli.Unit = "EOHHS/DPH/Lab"
	sent := date("2027-05-04").In(boston).Add(10 * time.Hour)
	first := review.CheckIn{ID: 30, HeldOn: date("2026-08-01"), Progress: map[int64]review.Progress{20: review.OnTarget}}
	second := review.CheckIn{ID: 31, HeldOn: date("2026-11-03"), Progress: map[int64]review.Progress{20: review.AboveTarget}}
	year := store.years[2]
	year.CheckIns = []review.CheckIn{first, second}
	year.WrapUp = &review.WrapUp{Accomplishments: "Launched the portal <!here> for 40 clinics\nCut wait times by a third", ReflectedAt: sent}
	golden(t, "reflection_modal", reflectionModal(eli, mona, year))
	draft := year
	draft.WrapUp = &review.WrapUp{Accomplishments: "Launched the portal"}
	golden(t, "reflection_modal_draft", reflectionModal(eli, mona, draft))

	golden(t, "wrapup_modal", wrapUpModal(eli, year, review.ProgramScale, false, false, "", nil))
	pool := review.Pool{UnitCount: review.UnitCount{Unit: "EOHHS", People: 19, Counts: map[string]int{"exceptional": 1, "successful": 10}}, Members: []string{"EOHHS", "EOHHS/DPH", "EOHHS/DPH/Lab"}}
	share := &capInfo{Level: review.ProgramScale.Ratings[0], Pool: pool, Unit: eli.Unit, Count: 2, Allows: 1}
	golden(t, "wrapup_modal_exceptional", wrapUpModal(eli, year, review.ProgramScale, false, false, "exceptional", share))
	golden(t, "wrapup_modal_below_aces", wrapUpModal(eli, draft, review.ACESScale, false, false, "below", nil))
	// A wrap-up another manager wrote before Eli moved: the form shows none
	// of it, and says the new manager writes their own.
	theirs := year
	theirs.WrapUp = &review.WrapUp{Accomplishments: year.WrapUp.Accomplishments, ReflectedAt: sent, RaterID: 99, Rating: "below",
		Comments: "SECRET comment", DevelopmentNote: "SECRET plan", Answers: []review.Answer{{Question: "feedback", Yes: false}}}
	golden(t, "wrapup_modal_replaces", wrapUpModal(eli, theirs, review.ProgramScale, false, true, "", nil))
	golden(t, "wrapup_earlier_modal", earlierWrapUpModal(eli, 2027, []review.EarlierWrapUp{{RaterID: 99, Rater: review.Person{Name: "Dana <Cho>"},
		Rating: "below", Comments: "Missed the <!channel> deadline", DevelopmentNote: "Weekly 1:1s", RatedAt: sent, SetAsideAt: sent.AddDate(0, 1, 0),
		Answers: []review.Answer{{Question: "four_checkins", Yes: true}, {Question: "feedback", Yes: false}}}}, review.ProgramScale))

	done, _ := wrapUpDoneDM("Mona Lee", 2027)
	golden(t, "wrapup_done_dm", json.RawMessage(done))
	released := year
	released.WrapUp = &review.WrapUp{Rating: "highly_effective", ApprovedAt: sent, HeldAt: sent, Comments: "Led the <!channel> rollout & more",
		Answers: []review.Answer{{Question: "four_checkins", Yes: true}, {Question: "expectations", Yes: true}, {Question: "feedback", Yes: false}}}
	rdm, _ := ratingReleasedDM("Mona Lee", released, review.ProgramScale, "", false)
	golden(t, "rating_released_dm", json.RawMessage(rdm))
	adm, _ := ratingsApprovedDM(2027, storage.TeamRelease{Manager: mona, Reports: []review.Person{eli, store.people[3]}})
	golden(t, "ratings_approved_dm", json.RawMessage(adm))

	counts := []review.UnitCount{
		{Unit: "EOHHS/DPH", People: 15, Counts: map[string]int{"exceptional": 1, "highly_effective": 4, "successful": 9, "below": 1}},
		{Unit: "EOHHS/DPH/Lab", People: 4, Counts: map[string]int{"exceptional": 1, "successful": 3}},
		{Unit: "EOHHS/MassHealth", People: 10, Counts: map[string]int{"exceptional": 2, "highly_effective": 3, "successful": 5}},
		{Unit: "EOTSS/MassIT", People: 10, Counts: map[string]int{"exceptional": 1, "highly_effective": 3, "successful": 6}},
		{Unit: "ANF/Budget", People: 8, Counts: map[string]int{"successful": 5}},
	}
	pools := review.Pools(counts, nil)
	approvals := map[string]storage.Approval{
		"EOHHS": {Unit: "EOHHS", Pool: "EOHHS", Exception: "The flood response <@U1>", ExceptionAskedAt: sent},
		"EOTSS": {Unit: "EOTSS", Pool: "EOTSS", CheckedAt: sent},
		"ANF":   {Unit: "ANF", Pool: "ANF", ReopenedAt: sent, Reopen: "Recheck"},
	}
	chains := map[string]review.Chain{"EOHHS": {HasSecretariatHR: true, HasCHRO: true}, "EOTSS": {HasCHRO: true}, "ANF": {}}
	dir := review.NewHRDirectory(nil)
	as := func(role review.HRRole, unit string) review.Actor {
		return dir.Actor("UHR", &review.Person{ID: 90, SlackID: "UHR", Unit: unit, Active: true, HR: true, HRRole: role})
	}
	inScope := func(a review.Actor) []review.UnitCount {
		var out []review.UnitCount
		for _, c := range counts {
			if review.InScope(a.Scope, c.Unit) {
				out = append(out, c)
			}
		}
		return out
	}
	for name, actor := range map[string]review.Actor{
		"ratings_modal_hrd":         as(review.HRD, "ANF/HRD"),
		"ratings_modal_chro":        as(review.CHRO, "ANF"),
		"ratings_modal_secretariat": as(review.HRSecretariat, "EOHHS/HR"),
		"ratings_modal_agency":      as(review.HRAgency, "EOHHS/DPH"),
	} {
		var shown []review.Pool
		for _, p := range pools {
			if actor.Scope == "" || hasMember(p, actor.Scope) {
				shown = append(shown, p)
			}
		}
		golden(t, name, ratingsModal(ratingsAudit{Year: 2027, Scale: review.ProgramScale, Actor: actor, Pools: shown, Counts: inScope(actor), Approvals: approvals, Chains: chains}))
	}
	golden(t, "ratings_modal_own", ratingsModal(ratingsAudit{Year: 2027, Scale: review.ProgramScale, Actor: as(review.HRD, "EOHHS/DPH"), Pools: pools, Counts: counts, Approvals: approvals, Chains: chains, Own: "EOHHS"}))
	golden(t, "reason_modal_exception", reasonModal(exceptionCallback, ratingsMeta{Year: 2027, Unit: "EOHHS/DPH", Parent: "V1"}))
}

func TestExportArgs(t *testing.T) {
	tests := []struct {
		in   string
		want exportOptions
		bad  bool
	}{
		{"", exportOptions{year: 2027, bom: true}, false},
		{"FY2026", exportOptions{year: 2026, bom: true}, false},
		{"redact EOHHS/DPH/ fy2025", exportOptions{year: 2025, unit: "EOHHS/DPH", bom: true}, false},
		{"full EOHHS", exportOptions{year: 2027, unit: "EOHHS", full: true, bom: true}, false},
		{"EOHHS FULL", exportOptions{year: 2027, unit: "EOHHS", full: true, bom: true}, false},
		{"full nobom", exportOptions{year: 2027, full: true}, false},
		{"--no-bom EOHHS", exportOptions{year: 2027, unit: "EOHHS"}, false},
		{"NoBOM", exportOptions{year: 2027}, false},
		{"full redact", exportOptions{}, true},
		{"FYX", exportOptions{}, true},
		{"A B", exportOptions{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := exportArgs(tt.in, 2027)
			if (err != nil) != tt.bad || !tt.bad && got != tt.want {
				t.Errorf("exportArgs(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}
func (f *fakeStore) Snooze(context.Context, int64, review.Date) error { return errNotInFake }
func (f *fakeStore) RecentReminders(context.Context, int64, int) ([]storage.Reminder, error) {
	return nil, nil
}

func (f *fakeStore) AcknowledgeReview(context.Context, storage.Change, review.Person, review.FiscalYear) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.ECONFLICT, "the fake store keeps no acknowledgement")
}

func (f *fakeStore) SaveResponse(context.Context, storage.Change, review.Person, review.FiscalYear, func(*review.WrapUp) (string, error)) (review.YearState, error) {
	return review.YearState{}, review.Errorf(review.ECONFLICT, "the fake store keeps no response")
}

func (f *fakeStore) FileAppeal(context.Context, storage.Change, review.Person, review.FiscalYear, func(*review.WrapUp) (review.Appeal, error)) (review.Appeal, error) {
	return review.Appeal{}, review.Errorf(review.ECONFLICT, "the fake store keeps no appeal")
}

func (f *fakeStore) Appeals(context.Context, review.FiscalYear, bool) ([]storage.AppealCase, error) {
	return nil, nil
}

func (f *fakeStore) AppealsOf(context.Context, int64, review.FiscalYear) ([]storage.AppealCase, error) {
	return nil, nil
}

func (f *fakeStore) DecideAppeal(context.Context, review.Actor, int64, func(review.Appeal) (review.Appeal, error), func(storage.AppealCase) ([]storage.Notification, error)) (storage.AppealCase, error) {
	return storage.AppealCase{}, review.Errorf(review.ECONFLICT, "the fake store keeps no appeal")
}

func (f *fakeStore) HRPeople(context.Context, []string) ([]review.Person, error) { return nil, nil }

func (f *fakeStore) Enqueue(context.Context, []storage.Notification) error { return nil }

func (f *fakeStore) Plans(context.Context, int64) ([]review.ImprovementPlan, error) { return nil, nil }

func (f *fakeStore) SavePlan(context.Context, storage.Change, review.Person, review.FiscalYear, func(*review.WrapUp) (review.ImprovementPlan, error)) (review.ImprovementPlan, error) {
	return review.ImprovementPlan{}, review.Errorf(review.ECONFLICT, "the fake store keeps no plan")
}

func (f *fakeStore) RecordReevaluation(context.Context, storage.Change, review.Person, int64, func(review.ImprovementPlan) (review.ImprovementPlan, error)) (review.ImprovementPlan, error) {
	return review.ImprovementPlan{}, review.Errorf(review.ECONFLICT, "the fake store keeps no plan")
}

func (f *fakeStore) Leaves(context.Context, int64) ([]review.Leave, error) { return nil, nil }

func (f *fakeStore) RecordLeave(context.Context, review.Actor, int64, review.Leave) error {
	return review.Errorf(review.ECONFLICT, "the fake store keeps no leave")
}

func (f *fakeStore) LiveYears(_ context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error) {
	return []review.FiscalYear{cal.Year(now)}, nil
}

func (f *fakeStore) YearBusiness(_ context.Context, fy review.FiscalYear) (review.YearBusiness, error) {
	return review.YearBusiness{Year: fy}, nil
}

func (f *fakeStore) ClosedYears(context.Context) (map[review.FiscalYear]storage.YearClosing, error) {
	return nil, nil
}

func (f *fakeStore) CloseYear(context.Context, review.Actor, review.FiscalYear, review.Date, bool) (review.YearBusiness, error) {
	return review.YearBusiness{}, review.Errorf(review.ECONFLICT, "the fake store closes no year")
}

func (f *fakeStore) PeopleBySlackID(_ context.Context, ids ...string) (map[string]review.Person, error) {
	out := map[string]review.Person{}
	for _, p := range f.people {
		for _, id := range ids {
			if p.SlackID == id {
				out[id] = p
			}
		}
	}
	return out, nil
}
func (f *fakeStore) SubjectOf(ctx context.Context, sender string, id int64) (storage.Subject, error) {
	p, err := f.PersonByID(ctx, id)
	if err != nil {
		return storage.Subject{}, err
	}
	sub := storage.Subject{Person: p}
	if s, err := f.PersonBySlackID(ctx, sender); err == nil {
		sub.Sender = &s
	}
	if m, err := f.PersonByID(ctx, p.ManagerID); err == nil {
		sub.Manager = &m
	}
	return sub, nil
}
func (f *fakeStore) YearForChange(ctx context.Context, id int64, fy review.FiscalYear) (review.YearState, error) {
	return f.Year(ctx, id, fy)
}
