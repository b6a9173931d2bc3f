package review

import (
	"sort"
	"time"
)

// Role says whose move an item is.
type Role string

// The two sides of a review.
const (
	RoleManager  Role = "manager"
	RoleEmployee Role = "employee"
)

// ItemKind names a piece of the program that can be due.
type ItemKind string

// The items this package knows how to schedule.
const (
	ItemExpectations ItemKind = "expectations" // the manager sets expectations
	ItemGoals        ItemKind = "goals"        // the employee writes at least one goal for an expectation
)

// GraceDays is how long a pair has, when something starts after the first
// quarter, to do what the first quarter is for: a manager to set
// expectations for someone who joined or came to them later, an employee to
// write a goal for an expectation added later.
const GraceDays = 30

// Item is one thing that is due: what, whose move, by when, and whether
// that day has passed.
type Item struct {
	Kind          ItemKind
	Whose         Role
	DueBy         Date
	Overdue       bool
	ExpectationID int64 // for ItemGoals: the expectation that has no goal yet
}

// YearState is what a review holds for one fiscal year, as far as Due needs
// to know.
type YearState struct {
	ReviewID int64 // 0 when the review has not started
	Year     FiscalYear
	// Since is the day the person's time under their current manager
	// began: when they joined the roster, were hired, or last changed
	// manager, whichever is latest. Zero when that is before the year.
	Since        Date
	Expectations []Expectation // active only
	Goals        []Goal        // active only
}

// Due lists what is due in the review s at the instant now, soonest first.
// Expectations and a goal for each of them are due by the end of the first
// quarter. Expectations for someone who came to their manager later are due
// GraceDays after that; a goal for an expectation added later is due
// GraceDays after it was added. An item is overdue once the day after its
// due date has begun.
func (c Calendar) Due(s YearState, now time.Time) []Item {
	today := c.Today(now)
	if today.Before(s.Year.Start()) {
		return nil
	}
	_, q1End := s.Year.Quarter(1)
	item := func(kind ItemKind, whose Role, by Date, expID int64) Item {
		return Item{Kind: kind, Whose: whose, DueBy: by, Overdue: today.After(by), ExpectationID: expID}
	}
	graced := func(from Date) Date {
		if by := from.AddDays(GraceDays); by.After(q1End) {
			return by
		}
		return q1End
	}
	if len(s.Expectations) == 0 {
		return []Item{item(ItemExpectations, RoleManager, graced(s.Since), 0)}
	}
	withGoal := map[int64]bool{}
	for _, g := range s.Goals {
		withGoal[g.ExpectationID] = true
	}
	var items []Item
	for _, e := range s.Expectations {
		if withGoal[e.ID] {
			continue
		}
		items = append(items, item(ItemGoals, RoleEmployee, graced(c.Today(e.CreatedAt)), e.ID))
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].DueBy.Before(items[j].DueBy) })
	return items
}
