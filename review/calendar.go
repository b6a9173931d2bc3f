package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FiscalYear is a program year, named by the calendar year it ends in:
// FY2027 runs from 2026-07-01 to 2027-06-30.
type FiscalYear int

// FiscalYearOf returns the fiscal year that contains d.
func FiscalYearOf(d Date) FiscalYear {
	if d.Month >= time.July {
		return FiscalYear(d.Year + 1)
	}
	return FiscalYear(d.Year)
}

// ParseFiscalYear reads "FY2027", "fy2027" or "2027".
func ParseFiscalYear(s string) (FiscalYear, error) {
	t := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "FY")
	y, err := strconv.Atoi(t)
	if err != nil || y < 2000 || y > 2200 {
		return 0, fmt.Errorf("parse fiscal year %q: want FY followed by the year it ends, like FY2027", s)
	}
	return FiscalYear(y), nil
}

// String returns "FY2027".
func (fy FiscalYear) String() string { return fmt.Sprintf("FY%d", int(fy)) }

// Start returns July 1 of the year before.
func (fy FiscalYear) Start() Date { return Date{int(fy) - 1, time.July, 1} }

// End returns June 30 of the year it is named by.
func (fy FiscalYear) End() Date { return Date{int(fy), time.June, 30} }

// Contains reports whether d falls inside the fiscal year.
func (fy FiscalYear) Contains(d Date) bool {
	return !d.Before(fy.Start()) && !d.After(fy.End())
}

// Quarter is a quarter of the fiscal year: Q1 is July–September, Q2
// October–December, Q3 January–March, Q4 April–June.
type Quarter int

// QuarterOf returns the fiscal quarter d falls in.
func QuarterOf(d Date) Quarter {
	// July (7) → 1, October (10) → 2, January (1) → 3, April (4) → 4.
	return Quarter((int(d.Month)+5)%12/3 + 1)
}

// String returns "Q1" … "Q4".
func (q Quarter) String() string { return fmt.Sprintf("Q%d", int(q)) }

// Quarter returns the first and last day of quarter q of the fiscal year.
func (fy FiscalYear) Quarter(q Quarter) (first, last Date) {
	first = fy.Start()
	first.Month += time.Month(3 * (int(q) - 1))
	first = NewDate(first.Year, first.Month, 1) // normalises month 13 and beyond
	last = NewDate(first.Year, first.Month+3, 1).AddDays(-1)
	return first, last
}

// Calendar turns instants into program days in the organisation's time zone.
type Calendar struct {
	Loc *time.Location
	// ReflectionDay is the day in June after which a manager may write a
	// wrap-up without the employee's reflection; 0 means
	// DefaultReflectionDeadline.
	ReflectionDay int
	// Holidays are the organisation's days off, for windows counted in
	// workdays (the zero value: the Commonwealth's holidays).
	Holidays Holidays
}

// Today returns the organisation's calendar day at the instant now.
func (c Calendar) Today(now time.Time) Date { return DateOf(now.In(c.Loc)) }

// Year returns the fiscal year running at the instant now.
func (c Calendar) Year(now time.Time) FiscalYear { return FiscalYearOf(c.Today(now)) }
