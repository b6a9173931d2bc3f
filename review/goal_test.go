package review

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanGoals(t *testing.T) {
	fy := FiscalYear(2027)
	today := d("2026-08-15")
	current := []Goal{
		{ID: 20, ReviewID: 7, ExpectationID: 10, Text: "Launch beta", Measure: "50 pilot users", Target: d("2026-08-01")},
	}
	tests := []struct {
		name   string
		edits  []GoalEdit
		want   GoalChanges
		code   string
		fields map[string]string
	}{
		{
			name:  "a new goal",
			edits: []GoalEdit{{Text: " Train staff ", Measure: "all 12 trained", Target: d("2026-12-01")}},
			want:  GoalChanges{Create: []Goal{{Text: "Train staff", Measure: "all 12 trained", Target: d("2026-12-01")}}},
		},
		{
			name:  "blank row ignored",
			edits: []GoalEdit{{ID: 20, Text: "Launch beta", Measure: "50 pilot users", Target: d("2026-08-01")}, {}},
			want:  GoalChanges{},
		},
		{
			name:  "a past target that did not change is kept",
			edits: []GoalEdit{{ID: 20, Text: "Launch the beta", Measure: "50 pilot users", Target: d("2026-08-01")}},
			want:  GoalChanges{Update: []Goal{{ID: 20, ReviewID: 7, ExpectationID: 10, Text: "Launch the beta", Measure: "50 pilot users", Target: d("2026-08-01")}}},
		},
		{
			name:   "moving a target into the past",
			edits:  []GoalEdit{{ID: 20, Text: "Launch beta", Measure: "50 pilot users", Target: d("2026-08-14")}},
			code:   EINVALID,
			fields: map[string]string{"0.target": "Pick a date from today on."},
		},
		{
			name:  "today is fine",
			edits: []GoalEdit{{Text: "a", Measure: "b", Target: today}},
			want:  GoalChanges{Create: []Goal{{Text: "a", Measure: "b", Target: today}}},
		},
		{
			name:  "retire",
			edits: []GoalEdit{{ID: 20, Retire: true}},
			want:  GoalChanges{Retire: []int64{20}},
		},
		{
			name:  "half-filled row",
			edits: []GoalEdit{{Text: "Cut wait times"}},
			code:  EINVALID,
			fields: map[string]string{
				"0.measure": "Say how you will know it is done: a measure of success.",
				"0.target":  "Pick a target date.",
			},
		},
		{
			name:   "target after the fiscal year",
			edits:  []GoalEdit{{Text: "a", Measure: "b", Target: d("2027-07-01")}},
			code:   EINVALID,
			fields: map[string]string{"0.target": "Pick a date inside FY2027 (Jul 1, 2026 – Jun 30, 2027)."},
		},
		{
			name:   "last day of the year is inside",
			edits:  []GoalEdit{{Text: "a", Measure: "b", Target: d("2027-06-30")}},
			want:   GoalChanges{Create: []Goal{{Text: "a", Measure: "b", Target: d("2027-06-30")}}},
			fields: nil,
		},
		{
			name:   "too long",
			edits:  []GoalEdit{{Text: string(make([]byte, MaxGoalLength+1)), Measure: "b", Target: d("2026-09-01")}},
			code:   EINVALID,
			fields: map[string]string{"0.text": "Keep this under 500 characters (it has 501)."},
		},
		{
			name:  "forged id",
			edits: []GoalEdit{{ID: 21, Text: "a", Measure: "b", Target: d("2026-09-01")}},
			code:  ECONFLICT,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanGoals(fy, today, current, tt.edits)
			if code := ErrorCode(err); code != tt.code {
				t.Fatalf("error = %v, want code %q", err, tt.code)
			}
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); tt.code == EINVALID && diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanGoalsLimit(t *testing.T) {
	var current []Goal
	for i := range MaxGoalsPerExpectation {
		current = append(current, Goal{ID: int64(i + 1), Text: "g", Measure: "m", Target: d("2026-09-01")})
	}
	_, err := PlanGoals(2027, d("2026-08-01"), current, []GoalEdit{{Text: "one more", Measure: "m", Target: d("2026-09-01")}})
	if FieldErrors(err)[""] == "" {
		t.Fatalf("an eleventh goal was accepted: %v", err)
	}
	// Retiring one makes room in the same save.
	_, err = PlanGoals(2027, d("2026-08-01"), current, []GoalEdit{{ID: 1, Retire: true}, {Text: "one more", Measure: "m", Target: d("2026-09-01")}})
	if err != nil {
		t.Fatalf("swap refused: %v", err)
	}
}
