package review

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanDevelopmentPlan(t *testing.T) {
	early := YearState{Year: 2027}
	ready := YearState{Year: 2027, CheckIns: []CheckIn{{ID: 1, Expectations: true}, {ID: 2, Feedback: true}}}
	tests := []struct {
		name   string
		year   YearState
		form   PlanForm
		want   DevelopmentPlan
		fields map[string]string
	}{
		{"a draft", early, PlanForm{LongTerm: " Lead a division "}, DevelopmentPlan{LongTerm: "Lead a division"}, nil},
		{"an empty draft is fine", early, PlanForm{}, DevelopmentPlan{}, nil},
		{"shared", early, PlanForm{Needs: "A stretch project", Share: true}, DevelopmentPlan{Needs: "A stretch project", Shared: true}, nil},
		{"nothing to share", early, PlanForm{Share: true}, DevelopmentPlan{}, map[string]string{FieldLongTerm: "Write something first: where you'd like to go, or what would help you get there."}},
		{"asking too early", early, PlanForm{ShortTerm: "x", AskForCheckIn: true}, DevelopmentPlan{}, map[string]string{FieldOptions: DevelopmentNotYet.Message}},
		{"asking once both check-ins happened shares it", ready, PlanForm{ShortTerm: "x", AskForCheckIn: true}, DevelopmentPlan{ShortTerm: "x", Shared: true}, nil},
		{"too long", early, PlanForm{Needs: strings.Repeat("n", MaxPlanText+1)}, DevelopmentPlan{}, map[string]string{FieldNeeds: "Keep this under 3000 characters (it has 3001)."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanDevelopmentPlan(tt.year, tt.form)
			if diff := cmp.Diff(tt.fields, FieldErrors(err)); diff != "" {
				t.Fatalf("fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}
