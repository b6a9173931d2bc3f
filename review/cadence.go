package review

import (
	"fmt"
	"strconv"
	"strings"
)

// Cadence is how often a pair agrees to check in. It is never slower than
// once a quarter, the program's minimum.
type Cadence struct {
	Monthly bool
	Weeks   int // every N weeks, when N > 0
}

// Quarterly is the program's minimum cadence and the default.
var Quarterly = Cadence{}

// MaxCadenceWeeks is the slowest "every N weeks" cadence that is still
// faster than quarterly.
const MaxCadenceWeeks = 12

// CadenceChoices are the cadences people pick from.
var CadenceChoices = []Cadence{Quarterly, {Monthly: true}, {Weeks: 6}, {Weeks: 4}, {Weeks: 3}, {Weeks: 2}, {Weeks: 1}}

// ParseCadence reads what String writes: "quarterly", "monthly", "weeks:N".
func ParseCadence(s string) (Cadence, error) {
	switch {
	case s == "quarterly" || s == "":
		return Quarterly, nil
	case s == "monthly":
		return Cadence{Monthly: true}, nil
	case strings.HasPrefix(s, "weeks:"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "weeks:"))
		if err == nil && n >= 1 && n <= MaxCadenceWeeks {
			return Cadence{Weeks: n}, nil
		}
	}
	return Quarterly, fmt.Errorf("parse cadence %q: want quarterly, monthly or weeks:1 to weeks:%d", s, MaxCadenceWeeks)
}

// String is the cadence's stored form.
func (c Cadence) String() string {
	switch {
	case c.Monthly:
		return "monthly"
	case c.Weeks > 0:
		return "weeks:" + strconv.Itoa(c.Weeks)
	}
	return "quarterly"
}

// Label is how the cadence reads to people.
func (c Cadence) Label() string {
	switch {
	case c.Monthly:
		return "Monthly"
	case c.Weeks == 1:
		return "Every week"
	case c.Weeks > 1:
		return fmt.Sprintf("Every %d weeks", c.Weeks)
	}
	return "Quarterly"
}

// next returns when the check-in after one held on last is due under the
// cadence, or the zero Date for quarterly (the quarter decides).
func (c Cadence) next(last Date) Date {
	switch {
	case c.Monthly:
		return NewDate(last.Year, last.Month+1, last.Day)
	case c.Weeks > 0:
		return last.AddDays(7 * c.Weeks)
	}
	return Date{}
}
