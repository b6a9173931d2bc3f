package review

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDue(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cal := Calendar{Loc: ny}
	at := func(day string) time.Time { return d(day).In(ny).Add(10 * time.Hour) }
	exp := func(id int64, added string) Expectation {
		return Expectation{ID: id, Text: "e", CreatedAt: at(added)}
	}
	goal := func(expID int64) Goal { return Goal{ID: expID * 10, ExpectationID: expID} }

	tests := []struct {
		name  string
		state YearState
		now   time.Time
		want  []Item
	}{
		{
			name:  "before the year starts nothing is due",
			state: YearState{Year: 2027},
			now:   at("2026-06-30"),
		},
		{
			name:  "no expectations on day one",
			state: YearState{Year: 2027},
			now:   at("2026-07-01"),
			want:  []Item{{Kind: ItemExpectations, Whose: RoleManager, DueBy: d("2026-09-30")}},
		},
		{
			name:  "still not overdue on Sep 30",
			state: YearState{Year: 2027},
			now:   d("2026-09-30").In(ny).Add(23*time.Hour + 59*time.Minute),
			want:  []Item{{Kind: ItemExpectations, Whose: RoleManager, DueBy: d("2026-09-30")}},
		},
		{
			name:  "overdue from Oct 1 in the organisation's zone",
			state: YearState{Year: 2027},
			now:   d("2026-10-01").In(ny),
			want:  []Item{{Kind: ItemExpectations, Whose: RoleManager, DueBy: d("2026-09-30"), Overdue: true}},
		},
		{
			name:  "an expectation without a goal",
			state: YearState{Year: 2027, Expectations: []Expectation{exp(1, "2026-07-10"), exp(2, "2026-07-10")}, Goals: []Goal{goal(1)}},
			now:   at("2026-08-01"),
			want:  []Item{{Kind: ItemGoals, Whose: RoleEmployee, DueBy: d("2026-09-30"), ExpectationID: 2}},
		},
		{
			name:  "an expectation added in winter gets a grace period",
			state: YearState{Year: 2027, Expectations: []Expectation{exp(1, "2026-07-10"), exp(3, "2027-01-15")}, Goals: []Goal{goal(1)}},
			now:   at("2027-02-20"),
			want:  []Item{{Kind: ItemGoals, Whose: RoleEmployee, DueBy: d("2027-02-14"), Overdue: true, ExpectationID: 3}},
		},
		{
			name:  "someone who joined in January: expectations due 30 days on",
			state: YearState{Year: 2027, Since: d("2027-01-15")},
			now:   at("2027-01-20"),
			want:  []Item{{Kind: ItemExpectations, Whose: RoleManager, DueBy: d("2027-02-14")}},
		},
		{
			name:  "joining in August changes nothing: Sep 30 is later",
			state: YearState{Year: 2027, Since: d("2026-08-10")},
			now:   at("2026-08-20"),
			want:  []Item{{Kind: ItemExpectations, Whose: RoleManager, DueBy: d("2026-09-30")}},
		},
		{
			name:  "goals listed soonest first",
			state: YearState{Year: 2027, Expectations: []Expectation{exp(3, "2027-01-15"), exp(1, "2026-07-10")}},
			now:   at("2027-01-20"),
			want: []Item{
				{Kind: ItemGoals, Whose: RoleEmployee, DueBy: d("2026-09-30"), Overdue: true, ExpectationID: 1},
				{Kind: ItemGoals, Whose: RoleEmployee, DueBy: d("2027-02-14"), ExpectationID: 3},
			},
		},
		{
			name:  "all done",
			state: YearState{Year: 2027, Expectations: []Expectation{exp(1, "2026-07-10")}, Goals: []Goal{goal(1)}},
			now:   at("2026-12-01"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := only(cal.Due(tt.state, tt.now), ItemExpectations, ItemGoals)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Due (-want +got):\n%s", diff)
			}
		})
	}
}

// only keeps the items of the given kinds.
func only(items []Item, kinds ...ItemKind) []Item {
	var out []Item
	for _, it := range items {
		for _, k := range kinds {
			if it.Kind == k {
				out = append(out, it)
			}
		}
	}
	return out
}

// TestAbout: an overdue item, as the digest keeps it, carries the
// expectation a goal is missing for, or the check-in to confirm, and
// nothing else of the year.
func TestAbout(t *testing.T) {
	e1, e2 := Expectation{ID: 1, Text: "Ship the portal"}, Expectation{ID: 2, Text: "Coach two leads"}
	c1, c2 := CheckIn{ID: 1, HeldOn: d("2026-08-10")}, CheckIn{ID: 2, HeldOn: d("2026-10-05")}
	y := YearState{ReviewID: 9, Year: 2027, Cadence: Cadence{Weeks: 2}, Expectations: []Expectation{e1, e2},
		Goals: []Goal{{ID: 5, ExpectationID: 1}}, CheckIns: []CheckIn{c1, c2}, Plan: &DevelopmentPlan{}, WrapUp: &WrapUp{}}
	base := YearState{ReviewID: 9, Year: 2027, Cadence: Cadence{Weeks: 2}}
	with := func(es []Expectation, cs []CheckIn) YearState {
		b := base
		b.Expectations, b.CheckIns = es, cs
		return b
	}
	tests := []struct {
		name string
		it   Item
		want YearState
	}{
		{"a goal for the first expectation", Item{Kind: ItemGoals, ExpectationID: 1}, with([]Expectation{e1}, nil)},
		{"a goal for the second expectation", Item{Kind: ItemGoals, ExpectationID: 2}, with([]Expectation{e2}, nil)},
		{"confirming the first check-in", Item{Kind: ItemConfirmation, CheckInID: 1}, with(nil, []CheckIn{c1})},
		{"confirming the second check-in", Item{Kind: ItemConfirmation, CheckInID: 2}, with(nil, []CheckIn{c2})},
		{"a quarter's check-in needs neither", Item{Kind: ItemCheckIn, Quarter: 2}, base},
		{"expectations to set need neither", Item{Kind: ItemExpectations}, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, y.About(tt.it)); diff != "" {
				t.Errorf("About (-want +got):\n%s", diff)
			}
		})
	}
}
