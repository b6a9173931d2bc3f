package handlers

import (
	"testing"

	"github.com/massperform/massperform/review"
)

// TestOwesWrapUp: Home lists a closing year's missing wrap-up as the
// reminders do: not for someone on leave for most of the year, nor for
// someone who came after it ended with nothing recorded in it.
func TestOwesWrapUp(t *testing.T) {
	day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
	for _, tc := range []struct {
		name string
		y    review.YearState
		want bool
	}{
		{"in the program all year", review.YearState{Year: 2027, Since: day("2025-03-02")}, true},
		{"joined in June, nothing recorded", review.YearState{Year: 2027, Since: day("2027-06-21")}, true},
		{"joined after the year ended", review.YearState{Year: 2027, Since: day("2027-07-12")}, false},
		{"came to this manager after the year ended, with a review in it", review.YearState{Year: 2027, ReviewID: 9, Since: day("2027-07-12")}, true},
		{"on leave all year", review.YearState{Year: 2027, Since: day("2025-03-02"), Leaves: []review.Leave{{From: day("2026-01-05")}}}, false},
		{"on leave since January", review.YearState{Year: 2027, Since: day("2025-03-02"), Leaves: []review.Leave{{From: day("2027-01-04")}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := owesWrapUp(tc.y); got != tc.want {
				t.Errorf("owesWrapUp = %v, want %v", got, tc.want)
			}
		})
	}
}
