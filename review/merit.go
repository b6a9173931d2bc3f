package review

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Merit pay: what ratings are for. A merit year (its dates, salary bands,
// grid, step, pool and bonus cap) is data, one file a year; these are its
// rules. Money is in cents and percentages in basis points (hundredths of a
// percent), so that every figure is an integer; each multiplication is
// rounded half up to the cent once, where the seed's worked examples round.

// Cents is an amount of money in cents.
type Cents int64

// String writes the amount as dollars: $74,989.20.
func (c Cents) String() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	d := strconv.FormatInt(int64(c/100), 10)
	var b strings.Builder
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s$%s.%02d", sign, b.String(), int64(c%100))
}

// ParseCents reads a dollar amount: "74989.20", "$74,989.20", "2500".
// Anything finer than a cent, or negative, is refused.
func ParseCents(s string) (Cents, error) {
	t := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(s), "$"), ",", "")
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" || strings.ContainsAny(whole, "+-") || dot && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("%q is not an amount in dollars and cents, like 74989.20", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	d, err1 := strconv.ParseInt(whole, 10, 64)
	c, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || d > 1<<40 {
		return 0, fmt.Errorf("%q is not an amount in dollars and cents, like 74989.20", s)
	}
	return Cents(d*100 + c), nil
}

// BasisPoints is a percentage in hundredths of a percent: 450 is 4.5%.
type BasisPoints int64

// String writes the percentage, without trailing zeros: "4.5%".
func (b BasisPoints) String() string {
	s := strconv.FormatInt(int64(b/100), 10)
	if r := b % 100; r != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", int64(r)), "0")
	}
	return s + "%"
}

// ParsePercent reads a percentage to two decimals: "4.5", "4.5%", "0.25".
func ParsePercent(s string) (BasisPoints, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, dot := strings.Cut(strings.TrimSpace(t), ".")
	if whole == "" {
		whole = "0"
	}
	if strings.ContainsAny(whole, "+-") || dot && (len(frac) == 0 || len(frac) > 2) {
		return 0, fmt.Errorf("%q is not a percentage with at most two decimals, like 4.25", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w > 1000 {
		return 0, fmt.Errorf("%q is not a percentage with at most two decimals, like 4.25", s)
	}
	return BasisPoints(w*100 + f), nil
}

// mulRound returns a*num/den rounded half up (all figures non-negative).
func mulRound(a, num, den int64) int64 { return (a*num + den/2) / den }

// Percent is bp of c, rounded half up to the cent.
func (c Cents) Percent(bp BasisPoints) Cents { return Cents(mulRound(int64(c), int64(bp), 10000)) }

// Band is one M-level's salary band: the statutory minimum, the market
// minimum, the top of each of the first three quartiles (the next begins a
// cent above), and the maximum.
type Band struct {
	Level        string // "M-IV"
	StatutoryMin Cents
	MarketMin    Cents
	QuartileTops [3]Cents
	Max          Cents
}

// Quartile places a salary in the band: 1 to 4 (a salary above the
// maximum is in the 4th).
func (b Band) Quartile(salary Cents) int {
	for i, top := range b.QuartileTops {
		if salary <= top {
			return i + 1
		}
	}
	return 4
}

// Range is a grid cell: the lowest and highest total increase, the
// required step included.
type Range struct{ Low, High BasisPoints }

func (r Range) String() string {
	if r.Low == r.High {
		return r.Low.String()
	}
	return strings.TrimSuffix(r.Low.String(), "%") + "–" + r.High.String()
}

// MeritYear is one year of the pay program.
type MeritYear struct {
	Name        string     // "2007"
	RatingsYear FiscalYear // the performance year whose released ratings count
	PeriodStart Date       // the merit review period: Oct 1 …
	PeriodEnd   Date       // … Sep 30
	// ProrateUntil: people hired after PeriodStart and before it get a
	// pro-rated increase; hired on it or later in the period, nothing
	// until next year. The same day splits promotions from a non-manager
	// post.
	ProrateUntil Date
	Effective    Date        // when increases take effect (Oct 1)
	Snapshot     Date        // the salary that places people in quartiles and sizes the pool
	Step         BasisPoints // the required step, already inside the grid
	Pool         BasisPoints // a secretariat's pool, of eligible base salaries
	BonusCap     Cents       // above it a bonus needs HRD's exception
	Military     BasisPoints // the straight increase of military leave
	Bands        []Band
	// Grid is the total increase by rating key and quartile (index 0 is
	// the 1st). A rating missing from it earns no increase, nor step.
	Grid map[string][4]Range
}

// Band returns the band of an M-level.
func (y MeritYear) Band(level string) (Band, bool) {
	for _, b := range y.Bands {
		if strings.EqualFold(b.Level, level) {
			return b, true
		}
	}
	return Band{}, false
}

// Validate reports everything wrong with a year, so that a bad file is
// refused whole.
func (y MeritYear) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if y.Name == "" {
		bad("the year has no name")
	}
	switch {
	case y.PeriodStart.IsZero() || y.PeriodEnd.IsZero():
		bad("the review period needs a start and an end")
	case !y.PeriodStart.Before(y.PeriodEnd):
		bad("the review period ends (%s) before it starts (%s)", y.PeriodEnd, y.PeriodStart)
	default:
		if y.ProrateUntil.Before(y.PeriodStart) || y.ProrateUntil.After(y.PeriodEnd) {
			bad("prorate_until (%s) is outside the review period", y.ProrateUntil)
		}
		if end := y.RatingsYear.End(); y.RatingsYear == 0 || end.Before(y.PeriodStart) || end.After(y.PeriodEnd) {
			bad("the ratings year %s does not end inside the review period", y.RatingsYear)
		}
		if y.Effective.IsZero() || !y.Effective.After(y.PeriodEnd) {
			bad("the effective date must come after the review period")
		}
	}
	if y.Snapshot.IsZero() {
		bad("the snapshot date is missing")
	}
	if y.Step <= 0 || y.Pool <= 0 || y.BonusCap <= 0 {
		bad("step, pool and bonus cap must each be more than zero")
	}
	seen := map[string]bool{}
	for _, b := range y.Bands {
		key := strings.ToUpper(b.Level)
		if b.Level == "" || seen[key] {
			bad("band %q is unnamed or listed twice", b.Level)
		}
		seen[key] = true
		order := []Cents{b.StatutoryMin, b.MarketMin, b.QuartileTops[0], b.QuartileTops[1], b.QuartileTops[2], b.Max}
		if !sort.SliceIsSorted(order, func(i, j int) bool { return order[i] < order[j] }) || b.StatutoryMin <= 0 {
			bad("band %s: its bounds must rise from the statutory minimum to the maximum", b.Level)
		}
	}
	if len(y.Bands) == 0 {
		bad("the year has no salary bands")
	}
	if len(y.Grid) == 0 {
		bad("the year has no merit grid")
	}
	for key, row := range y.Grid {
		for q, r := range row {
			if r.Low > r.High || r.Low < 0 || r.High > 0 && r.Low < y.Step {
				bad("grid %s, quartile %d: %s is not a range that holds the step (%s)", key, q+1, r, y.Step)
			}
		}
	}
	return errors.Join(errs...)
}

// MeritPeriodLength is the days a pro-rated increase is counted over, as
// the program counts them (a leap year's period has one more).
const MeritPeriodLength = 365

// PayRecord is what HR loads about a person's pay for a merit year.
type PayRecord struct {
	Level        string // M-level
	Salary       Cents  // annual base salary on the snapshot date
	Class        string // classified, statutory or unclassified
	HireDate     Date   // hired as a manager
	PositionDate Date   // promoted or reallocated from a non-manager post; zero if not
	LeaveMonths  int    // months on leave in the review period
	Military     bool   // the leave is military leave
	Acting       bool   // acting pay in a manager's role
	Collision    bool   // in salary collision status the whole period
	// EligibilityApproved: HRD approved the case that needs it (salary
	// collision, a statutory or unclassified manager).
	EligibilityApproved bool
}

// The classes of manager the pay file knows.
const (
	ClassClassified   = "classified"
	ClassStatutory    = "statutory"
	ClassUnclassified = "unclassified"
)

// Eligibility is whether, and how, someone gets a merit increase.
type Eligibility struct {
	Eligible bool
	Reason   string // in plain words, for the manager and HR
	// NeedsApproval: eligible only once HRD approves (salary collision,
	// statutory and unclassified managers).
	NeedsApproval bool
	// Prorate is the share of the year counted, in ten-thousandths (10000
	// for a full year): days from hire to the period's end over 365,
	// rounded to four places as the program's calculator does.
	Prorate  int64
	Days     int         // the days counted, when pro-rated
	Straight BasisPoints // a fixed increase (military leave), 0 if none
}

// Eligible decides a person's eligibility for the year from their pay
// record, whether they are still employed, and their released rating ("" if
// none): the seed's table of situations, in order. approved: HRD approved
// a case that needs it.
func (y MeritYear) Eligible(p PayRecord, employed bool, rating string, approved bool) Eligibility {
	no := func(reason string) Eligibility { return Eligibility{Reason: reason} }
	full := Eligibility{Eligible: true, Prorate: 10000}
	switch {
	case !employed:
		return no("No longer employed: not eligible.")
	case p.HireDate.IsZero():
		return no("No hire date in the pay file.")
	case p.HireDate.After(y.PeriodEnd):
		return no(fmt.Sprintf("Hired after the review period: eligible from %s.", y.Effective.AddYears(1).Human()))
	case !p.HireDate.Before(y.ProrateUntil):
		return no(fmt.Sprintf("Hired on or after %s: eligible from %s.", y.ProrateUntil.Human(), y.Effective.AddYears(1).Human()))
	case !p.PositionDate.IsZero() && !p.PositionDate.Before(y.ProrateUntil):
		return no(fmt.Sprintf("Became a manager on or after %s: eligible from %s.", y.ProrateUntil.Human(), y.Effective.AddYears(1).Human()))
	}
	if p.LeaveMonths > 0 && 12-p.LeaveMonths < 6 {
		if p.Military {
			e := full
			e.Straight, e.Reason = y.Military, fmt.Sprintf("Military leave: a straight %s increase to base salary.", y.Military)
			return e
		}
		return no(fmt.Sprintf("On leave with less than six months of performance: eligible from %s.", y.Effective.AddYears(1).Human()))
	}
	if rating == "" {
		return no("No released rating for " + y.RatingsYear.String() + " yet.")
	}
	if _, ok := y.Grid[rating]; !ok || y.Grid[rating][0].High == 0 {
		return no("A rating below expectations earns no step or merit increase.")
	}
	needs := ""
	switch {
	case p.Collision:
		needs = "In salary collision status: eligible only with HRD's approval."
	case p.Class == ClassStatutory || p.Class == ClassUnclassified:
		needs = fmt.Sprintf("A %s manager: eligible once approved.", p.Class)
	}
	approved = approved || p.EligibilityApproved
	if needs != "" && !approved {
		e := no(needs)
		e.NeedsApproval = true
		return e
	}
	e := full
	e.NeedsApproval = needs != ""
	if p.HireDate.After(y.PeriodStart) {
		e.Days = p.HireDate.DaysUntil(y.PeriodEnd) + 1
		e.Prorate = min(10000, mulRound(int64(e.Days), 10000, MeritPeriodLength))
		e.Reason = fmt.Sprintf("Hired %s: pro-rated, %d days of %d (%s of the year).", p.HireDate.Human(), e.Days, MeritPeriodLength, BasisPoints(e.Prorate))
	}
	return e
}

// Basis is the salary an increase is a percentage of: the salary, pro-rated
// for a part year.
func (e Eligibility) Basis(salary Cents) Cents {
	if e.Prorate >= 10000 {
		return salary
	}
	return Cents(mulRound(int64(salary), e.Prorate, 10000))
}

// Proposal is a manager's merit increase for someone: a base adjustment as
// a percentage, and a one-time bonus in dollars.
type Proposal struct {
	Base  BasisPoints
	Bonus Cents
}

// Award is what a proposal comes to.
type Award struct {
	Quartile  int
	Range     Range // the grid's range for the rating and quartile
	Basis     Cents // the salary the percentages are of (pro-rated if need be)
	Increase  Cents // to base salary
	Bonus     Cents
	NewSalary Cents
	Biweekly  Cents // NewSalary over 26 pay periods
	// BonusException: the bonus is over the cap, which needs HRD's
	// exception.
	BonusException bool
}

// Cost is what the award costs the pool: the increase and the bonus.
func (a Award) Cost() Cents { return a.Increase + a.Bonus }

// Fields of the merit proposal form.
const (
	FieldMeritBase  = "merit_base"
	FieldMeritBonus = "merit_bonus"
	// FieldMeritReason is why a bonus should go over the cap.
	FieldMeritReason = "merit_reason"
)

// Allowed returns the grid's range for the rating and salary, with the
// quartile and band.
func (y MeritYear) Allowed(p PayRecord, rating string) (Range, int, Band, error) {
	band, ok := y.Band(p.Level)
	if !ok {
		return Range{}, 0, Band{}, Errorf(EINVALID, "%s is not an M-level of the %s salary schedule.", p.Level, y.Name)
	}
	q := band.Quartile(p.Salary)
	return y.Grid[rating][q-1], q, band, nil
}

// Award checks a proposal against the grid and the band and works out what
// it comes to. The base adjustment plus the bonus, as a share of the basis,
// must fall inside the grid's range; the new base salary may not pass the
// band's maximum (the rest may be a bonus); a bonus over the cap needs
// HRD's exception (bonusExcepted). Military leave's increase is fixed.
func (y MeritYear) Award(p PayRecord, rating string, e Eligibility, prop Proposal, bonusExcepted bool) (Award, error) {
	if !e.Eligible {
		return Award{}, Errorf(ECONFLICT, "%s", e.Reason)
	}
	r, q, band, err := y.Allowed(p, rating)
	if err != nil {
		return Award{}, err
	}
	a := Award{Quartile: q, Range: r, Basis: e.Basis(p.Salary), Bonus: prop.Bonus}
	fields := map[string]string{}
	if prop.Base < 0 || prop.Bonus < 0 {
		return Award{}, &Error{Code: EINVALID, Message: "An increase can't be negative.", Fields: map[string]string{FieldMeritBase: "Enter zero or more."}}
	}
	if e.Straight > 0 {
		r = Range{e.Straight, e.Straight}
		a.Range = r
		if prop.Base != e.Straight || prop.Bonus != 0 {
			fields[FieldMeritBase] = fmt.Sprintf("Military leave gets a straight %s to base salary, no bonus.", e.Straight)
		}
	}
	a.Increase = a.Basis.Percent(prop.Base)
	a.NewSalary = p.Salary + a.Increase
	a.Biweekly = Cents(mulRound(int64(a.NewSalary), 1, 26))
	// The total as a share of the basis, compared exactly:
	// low ≤ (base·basis + bonus·10000) / basis ≤ high.
	total := int64(prop.Base)*int64(a.Basis) + int64(prop.Bonus)*10000
	switch {
	case len(fields) > 0:
	case total < int64(r.Low)*int64(a.Basis):
		fields[FieldMeritBase] = fmt.Sprintf("Base and bonus together come to %s of %s; a %s rating in quartile %d allows %s.",
			BasisPoints(total/max(1, int64(a.Basis))), a.Basis, rating, q, r)
	case total > int64(r.High)*int64(a.Basis):
		fields[FieldMeritBase] = fmt.Sprintf("Base and bonus together come to more than %s of %s: the grid allows %s.", r.High, a.Basis, r)
	}
	if a.NewSalary > band.Max && len(fields) == 0 {
		room := band.Max - p.Salary
		fields[FieldMeritBase] = fmt.Sprintf("That takes the salary to %s, past %s's maximum of %s. Up to %s can go to base; give the rest as a bonus.", a.NewSalary, band.Level, band.Max, max(0, room))
	}
	if prop.Bonus > y.BonusCap {
		a.BonusException = true
		if !bonusExcepted && fields[FieldMeritBonus] == "" {
			fields[FieldMeritBonus] = fmt.Sprintf("A bonus over %s needs HRD's exception: ask HR, with the reason.", y.BonusCap)
		}
	}
	if len(fields) > 0 {
		return a, &Error{Code: EINVALID, Message: "This increase is outside the rules.", Fields: fields}
	}
	return a, nil
}

// PoolBudget is a secretariat's pool: Pool of the eligible people's base
// salaries.
func (y MeritYear) PoolBudget(eligibleSalaries Cents) Cents { return eligibleSalaries.Percent(y.Pool) }

// MeritNotice is what the employee is told on the effective date.
type MeritNotice struct {
	Rating    string // the rating's name
	Level     string
	Quartile  int
	Effective Date
	Award     Award
	Eligible  bool
	Appeal    bool // a rating that denies the step: they may appeal
}

// MeritSummary counts a secretariat's merit increases for HR's audit, in
// the seed's order: the rating distribution is approved first, then the
// cost.
type MeritSummary struct {
	RatingsApproved bool
	Approved        bool // HRD approved the increases
	Budget, Cost    Cents
	Eligible        int
	Proposed        int
	Missing         int // eligible, no proposal
	Outside         int // a proposal outside the rules as they stand now
	NeedsException  int // a bonus over the cap
	NotEligible     int
	// OwnPool: an agency HRD let go ahead of its secretariat, which must
	// keep the capped rating's 10% on its own too; Rated and Top count
	// its ratings and those at the capped level.
	OwnPool    bool
	Rated, Top int
	// Grid counts the eligible by rating and quartile (index 0 the 1st).
	Grid map[string][4]int
}

// Add counts one person: their pay record, whether they are still
// employed, their released rating, their proposal (nil for none) and
// whether HRD excepted its bonus from the cap.
func (s *MeritSummary) Add(y MeritYear, p PayRecord, employed bool, rating string, prop *Proposal, bonusExcepted bool) {
	if rating != "" {
		s.Rated++
		if rating == ownPoolCapped {
			s.Top++
		}
	}
	e := y.Eligible(p, employed, rating, false)
	if !e.Eligible {
		s.NotEligible++
		return
	}
	s.Eligible++
	if _, q, _, err := y.Allowed(p, rating); err == nil {
		if s.Grid == nil {
			s.Grid = map[string][4]int{}
		}
		row := s.Grid[rating]
		row[q-1]++
		s.Grid[rating] = row
	}
	if prop == nil {
		s.Missing++
		return
	}
	s.Proposed++
	a, err := y.Award(p, rating, e, *prop, true)
	switch {
	case err != nil:
		s.Outside++
	case a.BonusException && !bonusExcepted:
		s.NeedsException++
	}
}

// The cap an agency gone ahead of its secretariat keeps on its own: both
// scales cap Exceptional at 10%.
const (
	ownPoolCapped = "exceptional"
	ownPoolCap    = 10
)

// CanApproveMerit says whether a secretariat's merit increases may be
// approved: its ratings first, then every eligible person proposed for
// inside the rules, no bonus over the cap, the cost within the pool.
func CanApproveMerit(y MeritYear, secretariat string, s MeritSummary) error {
	switch {
	case s.Approved:
		return Errorf(ECONFLICT, "%s's merit increases are already approved.", secretariat)
	case !s.RatingsApproved:
		return Errorf(ECONFLICT, "%s's %s rating distribution isn't approved yet: it comes first, then the cost.", secretariat, y.RatingsYear)
	case s.Eligible == 0:
		return Errorf(ECONFLICT, "Nobody in %s is eligible for a merit increase yet.", secretariat)
	case s.Missing > 0:
		return Errorf(ECONFLICT, "%s still has %s to propose.", secretariat, countNoun(s.Missing, "increase", "increases"))
	case s.Outside > 0:
		return Errorf(ECONFLICT, "%s has %s outside the rules as they stand now: its managers must change them.", secretariat, countNoun(s.Outside, "proposal", "proposals"))
	case s.NeedsException > 0:
		return Errorf(ECONFLICT, "%s has %s over the bonus cap of %s.", secretariat, countNoun(s.NeedsException, "bonus", "bonuses"), y.BonusCap)
	case s.OwnPool && OverCap(ownPoolCap, s.Top, s.Rated):
		return Errorf(ECONFLICT, "%s goes ahead of its secretariat, so it must keep the %d%% cap on Exceptional on its own: %d of %d are.", secretariat, ownPoolCap, s.Top, s.Rated)
	case s.Cost > s.Budget:
		return Errorf(ECONFLICT, "%s's increases cost %s, over its pool of %s by %s.", secretariat, s.Cost, s.Budget, s.Cost-s.Budget)
	}
	return nil
}

// PayrollColumns are the payroll file's columns.
var PayrollColumns = []string{"email", "name", "secretariat", "unit", "m_level", "quartile", "rating", "old_salary", "base_increase_percent", "base_increase",
	"new_salary", "biweekly", "bonus", "prorate", "effective_date", "status"}

// The statuses of a proposal in payroll's file.
const (
	PayrollApproved = "approved"
	PayrollWaiting  = "waiting for approval"
	PayrollReturned = "returned to the manager"
	PayrollOutside  = "outside the rules now"
)

// Factor writes a pro-rating share (ten-thousandths) as a decimal: 0.7562.
func Factor(tenThousandths int64) string {
	return fmt.Sprintf("%d.%04d", tenThousandths/10000, tenThousandths%10000)
}

// Decimal writes cents as a plain decimal for a file: 58580.92.
func (c Cents) Decimal() string { return fmt.Sprintf("%d.%02d", int64(c/100), int64(c%100)) }

// Denies reports whether a rating denies the step and merit increase
// (Below Expectations, Fails to Meet): the grid pays it nothing.
func (y MeritYear) Denies(rating string) bool {
	row, ok := y.Grid[rating]
	return !ok || row[0].High == 0 && row[3].High == 0
}
