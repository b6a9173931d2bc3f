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
