package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A rehearsal runs the program on a virtual clock that HR moves, so that
// managers can be trained on the year's seasons before they come. These
// are its rules: how far and which way the clock may move, and how the
// date is announced.

// MaxClockMove is the furthest one move takes the rehearsal clock ahead:
// a typo ("advance 700d") should not queue years of reminders.
const MaxClockMove = 2 * 366 * 24 * time.Hour

// ClockMove is a step forward: a number of days (calendar days in the
// organisation's time zone, so 09:00 stays 09:00 across a DST change) and
// of hours.
type ClockMove struct {
	Days  int
	Hours int
}

// ParseClockMove reads a step like "7d", "2w" or "12h".
func ParseClockMove(s string) (ClockMove, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := Errorf(EINVALID, "Say how far to move the clock as a number and a unit, like `7d` (days), `2w` (weeks) or `12h` (hours).")
	if len(s) < 2 {
		return ClockMove{}, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return ClockMove{}, bad
	}
	if n > 2000 {
		return ClockMove{}, Errorf(EINVALID, "One move goes at most two years ahead.")
	}
	switch s[len(s)-1] {
	case 'd':
		return ClockMove{Days: n}, nil
	case 'w':
		return ClockMove{Days: 7 * n}, nil
	case 'h':
		return ClockMove{Hours: n}, nil
	}
	return ClockMove{}, bad
}

// From returns the instant the move leads to from t.
func (m ClockMove) From(t time.Time, loc *time.Location) time.Time {
	return t.In(loc).AddDate(0, 0, m.Days).Add(time.Duration(m.Hours) * time.Hour)
}

// String says the move in words: "7 days", "12 hours".
func (m ClockMove) String() string {
	var parts []string
	if m.Days > 0 {
		parts = append(parts, plural(m.Days, "day", "days"))
	}
	if m.Hours > 0 || m.Days == 0 {
		parts = append(parts, plural(m.Hours, "hour", "hours"))
	}
	return strings.Join(parts, " and ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// DayAt returns day at the same time of day as now, in the calendar's
// time zone: moving the rehearsal to a date keeps the hour.
func (c Calendar) DayAt(day Date, now time.Time) time.Time {
	n := now.In(c.Loc)
	return time.Date(day.Year, day.Month, day.Day, n.Hour(), n.Minute(), n.Second(), n.Nanosecond(), c.Loc)
}

// CheckClockMove says whether the rehearsal clock may go from now to
// target when the rehearsal has history recorded up to latest (zero for
// none). It goes forward at most MaxClockMove; it goes back only to a
// moment after everything recorded, because going back over history would
// put things in the record before they happened.
func (c Calendar) CheckClockMove(now, target, latest time.Time) error {
	switch {
	case target.Year() < 2000 || target.Year() > 2199:
		return Errorf(EINVALID, "Pick a date between 2000 and 2199.")
	case target.Sub(now) > MaxClockMove:
		return Errorf(EINVALID, "One move goes at most two years ahead: the clock is at %s.", c.LongDate(now))
	case target.Before(now) && !latest.IsZero() && target.Before(latest):
		return Errorf(ECONFLICT, "The rehearsal has history up to %s, so the clock can't go back before it. A reset clears the history and lets you start again.", c.LongDate(latest))
	}
	return nil
}

// LongDate writes the day of t the way the rehearsal banner does:
// "10 June 2027".
func (c Calendar) LongDate(t time.Time) string { return t.In(c.Loc).Format("2 January 2006") }

// RehearsalBanner is the line every message, form and Home tab of a
// rehearsal starts with, dated at t.
func (c Calendar) RehearsalBanner(t time.Time) string {
	return "Rehearsal — the date here is " + c.LongDate(t)
}
