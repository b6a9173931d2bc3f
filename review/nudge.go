package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Holidays are the days the organisation does not work, on top of
// weekends. The zero value knows Massachusetts' state holidays.
type Holidays struct {
	// Days replaces the built-in list when not nil.
	Days map[Date]bool
}

// ParseHolidays reads a comma-separated list of YYYY-MM-DD days.
func ParseHolidays(list string) (Holidays, error) {
	h := Holidays{Days: map[Date]bool{}}
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		d, err := ParseDate(s)
		if err != nil {
			return Holidays{}, fmt.Errorf("holiday %q: %w", s, err)
		}
		h.Days[d] = true
	}
	return h, nil
}

// Holiday reports whether d is a holiday.
func (h Holidays) Holiday(d Date) bool {
	if h.Days != nil {
		return h.Days[d]
	}
	return MassachusettsHoliday(d)
}

// WorkingDay reports whether d is a weekday that is not a holiday.
func (h Holidays) WorkingDay(d Date) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !h.Holiday(d)
}

// MassachusettsHoliday reports whether d is one of the Commonwealth's
// legal holidays, or the Monday it is observed on when it falls on a
// Sunday.
func MassachusettsHoliday(d Date) bool {
	if massHoliday(d) {
		return true
	}
	return d.Weekday() == time.Monday && massHoliday(d.AddDays(-1))
}

func massHoliday(d Date) bool {
	nth := func(m time.Month, wd time.Weekday, n int) bool {
		return d.Month == m && d.Weekday() == wd && (d.Day-1)/7 == n-1
	}
	last := func(m time.Month, wd time.Weekday) bool {
		return d.Month == m && d.Weekday() == wd && d.AddDays(7).Month != m
	}
	fixed := func(m time.Month, day int) bool { return d.Month == m && d.Day == day }
	return fixed(time.January, 1) || // New Year's Day
		nth(time.January, time.Monday, 3) || // Martin Luther King Jr. Day
		nth(time.February, time.Monday, 3) || // Washington's Birthday
		nth(time.April, time.Monday, 3) || // Patriots' Day
		last(time.May, time.Monday) || // Memorial Day
		fixed(time.June, 19) || // Juneteenth
		fixed(time.July, 4) || // Independence Day
		nth(time.September, time.Monday, 1) || // Labor Day
		nth(time.October, time.Monday, 2) || // Columbus Day / Indigenous Peoples' Day
		fixed(time.November, 11) || // Veterans Day
		nth(time.November, time.Thursday, 4) || // Thanksgiving
		fixed(time.December, 25) // Christmas
}

// Nudge hours: a nudge goes out from NudgeFrom o'clock in the recipient's
// own time zone, and not after NudgeUntil.
const (
	NudgeFrom  = 9
	NudgeUntil = 17
)

// NudgeTime reports whether local, an instant in the recipient's own time
// zone, is a good moment for a nudge: a working day, from 9:00 to 17:00.
// It returns the recipient's day too.
func (h Holidays) NudgeTime(local time.Time) (Date, bool) {
	day := DateOf(local)
	return day, h.WorkingDay(day) && local.Hour() >= NudgeFrom && local.Hour() < NudgeUntil
}

// ReminderKey names a due item of a person's year, stably, for
// remembering when it was last reminded: the same item on another day has
// the same key, the same kind of item in another year or quarter does not.
func ReminderKey(fy FiscalYear, personID int64, it Item) string {
	// Built with strconv, not fmt: a sweep makes one per item due.
	k := make([]byte, 0, 48)
	k = strconv.AppendInt(k, int64(fy), 10)
	k = append(k, ':')
	k = strconv.AppendInt(k, personID, 10)
	k = append(k, ':')
	k = append(k, it.Kind...)
	switch it.Kind {
	case ItemGoals:
		k = strconv.AppendInt(append(k, ':'), it.ExpectationID, 10)
	case ItemConfirmation:
		k = strconv.AppendInt(append(k, ':'), it.CheckInID, 10)
	case ItemPlanReview:
		k = strconv.AppendInt(append(k, ':'), it.PlanID, 10)
		k = append(append(k, ':'), it.DueBy.String()...)
	case ItemCheckIn, ItemFirstCheckIn:
		k = strconv.AppendInt(append(k, ":Q"...), int64(it.Quarter), 10)
	}
	return string(k)
}

// ReminderGap is how long the rhythm waits between reminders of one item.
const ReminderGap = 7

// LastWeeks is how close to its due date an item starts being reminded
// weekly.
const LastWeeks = 3

// Remind reports whether an item should be in today's nudge, given the
// last day it was reminded or announced (zero if never): once when its
// window opens, then weekly in its last three weeks, then weekly while it
// is overdue. Nothing is reminded twice within a week.
func Remind(it Item, last, today Date) bool {
	if last.IsZero() {
		return true
	}
	if last.DaysUntil(today) < ReminderGap {
		return false
	}
	return it.Overdue || !today.Before(it.DueBy.AddDays(-7*LastWeeks+1))
}

// Phase is a moment of the year everyone concerned is told about once,
// in their first reminder on or after it.
type Phase string

// The year's openings.
const (
	PhaseKickoff       Phase = "kickoff"        // July 1: a new year; managers set expectations, employees write goals
	PhaseWrapUp        Phase = "wrapup"         // May 1: employees can write their reflection
	PhaseManagerWrapUp Phase = "manager_wrapup" // June 1: managers write wrap-ups
)

// PhaseWindow is how long after an opening the announcement can still
// come (a first working day after a long weekend, say).
const PhaseWindow = 14

// Opens returns the day a phase opens in fy.
func (p Phase) Opens(fy FiscalYear) Date {
	switch p {
	case PhaseWrapUp:
		return fy.WrapUpOpens()
	case PhaseManagerWrapUp:
		return fy.ManagerWrapUpOpens()
	}
	return fy.Start()
}

// For reports whether someone who is reviewed (has a manager) and/or
// manages people is told about the phase.
func (p Phase) For(reviewed, manages bool) bool {
	switch p {
	case PhaseWrapUp:
		return reviewed
	case PhaseManagerWrapUp:
		return manages
	}
	return reviewed || manages
}

// Phases lists the phases whose announcement window holds day, in fy.
func Phases(fy FiscalYear, day Date) []Phase {
	var out []Phase
	for _, p := range []Phase{PhaseKickoff, PhaseWrapUp, PhaseManagerWrapUp} {
		opens := p.Opens(fy)
		if !day.Before(opens) && day.Before(opens.AddDays(PhaseWindow)) {
			out = append(out, p)
		}
	}
	return out
}

// PhaseKey is the reminder key of a phase's announcement to a person.
func PhaseKey(fy FiscalYear, personID int64, p Phase) string {
	return fmt.Sprintf("%d:%d:phase:%s", int(fy), personID, p)
}
