package review

import (
	"sort"
	"time"
)

// Completion counts how far a group of people has got with one part of
// the program: Done of Of.
type Completion struct {
	Done, Of int
}

// Rate is Done as a share of Of, in percent (100 when there is nothing to
// do).
func (c Completion) Rate() float64 {
	if c.Of == 0 {
		return 100
	}
	return 100 * float64(c.Done) / float64(c.Of)
}

func (c *Completion) count(applies, done bool) {
	if !applies {
		return
	}
	c.Of++
	if done {
		c.Done++
	}
}

// Standing is a group's completion of each part of the program.
type Standing struct {
	People       int
	Expectations Completion // expectations set
	Goals        Completion // a goal for every expectation, among those with expectations
	FirstCheckIn Completion // among those whose first check-in is due by now
	ThisQuarter  Completion // a check-in this quarter, among those who owe one for it
	Confirmed    Completion // check-ins confirmed, among check-ins logged
	Plans        Completion // development plans shared
	WrapUps      Completion // manager wrap-ups done (from June 1), never which rating
}

// add counts one person's year into the group, on day today.
func (p *Standing) add(y YearState, today Date) {
	p.People++
	p.Expectations.count(true, len(y.Expectations) > 0)
	if len(y.Expectations) > 0 {
		withGoal := map[int64]bool{}
		for _, g := range y.Goals {
			withGoal[g.ExpectationID] = true
		}
		all := true
		for _, e := range y.Expectations {
			all = all && withGoal[e.ID]
		}
		p.Goals.count(true, all)
	}
	req := y.RequiredQuarters()
	first := Quarter(0)
	for q := Quarter(1); q <= 4; q++ {
		if req[q] {
			first = q
			break
		}
	}
	if first > 0 {
		_, end := y.Year.Quarter(first)
		p.FirstCheckIn.count(!today.Before(end) || len(y.CheckIns) > 0, len(y.CheckIns) > 0)
	}
	if y.Year.Contains(today) {
		q := QuarterOf(today)
		p.ThisQuarter.count(req[q], y.CheckInsIn(q) > 0)
	}
	for _, c := range y.CheckIns {
		p.Confirmed.count(true, c.Confirmation != nil)
	}
	p.Plans.count(true, y.Plan != nil && y.Plan.Shared)
	p.WrapUps.count(!today.Before(y.Year.ManagerWrapUpOpens()), y.WrapUp.Rated())
}

// Overdue is one overdue item, and whose review it is in.
type Overdue struct {
	Person *Person // of a digest's, what it keeps: ID, Name and Unit
	Item   Item
	Year   YearState // what describing the item needs (YearState.About)
}

// ManagerOverdue is what a manager (or, for the employee's own moves, the
// employee's manager's team) has overdue.
type ManagerOverdue struct {
	Manager *Person
	// Items are the manager's overdue items by person, then soonest due:
	// all of them, or only the first few when the digest was built with
	// DigestBuilder.Listed (Digest.EachOverdue has them all).
	Items []Overdue
	// Count is how many items the manager has overdue (Total reads it).
	Count int
}

// Total is how many items the manager has overdue: Count, or the Items
// listed when Count was left unset.
func (m ManagerOverdue) Total() int { return max(m.Count, len(m.Items)) }

// NoAnswer is a compliance question answered No.
type NoAnswer struct {
	Person *Person // whose review it is
	Answer Answer
}

// Digest is HR's weekly picture of the program: completion for the
// organisation and each unit, who is overdue grouped by manager, the No
// answers, and the notifications that could not be delivered. It never
// holds a rating.
type Digest struct {
	Year    FiscalYear
	Day     Date
	Org     Standing
	Units   map[string]*Standing
	Overdue []ManagerOverdue // most overdue first
	No      []NoAnswer       // newest first
	Failed  int              // deliveries given up on since the last digest
	// Closing is what is still open of the year that ended, while HR has
	// not closed it (nil otherwise): counts, never names.
	Closing *YearBusiness
	// Appeals counts the open appeals of ratings, and those whose hearing
	// is overdue; their names are for /perform appeals, not the channel.
	Appeals, HearingsOverdue int
	// PlansOverdue counts improvement plans whose re-evaluation is overdue.
	PlansOverdue int
	// Trend is the count of overdue items week by week over this quarter,
	// oldest first, ending with this digest's own (OverdueTrend).
	Trend []DigestCount
	// lists holds every overdue item, small, for EachOverdue (nil in a
	// digest not built by a DigestBuilder).
	lists *overdueLists
}

// DigestCount is what a digest counted on its day: the overdue items it
// listed (Digest.OverdueCount).
type DigestCount struct {
	Day     Date
	Overdue int
}

// OverdueTrend is the overdue count week by week, Monday to Sunday, from
// the first day of today's quarter to today: each week's last digest in
// past (earlier digests, in any order), and for today's week the count of
// today's digest, overdue. Weeks without a digest are left out: nothing
// says what was overdue then. A quarter has at most 14 such weeks.
func OverdueTrend(today Date, past []DigestCount, overdue int) []DigestCount {
	first, _ := FiscalYearOf(today).Quarter(QuarterOf(today))
	thisWeek := weekOf(today)
	last := map[Date]DigestCount{}
	for _, c := range past {
		if c.Day.Before(first) || !c.Day.Before(today) {
			continue
		}
		w := weekOf(c.Day)
		if w == thisWeek {
			continue // today's count is the week's latest
		}
		if prev, ok := last[w]; !ok || c.Day.After(prev.Day) {
			last[w] = c
		}
	}
	out := make([]DigestCount, 0, len(last)+1)
	for _, c := range last {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return append(out, DigestCount{Day: today, Overdue: overdue})
}

// weekOf returns the Monday of d's week.
func weekOf(d Date) Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// DigestBuilder collects a digest person by person, so that it can be
// built from a stream of any size. Of the people with overdue items it
// keeps their id, name and unit, and each item in a few bytes: an
// organisation of 100,000 can have 200,000 overdue items.
type DigestBuilder struct {
	cal   Calendar
	now   time.Time
	today Date
	d     Digest
	lists *overdueLists
	// Listed, when above 0, is how many of each manager's items Build
	// writes out in full in ManagerOverdue.Items, the first ones: what a
	// message shows. Digest.EachOverdue still has them all.
	Listed int
}

// NewDigest starts a digest for the fiscal year running at now.
func NewDigest(cal Calendar, now time.Time) *DigestBuilder {
	today := cal.Today(now)
	return &DigestBuilder{cal: cal, now: now, today: today, d: Digest{Year: FiscalYearOf(today), Day: today, Units: map[string]*Standing{}},
		lists: &overdueLists{byManager: map[int64]*managerList{}, units: map[string]string{}}}
}

// Add counts a reviewed person, with their manager and year. Overdue
// items are filed under the manager whose team the person is in. The
// digest keeps the manager's pointer, and of the person what it lists
// (id, name and unit): neither may change afterwards.
func (b *DigestBuilder) Add(p, manager *Person, y YearState) {
	if y.Left || !p.Active {
		return
	}
	b.d.Org.add(y, b.today)
	u := b.d.Units[p.Unit]
	if u == nil {
		u = &Standing{}
		b.d.Units[p.Unit] = u
	}
	u.add(y, b.today)
	who := int32(-1)
	for _, it := range b.cal.Due(y, b.now) {
		if !it.Overdue {
			continue
		}
		if it.Kind == ItemPlanReview {
			// A plan tells of a low rating: counted, never named.
			b.d.PlansOverdue++
			continue
		}
		if who < 0 {
			who = b.lists.person(p, y)
		}
		b.lists.add(manager, who, it, y.About(it))
	}
}

// AddNo records a No answer.
func (b *DigestBuilder) AddNo(p *Person, a Answer) {
	b.d.No = append(b.d.No, NoAnswer{Person: p, Answer: a})
}

// Build returns the digest, with failed deliveries.
func (b *DigestBuilder) Build(failed int) Digest {
	d := b.d
	d.Failed = failed
	d.lists = b.lists
	l := b.lists
	l.order = l.order[:0]
	for _, m := range l.managers {
		sort.Slice(m.items, func(i, j int) bool {
			a, c := &m.items[i], &m.items[j]
			if na, nc := l.people[a.who].name, l.people[c.who].name; na != nc {
				return na < nc
			}
			return l.dueBy(a).Before(l.dueBy(c))
		})
		l.order = append(l.order, m)
	}
	// The managers' order, as Overdue's.
	sort.Slice(l.order, func(i, j int) bool {
		if len(l.order[i].items) != len(l.order[j].items) {
			return len(l.order[i].items) > len(l.order[j].items)
		}
		return l.order[i].manager.Name < l.order[j].manager.Name
	})
	if len(l.order) > 0 {
		d.Overdue = make([]ManagerOverdue, len(l.order))
	}
	for i, m := range l.order {
		n := len(m.items)
		if b.Listed > 0 {
			n = min(n, b.Listed)
		}
		items := make([]Overdue, n)
		var p *Person
		for j := range items {
			items[j], p = l.overdue(&m.items[j], p)
		}
		d.Overdue[i] = ManagerOverdue{Manager: m.manager, Items: items, Count: len(m.items)}
	}
	sort.SliceStable(d.No, func(i, j int) bool { return d.No[i].Answer.AnsweredAt.After(d.No[j].Answer.AnsweredAt) })
	return d
}

// EachOverdue calls fn with every overdue item, manager by manager in
// Overdue's order, each manager's items in theirs: all of them, even when
// Items lists only the first few (DigestBuilder.Listed). The Overdue is
// written out for the call: fn may keep it.
func (d Digest) EachOverdue(fn func(m *ManagerOverdue, o Overdue)) {
	if d.lists == nil || len(d.lists.order) != len(d.Overdue) {
		for i := range d.Overdue {
			for _, o := range d.Overdue[i].Items {
				fn(&d.Overdue[i], o)
			}
		}
		return
	}
	for i, m := range d.lists.order {
		var p *Person
		for j := range m.items {
			var o Overdue
			o, p = d.lists.overdue(&m.items[j], p)
			fn(&d.Overdue[i], o)
		}
	}
}

// overdueLists is every overdue item of a digest, each in 16 bytes: the
// person (their id, name and unit, once), the item's kind, side, quarter,
// flags and day, and what else it carries (ids, the expectation or
// check-in that describes it) in a side table, for the few that have any.
type overdueLists struct {
	byManager map[int64]*managerList
	managers  []*managerList // as first met
	order     []*managerList // as listed (Build)
	people    []listedPerson
	units     map[string]string // one copy of each unit's name
	kinds     []ItemKind
	roles     []Role
	details   []itemDetail
}

// managerList is one manager's overdue items.
type managerList struct {
	manager *Person
	items   []listedItem
}

// listedPerson is what the digest keeps of someone with overdue items:
// enough to name them and describe their items (YearState.About).
type listedPerson struct {
	id, reviewID int64
	name, unit   string
	year         FiscalYear
	cadence      Cadence
}

// listedItem is an overdue item, small.
type listedItem struct {
	who    int32 // in people
	due    int32 // the day, packed (packDate), when detail is -1
	detail int32 // in details, or -1
	kind   uint8 // in kinds
	whose  uint8 // in roles
	quart  uint8 // the Quarter, when detail is -1
	flags  uint8 // itemByCadence
}

const itemByCadence = 1

// itemDetail is what an item carries beyond the common: its ids and the
// parts of the year that describe it (a goal's expectation, a
// confirmation's check-in), with its day and quarter.
type itemDetail struct {
	due                              Date
	quarter                          Quarter
	expectationID, checkInID, planID int64
	expectations                     []Expectation
	checkIns                         []CheckIn
}

// person keeps p (of year y) and returns where.
func (l *overdueLists) person(p *Person, y YearState) int32 {
	unit, ok := l.units[p.Unit]
	if !ok {
		unit = p.Unit
		l.units[unit] = unit
	}
	l.people = append(l.people, listedPerson{id: p.ID, reviewID: y.ReviewID, name: p.Name, unit: unit, year: y.Year, cadence: y.Cadence})
	return int32(len(l.people) - 1)
}

// add files item it of person who under manager; about is what describes
// it (YearState.About), of which the person's part is already kept.
func (l *overdueLists) add(manager *Person, who int32, it Item, about YearState) {
	m := l.byManager[manager.ID]
	if m == nil {
		m = &managerList{manager: manager}
		l.byManager[manager.ID] = m
		l.managers = append(l.managers, m)
	}
	e := listedItem{who: who, detail: -1, kind: index(&l.kinds, it.Kind), whose: index(&l.roles, it.Whose), quart: uint8(it.Quarter)}
	if it.ByCadence {
		e.flags |= itemByCadence
	}
	due, packed := packDate(it.DueBy)
	if !packed || Quarter(e.quart) != it.Quarter || it.ExpectationID != 0 || it.CheckInID != 0 || it.PlanID != 0 ||
		len(about.Expectations) > 0 || len(about.CheckIns) > 0 {
		e.detail = int32(len(l.details))
		l.details = append(l.details, itemDetail{due: it.DueBy, quarter: it.Quarter, expectationID: it.ExpectationID, checkInID: it.CheckInID, planID: it.PlanID,
			expectations: about.Expectations, checkIns: about.CheckIns})
	} else {
		e.due = due
	}
	m.items = append(m.items, e)
}

// dueBy is the day an item is due.
func (l *overdueLists) dueBy(e *listedItem) Date {
	if e.detail >= 0 {
		return l.details[e.detail].due
	}
	return unpackDate(e.due)
}

// overdue writes out item e in full. p is the Person written out for the
// item before it, reused when e is the same person's.
func (l *overdueLists) overdue(e *listedItem, p *Person) (Overdue, *Person) {
	lp := &l.people[e.who]
	if p == nil || p.ID != lp.id {
		p = &Person{ID: lp.id, Name: lp.name, Unit: lp.unit}
	}
	o := Overdue{Person: p, Item: Item{Kind: l.kinds[e.kind], Whose: l.roles[e.whose], DueBy: l.dueBy(e), Overdue: true,
		Quarter: Quarter(e.quart), ByCadence: e.flags&itemByCadence != 0},
		Year: YearState{ReviewID: lp.reviewID, Year: lp.year, Cadence: lp.cadence}}
	if e.detail >= 0 {
		dt := &l.details[e.detail]
		o.Item.Quarter, o.Item.ExpectationID, o.Item.CheckInID, o.Item.PlanID = dt.quarter, dt.expectationID, dt.checkInID, dt.planID
		o.Year.Expectations, o.Year.CheckIns = dt.expectations, dt.checkIns
	}
	return o, p
}

// index returns v's place in *list, adding it if new: there are a handful
// of kinds and roles.
func index[T comparable](list *[]T, v T) uint8 {
	for i, x := range *list {
		if x == v {
			return uint8(i)
		}
	}
	if len(*list) == 256 {
		panic("review: more than 256 kinds of item")
	}
	*list = append(*list, v)
	return uint8(len(*list) - 1)
}

// packDate packs a day into 32 bits (year, month, day), when it fits.
func packDate(d Date) (int32, bool) {
	if d.Year < 0 || d.Year >= 1<<22 || d.Month < 0 || d.Month > 15 || d.Day < 0 || d.Day > 31 {
		return 0, false
	}
	return int32(d.Year<<9 | int(d.Month)<<5 | d.Day), true
}

func unpackDate(v int32) Date {
	return Date{Year: int(v >> 9), Month: time.Month(v >> 5 & 15), Day: int(v & 31)}
}

// UnitNames returns the digest's units in order.
func (d Digest) UnitNames() []string {
	out := make([]string, 0, len(d.Units))
	for u := range d.Units {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// OverdueCount is how many overdue items the digest lists.
func (d Digest) OverdueCount() int {
	n := 0
	for _, m := range d.Overdue {
		n += m.Total()
	}
	return n
}
