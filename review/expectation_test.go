package review

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanExpectations(t *testing.T) {
	current := []Expectation{
		{ID: 10, ReviewID: 7, Position: 1, Text: "Ship the grants portal"},
		{ID: 11, ReviewID: 7, Position: 2, Text: "Coach two new leads"},
	}
	long := strings.Repeat("é", MaxExpectationLength+1)
	longest := strings.Repeat("é", MaxExpectationLength)
	var full, fourteen []Expectation // a review at the limit, and one under it
	for i := range MaxExpectations {
		e := Expectation{ID: int64(100 + i), ReviewID: 7, Position: i + 1, Text: "kept"}
		full = append(full, e)
		if i < MaxExpectations-1 {
			fourteen = append(fourteen, e)
		}
	}
	tests := []struct {
		name    string
		current []Expectation
		edits   []ExpectationEdit
		want    ExpectationChanges
		code    string
		fields  map[string]string
	}{
		{
			name:    "first expectations",
			current: nil,
			edits:   []ExpectationEdit{{Text: "  Cut permit wait times  "}, {Text: ""}, {Text: "Run a safe budget"}},
			want: ExpectationChanges{Create: []Expectation{
				{Position: 1, Text: "Cut permit wait times"},
				{Position: 2, Text: "Run a safe budget"},
			}},
		},
		{
			name:    "edit, retire and add",
			current: current,
			edits: []ExpectationEdit{
				{ID: 10, Text: "Ship the grants portal by March"},
				{ID: 11, Text: "Coach two new leads", Retire: true},
				{Text: "Publish a quarterly report"},
			},
			want: ExpectationChanges{
				Create: []Expectation{{Position: 3, Text: "Publish a quarterly report"}},
				Update: []Expectation{{ID: 10, ReviewID: 7, Position: 1, Text: "Ship the grants portal by March"}},
				Retire: []int64{11},
			},
		},
		{
			name:    "nothing changed",
			current: current,
			edits:   []ExpectationEdit{{ID: 10, Text: "Ship the grants portal"}, {ID: 11, Text: "Coach two new leads "}, {Text: " "}},
			want:    ExpectationChanges{},
		},
		{
			name:    "empty form",
			current: nil,
			edits:   []ExpectationEdit{{Text: ""}},
			code:    EINVALID,
			fields:  map[string]string{"": "Write at least one expectation."},
		},
		{
			name:    "retiring the last one",
			current: current,
			edits:   []ExpectationEdit{{ID: 10, Retire: true}, {ID: 11, Retire: true}},
			code:    EINVALID,
			fields:  map[string]string{"": "Keep at least one expectation: goals are written against them."},
		},
		{
			name:    "existing text cleared",
			current: current,
			edits:   []ExpectationEdit{{ID: 10, Text: "  "}, {ID: 11, Text: "Coach two new leads"}},
			code:    EINVALID,
			fields:  map[string]string{"0": "Write the expectation, or tick Retire to remove it."},
		},
		{
			name:    "too long counts characters not bytes",
			current: nil,
			edits:   []ExpectationEdit{{Text: "ok"}, {Text: long}},
			code:    EINVALID,
			fields:  map[string]string{"1": "Keep this under 1000 characters (it has 1001)."},
		},
		{
			name:    "the longest allowed, in characters",
			current: nil,
			edits:   []ExpectationEdit{{Text: longest}},
			want:    ExpectationChanges{Create: []Expectation{{Position: 1, Text: longest}}},
		},
		{
			name:    "an edit that makes one too long",
			current: current,
			edits:   []ExpectationEdit{{ID: 10, Text: long}},
			code:    EINVALID,
			fields:  map[string]string{"0": "Keep this under 1000 characters (it has 1001)."},
		},
		{
			name:    "one new beside fourteen kept fills the review",
			current: fourteen,
			edits:   []ExpectationEdit{{Text: "Fifteenth"}},
			want:    ExpectationChanges{Create: []Expectation{{Position: 15, Text: "Fifteenth"}}},
		},
		{
			name:    "one new beside fifteen kept is one too many",
			current: full,
			edits:   []ExpectationEdit{{Text: "Sixteenth"}},
			code:    EINVALID,
			fields:  map[string]string{"": "A review holds up to 15 expectations. Retire one before adding another."},
		},
		{
			name:    "retiring one makes room for a new one in the same save",
			current: full,
			edits:   []ExpectationEdit{{ID: 100, Retire: true}, {Text: "Replacement"}},
			want:    ExpectationChanges{Create: []Expectation{{Position: 16, Text: "Replacement"}}, Retire: []int64{100}},
		},
		{
			name:    "a new row ticked Retire is not added",
			current: current,
			edits:   []ExpectationEdit{{Text: "Never mind", Retire: true}},
			want:    ExpectationChanges{},
		},
		{
			name:    "one more than the limit",
			current: nil,
			edits:   make16(),
			code:    EINVALID,
			fields:  map[string]string{"": "A review holds up to 15 expectations. Retire one before adding another."},
		},
		{
			name:    "an id the review does not hold",
			current: current,
			edits:   []ExpectationEdit{{ID: 99, Text: "forged"}},
			code:    ECONFLICT,
		},
		{
			name:    "the same id twice",
			current: current,
			edits:   []ExpectationEdit{{ID: 10, Text: "a"}, {ID: 10, Text: "b"}},
			code:    ECONFLICT,
		},
		{
			name:    "untouched expectations stay and count",
			current: current,
			edits:   []ExpectationEdit{{ID: 10, Retire: true}},
			want:    ExpectationChanges{Retire: []int64{10}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanExpectations(tt.current, tt.edits)
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

func make16() []ExpectationEdit {
	var e []ExpectationEdit
	for i := range MaxExpectations + 1 {
		e = append(e, ExpectationEdit{Text: strings.Repeat("x", i+1)})
	}
	return e
}

func TestChangesEmpty(t *testing.T) {
	for _, tt := range []struct {
		name  string
		exp   ExpectationChanges
		goals GoalChanges
		empty bool
		ids   []int64
	}{
		{"nothing", ExpectationChanges{}, GoalChanges{}, true, []int64{}},
		{"a new one", ExpectationChanges{Create: []Expectation{{Text: "a"}}}, GoalChanges{Create: []Goal{{Text: "a"}}}, false, []int64{}},
		{"an edit", ExpectationChanges{Update: []Expectation{{ID: 4}}}, GoalChanges{Update: []Goal{{ID: 4}}}, false, []int64{4}},
		{"a retirement", ExpectationChanges{Retire: []int64{5}}, GoalChanges{Retire: []int64{5}}, false, []int64{5}},
		{"all three", ExpectationChanges{Create: []Expectation{{}}, Update: []Expectation{{ID: 4}}, Retire: []int64{5}},
			GoalChanges{Create: []Goal{{}}, Update: []Goal{{ID: 4}}, Retire: []int64{5}}, false, []int64{5, 4}},
	} {
		if got := tt.exp.Empty(); got != tt.empty {
			t.Errorf("%s: expectations Empty = %v, want %v", tt.name, got, tt.empty)
		}
		if got := tt.goals.Empty(); got != tt.empty {
			t.Errorf("%s: goals Empty = %v, want %v", tt.name, got, tt.empty)
		}
		if diff := cmp.Diff(tt.ids, tt.exp.Touched()); diff != "" {
			t.Errorf("%s: expectations touched (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.ids, tt.goals.Touched()); diff != "" {
			t.Errorf("%s: goals touched (-want +got):\n%s", tt.name, diff)
		}
	}
}
