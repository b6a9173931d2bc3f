package review

import (
	"fmt"
	"time"
)

// Date is a calendar day with no time of day and no zone. Program dates
// (a check-in held on, a target date, the end of a quarter) are days in the
// organisation's time zone, so they are kept as Dates, not instants.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// NewDate returns the Date for year, month and day, normalised like time.Date
// (February 30 becomes March 1 or 2).
func NewDate(year int, month time.Month, day int) Date {
	if month >= time.January && month <= time.December && day >= 1 && day <= 28 {
		return Date{year, month, day}
	}
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// ParseDate reads a date written as YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// String formats d as YYYY-MM-DD, and the zero Date as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	if d.Year < 0 || d.Year > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	return string(d.AppendTo(make([]byte, 0, 10)))
}

// AppendTo appends d as YYYY-MM-DD to b (d a day of the years 0 to 9999):
// String without its allocations, for keys built by the hundred thousand.
func (d Date) AppendTo(b []byte) []byte {
	y, m, dd := d.Year, int(d.Month), d.Day
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10%10), byte('0'+m%10), '-', byte('0'+dd/10%10), byte('0'+dd%10))
}

// Human formats d the way people read it in a message, e.g. "Sep 30, 2026".
func (d Date) Human() string {
	if d.IsZero() {
		return ""
	}
	return d.utc().Format("Jan 2, 2006")
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// In returns the instant d begins in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d Date) utc() time.Time { return d.In(time.UTC) }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	if !d.normal() || !o.normal() {
		return d.utc().Compare(o.utc())
	}
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// normal reports whether d is a day as the calendar writes it (no
// February 30), which every Date made by this package is: then days and
// comparisons need no trip through time.Time.
func (d Date) normal() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 && (d.Day <= 28 || d.Day <= daysIn(d.Year, d.Month))
}

// daysIn returns the number of days in month of year.
func daysIn(year int, month time.Month) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// days returns d as a count of days from March 1 of year 0 (proleptic
// Gregorian), for a normal d: the civil-from-days algorithm of Howard
// Hinnant, in whole numbers.
func (d Date) days() int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe
}

// dateOfDays is the inverse of days.
func dateOfDays(n int) Date {
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	return Date{year, time.Month(month), day}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date {
	if !d.normal() {
		return DateOf(d.utc().AddDate(0, 0, n))
	}
	return dateOfDays(d.days() + n)
}

// AddYears returns d n years on (Feb 29 becomes Mar 1 in a common year).
func (d Date) AddYears(n int) Date { return DateOf(d.utc().AddDate(n, 0, 0)) }

// DaysUntil returns the number of days from d to o (negative if o is earlier).
func (d Date) DaysUntil(o Date) int {
	if d.normal() && o.normal() {
		return o.days() - d.days()
	}
	return int(o.utc().Sub(d.utc()).Hours() / 24)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	if !d.normal() {
		return d.utc().Weekday()
	}
	// Day 0, March 1 of year 0, was a Wednesday.
	return time.Weekday((d.days()%7 + 7 + int(time.Wednesday)) % 7)
}
