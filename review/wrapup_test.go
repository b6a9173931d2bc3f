package review

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWrapUpYear(t *testing.T) {
	for day, want := range map[string]FiscalYear{
		"2027-04-30": 2026, "2027-05-01": 2027, "2027-06-30": 2027,
		"2027-07-01": 2027, "2027-09-30": 2027, "2028-04-30": 2027, "2028-05-01": 2028,
	} {
		if got := WrapUpYear(d(day)); got != want {
			t.Errorf("WrapUpYear(%s) = %s, want %s", day, got, want)
		}
	}
}

func TestWrapUpSeason(t *testing.T) {
	for day, want := range map[string]FiscalYear{
		"2027-04-30": 2027, "2027-05-01": 2027, "2027-06-30": 2027,
		"2027-07-01": 2027, "2027-09-30": 2027, "2027-10-01": 2028, "2028-04-30": 2028,
	} {
		if got := WrapUpSeason(d(day)); got != want {
			t.Errorf("WrapUpSeason(%s) = %s, want %s", day, got, want)
		}
	}
}

func TestReflection(t *testing.T) {
	rated := &WrapUp{Rating: "successful"}
	sent := &WrapUp{Accomplishments: "x", ReflectedAt: time.Date(2027, 5, 3, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name  string
		today string
		w     *WrapUp
		form  ReflectionForm
		code  string
		field string
	}{
		{"not before May 1", "2027-04-30", nil, ReflectionForm{Accomplishments: "x"}, ECONFLICT, ""},
		{"a draft on May 1", "2027-05-01", nil, ReflectionForm{Accomplishments: "Shipped the portal"}, "", ""},
		{"an empty draft is fine", "2027-05-01", nil, ReflectionForm{}, "", ""},
		{"sending needs words", "2027-05-02", nil, ReflectionForm{Accomplishments: "  ", Send: true}, EINVALID, FieldAccomplishments},
		{"too long", "2027-05-02", nil, ReflectionForm{Accomplishments: strings.Repeat("é", MaxWrapUpText+1)}, EINVALID, FieldAccomplishments},
		{"editable after sending", "2027-06-02", sent, ReflectionForm{Accomplishments: "more", Send: true}, "", ""},
		{"closed once the manager's wrap-up is in", "2027-06-20", rated, ReflectionForm{Accomplishments: "x"}, ECONFLICT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanReflection(2027, d(tt.today), tt.w, tt.form)
			if ErrorCode(err) != tt.code {
				t.Fatalf("err = %v, want %q", err, tt.code)
			}
			if tt.field != "" && FieldErrors(err)[tt.field] == "" {
				t.Errorf("no error on %s: %v", tt.field, err)
			}
		})
	}
}

func TestManagerWrapUpOpen(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	sent := &WrapUp{ReflectedAt: time.Date(2027, 5, 20, 0, 0, 0, 0, time.UTC)}
	approved := &WrapUp{ReflectedAt: sent.ReflectedAt, Rating: "successful", ApprovedAt: time.Date(2027, 6, 25, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name  string
		cal   Calendar
		today string
		w     *WrapUp
		want  string // a piece of the refusal, "" when open
	}{
		{"not in May", cal, "2027-05-31", sent, "open on Jun 1"},
		{"from June 1 with the reflection in", cal, "2027-06-01", sent, ""},
		{"waits for the reflection until the deadline", cal, "2027-06-15", nil, "go ahead from Jun 16"},
		{"a draft is not a reflection", cal, "2027-06-10", &WrapUp{Accomplishments: "draft"}, "hasn't sent"},
		{"goes ahead after the deadline", cal, "2027-06-16", nil, ""},
		{"the deadline is configurable", Calendar{Loc: time.UTC, ReflectionDay: 20}, "2027-06-16", nil, "go ahead from Jun 21"},
		{"late is still allowed", cal, "2027-08-10", nil, ""},
		{"locked once HR approved", cal, "2027-06-26", approved, "reopen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cal.ManagerWrapUpOpen(2027, d(tt.today), tt.w, "Ana")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestPlanManagerWrapUp(t *testing.T) {
	yes, no := true, false
	all := map[string]*bool{"four_checkins": &yes, "expectations": &no, "feedback": &yes}
	answers := []Answer{
		{Stage: StageWrapUp, Question: "four_checkins", Yes: true},
		{Stage: StageWrapUp, Question: "expectations", Yes: false},
		{Stage: StageWrapUp, Question: "feedback", Yes: true},
	}
	const (
		answer   = "Answer yes or no."
		choose   = "Choose the overall rating."
		offScale = "That rating isn't on the scale. Choose one of the options."
		plan     = "This rating calls for a short-term development plan. Note what you'll work on together, and by when."
		tooLong  = "Keep this under 3000 characters (it has 3001)."
	)
	longest := strings.Repeat("x", MaxWrapUpText)
	tests := []struct {
		name   string
		scale  Scale
		form   ManagerWrapUpForm
		want   WrapUp
		fields map[string]string
	}{
		{"complete, a No kept as given", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "successful", Comments: "  Solid year. "},
			WrapUp{Rating: "successful", Comments: "Solid year.", Answers: answers}, nil},
		{"nothing", ProgramScale, ManagerWrapUpForm{}, WrapUp{}, map[string]string{
			FieldAnswer + "four_checkins": answer, FieldAnswer + "expectations": answer, FieldAnswer + "feedback": answer, FieldRating: choose}},
		{"one answer missing", ProgramScale, ManagerWrapUpForm{Answers: map[string]*bool{"four_checkins": &yes, "feedback": &yes}, Rating: "successful"},
			WrapUp{}, map[string]string{FieldAnswer + "expectations": answer}},
		{"below needs a plan", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "below"}, WrapUp{}, map[string]string{FieldDevelopmentNote: plan}},
		{"a blank plan is no plan", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "below", DevelopmentNote: "  "}, WrapUp{}, map[string]string{FieldDevelopmentNote: plan}},
		{"below with a plan", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "below", DevelopmentNote: " Weekly 1:1s on the budget until October. "},
			WrapUp{Rating: "below", DevelopmentNote: "Weekly 1:1s on the budget until October.", Answers: answers}, nil},
		{"a level of another scale", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "fails"}, WrapUp{}, map[string]string{FieldRating: offScale}},
		{"ACES fails needs a plan", ACESScale, ManagerWrapUpForm{Answers: all, Rating: "fails"}, WrapUp{}, map[string]string{FieldDevelopmentNote: plan}},
		{"ACES fully meets", ACESScale, ManagerWrapUpForm{Answers: all, Rating: "fully_meets"}, WrapUp{Rating: "fully_meets", Answers: answers}, nil},
		{"comments of the longest allowed", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "exceptional", Comments: longest},
			WrapUp{Rating: "exceptional", Comments: longest, Answers: answers}, nil},
		{"comments too long", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "exceptional", Comments: longest + "x"}, WrapUp{}, map[string]string{FieldComments: tooLong}},
		{"a plan too long", ProgramScale, ManagerWrapUpForm{Answers: all, Rating: "below", DevelopmentNote: longest + "x"}, WrapUp{}, map[string]string{FieldDevelopmentNote: tooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := PlanManagerWrapUp(tt.scale, tt.form)
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if (err == nil) != (tt.fields == nil) {
				t.Errorf("err = %v", err)
			}
			if diff := cmp.Diff(tt.want, w); diff != "" {
				t.Errorf("wrap-up (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCanSeeRating(t *testing.T) {
	boss := Person{ID: 1, Active: true}
	mgr := Person{ID: 2, ManagerID: 1, Active: true}
	emp := Person{ID: 3, ManagerID: 2, Active: true}
	peer := Person{ID: 4, ManagerID: 2, Active: true}
	as := func(p Person) Actor { return Actor{SlackID: "U", Person: &p} }
	rated := &WrapUp{Rating: "successful", RaterID: 2}
	approved := &WrapUp{Rating: "successful", RaterID: 2, ApprovedAt: time.Now()}
	released := &WrapUp{Rating: "successful", RaterID: 2, ApprovedAt: time.Now(), HeldAt: time.Now()}
	tests := []struct {
		name  string
		actor Actor
		w     *WrapUp
		want  bool
	}{
		{"the rater", as(mgr), rated, true},
		{"the rater's manager", as(boss), rated, true},
		{"HR", Actor{SlackID: "UHR", HR: true}, rated, true},
		{"the employee before approval", as(emp), rated, false},
		{"the employee after approval, before the conversation", as(emp), approved, false},
		{"the employee once released", as(emp), released, true},
		{"a peer", as(peer), released, false},
		{"a stranger", Actor{SlackID: "UX"}, released, false},
		{"nothing to see yet", as(mgr), &WrapUp{}, false},
		{"the employee's new manager, who did not rate them", as(Person{ID: 7, ManagerID: 1, Active: true}), rated, false},
		{"the rater after leaving the program", as(Person{ID: 2, ManagerID: 1}), rated, false},
		{"the employee once released, after leaving the program", as(Person{ID: 3, ManagerID: 2}), released, false},
		{"HR off the roster, once released", Actor{SlackID: "UHR", HR: true}, released, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanSeeRating(tt.actor, emp, mgr, tt.w); got != tt.want {
				t.Errorf("CanSeeRating = %v, want %v", got, tt.want)
			}
		})
	}
	// The rater's manager is the manager of whoever gave the rating: a
	// rating given by someone outside the boss's team stays hidden from
	// them, whoever is named as the rater.
	other := Person{ID: 7, ManagerID: 5, Active: true}
	byOther := &WrapUp{Rating: "successful", RaterID: 7}
	if CanSeeRating(as(boss), emp, other, byOther) || CanSeeRating(as(boss), emp, mgr, byOther) {
		t.Error("a skip-level saw a rating none of their reports gave")
	}
}

// TestHRSeesNoOwnRatingBeforeRelease: HR rights do not show HR people
// their own rating early; they see everyone else's.
func TestHRSeesNoOwnRatingBeforeRelease(t *testing.T) {
	hana := Person{ID: 6, ManagerID: 1, Active: true, HR: true}
	boss := Person{ID: 1, Active: true}
	hr := Actor{SlackID: "UHANA", Person: &hana, HR: true}
	approved := &WrapUp{Rating: "successful", RaterID: 1, ApprovedAt: time.Now()}
	released := &WrapUp{Rating: "successful", RaterID: 1, ApprovedAt: time.Now(), HeldAt: time.Now()}
	if CanSeeRating(hr, hana, boss, approved) {
		t.Error("HR saw their own rating before its release")
	}
	if !CanSeeRating(hr, hana, boss, released) {
		t.Error("HR could not see their own released rating")
	}
	if !CanSeeRating(hr, Person{ID: 3, ManagerID: 1, Active: true}, boss, approved) {
		t.Error("HR could not see someone else's rating")
	}
}

func TestCanHoldConversation(t *testing.T) {
	mona := Person{ID: 2, Name: "Mona", ManagerID: 1, Active: true}
	pat := Person{ID: 4, Name: "Pat", ManagerID: 1, Active: true}
	eli := Person{ID: 3, Name: "Eli", ManagerID: 4, Active: true} // moved from Mona to Pat
	as := func(p Person) Actor { return Actor{SlackID: "U", Person: &p} }
	byMona := &WrapUp{Rating: "successful", RaterID: 2, ApprovedAt: time.Now()}
	gone := mona
	gone.Active = false
	tests := []struct {
		name  string
		actor Actor
		rater Person
		w     *WrapUp
		code  string // "" when allowed
		says  string
	}{
		{"the rater, after the move", as(mona), mona, byMona, "", ""},
		{"the new manager, who did not rate", as(pat), mona, byMona, EFORBIDDEN, "Mona gave Eli's rating"},
		{"the new manager, the rater gone", as(pat), gone, byMona, EFORBIDDEN, "Ask HR to reopen"},
		{"the employee", as(eli), mona, byMona, EFORBIDDEN, "Only the manager who gave this rating"},
		{"HR off the roster", Actor{SlackID: "UHR", HR: true}, mona, byMona, EFORBIDDEN, "not part of the MassPerform program"},
		{"the manager, nothing rated yet", as(pat), mona, &WrapUp{}, ECONFLICT, "isn't written yet"},
		{"someone else, nothing rated: no more than a refusal", as(Person{ID: 9, Active: true}), mona, &WrapUp{}, EFORBIDDEN, "Only the manager who gave"},
		{"the former manager, nothing rated", as(mona), mona, &WrapUp{}, EFORBIDDEN, "Only the manager who gave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanHoldConversation(tt.actor, eli, tt.rater, tt.w)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.code)
			}
			if !strings.Contains(ErrorMessage(err), tt.says) {
				t.Errorf("message %q does not say %q", ErrorMessage(err), tt.says)
			}
		})
	}
}

func TestWrapUpDue(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	y := YearState{Year: 2027, Expectations: []Expectation{{ID: 1}}, Goals: []Goal{{ID: 1, ExpectationID: 1}}}
	kinds := func(day string, w *WrapUp) map[ItemKind]Item {
		y := y
		y.WrapUp = w
		out := map[ItemKind]Item{}
		for _, it := range cal.Due(y, d(day).In(time.UTC).Add(12*time.Hour)) {
			if it.Kind == ItemReflection || it.Kind == ItemWrapUp {
				out[it.Kind] = it
			}
		}
		return out
	}
	if got := kinds("2027-04-30", nil); len(got) != 0 {
		t.Errorf("April: %v", got)
	}
	if got := kinds("2027-05-01", nil); len(got) != 1 || got[ItemReflection].Whose != RoleEmployee {
		t.Errorf("May 1: %v", got)
	}
	got := kinds("2027-06-30", nil)
	if r := got[ItemReflection]; r.Overdue || r.DueBy != d("2027-06-15") {
		t.Errorf("the reflection is never overdue: %+v", r)
	}
	if w := got[ItemWrapUp]; w.Overdue || w.Whose != RoleManager || w.DueBy != d("2027-06-30") {
		t.Errorf("wrap-up on June 30: %+v", w)
	}
	if got := kinds("2027-06-10", &WrapUp{ReflectedAt: time.Now()}); len(got) != 1 || got[ItemWrapUp].Kind == "" {
		t.Errorf("reflection sent: %v", got)
	}
	if got := kinds("2027-06-20", &WrapUp{Rating: "successful"}); len(got) != 0 {
		t.Errorf("rated: %v", got)
	}
}

// TestSetAside: a new manager writes their own wrap-up rather than take
// over another manager's, unless HR has approved it.
func TestSetAside(t *testing.T) {
	mona := Actor{SlackID: "UMONA", Person: &Person{ID: 2, Active: true}}
	pat := Actor{SlackID: "UPAT", Person: &Person{ID: 4, Active: true}}
	byMona := &WrapUp{Rating: "successful", RaterID: 2}
	tests := []struct {
		name  string
		actor Actor
		w     *WrapUp
		want  bool
	}{
		{"the rater changes their own", mona, byMona, false},
		{"a new manager writes their own", pat, byMona, true},
		{"nothing written yet", pat, &WrapUp{Accomplishments: "reflection only"}, false},
		{"no wrap-up at all", pat, nil, false},
		{"approved: locked, not set aside", pat, &WrapUp{Rating: "successful", RaterID: 2, ApprovedAt: time.Now()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.SetAside(tt.actor); got != tt.want {
				t.Errorf("SetAside = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLeaveOut: someone's own unit, seen without them and their rating.
func TestLeaveOut(t *testing.T) {
	counts := []UnitCount{
		{Unit: "S/A", People: 10, Counts: map[string]int{"exceptional": 1, "successful": 8}},
		{Unit: "S/B", People: 4, Counts: map[string]int{"exceptional": 1}},
	}
	got := LeaveOut(counts, "S/A", "exceptional")
	want := []UnitCount{
		{Unit: "S/A", People: 9, Counts: map[string]int{"exceptional": 0, "successful": 8}},
		{Unit: "S/B", People: 4, Counts: map[string]int{"exceptional": 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LeaveOut (-want +got):\n%s", diff)
	}
	if counts[0].People != 10 || counts[0].Counts["exceptional"] != 1 {
		t.Errorf("LeaveOut changed its input: %+v", counts[0])
	}
	if none := LeaveOut(counts, "S/B", "below"); none[1].Counts["below"] != 0 {
		t.Errorf("leaving out a rating nobody holds went below zero: %+v", none[1])
	}
	unrated := LeaveOut(counts, "S/B", "")
	if unrated[1].People != 3 || unrated[1].Counts["exceptional"] != 1 {
		t.Errorf("leaving out someone not rated yet: %+v", unrated[1])
	}
}

// TestCanDecidePool: HR decides every pool but the one their own rating
// is in.
func TestCanDecidePool(t *testing.T) {
	pool := Pool{UnitCount: UnitCount{Unit: "S"}, Members: []string{"S", "S/HR", "S/A"}}
	hana := &Person{ID: 6, Unit: "S/HR", ManagerID: 1, Active: true, HR: true}
	top := &Person{ID: 1, Unit: "S/HR", Active: true, HR: true}
	other := &Person{ID: 7, Unit: "T/HR", ManagerID: 1, Active: true, HR: true}
	tests := []struct {
		name  string
		actor Actor
		code  string
	}{
		{"HR rated in another pool", Actor{SlackID: "U7", Person: other, HR: true}, ""},
		{"HR off the roster", Actor{SlackID: "UHRD", HR: true}, ""},
		{"HR at the top, not rated", Actor{SlackID: "U1", Person: top, HR: true}, ""},
		{"HR rated in this pool", Actor{SlackID: "U6", Person: hana, HR: true}, EFORBIDDEN},
		{"not HR", Actor{SlackID: "U8", Person: &Person{ID: 8, Unit: "T", ManagerID: 1, Active: true}}, EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CanDecidePool(tt.actor, pool)); got != tt.code {
				t.Errorf("CanDecidePool = %q, want %q", got, tt.code)
			}
		})
	}
}
