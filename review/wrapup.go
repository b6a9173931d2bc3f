package review

import (
	"strings"
	"time"
)

// MaxWrapUpText limits each free-text part of a wrap-up (Slack's limit on a
// text input).
const MaxWrapUpText = 3000

// WrapUp is the end of a review year: the employee's reflection, the
// manager's answers, comments and rating, and the rating's way to the
// employee (HR approves the secretariat's ratings, the manager holds the conversation).
type WrapUp struct {
	Accomplishments string
	ReflectedAt     time.Time // when the employee sent their reflection; zero while a draft
	RaterID         int64     // the manager who gave the rating
	Comments        string
	Rating          string // a Rating.Key; "" until the manager's wrap-up is in
	DevelopmentNote string // the short-term plan a low rating calls for
	Answers         []Answer
	RatedAt         time.Time
	ApprovedAt      time.Time // HR approved the secretariat's ratings; zero before, and after a reopening
	HeldAt          time.Time // the manager held the final conversation
	// MeritNoticeOn is the day the merit notice told the employee their
	// rating denies the step: the appeal window runs from it too.
	MeritNoticeOn Date
	// AcknowledgedAt is when the employee said they have seen the released
	// review (not that they agree); Response is what they wrote back.
	AcknowledgedAt time.Time
	Response       string
	RespondedAt    time.Time
	UpdatedAt      time.Time
}

// Reflected reports whether the employee sent their reflection.
func (w *WrapUp) Reflected() bool { return w != nil && !w.ReflectedAt.IsZero() }

// Rated reports whether the manager's wrap-up is in.
func (w *WrapUp) Rated() bool { return w != nil && w.Rating != "" }

// Approved reports whether HR approved the rating's unit.
func (w *WrapUp) Approved() bool { return w.Rated() && !w.ApprovedAt.IsZero() }

// Released reports whether the employee may see the rating: HR approved
// it and the manager held the final conversation.
func (w *WrapUp) Released() bool { return w.Approved() && !w.HeldAt.IsZero() }

// Status is the rating's step on its way to the employee, in words for
// HR's export.
func (w *WrapUp) Status() string {
	switch {
	case w.Released():
		return "released"
	case w.Approved():
		return "approved"
	case w.Rated():
		return "rated"
	}
	return "not rated"
}

// WrapUpOpens is the day employees can start their reflection: May 1.
func (fy FiscalYear) WrapUpOpens() Date { return Date{int(fy), time.May, 1} }

// ManagerWrapUpOpens is the day managers can write theirs: June 1.
func (fy FiscalYear) ManagerWrapUpOpens() Date { return Date{int(fy), time.June, 1} }

// DefaultReflectionDeadline is the day, in June, after which a manager may
// write their wrap-up without the employee's reflection.
const DefaultReflectionDeadline = 15

// ReflectionDeadline is the last day the manager waits for the employee's
// reflection.
func (c Calendar) ReflectionDeadline(fy FiscalYear) Date {
	day := c.ReflectionDay
	if day == 0 {
		day = DefaultReflectionDeadline
	}
	return Date{int(fy), time.June, day}
}

// WrapUpYear is the review year whose wrap-up is the latest to have opened
// on day: the running year from May 1, the one before until then. Late
// wrap-ups, approvals and releases of a year go on after it ends.
func WrapUpYear(day Date) FiscalYear {
	fy := FiscalYearOf(day)
	if day.Before(fy.WrapUpOpens()) {
		return fy - 1
	}
	return fy
}

// WrapUpSeason is the review year whose wrap-up can be written on day:
// the running year from May 1 (managers from June 1), the year just ended
// until September 30 (late wrap-ups, before the October merit date), and
// otherwise the running year, whose wrap-up has not opened yet.
func WrapUpSeason(day Date) FiscalYear {
	fy := FiscalYearOf(day)
	if day.Month >= time.July && day.Month <= time.September {
		return fy - 1
	}
	return fy
}

// ReflectionForm is the employee's wrap-up form.
type ReflectionForm struct {
	Accomplishments string
	Send            bool // send it to the manager (otherwise keep a draft)
}

// Wrap-up form field names.
const (
	FieldAccomplishments = "accomplishments"
	FieldSend            = "send"
	FieldComments        = "comments"
	FieldRating          = "rating"
	FieldDevelopmentNote = "development_note"
)

// PlanReflection checks the employee's reflection for the year. It may be
// saved as a draft, and changed after it is sent, until the manager's
// wrap-up is in.
func PlanReflection(fy FiscalYear, today Date, w *WrapUp, form ReflectionForm) (WrapUp, error) {
	if err := ReflectionOpen(fy, today, w); err != nil {
		return WrapUp{}, err
	}
	text := strings.TrimSpace(form.Accomplishments)
	fields := map[string]string{}
	if msg := tooLong(text, MaxWrapUpText); msg != "" {
		fields[FieldAccomplishments] = msg
	}
	if form.Send && text == "" {
		fields[FieldAccomplishments] = "Write a few lines before you send it: what you achieved this year and what it changed."
	}
	if len(fields) > 0 {
		return WrapUp{}, &Error{Code: EINVALID, Message: "Your reflection needs another look.", Fields: fields}
	}
	out := WrapUp{Accomplishments: text}
	if w != nil {
		out.ReflectedAt = w.ReflectedAt
	}
	return out, nil
}

// ReflectionOpen says whether the employee can write their reflection.
func ReflectionOpen(fy FiscalYear, today Date, w *WrapUp) error {
	if today.Before(fy.WrapUpOpens()) {
		return Errorf(ECONFLICT, "The %s wrap-up opens on %s. Until then, your check-ins are the place to talk about your year.", fy, fy.WrapUpOpens().Human())
	}
	return ReflectionLocked(fy, w)
}

// ReflectionLocked refuses a change to the reflection once the manager's
// wrap-up is in.
func ReflectionLocked(fy FiscalYear, w *WrapUp) error {
	if w.Rated() {
		return Errorf(ECONFLICT, "Your manager has finished your %s wrap-up, so your reflection can't change now.", fy)
	}
	return nil
}

// ManagerWrapUpOpen says whether the manager can write the wrap-up of the
// employee named: from June 1, once the employee's reflection is in or the
// reflection deadline has passed, and, once HR has approved the unit's
// ratings, not until HR reopens them.
func (c Calendar) ManagerWrapUpOpen(fy FiscalYear, today Date, w *WrapUp, employee string) error {
	opens := fy.ManagerWrapUpOpens()
	if today.Before(opens) {
		return Errorf(ECONFLICT, "Manager wrap-ups for %s open on %s.", fy, opens.Human())
	}
	if deadline := c.ReflectionDeadline(fy); !w.Reflected() && !today.After(deadline) {
		return Errorf(ECONFLICT, "%s hasn't sent their reflection yet, and their side comes first. If it isn't in by %s, you can go ahead from %s.",
			employee, deadline.Human(), deadline.AddDays(1).Human())
	}
	if w.Approved() {
		return RatingLocked
	}
	return nil
}

// RatingLocked refuses a change to a rating HR has approved.
var RatingLocked = &Error{Code: ECONFLICT, Message: "HR has approved these ratings, so they can't change now. If one must, ask HR to reopen them."}

// ManagerWrapUpForm is what the manager enters.
type ManagerWrapUpForm struct {
	Answers         map[string]*bool // by question key; nil when not answered
	Comments        string
	Rating          string // a Rating.Key
	DevelopmentNote string
}

// PlanManagerWrapUp checks the manager's wrap-up against the scale: the
// three answers and a rating are required, and a rating that calls for a
// development plan needs a note of it.
func PlanManagerWrapUp(scale Scale, form ManagerWrapUpForm) (WrapUp, error) {
	w := WrapUp{
		Comments:        strings.TrimSpace(form.Comments),
		DevelopmentNote: strings.TrimSpace(form.DevelopmentNote),
	}
	fields := map[string]string{}
	for _, q := range WrapUpQuestions {
		a := form.Answers[q.Key]
		if a == nil {
			fields[FieldAnswer+q.Key] = "Answer yes or no."
			continue
		}
		w.Answers = append(w.Answers, Answer{Stage: StageWrapUp, Question: q.Key, Yes: *a})
	}
	r, ok := scale.Find(form.Rating)
	switch {
	case form.Rating == "":
		fields[FieldRating] = "Choose the overall rating."
	case !ok:
		fields[FieldRating] = "That rating isn't on the scale. Choose one of the options."
	default:
		w.Rating = r.Key
		if r.NeedsPlan && w.DevelopmentNote == "" {
			fields[FieldDevelopmentNote] = "This rating calls for a short-term development plan. Note what you'll work on together, and by when."
		}
	}
	for field, text := range map[string]string{FieldComments: w.Comments, FieldDevelopmentNote: w.DevelopmentNote} {
		if msg := tooLong(text, MaxWrapUpText); msg != "" {
			fields[field] = msg
		}
	}
	if len(fields) > 0 {
		return WrapUp{}, &Error{Code: EINVALID, Message: "Your wrap-up needs another look.", Fields: fields}
	}
	return w, nil
}

// CanSeeRating reports whether actor may see the rating in w of employee,
// and the manager's free text that comes with it (the answers, comments
// and development note), whose rater is the manager who gave it. The
// employee sees their own only once it is released, whatever other rights
// they hold: HR people are rated too. Otherwise HR, the rater and the
// rater's manager may; nobody else, a later manager of the employee
// included.
func CanSeeRating(actor Actor, employee, rater Person, w *WrapUp) bool {
	if !w.Rated() {
		return false
	}
	me := actor.Person
	if me != nil && me.ID == employee.ID {
		return me.Active && w.Released()
	}
	if actor.HRFor(employee.Unit) {
		return true
	}
	if me == nil || !me.Active {
		return false
	}
	switch {
	case me.ID == w.RaterID:
		return true
	case rater.ID == w.RaterID && rater.ManagerID != 0 && rater.ManagerID == me.ID:
		return true
	}
	return false
}

// CanHoldConversation decides whether actor may record the final
// conversation about employee's rating in w: the manager who gave the
// rating shares it, even if the employee has moved to another manager
// since (who cannot see it). rater is that manager as the roster has them
// now. Only the rater and the employee's manager learn more than a
// refusal.
func CanHoldConversation(actor Actor, employee, rater Person, w *WrapUp) error {
	me := actor.Person
	switch {
	case !actor.OnRoster():
		return NotOnRoster
	case w.Rated() && me.ID == w.RaterID:
		return nil
	case me.ID != employee.ManagerID:
		return Errorf(EFORBIDDEN, "Only the manager who gave this rating can record the conversation about it.")
	case !w.Rated():
		return Errorf(ECONFLICT, "%s's wrap-up isn't written yet, so there's no rating to talk through.", employee.Name)
	case rater.Active:
		return Errorf(EFORBIDDEN, "%s gave %s's rating, so they hold the conversation about it.", rater.Name, employee.Name)
	}
	return Errorf(EFORBIDDEN, "The manager who rated %s has left the program. Ask HR to reopen the ratings so that you can write %s's wrap-up.", employee.Name, employee.Name)
}

// EarlierWrapUp is a manager's part of a wrap-up that was set aside
// before its rating was approved: the employee moved to a new manager,
// who writes their own. It stays visible to whoever CanSeeRating allows
// for its rater, and in the audit log.
type EarlierWrapUp struct {
	RaterID         int64
	Rater           Person // as the roster has them now
	Rating          string
	Comments        string
	DevelopmentNote string
	Answers         []Answer
	RatedAt         time.Time
	SetAsideAt      time.Time
}

// WrapUp returns the earlier wrap-up as a rated wrap-up, for CanSeeRating.
func (e EarlierWrapUp) WrapUp() *WrapUp {
	return &WrapUp{RaterID: e.RaterID, Rating: e.Rating, Comments: e.Comments, DevelopmentNote: e.DevelopmentNote, Answers: e.Answers, RatedAt: e.RatedAt}
}

// SetAside reports whether the manager's part of w gives way when actor
// writes the wrap-up: it is someone else's and not approved. The new
// manager writes their own rather than taking the earlier one over.
func (w *WrapUp) SetAside(actor Actor) bool {
	return w.Rated() && !w.Approved() && (actor.Person == nil || actor.Person.ID != w.RaterID)
}

// LeaveOut returns counts without one person of unit, and without their
// rating if they have one: what someone may see of their own unit's
// distribution while their own rating is not released to them.
func LeaveOut(counts []UnitCount, unit, rating string) []UnitCount {
	out := make([]UnitCount, len(counts))
	for i, c := range counts {
		out[i] = c
		if c.Unit == unit {
			out[i] = c.Without(rating)
		}
	}
	return out
}

// Without returns the count without one of its people, who holds rating
// ("" when not rated yet).
func (u UnitCount) Without(rating string) UnitCount {
	out := UnitCount{Unit: u.Unit, People: max(u.People-1, 0), Counts: make(map[string]int, len(u.Counts))}
	for k, n := range u.Counts {
		out.Counts[k] = n
	}
	if rating != "" && out.Counts[rating] > 0 {
		out.Counts[rating]--
	}
	return out
}

// CanAuditRatings refuses anyone without HR rights.
func CanAuditRatings(actor Actor) error {
	if actor.HR {
		return nil
	}
	return Errorf(EFORBIDDEN, "Rating audits and approvals are for HR.")
}

// CanDecidePool refuses HR a decision (approve, except, reopen) on a pool
// their own rating is in: someone else in HR decides it, so nobody learns
// their own rating, or shapes it, through the cap.
func CanDecidePool(actor Actor, p Pool) error {
	if err := CanAuditRatings(actor); err != nil {
		return err
	}
	me := actor.Person
	if me == nil || !me.Reviewed() {
		return nil
	}
	if p.Holds(me.Unit) {
		return Errorf(EFORBIDDEN, "Your own rating is in %s, so another HR colleague approves or reopens it.", p.Unit)
	}
	return nil
}

// ApprovalCheck says whether HR may approve a pool's ratings: every
// person in it rated, and the capped level within its cap unless HR gives
// a reason for an exception.
func ApprovalCheck(scale Scale, p Pool, exception string) error {
	if err := AllRated(p); err != nil {
		return err
	}
	top, ok := scale.Capped()
	if ok && OverCap(top.CapPercent, p.Counts[top.Key], p.People) && strings.TrimSpace(exception) == "" {
		return &Error{Code: EINVALID, Message: "This unit is over the cap.", Fields: map[string]string{
			FieldException: "Over the cap needs an exception: say why HR accepts it.",
		}}
	}
	return nil
}

// AllRated refuses to approve a pool until everyone in it is rated.
func AllRated(p Pool) error {
	if missing := p.People - p.Rated(); missing > 0 {
		return Errorf(ECONFLICT, "%s is still waiting on %d of %d ratings. Approve it once every manager's wrap-up is in.", p.Unit, missing, p.People)
	}
	return nil
}

// FieldException is the exception reason's field.
const FieldException = "exception"
