package review

import (
	"fmt"
	"strings"
	"time"
)

// The year's end: HR's roles and what each may see, the approval chain a
// secretariat's ratings go through, the employee's say after release
// (acknowledgement, response, appeal), the improvement plan after Below
// Expectations, leave, and the closing year that stays live after July 1.

// HRRole is what the roster's hr column gives someone.
type HRRole int

const (
	HRNone        HRRole = iota
	HRAgency             // HR of one agency: sees that agency
	HRSecretariat        // HR of a secretariat: sees all its agencies, approves its distribution first
	HRD                  // the central HR division: sees everyone, approves second
	CHRO                 // the Chief Human Resources Officer: sees everyone, grants cap exceptions
)

var hrRoleNames = [...]string{HRNone: "", HRAgency: "agency", HRSecretariat: "secretariat", HRD: "hrd", CHRO: "chro"}

// String is the role as the roster writes it ("" for none).
func (r HRRole) String() string {
	if r < 0 || int(r) >= len(hrRoleNames) {
		return fmt.Sprintf("HRRole(%d)", int(r))
	}
	return hrRoleNames[r]
}

// Title is the role as people read it.
func (r HRRole) Title() string {
	switch r {
	case HRAgency:
		return "agency HR"
	case HRSecretariat:
		return "secretariat HR"
	case HRD:
		return "central HR (HRD)"
	case CHRO:
		return "the CHRO"
	}
	return "no HR role"
}

// ParseHRRole reads the roster's hr column: empty or false for none,
// agency, secretariat, hrd or chro; true (the column's older form) means
// hrd.
func ParseHRRole(s string) (HRRole, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "0":
		return HRNone, nil
	case "agency":
		return HRAgency, nil
	case "secretariat":
		return HRSecretariat, nil
	case "hrd", "true", "yes", "1":
		return HRD, nil
	case "chro":
		return CHRO, nil
	}
	return HRNone, fmt.Errorf("%q is not an HR role: use agency, secretariat, hrd, chro, or leave it empty", s)
}

// OrgWide reports whether the role sees the whole organisation.
func (r HRRole) OrgWide() bool { return r == HRD || r == CHRO }

// Scope is the part of the organisation someone with the role, in unit,
// sees as HR: "" for everything (HRD and the CHRO), the unit's first part
// for secretariat HR, its first two for agency HR. ok is false for no role.
func (r HRRole) Scope(unit string) (scope string, ok bool) {
	parts := strings.Split(unit, "/")
	switch r {
	case HRD, CHRO:
		return "", true
	case HRSecretariat:
		return parts[0], true
	case HRAgency:
		return strings.Join(parts[:min(2, len(parts))], "/"), true
	}
	return "", false
}

// InScope reports whether unit lies within scope ("" holds everything).
func InScope(scope, unit string) bool { return scope == "" || InUnit(unit, scope) }

// Approval is where a secretariat's rating distribution stands.
type Approval int

const (
	AwaitingSecretariat Approval = iota // secretariat HR approves first
	AwaitingHRD                         // then central HR
	Approved                            // managers may hold the final conversations
)

// ApprovalStep is one decision in the chain, as the audit log keeps it.
type ApprovalStep struct {
	Secretariat string
	Role        HRRole // who decided: the step's holder, or HRD standing in
	Approved    bool   // false: sent back (a reopening)
	Exception   bool   // the CHRO's exception to the cap
	Reason      string
	At          time.Time
}

// Chain says who holds each step for a secretariat: secretariat HR if the
// roster has someone for it (otherwise HRD), then HRD; the CHRO grants an
// exception to the cap (HRD when the roster has no CHRO).
type Chain struct {
	HasSecretariatHR bool
	HasCHRO          bool
}

// Holder is the role that takes the distribution from st to the next step.
func (c Chain) Holder(st Approval) HRRole {
	if st == AwaitingSecretariat && c.HasSecretariatHR {
		return HRSecretariat
	}
	return HRD
}

// ExceptionHolder is the role that may let a secretariat go over the cap.
func (c Chain) ExceptionHolder() HRRole {
	if c.HasCHRO {
		return CHRO
	}
	return HRD
}

// CanApprove says whether someone with role, in unit, may take the
// secretariat's distribution from st to the next step. overCap: the
// distribution is over the cap; excepted: the cap's exception is granted.
func (c Chain) CanApprove(role HRRole, unit, secretariat string, st Approval, overCap, excepted bool) error {
	if st == Approved {
		return Errorf(ECONFLICT, "%s is already approved.", secretariat)
	}
	if overCap && !excepted {
		return Errorf(ECONFLICT, "%s is over the 10%% cap on Exceptional: it needs %s's exception first.", secretariat, c.ExceptionHolder().Title())
	}
	holder := c.Holder(st)
	if role == holder && (holder != HRSecretariat || InScope(secretariatOf(unit), secretariat)) {
		return nil
	}
	if holder == HRD && role == CHRO {
		return nil // the CHRO may do what HRD does
	}
	if holder == HRSecretariat {
		return Errorf(EFORBIDDEN, "This step is for %s's own HR.", secretariat)
	}
	return Errorf(EFORBIDDEN, "This step is for central HR (HRD).")
}

// CanExcept says whether role may grant a secretariat an exception to the cap.
func (c Chain) CanExcept(role HRRole) error {
	if role == c.ExceptionHolder() || role == CHRO {
		return nil
	}
	return Errorf(EFORBIDDEN, "Only %s can let a secretariat go over the cap.", c.ExceptionHolder().Title())
}

// CanAskException says whether someone with role, in unit, may ask for an
// exception to the cap for the secretariat's distribution: whoever holds
// its first step, or HRD (and the CHRO), before that step is taken.
func (c Chain) CanAskException(role HRRole, unit, secretariat string, st Approval) error {
	if st != AwaitingSecretariat {
		return Errorf(ECONFLICT, "%s's first approval is already given, so an exception can't be asked for now. Reopen it first.", secretariat)
	}
	if role.OrgWide() || role == HRSecretariat && c.HasSecretariatHR && secretariatOf(unit) == secretariat {
		return nil
	}
	return Errorf(EFORBIDDEN, "An exception for %s is asked for by its own HR, or by central HR (HRD).", secretariat)
}

// SmallPool is the size below which HRD may combine a secretariat with
// another for the cap: under 10 people, a 10% cap allows nobody.
const SmallPool = 10

// CanDecideAppeal refuses anyone but central HR (HRD, the CHRO): appeals
// are heard by the central HR division.
func CanDecideAppeal(actor Actor) error {
	if actor.HRRole().OrgWide() {
		return nil
	}
	return Errorf(EFORBIDDEN, "Appeals are decided by central HR (HRD).")
}

// Next is the state after an approval at st.
func (st Approval) Next() Approval {
	if st == Approved {
		return Approved
	}
	return st + 1
}

func secretariatOf(unit string) string { s, _, _ := strings.Cut(unit, "/"); return s }

// Workdays: the employee's say runs on state workdays, weekends and the
// holiday calendar left out.

// AddWorkdays returns the n-th working day after d (d itself when n is 0).
func (h Holidays) AddWorkdays(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if h.WorkingDay(d) {
			n--
		}
	}
	return d
}

// YearEndRules are the year's end windows, as program data.
type YearEndRules struct {
	AcknowledgeReminder int // workdays after release before the employee is reminded to acknowledge
	ResponseWindow      int // workdays after release an employee may attach a response
	AppealWindow        int // workdays after the notice an appeal may be filed
	HearingWithin       int // workdays after an appeal HRD holds its hearing
	PlanDefaultDays     int // days to an improvement plan's re-evaluation, unless set
	PlanMaxMonths       int // at most this many months to the re-evaluation
	LeaveNotRatedMonths int // more than this many months of leave in the year: not rated
}

// DefaultYearEnd is the program's: an acknowledgement reminder after 5
// workdays, a response within 10, an appeal within 5, a hearing within 15;
// a plan's re-evaluation in 90 days, at most 6 months; not rated after
// more than 6 months of leave.
var DefaultYearEnd = YearEndRules{AcknowledgeReminder: 5, ResponseWindow: 10, AppealWindow: 5, HearingWithin: 15,
	PlanDefaultDays: 90, PlanMaxMonths: 6, LeaveNotRatedMonths: 6}

// Appealable reports whether a rating may be appealed: the scale's lowest
// ratings (Below Expectations, and Fails to Meet on the five-level scale).
func (s Scale) Appealable(key string) bool {
	r, ok := s.Find(key)
	return ok && r.NeedsPlan
}

// AppealCloses is the last day an appeal of a rating released on notice
// may be filed.
func (y YearEndRules) AppealCloses(h Holidays, notice Date) Date {
	return h.AddWorkdays(notice, y.AppealWindow)
}

// CanAppeal says whether an appeal may be filed on today.
func (y YearEndRules) CanAppeal(h Holidays, notice, today Date) error {
	if closes := y.AppealCloses(h, notice); today.After(closes) {
		return Errorf(ECONFLICT, "The time to appeal closed on %s (%d workdays after your rating was shared).", closes.Human(), y.AppealWindow)
	}
	return nil
}

// HearingDue is the day by which HRD should hold the hearing of an appeal
// filed on filed.
func (y YearEndRules) HearingDue(h Holidays, filed Date) Date {
	return h.AddWorkdays(filed, y.HearingWithin)
}

// ResponseCloses is the last day the employee may attach a response.
func (y YearEndRules) ResponseCloses(h Holidays, released Date) Date {
	return h.AddWorkdays(released, y.ResponseWindow)
}

// AcknowledgeReminderDue is the day the employee is reminded to
// acknowledge their review, if they have not by then.
func (y YearEndRules) AcknowledgeReminderDue(h Holidays, released Date) Date {
	return h.AddWorkdays(released, y.AcknowledgeReminder)
}

// Field names of the improvement plan form.
const (
	FieldPlanImprove = "improve"
	FieldPlanSupport = "support"
	FieldPlanDate    = "reevaluate"
)

// ImprovementPlan follows a Below Expectations rating.
type ImprovementPlan struct {
	ID         int64
	PersonID   int64
	Year       FiscalYear // the year whose rating called for it
	Improve    string     // what must improve
	Support    string     // the support given
	Reevaluate Date       // when it is looked at again
	Outcome    PlanOutcome
	ClosedOn   Date // zero while open
}

// Open reports whether the plan still runs.
func (p ImprovementPlan) Open() bool { return p.ClosedOn.IsZero() }

// PlanOutcome is what a re-evaluation found.
type PlanOutcome string

const (
	PlanImproved PlanOutcome = "improved" // closed: it worked
	PlanNotYet   PlanOutcome = "not_yet"  // closed: not enough improvement, for HR to follow up
	PlanExtended PlanOutcome = "extended" // stays open, with a new re-evaluation day
)

// Field names of the re-evaluation form.
const (
	FieldPlanOutcome = "plan_outcome"
	FieldPlanNewDate = "plan_new_date"
)

// PlanReevaluation checks a re-evaluation of p recorded on today: an
// outcome, and for an extension a new day after today, at most
// PlanMaxMonths away. It returns the plan as it then stands.
func (y YearEndRules) PlanReevaluation(p ImprovementPlan, today Date, outcome PlanOutcome, next Date) (ImprovementPlan, error) {
	if !p.Open() {
		return p, Errorf(ECONFLICT, "This plan was closed on %s.", p.ClosedOn.Human())
	}
	fields := map[string]string{}
	switch outcome {
	case PlanImproved, PlanNotYet:
		p.Outcome, p.ClosedOn = outcome, today
	case PlanExtended:
		latest := DateOf(today.utc().AddDate(0, y.PlanMaxMonths, 0))
		switch {
		case next.IsZero() || !next.After(today):
			fields[FieldPlanNewDate] = "Pick the new re-evaluation day, after today."
		case next.After(latest):
			fields[FieldPlanNewDate] = fmt.Sprintf("Pick a day within %d months, by %s.", y.PlanMaxMonths, latest.Human())
		}
		p.Outcome, p.Reevaluate = outcome, next
	default:
		fields[FieldPlanOutcome] = "Pick how it went."
	}
	if len(fields) > 0 {
		return p, &Error{Code: EINVALID, Message: "The re-evaluation needs another look.", Fields: fields}
	}
	return p, nil
}

// PlanImprovement checks a plan written on today: both texts, and a
// re-evaluation after today and at most PlanMaxMonths away (the default
// PlanDefaultDays when none is given).
func (y YearEndRules) PlanImprovement(today Date, p ImprovementPlan) (ImprovementPlan, error) {
	p.Improve, p.Support = strings.TrimSpace(p.Improve), strings.TrimSpace(p.Support)
	fields := map[string]string{}
	if p.Improve == "" {
		fields[FieldPlanImprove] = "Say what needs to improve."
	} else if msg := tooLong(p.Improve, MaxWrapUpText); msg != "" {
		fields[FieldPlanImprove] = msg
	}
	if p.Support == "" {
		fields[FieldPlanSupport] = "Say what help they will have."
	} else if msg := tooLong(p.Support, MaxWrapUpText); msg != "" {
		fields[FieldPlanSupport] = msg
	}
	if p.Reevaluate.IsZero() {
		p.Reevaluate = today.AddDays(y.PlanDefaultDays)
	}
	latest := DateOf(today.utc().AddDate(0, y.PlanMaxMonths, 0))
	switch {
	case !p.Reevaluate.After(today):
		fields[FieldPlanDate] = "Pick a day after today."
	case p.Reevaluate.After(latest):
		fields[FieldPlanDate] = fmt.Sprintf("Pick a day within %d months, by %s.", y.PlanMaxMonths, latest.Human())
	}
	if len(fields) > 0 {
		return ImprovementPlan{}, &Error{Code: EINVALID, Message: "The plan needs another look.", Fields: fields}
	}
	return p, nil
}

// Leave is a stretch of leave, To zero while it goes on.
type Leave struct {
	From, To Date
}

// On reports whether d falls in the leave.
func (l Leave) On(d Date) bool {
	return !d.Before(l.From) && (l.To.IsZero() || !d.After(l.To))
}

// OnLeave reports whether d falls in any of the leaves.
func OnLeave(leaves []Leave, d Date) bool {
	for _, l := range leaves {
		if l.On(d) {
			return true
		}
	}
	return false
}

// LeaveDaysIn counts the days of fy someone is on leave (overlaps counted once).
func LeaveDaysIn(leaves []Leave, fy FiscalYear) int {
	if len(leaves) == 0 {
		return 0 // most people: Due asks for everyone, and walking the year's days is its costliest part
	}
	n := 0
	for d := fy.Start(); !d.After(fy.End()); d = d.AddDays(1) {
		if OnLeave(leaves, d) {
			n++
		}
	}
	return n
}

// NotRatedForLeave reports whether someone was on leave for more than
// LeaveNotRatedMonths of fy: they are not rated for it.
func (y YearEndRules) NotRatedForLeave(leaves []Leave, fy FiscalYear) bool {
	cut := DateOf(fy.Start().utc().AddDate(0, y.LeaveNotRatedMonths, 0))
	return LeaveDaysIn(leaves, fy) > fy.Start().DaysUntil(cut)
}

// ClosingYear is the year before today's, while its business is still
// open: from July 1 until HR closes it. ok is false when only the running
// year is live.
func ClosingYear(today Date, closed func(FiscalYear) bool) (fy FiscalYear, ok bool) {
	prev := FiscalYearOf(today) - 1
	if closed(prev) {
		return 0, false
	}
	return prev, true
}

// LiveYears are the years whose reminders, digest sections and Home run on
// today: the running one, and the closing one until HR closes it.
func LiveYears(today Date, closed func(FiscalYear) bool) []FiscalYear {
	if fy, ok := ClosingYear(today, closed); ok {
		return []FiscalYear{fy, FiscalYearOf(today)}
	}
	return []FiscalYear{FiscalYearOf(today)}
}

// YearBusiness is what is still open of a review year at its end: the
// wrap-ups not written, the pools HR has not approved, the final
// conversations not held.
type YearBusiness struct {
	Year                 FiscalYear
	People               int      // to be rated for the year
	WrapUpsMissing       int      // of them, not rated yet
	PoolsNotApproved     []string // pools with ratings, not approved
	ConversationsNotHeld int      // approved, not shared with the employee yet
}

// Open reports whether anything of the year is still to do.
func (b YearBusiness) Open() bool {
	return b.WrapUpsMissing > 0 || len(b.PoolsNotApproved) > 0 || b.ConversationsNotHeld > 0
}

// Lines says what is still to do, a line each; none when nothing is.
func (b YearBusiness) Lines() []string {
	var out []string
	if b.WrapUpsMissing > 0 {
		out = append(out, fmt.Sprintf("%s of %d not written", countNoun(b.WrapUpsMissing, "wrap-up", "wrap-ups"), b.People))
	}
	if n := len(b.PoolsNotApproved); n > 0 {
		out = append(out, fmt.Sprintf("%s not approved: %s", countNoun(n, "secretariat", "secretariats"), strings.Join(b.PoolsNotApproved, ", ")))
	}
	if b.ConversationsNotHeld > 0 {
		out = append(out, fmt.Sprintf("%s still to hold", countNoun(b.ConversationsNotHeld, "final conversation", "final conversations")))
	}
	return out
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// CanCloseYear says whether HR may close fy on today: only once it has
// ended, and, while anything of it is open, only when HR says to close it
// anyway.
func CanCloseYear(actor Actor, fy FiscalYear, today Date, b YearBusiness, anyway bool) error {
	if !actor.HRRole().OrgWide() {
		return Errorf(EFORBIDDEN, "Only central HR (HRD) can close a review year.")
	}
	if !today.After(fy.End()) {
		return Errorf(ECONFLICT, "%s runs until %s: it can be closed from the day after.", fy, fy.End().Human())
	}
	if b.Open() && !anyway {
		return Errorf(ECONFLICT, "%s still has %s. Tick “Close it anyway” to close it as it is.", fy, strings.Join(b.Lines(), "; "))
	}
	return nil
}

// AppealNotice is the day an appeal's window runs from: the final
// conversation, or the merit notice that denied the step, whichever is
// later.
func (w *WrapUp) AppealNotice(loc *time.Location) Date {
	held := DateOf(w.HeldAt.In(loc))
	if w.MeritNoticeOn.After(held) {
		return w.MeritNoticeOn
	}
	return held
}

// FieldResponse is the employee's written response to their review.
const FieldResponse = "response"

// CanAcknowledge says whether the employee may acknowledge their review:
// once it is released to them, and once.
func CanAcknowledge(w *WrapUp) error {
	switch {
	case !w.Released():
		return Errorf(ECONFLICT, "Your review isn't shared with you yet: your manager will talk it through with you first.")
	case !w.AcknowledgedAt.IsZero():
		return Errorf(ECONFLICT, "You acknowledged it already. Thank you.")
	}
	return nil
}

// PlanResponse checks the employee's written response on today: the review
// is released to them, the response window (ResponseWindow workdays after
// the final conversation) is open, and there is something to say. Sent
// responses can be changed until the window closes.
func (y YearEndRules) PlanResponse(h Holidays, cal Calendar, w *WrapUp, today Date, text string) (string, error) {
	if !w.Released() {
		return "", Errorf(ECONFLICT, "Your review isn't shared with you yet: your manager will talk it through with you first.")
	}
	if closes := y.ResponseCloses(h, DateOf(w.HeldAt.In(cal.Loc))); today.After(closes) {
		return "", Errorf(ECONFLICT, "The time to respond closed on %s (%d workdays after your final conversation).", closes.Human(), y.ResponseWindow)
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", &Error{Code: EINVALID, Message: "Write your response first.", Fields: map[string]string{FieldResponse: "Write what you would like kept with your review."}}
	case tooLong(text, MaxWrapUpText) != "":
		return "", &Error{Code: EINVALID, Message: "Your response is too long.", Fields: map[string]string{FieldResponse: tooLong(text, MaxWrapUpText)}}
	}
	return text, nil
}

// Appeal outcomes.
const (
	AppealUpheld  = "upheld"  // the rating stands
	AppealChanged = "changed" // HRD gave a new rating, released again
)

// Field names of the appeal forms.
const (
	FieldAppealReasons = "reasons"
	FieldHearingOn     = "hearing_on"
	FieldOutcome       = "outcome"
	FieldNewRating     = "new_rating"
)

// Appeal is an employee's appeal of their rating to central HR.
type Appeal struct {
	ID         int64
	PersonID   int64
	Year       FiscalYear
	Rating     string // the rating appealed
	Reasons    string
	FiledOn    Date
	HearingDue Date // HearingWithin workdays after it was filed
	HearingOn  Date // zero until HRD records the hearing
	Outcome    string
	NewRating  string // for AppealChanged
	DecidedOn  Date
}

// Open reports whether HRD has yet to decide the appeal.
func (a Appeal) Open() bool { return a.Outcome == "" }

// PlanAppeal checks an appeal of w filed on today: the rating is released
// and appealable, its window (AppealWindow workdays from the final
// conversation) is open, and there are reasons.
func (y YearEndRules) PlanAppeal(h Holidays, cal Calendar, scale Scale, w *WrapUp, today Date, reasons string) (Appeal, error) {
	if !w.Released() {
		return Appeal{}, Errorf(ECONFLICT, "Your review isn't shared with you yet: your manager will talk it through with you first.")
	}
	if !scale.Appealable(w.Rating) {
		return Appeal{}, Errorf(ECONFLICT, "Only a %s rating can be appealed here.", strings.Join(appealableNames(scale), " or "))
	}
	if err := y.CanAppeal(h, w.AppealNotice(cal.Loc), today); err != nil {
		return Appeal{}, err
	}
	reasons = strings.TrimSpace(reasons)
	switch {
	case reasons == "":
		return Appeal{}, &Error{Code: EINVALID, Message: "Say why you appeal.", Fields: map[string]string{FieldAppealReasons: "Say why you think the rating should change."}}
	case tooLong(reasons, MaxWrapUpText) != "":
		return Appeal{}, &Error{Code: EINVALID, Message: "Your reasons are too long.", Fields: map[string]string{FieldAppealReasons: tooLong(reasons, MaxWrapUpText)}}
	}
	return Appeal{Rating: w.Rating, Reasons: reasons, FiledOn: today, HearingDue: y.HearingDue(h, today)}, nil
}

func appealableNames(scale Scale) []string {
	var out []string
	for _, r := range scale.Ratings {
		if r.NeedsPlan {
			out = append(out, r.Name)
		}
	}
	return out
}

// PlanDecision checks HRD's decision of an open appeal on today: the
// hearing's day (not after today, not before the appeal) and the outcome,
// with a new rating from the scale, other than the one appealed, when it
// is changed.
func PlanDecision(a Appeal, scale Scale, today, hearingOn Date, outcome, newRating string) (Appeal, error) {
	if !a.Open() {
		return Appeal{}, Errorf(ECONFLICT, "This appeal was decided on %s.", a.DecidedOn.Human())
	}
	fields := map[string]string{}
	switch {
	case hearingOn.IsZero():
		fields[FieldHearingOn] = "Pick the day of the hearing."
	case hearingOn.After(today):
		fields[FieldHearingOn] = "Record the decision once the hearing has happened: pick today or an earlier day."
	case hearingOn.Before(a.FiledOn):
		fields[FieldHearingOn] = fmt.Sprintf("The appeal came in on %s: pick that day or later.", a.FiledOn.Human())
	}
	switch outcome {
	case AppealUpheld:
		newRating = ""
	case AppealChanged:
		if _, ok := scale.Find(newRating); !ok {
			fields[FieldNewRating] = "Pick the new rating."
		} else if newRating == a.Rating {
			fields[FieldNewRating] = "That is the rating appealed: pick another, or uphold it."
		}
	default:
		fields[FieldOutcome] = "Pick the outcome."
	}
	if len(fields) > 0 {
		return Appeal{}, &Error{Code: EINVALID, Message: "The decision needs another look.", Fields: fields}
	}
	a.HearingOn, a.Outcome, a.NewRating, a.DecidedOn = hearingOn, outcome, newRating, today
	return a, nil
}

// ClosingItems keeps, of the items Due lists for fy once it has ended,
// those still to do: the confirmations of its check-ins, and the manager's
// wrap-up while late wrap-ups are taken (to September 30). A quarter's
// missing check-in can no longer be held.
func ClosingItems(items []Item, fy FiscalYear, today Date) []Item {
	var out []Item
	for _, it := range items {
		switch {
		case it.Kind == ItemConfirmation, it.Kind == ItemAcknowledge:
			out = append(out, it)
		case it.Kind == ItemWrapUp && WrapUpSeason(today) == fy:
			out = append(out, it)
		}
	}
	return out
}
