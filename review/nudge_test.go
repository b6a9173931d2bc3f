package review

import (
	"strings"
	"testing"
	"time"
)

func TestMassachusettsHolidays(t *testing.T) {
	holidays := []string{
		"2027-01-01", "2027-01-18", "2027-02-15", "2027-04-19", "2027-05-31", "2026-06-19", "2026-07-04",
		"2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
		"2027-07-05", // July 4, 2027 is a Sunday: observed Monday
	}
	for _, s := range holidays {
		if !MassachusettsHoliday(d(s)) {
			t.Errorf("%s is a holiday", s)
		}
	}
	for _, s := range []string{"2026-11-27", "2027-01-19", "2027-04-20", "2027-05-24", "2026-09-14", "2027-06-18",
		"2027-05-27", // the Thursday of Memorial Day's week: only its Monday is off
		"2027-05-30", // and the Sunday before it
	} {
		if MassachusettsHoliday(d(s)) {
			t.Errorf("%s is not a holiday", s)
		}
	}
	var h Holidays
	if h.WorkingDay(d("2026-11-26")) || h.WorkingDay(d("2026-11-28")) || !h.WorkingDay(d("2026-11-27")) {
		t.Error("Thanksgiving and Saturday are off, the Friday after is a working day")
	}
	own, err := ParseHolidays("2026-11-27, 2026-12-24")
	if err != nil || own.WorkingDay(d("2026-11-27")) || !own.WorkingDay(d("2026-11-26")) {
		t.Errorf("a configured list replaces the built-in one: %v", err)
	}
	if _, err := ParseHolidays("2026-13-01"); err == nil {
		t.Error("a bad day is refused")
	}
}

func TestNudgeTime(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	var h Holidays
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 23, 8, 59, 0, 0, la), false},
		{time.Date(2026, 11, 23, 9, 0, 0, 0, la), true},
		{time.Date(2026, 11, 23, 16, 59, 0, 0, la), true},
		{time.Date(2026, 11, 23, 17, 0, 0, 0, la), false},
		{time.Date(2026, 11, 26, 10, 0, 0, 0, la), false}, // Thanksgiving
		{time.Date(2026, 11, 29, 10, 0, 0, 0, la), false}, // Sunday
	} {
		if _, got := h.NudgeTime(tt.at); got != tt.want {
			t.Errorf("NudgeTime(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestRemind(t *testing.T) {
	due := Item{Kind: ItemCheckIn, DueBy: d("2026-12-31")}
	overdue := Item{Kind: ItemCheckIn, DueBy: d("2026-12-31"), Overdue: true}
	tests := []struct {
		name        string
		it          Item
		last, today string
		want        bool
	}{
		{"when the window opens", due, "", "2026-10-01", true},
		{"quiet in the middle of the window", due, "2026-10-01", "2026-11-15", false},
		{"the last three weeks begin", due, "2026-10-01", "2026-12-11", true},
		{"not the day before", due, "2026-10-01", "2026-12-10", false},
		{"weekly in the last weeks", due, "2026-12-11", "2026-12-17", false},
		{"a week later", due, "2026-12-11", "2026-12-18", true},
		{"weekly while overdue", overdue, "2027-01-01", "2027-01-08", true},
		{"not twice in a week while overdue", overdue, "2027-01-05", "2027-01-08", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last Date
			if tt.last != "" {
				last = d(tt.last)
			}
			if got := Remind(tt.it, last, d(tt.today)); got != tt.want {
				t.Errorf("Remind = %v, want %v", got, tt.want)
			}
		})
	}
	if ReminderKey(2027, 5, Item{Kind: ItemCheckIn, Quarter: 2}) == ReminderKey(2027, 5, Item{Kind: ItemCheckIn, Quarter: 3}) ||
		ReminderKey(2027, 5, Item{Kind: ItemExpectations}) == ReminderKey(2028, 5, Item{Kind: ItemExpectations}) {
		t.Error("reminder keys must tell quarters and years apart")
	}
}

func TestPhases(t *testing.T) {
	for day, want := range map[string]string{
		"2026-07-01": "kickoff", "2026-07-14": "kickoff", "2026-07-15": "", "2027-04-30": "",
		"2027-05-03": "wrapup", "2027-06-01": "manager_wrapup", "2027-06-14": "manager_wrapup",
	} {
		fy := FiscalYearOf(d(day))
		var got []string
		for _, p := range Phases(fy, d(day)) {
			got = append(got, string(p))
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("Phases(%s) = %q, want %q", day, g, want)
		}
	}
	if !PhaseKickoff.For(false, true) || !PhaseKickoff.For(true, false) || PhaseWrapUp.For(false, true) || PhaseManagerWrapUp.For(true, false) {
		t.Error("who hears of which phase")
	}
}
