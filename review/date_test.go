package review

import (
	"fmt"
	"testing"
	"time"
)

// The day arithmetic is done in whole numbers (days from a fixed day); it
// must agree with the time package's on every day it is asked about.
func TestDateArithmeticAgreesWithTime(t *testing.T) {
	start := time.Date(1895, time.January, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2105, time.January, 1, 0, 0, 0, 0, time.UTC)
	offsets := []int{-36525, -400, -366, -365, -59, -31, -1, 0, 1, 2, 28, 29, 30, 59, 60, 92, 365, 366, 1461, 36524, 146097}
	prev := Date{}
	for at := start; at.Before(end); at = at.AddDate(0, 0, 1) {
		d := DateOf(at)
		if got := NewDate(d.Year, d.Month, d.Day); got != d {
			t.Fatalf("NewDate(%v) = %v", d, got)
		}
		if got, want := d.String(), at.Format(time.DateOnly); got != want {
			t.Fatalf("String(%v) = %q, want %q", d, got, want)
		}
		if got := d.Weekday(); got != at.Weekday() {
			t.Fatalf("%v.Weekday() = %v, want %v", d, got, at.Weekday())
		}
		for _, n := range offsets {
			want := DateOf(at.AddDate(0, 0, n))
			if got := d.AddDays(n); got != want {
				t.Fatalf("%v.AddDays(%d) = %v, want %v", d, n, got, want)
			}
			if got := d.DaysUntil(want); got != n {
				t.Fatalf("%v.DaysUntil(%v) = %d, want %d", d, want, got, n)
			}
			if got, want := d.Compare(want), cmpInt(0, n); got != want {
				t.Fatalf("%v.Compare(%v) = %d, want %d", d, d.AddDays(n), got, want)
			}
		}
		if !prev.IsZero() && (!prev.Before(d) || !d.After(prev) || d.Compare(prev) != 1 || prev.Compare(d) != -1 || d.Compare(d) != 0) {
			t.Fatalf("%v and the day before, %v, compare wrongly", d, prev)
		}
		prev = d
	}
}

// Days as the calendar does not write them (February 30, month 13) are
// still normalised the way time.Date does, whatever path they take.
func TestDateOutOfRangeNormalises(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		want string
	}{
		{Date{2027, time.February, 30}, "2027-03-02"},
		{Date{2027, time.February, 29}, "2027-03-01"},
		{Date{2100, time.February, 29}, "2100-03-01"},
		{Date{2000, time.February, 30}, "2000-03-01"},
		{Date{2028, time.February, 30}, "2028-03-01"},
		{Date{2026, 13, 1}, "2027-01-01"},
		{Date{2026, time.July, 0}, "2026-06-30"},
		{Date{2026, time.April, 31}, "2026-05-01"},
	} {
		t.Run(fmt.Sprint(tc.d), func(t *testing.T) {
			if got := tc.d.AddDays(0).String(); got != tc.want {
				t.Errorf("AddDays(0) = %s, want %s", got, tc.want)
			}
			if got := NewDate(tc.d.Year, tc.d.Month, tc.d.Day).String(); got != tc.want {
				t.Errorf("NewDate = %s, want %s", got, tc.want)
			}
			w, _ := ParseDate(tc.want)
			if got := tc.d.Compare(w); got != 0 {
				t.Errorf("Compare with %s = %d, want 0", tc.want, got)
			}
			if got := tc.d.DaysUntil(w); got != 0 {
				t.Errorf("DaysUntil %s = %d, want 0", tc.want, got)
			}
		})
	}
}

func TestReminderKeys(t *testing.T) {
	for _, tc := range []struct {
		it   Item
		want string
	}{
		{Item{Kind: ItemGoals, ExpectationID: 42}, "2027:7:" + string(ItemGoals) + ":42"},
		{Item{Kind: ItemConfirmation, CheckInID: 9}, "2027:7:" + string(ItemConfirmation) + ":9"},
		{Item{Kind: ItemPlanReview, PlanID: 3, DueBy: NewDate(2026, time.November, 5)}, "2027:7:" + string(ItemPlanReview) + ":3:2026-11-05"},
		{Item{Kind: ItemCheckIn, Quarter: 2}, "2027:7:" + string(ItemCheckIn) + ":Q2"},
		{Item{Kind: ItemFirstCheckIn, Quarter: 1}, "2027:7:" + string(ItemFirstCheckIn) + ":Q1"},
		{Item{Kind: ItemExpectations}, "2027:7:" + string(ItemExpectations)},
	} {
		if got := ReminderKey(2027, 7, tc.it); got != tc.want {
			t.Errorf("ReminderKey(%+v) = %q, want %q", tc.it, got, tc.want)
		}
	}
}
