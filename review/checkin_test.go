package review

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRequiredQuarters(t *testing.T) {
	tests := []struct {
		since   string // "" for someone there before the year began
		want    [5]bool
		onCycle bool
	}{
		{"", [5]bool{false, true, true, true, true}, true},
		{"2026-07-01", [5]bool{false, true, true, true, true}, true},
		{"2026-08-31", [5]bool{false, true, true, true, true}, true},   // 30 days to Sep 30
		{"2026-09-01", [5]bool{false, false, true, true, true}, false}, // 29 days: off-cycle, starts in Q2
		{"2026-12-01", [5]bool{false, false, true, true, true}, false},
		{"2026-12-02", [5]bool{false, false, false, true, true}, false},
		{"2027-03-01", [5]bool{false, false, false, true, true}, false},
		{"2027-05-31", [5]bool{false, false, false, false, true}, false}, // 30 days to Jun 30
		{"2027-06-01", [5]bool{}, false},                                 // 29 days left: nothing this year
	}
	for _, tt := range tests {
		t.Run(tt.since, func(t *testing.T) {
			y := YearState{Year: 2027}
			if tt.since != "" {
				y.Since = d(tt.since)
			}
			got := y.RequiredQuarters()
			if got != tt.want || y.OnCycle() != tt.onCycle {
				t.Errorf("RequiredQuarters = %v (on-cycle %v), want %v (%v)", got, y.OnCycle(), tt.want, tt.onCycle)
			}
		})
	}
	// A leap year's February.
	y := YearState{Year: 2028, Since: d("2028-02-29")}
	if got := y.RequiredQuarters(); got != [5]bool{false, false, false, true, true} {
		t.Errorf("FY2028 from Feb 29 = %v", got)
	}
}

func TestDueCheckIns(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cal := Calendar{Loc: ny}
	at := func(day string) time.Time { return d(day).In(ny).Add(10 * time.Hour) }
	ci := func(id int64, held string, confirmed bool) CheckIn {
		c := CheckIn{ID: id, HeldOn: d(held), CreatedAt: at(held), Expectations: true}
		if confirmed {
			c.Confirmation = &Confirmation{CheckInID: id}
		}
		return c
	}
	year := func(since string, cadence Cadence, cs ...CheckIn) YearState {
		y := YearState{Year: 2027, Cadence: cadence, CheckIns: cs, Expectations: []Expectation{{ID: 1}}, Goals: []Goal{{ID: 1, ExpectationID: 1}}}
		if since != "" {
			y.Since = d(since)
		}
		if len(cs) > 0 {
			y.CheckIns[0].First = true
		}
		return y
	}
	tests := []struct {
		name  string
		state YearState
		now   string
		want  []Item
	}{
		{"first check-in due by Sep 30", year("", Quarterly), "2026-07-01",
			[]Item{{Kind: ItemFirstCheckIn, Whose: RoleManager, DueBy: d("2026-09-30"), Quarter: 1}}},
		{"first check-in overdue on Oct 1", year("", Quarterly), "2026-10-01",
			[]Item{{Kind: ItemFirstCheckIn, Whose: RoleManager, DueBy: d("2026-09-30"), Overdue: true, Quarter: 1}}},
		{"off-cycle hire: first check-in by the end of Q2", year("2026-09-15", Quarterly), "2026-09-20",
			[]Item{{Kind: ItemFirstCheckIn, Whose: RoleManager, DueBy: d("2026-12-31"), Quarter: 2}}},
		{"first check-in held, not yet confirmed", year("", Quarterly, ci(7, "2026-08-10", false)), "2026-08-20",
			[]Item{{Kind: ItemConfirmation, Whose: RoleEmployee, DueBy: d("2026-08-24"), CheckInID: 7}}},
		{"confirmation overdue after 14 days", year("", Quarterly, ci(7, "2026-08-10", false)), "2026-08-25",
			[]Item{{Kind: ItemConfirmation, Whose: RoleEmployee, DueBy: d("2026-08-24"), Overdue: true, CheckInID: 7}}},
		{"Q1 done and confirmed: Q2 due Dec 31", year("", Quarterly, ci(7, "2026-08-10", true)), "2026-10-05",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2026-12-31"), Quarter: 2}}},
		{"a missed quarter stays overdue", year("", Quarterly, ci(7, "2026-08-10", true), ci(8, "2027-01-10", true)), "2027-01-20",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2026-12-31"), Overdue: true, Quarter: 2}}},
		{"several in one quarter are fine", year("", Quarterly, ci(7, "2026-08-10", true), ci(8, "2026-09-10", true)), "2026-09-20", nil},
		{"monthly cadence pulls the quarter's check-in forward", year("", Cadence{Monthly: true}, ci(7, "2026-09-20", true)), "2026-10-05",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2026-10-20"), Quarter: 2, ByCadence: true}}},
		{"monthly cadence asks again in a quarter already done", year("", Cadence{Monthly: true}, ci(7, "2026-08-10", true), ci(8, "2026-10-02", true)), "2026-10-20",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2026-11-02"), Quarter: 2, ByCadence: true}}},
		{"every two weeks, overdue", year("", Cadence{Weeks: 2}, ci(7, "2026-08-10", true)), "2026-08-30",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2026-08-24"), Overdue: true, Quarter: 1, ByCadence: true}}},
		{"after the year: every missed required quarter", year("", Quarterly, ci(7, "2026-08-10", true)), "2027-07-02",
			[]Item{
				{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2026-12-31"), Overdue: true, Quarter: 2},
				{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2027-03-31"), Overdue: true, Quarter: 3},
				{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2027-06-30"), Overdue: true, Quarter: 4},
			}},
		{"someone who joins in April owes a first check-in by June 30", year("2027-04-15", Quarterly), "2027-04-20",
			[]Item{{Kind: ItemFirstCheckIn, Whose: RoleManager, DueBy: d("2027-06-30"), Quarter: 4}}},
		{"monthly cadence in Q4 asks again in a quarter already done", year("", Cadence{Monthly: true}, ci(7, "2026-08-10", true), ci(8, "2026-10-02", true), ci(9, "2027-01-12", true), ci(10, "2027-04-10", true)), "2027-04-20",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2027-05-10"), Quarter: 4, ByCadence: true}}},
		{"monthly cadence pulls Q4's check-in forward", year("", Cadence{Monthly: true}, ci(7, "2026-08-10", true), ci(8, "2026-10-02", true), ci(9, "2027-03-20", true)), "2027-04-21",
			[]Item{{Kind: ItemCheckIn, Whose: RoleManager, DueBy: d("2027-04-20"), Overdue: true, Quarter: 4, ByCadence: true}}},
		{"a cadence asks nothing past the year's end", year("", Cadence{Monthly: true}, ci(7, "2026-08-10", true), ci(8, "2026-10-02", true), ci(9, "2027-01-12", true), ci(10, "2027-06-05", true)), "2027-06-20", nil},
		{"a leaver owes nothing", func() YearState { y := year("", Quarterly); y.Left = true; return y }(), "2026-10-05", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := only(cal.Due(tt.state, at(tt.now)), ItemFirstCheckIn, ItemCheckIn, ItemConfirmation)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Due (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanCheckIn(t *testing.T) {
	today := d("2026-08-15")
	base := YearState{ReviewID: 3, Year: 2027, Goals: []Goal{{ID: 11}, {ID: 12}}}
	held := YearState{ReviewID: 3, Year: 2027, Goals: base.Goals, CheckIns: []CheckIn{{ID: 1, First: true, Expectations: true, Feedback: true}}}
	q := Quarterly
	tests := []struct {
		name   string
		year   YearState
		form   CheckInForm
		fields map[string]string
		code   string
	}{
		{"a good first check-in", base, CheckInForm{HeldOn: today, Expectations: true, Cadence: &q, Progress: map[int64]Progress{11: OnTarget, 12: ""}}, nil, ""},
		{"first one needs a cadence", base, CheckInForm{HeldOn: today, Expectations: true}, map[string]string{FieldCadence: "Agree how often you'll check in: at least once a quarter."}, EINVALID},
		{"a later one does not", held, CheckInForm{HeldOn: today, Feedback: true, FeedbackForEmployee: "Good work"}, nil, ""},
		{"nothing covered, no date", held, CheckInForm{}, map[string]string{
			FieldHeldOn:  "Pick the day you met.",
			FieldCovered: "Tick what the conversation covered: expectations, feedback, development, or several.",
		}, EINVALID},
		{"in the future", held, CheckInForm{HeldOn: d("2026-08-16"), Expectations: true}, map[string]string{FieldHeldOn: "Log a check-in once it has happened: pick today or an earlier day."}, EINVALID},
		{"last fiscal year", held, CheckInForm{HeldOn: d("2026-06-30"), Expectations: true}, map[string]string{FieldHeldOn: "Pick a day inside FY2027 (Jul 1, 2026 – Jun 30, 2027)."}, EINVALID},
		{"feedback ticked but not written", held, CheckInForm{HeldOn: today, Feedback: true}, map[string]string{FieldFeedback: "Write down the feedback you gave, or untick Feedback."}, EINVALID},
		{"development too early", base, CheckInForm{HeldOn: today, Development: true, Cadence: &q}, map[string]string{FieldCovered: DevelopmentNotYet.Message}, EINVALID},
		{"development once both happened", held, CheckInForm{HeldOn: today, Development: true}, nil, ""},
		{"progress on a goal not in the review", held, CheckInForm{HeldOn: today, Expectations: true, Progress: map[int64]Progress{99: OnTarget}}, nil, ECONFLICT},
		{"a progress level off the scale", held, CheckInForm{HeldOn: today, Expectations: true, Progress: map[int64]Progress{11: "stellar"}}, map[string]string{"progress:11": "Pick a level from the list."}, EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanCheckIn(tt.year, today, tt.form, nil)
			if code := ErrorCode(err); code != tt.code {
				t.Fatalf("err = %v, want code %q", err, tt.code)
			}
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); tt.code == EINVALID && diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if err == nil {
				if got.First != (len(tt.year.CheckIns) == 0) || got.ReviewID != 3 {
					t.Errorf("planned %+v", got)
				}
				if _, blank := got.Progress[12]; blank {
					t.Error("a goal left without a level was recorded")
				}
			}
		})
	}
}

// TestPlanCheckInEditing: a manager changes a check-in they logged. It
// keeps its id, its manager, its confirmation and whether it was the
// year's first; a development check-in still needs an expectations and a
// feedback check-in before it, not counting the one being changed.
func TestPlanCheckInEditing(t *testing.T) {
	today := d("2026-11-20")
	conf := &Confirmation{CheckInID: 1}
	first := CheckIn{ID: 1, ReviewID: 3, ManagerID: 2, HeldOn: d("2026-08-10"), First: true, Expectations: true, Confirmation: conf}
	fb := CheckIn{ID: 2, ReviewID: 3, ManagerID: 2, HeldOn: d("2026-10-05"), Feedback: true, FeedbackForEmployee: "Good"}
	third := CheckIn{ID: 3, ReviewID: 3, ManagerID: 2, HeldOn: d("2026-11-10"), Expectations: true}
	year := YearState{ReviewID: 3, Year: 2027, CheckIns: []CheckIn{first, fb, third}}
	tests := []struct {
		name    string
		editing CheckIn
		form    CheckInForm
		want    CheckIn
		fields  map[string]string
	}{
		{
			name:    "the first check-in stays the first, and needs no cadence again",
			editing: first,
			form:    CheckInForm{HeldOn: d("2026-08-11"), Expectations: true, Notes: "moved a day"},
			want:    CheckIn{ID: 1, ReviewID: 3, ManagerID: 2, HeldOn: d("2026-08-11"), Expectations: true, Notes: "moved a day", First: true, Progress: map[int64]Progress{}, Confirmation: conf},
		},
		{
			name:    "a later one stays a later one",
			editing: fb,
			form:    CheckInForm{HeldOn: d("2026-10-05"), Feedback: true, FeedbackForEmployee: "Very good"},
			want:    CheckIn{ID: 2, ReviewID: 3, ManagerID: 2, HeldOn: d("2026-10-05"), Feedback: true, FeedbackForEmployee: "Very good", Progress: map[int64]Progress{}},
		},
		{
			name:    "development added to a third check-in, after an expectations and a feedback one",
			editing: third,
			form:    CheckInForm{HeldOn: d("2026-11-10"), Expectations: true, Development: true},
			want:    CheckIn{ID: 3, ReviewID: 3, ManagerID: 2, HeldOn: d("2026-11-10"), Expectations: true, Development: true, Progress: map[int64]Progress{}},
		},
		{
			name:    "the feedback check-in cannot count for itself as development's prerequisite",
			editing: fb,
			form:    CheckInForm{HeldOn: d("2026-10-05"), Feedback: true, FeedbackForEmployee: "Good", Development: true},
			fields:  map[string]string{FieldCovered: DevelopmentNotYet.Message},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			editing := tt.editing
			got, err := PlanCheckIn(year, today, tt.form, &editing)
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); diff != "" {
				t.Fatalf("fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("check-in (-want +got):\n%s", diff)
			}
		})
	}
	// Only the check-in being changed is left out: changing the year's
	// one expectations check-in leaves a feedback check-in alone, which is
	// not enough; changing a third leaves both.
	only := YearState{Year: 2027, CheckIns: []CheckIn{first, fb}}
	if only.DevelopmentAllowed(&first) {
		t.Error("the only expectations check-in counted while it was being changed")
	}
	if !only.DevelopmentAllowed(&third) {
		t.Error("both earlier check-ins did not count while a third was changed")
	}
}

func TestPlanConfirmation(t *testing.T) {
	yes, no := true, false
	first := CheckIn{ID: 1, First: true}
	later := CheckIn{ID: 2}
	all := map[string]*bool{"met": &yes, "cadence": &no, "expectations": &yes}
	tests := []struct {
		name   string
		c      CheckIn
		form   ConfirmForm
		fields map[string]string
		code   string
	}{
		{"first, complete, with a No", first, ConfirmForm{Answers: all, Feedback: "Useful"}, nil, ""},
		{"first, an answer missing and no feedback", first, ConfirmForm{Answers: map[string]*bool{"met": &yes, "cadence": &yes}}, map[string]string{
			"answer:expectations": "Answer yes or no.",
			FieldFeedback:         "Tell your manager how the conversation went for you: this is your feedback to them.",
		}, EINVALID},
		{"later, nothing needed", later, ConfirmForm{}, nil, ""},
		{"confirmed already", CheckIn{ID: 3, Confirmation: &Confirmation{}}, ConfirmForm{}, nil, ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanConfirmation(tt.c, tt.form)
			if code := ErrorCode(err); code != tt.code {
				t.Fatalf("err = %v, want %q", err, tt.code)
			}
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); tt.code == EINVALID && diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if err == nil && tt.c.First {
				want := []Answer{{StageFirstCheckIn, "met", true, 0, time.Time{}}, {StageFirstCheckIn, "cadence", false, 0, time.Time{}}, {StageFirstCheckIn, "expectations", true, 0, time.Time{}}}
				if diff := cmp.Diff(want, got.Answers); diff != "" {
					t.Errorf("answers, a No recorded as given (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCadence(t *testing.T) {
	for _, c := range CadenceChoices {
		back, err := ParseCadence(c.String())
		if err != nil || back != c {
			t.Errorf("%v does not round-trip: %v, %v", c, back, err)
		}
	}
	for _, tt := range []struct {
		stored string
		want   Cadence
		label  string
	}{
		{"", Quarterly, "Quarterly"}, // a review that never agreed one: the program's minimum
		{"quarterly", Quarterly, "Quarterly"},
		{"monthly", Cadence{Monthly: true}, "Monthly"},
		{"weeks:1", Cadence{Weeks: 1}, "Every week"},
		{"weeks:2", Cadence{Weeks: 2}, "Every 2 weeks"},
		{"weeks:12", Cadence{Weeks: 12}, "Every 12 weeks"}, // the slowest that is still faster than quarterly
	} {
		got, err := ParseCadence(tt.stored)
		if err != nil || got != tt.want {
			t.Errorf("ParseCadence(%q) = %+v, %v; want %+v", tt.stored, got, err, tt.want)
		}
		if l := got.Label(); l != tt.label {
			t.Errorf("%q reads %q, want %q", tt.stored, l, tt.label)
		}
	}
	for _, bad := range []string{"weekly", "weeks:0", "weeks:13", "weeks:-1", "weeks:x", "yearly"} {
		if got, err := ParseCadence(bad); err == nil || got != Quarterly {
			t.Errorf("ParseCadence(%q) = %+v, %v; want an error and the quarterly minimum", bad, got, err)
		}
	}
	for _, tt := range []struct {
		name    string
		cadence Cadence
		last    string
		want    string // "" when the quarter decides
	}{
		{"quarterly: the quarter decides", Quarterly, "2026-08-10", ""},
		{"monthly: the same day next month", Cadence{Monthly: true}, "2026-08-10", "2026-09-10"},
		{"a month after Jan 31, normalised like time.AddDate", Cadence{Monthly: true}, "2027-01-31", "2027-03-03"},
		{"every week", Cadence{Weeks: 1}, "2026-08-10", "2026-08-17"},
		{"every three weeks", Cadence{Weeks: 3}, "2026-08-10", "2026-08-31"},
	} {
		var want Date
		if tt.want != "" {
			want = d(tt.want)
		}
		if got := tt.cadence.next(d(tt.last)); got != want {
			t.Errorf("%s: next after %s = %v, want %v", tt.name, tt.last, got, want)
		}
	}
}

func TestPlanCadence(t *testing.T) {
	monthly := Cadence{Monthly: true}
	tests := []struct {
		name          string
		current, next Cadence
		reason        string
		want          string
		fields        map[string]string
	}{
		{"a change with a reason", Quarterly, monthly, "  New project, more to discuss ", "New project, more to discuss", nil},
		{"back to quarterly is a change too", monthly, Quarterly, "Settled in", "Settled in", nil},
		{"a reason of the longest allowed", Quarterly, monthly, strings.Repeat("r", MaxReasonText), strings.Repeat("r", MaxReasonText), nil},
		{"a reason one too long", Quarterly, monthly, strings.Repeat("r", MaxReasonText+1), "",
			map[string]string{"reason": "Keep this under 500 characters (it has 501)."}},
		{"no reason", Quarterly, monthly, " ", "",
			map[string]string{"reason": "Say briefly why: it is kept with the review's history."}},
		{"no change", Quarterly, Quarterly, "same", "",
			map[string]string{FieldCadence: "The cadence is already quarterly."}},
		{"no change and no reason", Cadence{Weeks: 2}, Cadence{Weeks: 2}, "", "", map[string]string{
			"reason":     "Say briefly why: it is kept with the review's history.",
			FieldCadence: "The cadence is already every 2 weeks.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanCadence(tt.current, tt.next, tt.reason)
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if (err == nil) != (tt.fields == nil) {
				t.Errorf("err = %v", err)
			}
			if got != tt.want {
				t.Errorf("reason kept = %q, want %q", got, tt.want)
			}
		})
	}
}
