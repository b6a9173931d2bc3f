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
	ItemExpectations ItemKind = "expectations"  // the manager sets expectations
	ItemGoals        ItemKind = "goals"         // the employee writes at least one goal for an expectation
	ItemFirstCheckIn ItemKind = "first_checkin" // the manager holds and logs the year's first check-in
	ItemCheckIn      ItemKind = "checkin"       // the manager holds a check-in: in a quarter, or by the agreed cadence
	ItemConfirmation ItemKind = "confirmation"  // the employee confirms a logged check-in
	ItemReflection   ItemKind = "reflection"    // the employee writes their wrap-up reflection: optional, never overdue
	ItemWrapUp       ItemKind = "wrapup"        // the manager writes the wrap-up with the rating
	ItemPlanReview   ItemKind = "plan_review"   // the manager re-evaluates an improvement plan
	ItemAcknowledge  ItemKind = "acknowledge"   // the employee says they have seen their released review: optional, never overdue
)

// ConfirmWithinDays is how long the employee has to confirm a check-in
// once it is logged.
const ConfirmWithinDays = 14

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
	ExpectationID int64   // for ItemGoals: the expectation that has no goal yet
	Quarter       Quarter // for ItemCheckIn: the quarter it counts for
	ByCadence     bool    // for ItemCheckIn: asked for by the agreed cadence, sooner than the quarter would
	CheckInID     int64   // for ItemConfirmation: the check-in to confirm
	PlanID        int64   // for ItemPlanReview: the improvement plan to re-evaluate
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
	Left         bool // the person left the program: nothing is due
	Cadence      Cadence
	Expectations []Expectation // active only
	Goals        []Goal        // active only
	CheckIns     []CheckIn     // held this year, oldest first, with their confirmations
	Plan         *DevelopmentPlan
	WrapUp       *WrapUp // nil until someone starts it
	Leaves       []Leave // HR's record of the person's leave, any year
	// Plans are the person's open improvement plans, whatever year they
	// came from: they carry on until closed.
	Plans []ImprovementPlan
}

// RequiredQuarters reports, for each quarter of the year, whether the
// person is expected to have a check-in in it: every quarter they had at
// least GraceDays of. Someone who joins (or comes to their manager) with
// less of a quarter left starts with the next one: on-cycle when they have
// the first quarter, off-cycle when they start later.
func (y YearState) RequiredQuarters() [5]bool {
	var req [5]bool
	start := y.Year.Start()
	if y.Since.After(start) {
		start = y.Since
	}
	for q := Quarter(1); q <= 4; q++ {
		first, last := y.Year.Quarter(q)
		req[q] = !last.Before(start.AddDays(GraceDays)) && !excused(y.Leaves, first, last)
	}
	return req
}

// excused reports whether leave covers at least half of the days from
// first to last: the quarter owes no check-in.
func excused(leaves []Leave, first, last Date) bool {
	if len(leaves) == 0 {
		return false
	}
	on, all := 0, 0
	for d := first; !d.After(last); d = d.AddDays(1) {
		all++
		if OnLeave(leaves, d) {
			on++
		}
	}
	return 2*on >= all
}

// OnCycle reports whether the person's year starts with the first quarter.
func (y YearState) OnCycle() bool { return y.RequiredQuarters()[1] }

// CheckInsIn returns how many check-ins were held in quarter q.
func (y YearState) CheckInsIn(q Quarter) int {
	n := 0
	for _, c := range y.CheckIns {
		if c.Quarter() == q {
			n++
		}
	}
	return n
}

// Due lists what is due in the review s at the instant now, soonest first.
// Expectations and a goal for each of them are due by the end of the first
// quarter. Expectations for someone who came to their manager later are due
// GraceDays after that; a goal for an expectation added later is due
// GraceDays after it was added.
//
// The first check-in is due by the end of the first required quarter (see
// RequiredQuarters); after it, a check-in in every required quarter, by
// the quarter's end, or sooner by the agreed cadence (counted from the
// last check-in). A required quarter that ended without a check-in stays
// overdue: a check-in counts for the quarter it is held in. Each logged
// check-in is to be confirmed by the employee within ConfirmWithinDays.
//
// An item is overdue once the day after its due date has begun. Nothing is
// due for someone who has left.
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
	if s.Left || OnLeave(s.Leaves, today) {
		return nil
	}
	items := s.checkInsDue(c, today)
	for _, p := range s.Plans {
		items = append(items, Item{Kind: ItemPlanReview, Whose: RoleManager, DueBy: p.Reevaluate, Overdue: today.After(p.Reevaluate), PlanID: p.ID})
	}
	if !DefaultYearEnd.NotRatedForLeave(s.Leaves, s.Year) {
		items = append(items, s.wrapUpDue(c, today)...)
	}
	if len(s.Expectations) == 0 {
		items = append(items, item(ItemExpectations, RoleManager, graced(s.Since), 0))
		return s.afterLeave(items, today)
	}
	withGoal := map[int64]bool{}
	for _, g := range s.Goals {
		withGoal[g.ExpectationID] = true
	}
	for _, e := range s.Expectations {
		if withGoal[e.ID] {
			continue
		}
		items = append(items, item(ItemGoals, RoleEmployee, graced(c.Today(e.CreatedAt)), e.ID))
	}
	return s.afterLeave(items, today)
}

// afterLeave holds leave harmless: an item whose due day fell in a leave
// that has ended is due GraceDays after the return instead. Items are
// then sorted, soonest first.
func (s YearState) afterLeave(items []Item, today Date) []Item {
	for i, it := range items {
		for _, l := range s.Leaves {
			if !l.To.IsZero() && l.On(it.DueBy) {
				it.DueBy = l.To.AddDays(GraceDays)
				it.Overdue = today.After(it.DueBy)
				items[i] = it
			}
		}
	}
	sortItems(items)
	return items
}

func sortItems(items []Item) {
	sort.SliceStable(items, func(i, j int) bool { return items[i].DueBy.Before(items[j].DueBy) })
}

// lastCheckIn returns the day of the latest check-in.
func (s YearState) lastCheckIn() Date {
	var last Date
	for _, ci := range s.CheckIns {
		if ci.HeldOn.After(last) {
			last = ci.HeldOn
		}
	}
	return last
}

// checkInsDue lists the check-ins and confirmations due on day today.
func (s YearState) checkInsDue(c Calendar, today Date) []Item {
	req := s.RequiredQuarters()
	var items []Item
	add := func(it Item) {
		it.Overdue = today.After(it.DueBy)
		items = append(items, it)
	}
	for _, ci := range s.CheckIns {
		if ci.Confirmation == nil {
			logged := ci.HeldOn
			if !ci.CreatedAt.IsZero() {
				logged = c.Today(ci.CreatedAt)
			}
			add(Item{Kind: ItemConfirmation, Whose: RoleEmployee, DueBy: logged.AddDays(ConfirmWithinDays), CheckInID: ci.ID})
		}
	}
	if len(s.CheckIns) == 0 {
		for q := Quarter(1); q <= 4; q++ {
			if req[q] {
				_, last := s.Year.Quarter(q)
				add(Item{Kind: ItemFirstCheckIn, Whose: RoleManager, DueBy: last, Quarter: q})
				break
			}
		}
		return items
	}
	current := QuarterOf(today)
	if !s.Year.Contains(today) {
		current = 5 // the year is over: every quarter has ended
	}
	for q := Quarter(1); q <= 4 && q <= current; q++ {
		if !req[q] || s.CheckInsIn(q) > 0 {
			continue
		}
		_, last := s.Year.Quarter(q)
		add(Item{Kind: ItemCheckIn, Whose: RoleManager, DueBy: last, Quarter: q})
	}
	// A faster cadence asks for the next check-in sooner than the quarter
	// does, counting from the last one.
	next := s.Cadence.next(s.lastCheckIn())
	if next.IsZero() || next.After(s.Year.End()) || current > 4 {
		return items
	}
	if s.CheckInsIn(current) == 0 && req[current] {
		for i := range items {
			if items[i].Kind == ItemCheckIn && items[i].Quarter == current && next.Before(items[i].DueBy) {
				items[i].DueBy, items[i].Overdue, items[i].ByCadence = next, today.After(next), true
			}
		}
	} else {
		add(Item{Kind: ItemCheckIn, Whose: RoleManager, DueBy: next, Quarter: QuarterOf(next), ByCadence: true})
	}
	return items
}

// wrapUpDue lists the wrap-up's items: from May 1 the employee's
// reflection, which is optional and so never overdue, until they send it
// or the manager's wrap-up is in; from June 1 the manager's wrap-up, due
// by the end of the year.
func (s YearState) wrapUpDue(c Calendar, today Date) []Item {
	var items []Item
	w := s.WrapUp
	if w.Released() && w.AcknowledgedAt.IsZero() {
		// Asked after AcknowledgeReminder workdays, while a response can
		// still be written.
		held := DateOf(w.HeldAt.In(c.Loc))
		from := DefaultYearEnd.AcknowledgeReminderDue(c.Holidays, held)
		if until := DefaultYearEnd.ResponseCloses(c.Holidays, held); !today.Before(from) && !today.After(until) {
			return []Item{{Kind: ItemAcknowledge, Whose: RoleEmployee, DueBy: until}}
		}
	}
	if w.Rated() {
		return nil
	}
	if !today.Before(s.Year.WrapUpOpens()) && !w.Reflected() {
		items = append(items, Item{Kind: ItemReflection, Whose: RoleEmployee, DueBy: c.ReflectionDeadline(s.Year)})
	}
	if !today.Before(s.Year.ManagerWrapUpOpens()) {
		items = append(items, Item{Kind: ItemWrapUp, Whose: RoleManager, DueBy: s.Year.End(), Overdue: today.After(s.Year.End())})
	}
	return items
}

// About keeps of the year only what describing it needs: the expectation a
// goal item is for, the check-in a confirmation item is about. Lists of
// items across many people hold these, not whole years.
func (s YearState) About(it Item) YearState {
	mini := YearState{ReviewID: s.ReviewID, Year: s.Year, Cadence: s.Cadence}
	for _, e := range s.Expectations {
		if it.Kind == ItemGoals && e.ID == it.ExpectationID {
			mini.Expectations = []Expectation{e}
		}
	}
	for _, c := range s.CheckIns {
		if it.Kind == ItemConfirmation && c.ID == it.CheckInID {
			mini.CheckIns = []CheckIn{c}
		}
	}
	return mini
}
