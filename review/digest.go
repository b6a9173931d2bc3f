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
	Person *Person
	Item   Item
	Year   YearState // what describing the item needs (YearState.About)
}

// ManagerOverdue is what a manager (or, for the employee's own moves, the
// employee's manager's team) has overdue.
type ManagerOverdue struct {
	Manager *Person
	Items   []Overdue
}

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
// built from a stream of any size.
type DigestBuilder struct {
	cal     Calendar
	now     time.Time
	today   Date
	d       Digest
	overdue map[int64]*ManagerOverdue
}

// NewDigest starts a digest for the fiscal year running at now.
func NewDigest(cal Calendar, now time.Time) *DigestBuilder {
	today := cal.Today(now)
	return &DigestBuilder{cal: cal, now: now, today: today, d: Digest{Year: FiscalYearOf(today), Day: today, Units: map[string]*Standing{}},
		overdue: map[int64]*ManagerOverdue{}}
}

// Add counts a reviewed person, with their manager and year. Overdue
// items are filed under the manager whose team the person is in. The
// digest keeps the pointers.
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
	for _, it := range b.cal.Due(y, b.now) {
		if !it.Overdue {
			continue
		}
		if it.Kind == ItemPlanReview {
			// A plan tells of a low rating: counted, never named.
			b.d.PlansOverdue++
			continue
		}
		m := b.overdue[manager.ID]
		if m == nil {
			m = &ManagerOverdue{Manager: manager}
			b.overdue[manager.ID] = m
		}
		m.Items = append(m.Items, Overdue{Person: p, Item: it, Year: y.About(it)})
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
	for _, m := range b.overdue {
		sort.Slice(m.Items, func(i, j int) bool {
			if m.Items[i].Person.Name != m.Items[j].Person.Name {
				return m.Items[i].Person.Name < m.Items[j].Person.Name
			}
			return m.Items[i].Item.DueBy.Before(m.Items[j].Item.DueBy)
		})
		d.Overdue = append(d.Overdue, *m)
	}
	sort.Slice(d.Overdue, func(i, j int) bool {
		if len(d.Overdue[i].Items) != len(d.Overdue[j].Items) {
			return len(d.Overdue[i].Items) > len(d.Overdue[j].Items)
		}
		return d.Overdue[i].Manager.Name < d.Overdue[j].Manager.Name
	})
	sort.SliceStable(d.No, func(i, j int) bool { return d.No[i].Answer.AnsweredAt.After(d.No[j].Answer.AnsweredAt) })
	return d
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
		n += len(m.Items)
	}
	return n
}
