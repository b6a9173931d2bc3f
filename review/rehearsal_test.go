package review

import (
	"strings"
	"testing"
	"time"
)

func TestParseClockMove(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ClockMove
		err  string
	}{
		{"7d", ClockMove{Days: 7}, ""},
		{" 2W ", ClockMove{Days: 14}, ""},
		{"12h", ClockMove{Hours: 12}, ""},
		{"1d", ClockMove{Days: 1}, ""},
		{"0d", ClockMove{}, EINVALID},
		{"-3d", ClockMove{}, EINVALID},
		{"7", ClockMove{}, EINVALID},
		{"7 days", ClockMove{}, EINVALID},
		{"d", ClockMove{}, EINVALID},
		{"3m", ClockMove{}, EINVALID},
		{"5000d", ClockMove{}, EINVALID},
		// The parser takes up to 2000 of a unit, and refuses more at once;
		// CheckClockMove then holds a move to two years.
		{"2000d", ClockMove{Days: 2000}, ""},
		{"2001d", ClockMove{}, EINVALID},
		{"", ClockMove{}, EINVALID},
	} {
		got, err := ParseClockMove(tc.in)
		if ErrorCode(err) != tc.err || got != tc.want {
			t.Errorf("ParseClockMove(%q) = %+v, %v; want %+v, code %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestClockMoveKeepsTheHourAcrossDST(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cal := Calendar{Loc: ny}
	start := time.Date(2026, 10, 30, 9, 5, 0, 0, ny) // DST ends on Nov 1
	got := ClockMove{Days: 7}.From(start, ny)
	if want := time.Date(2026, 11, 6, 9, 5, 0, 0, ny); !got.Equal(want) {
		t.Errorf("7d from %v = %v, want %v", start, got, want)
	}
	if got := (ClockMove{Hours: 12}).From(start, ny); got.Sub(start) != 12*time.Hour {
		t.Errorf("12h moved %v", got.Sub(start))
	}
	at := cal.DayAt(NewDate(2027, 6, 10), start)
	if want := time.Date(2027, 6, 10, 9, 5, 0, 0, ny); !at.Equal(want) {
		t.Errorf("DayAt = %v, want %v", at, want)
	}
	if s := (ClockMove{Days: 1}).String(); s != "1 day" {
		t.Errorf("String = %q", s)
	}
	if s := (ClockMove{Hours: 12}).String(); s != "12 hours" {
		t.Errorf("String = %q", s)
	}
}

func TestCheckClockMove(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cal := Calendar{Loc: ny}
	now := time.Date(2026, 10, 1, 10, 0, 0, 0, ny)
	history := time.Date(2026, 9, 15, 12, 0, 0, 0, ny)
	for _, tc := range []struct {
		name           string
		target, latest time.Time
		want           string
	}{
		{"forward a week", now.AddDate(0, 0, 7), history, ""},
		{"forward to June", time.Date(2027, 6, 1, 10, 0, 0, 0, ny), history, ""},
		{"forward two years and more", now.AddDate(2, 1, 0), history, EINVALID},
		{"back, nothing recorded", time.Date(2026, 7, 1, 10, 0, 0, 0, ny), time.Time{}, ""},
		{"back, to after the history", time.Date(2026, 9, 20, 10, 0, 0, 0, ny), history, ""},
		{"back over the history", time.Date(2026, 9, 1, 10, 0, 0, 0, ny), history, ECONFLICT},
		{"forward exactly two years of 366 days", now.Add(MaxClockMove), history, ""},
		{"a minute more than that", now.Add(MaxClockMove + time.Minute), history, EINVALID},
		{"a century away", time.Date(1999, 1, 1, 0, 0, 0, 0, ny), time.Time{}, EINVALID},
	} {
		err := cal.CheckClockMove(now, tc.target, tc.latest)
		if ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want code %q", tc.name, err, tc.want)
		}
	}
	// The clock stays between the years 2000 and 2199.
	for _, tc := range []struct {
		name        string
		now, target time.Time
		want        string // a piece of the refusal, "" when allowed
	}{
		{"the last day of 1999", time.Date(2000, 6, 1, 10, 0, 0, 0, ny), time.Date(1999, 12, 31, 10, 0, 0, 0, ny), "between 2000 and 2199"},
		{"the first day of 2000", time.Date(2000, 6, 1, 10, 0, 0, 0, ny), time.Date(2000, 1, 1, 10, 0, 0, 0, ny), ""},
		{"the last day of 2199", time.Date(2199, 6, 1, 10, 0, 0, 0, ny), time.Date(2199, 12, 31, 10, 0, 0, 0, ny), ""},
		{"the first day of 2200", time.Date(2199, 6, 1, 10, 0, 0, 0, ny), time.Date(2200, 1, 1, 10, 0, 0, 0, ny), "between 2000 and 2199"},
		{"three years on", time.Date(2027, 6, 1, 10, 0, 0, 0, ny), time.Date(2030, 6, 1, 10, 0, 0, 0, ny), "at most two years ahead: the clock is at 1 June 2027"},
	} {
		err := cal.CheckClockMove(tc.now, tc.target, time.Time{})
		if msg := ErrorMessage(err); tc.want == "" && err != nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	err := cal.CheckClockMove(now, time.Date(2026, 9, 1, 10, 0, 0, 0, ny), history)
	if msg := ErrorMessage(err); msg != "The rehearsal has history up to 15 September 2026, so the clock can't go back before it. A reset clears the history and lets you start again." {
		t.Errorf("message: %q", msg)
	}
	if b := cal.RehearsalBanner(time.Date(2027, 6, 10, 23, 30, 0, 0, ny)); b != "Rehearsal — the date here is 10 June 2027" {
		t.Errorf("banner: %q", b)
	}
}
