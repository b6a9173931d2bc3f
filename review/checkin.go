package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Progress is where a goal stands at a check-in, on the program's scale.
type Progress string

// The progress scale.
const (
	AboveTarget   Progress = "above"
	OnTarget      Progress = "on"
	BelowTarget   Progress = "below"
	NotApplicable Progress = "na"
)

// ProgressScale lists the scale in order, with how each level reads.
var ProgressScale = []struct {
	Level Progress
	Label string
}{
	{AboveTarget, "Above Target"},
	{OnTarget, "On Target"},
	{BelowTarget, "Below Target"},
	{NotApplicable, "Not Applicable"},
}

// Label is how the level reads, or "" for an unknown level.
func (p Progress) Label() string {
	for _, l := range ProgressScale {
		if l.Level == p {
			return l.Label
		}
	}
	return ""
}

// Limits on what a check-in records.
const (
	MaxCheckInText = 3000 // notes, feedback either way
	MaxReasonText  = 500  // why a cadence changed
)

// CheckIn is a conversation the manager logged.
type CheckIn struct {
	ID        int64
	ReviewID  int64
	ManagerID int64
	HeldOn    Date
	// What it covered: at least one of them.
	Expectations, Feedback, Development bool
	Notes                               string
	FeedbackForEmployee                 string
	First                               bool // the year's first check-in
	Progress                            map[int64]Progress
	Confirmation                        *Confirmation // nil until the employee confirms
	CreatedAt, UpdatedAt                time.Time
}

// Quarter is the quarter the check-in counts for: the one it was held in.
func (c CheckIn) Quarter() Quarter { return QuarterOf(c.HeldOn) }

// Topics lists what the check-in covered, as words.
func (c CheckIn) Topics() []string {
	var t []string
	for _, x := range []struct {
		on   bool
		name string
	}{{c.Expectations, "expectations"}, {c.Feedback, "feedback"}, {c.Development, "development"}} {
		if x.on {
			t = append(t, x.name)
		}
	}
	return t
}

// Confirmation is the employee's side of a check-in.
type Confirmation struct {
	CheckInID          int64
	FeedbackForManager string
	Answers            []Answer // the compliance answers, for the year's first check-in
	ConfirmedAt        time.Time
}

// CheckInForm is what the manager enters.
type CheckInForm struct {
	HeldOn                              Date
	Expectations, Feedback, Development bool
	Notes, FeedbackForEmployee          string
	Progress                            map[int64]Progress
	Cadence                             *Cadence // asked for on the year's first check-in
}

// Check-in form field names.
const (
	FieldHeldOn   = "held_on"
	FieldCovered  = "covered"
	FieldNotes    = "notes"
	FieldFeedback = "feedback"
	FieldCadence  = "cadence"
	// FieldProgress is followed by the goal id: "progress:12".
	FieldProgress = "progress:"
)

// PlanCheckIn checks a manager's check-in form for the review year on day
// today, and returns the check-in to store. editing is the check-in being
// changed, or nil for a new one. A failed check is an EINVALID *Error with
// Fields keyed by the Field constants.
func PlanCheckIn(year YearState, today Date, form CheckInForm, editing *CheckIn) (CheckIn, error) {
	fields := map[string]string{}
	fy := year.Year
	switch {
	case form.HeldOn.IsZero():
		fields[FieldHeldOn] = "Pick the day you met."
	case form.HeldOn.After(today):
		fields[FieldHeldOn] = "Log a check-in once it has happened: pick today or an earlier day."
	case !fy.Contains(form.HeldOn):
		fields[FieldHeldOn] = fmt.Sprintf("Pick a day inside %s (%s – %s).", fy, fy.Start().Human(), fy.End().Human())
	}
	if !form.Expectations && !form.Feedback && !form.Development {
		fields[FieldCovered] = "Tick what the conversation covered: expectations, feedback, development, or several."
	}
	notes, feedback := strings.TrimSpace(form.Notes), strings.TrimSpace(form.FeedbackForEmployee)
	if msg := tooLong(notes, MaxCheckInText); msg != "" {
		fields[FieldNotes] = msg
	}
	switch {
	case form.Feedback && feedback == "":
		fields[FieldFeedback] = "Write down the feedback you gave, or untick Feedback."
	default:
		if msg := tooLong(feedback, MaxCheckInText); msg != "" {
			fields[FieldFeedback] = msg
		}
	}
	if form.Development && !year.DevelopmentAllowed(editing) {
		fields[FieldCovered] = DevelopmentNotYet.Message
	}
	active := map[int64]bool{}
	for _, g := range year.Goals {
		active[g.ID] = true
	}
	progress := map[int64]Progress{}
	for id, p := range form.Progress {
		if !active[id] {
			return CheckIn{}, StaleForm
		}
		if p == "" {
			continue
		}
		if p.Label() == "" {
			fields[FieldProgress+strconv.FormatInt(id, 10)] = "Pick a level from the list."
			continue
		}
		progress[id] = p
	}
	first := editing == nil && len(year.CheckIns) == 0 || editing != nil && editing.First
	if first && editing == nil && form.Cadence == nil {
		fields[FieldCadence] = "Agree how often you'll check in: at least once a quarter."
	}
	if len(fields) > 0 {
		return CheckIn{}, &Error{Code: EINVALID, Message: "The check-in needs another look.", Fields: fields}
	}
	c := CheckIn{
		ReviewID: year.ReviewID, HeldOn: form.HeldOn,
		Expectations: form.Expectations, Feedback: form.Feedback, Development: form.Development,
		Notes: notes, FeedbackForEmployee: feedback, First: first, Progress: progress,
	}
	if editing != nil {
		c.ID, c.ManagerID, c.Confirmation = editing.ID, editing.ManagerID, editing.Confirmation
	}
	return c, nil
}

// DevelopmentNotYet is why a development check-in cannot happen yet.
var DevelopmentNotYet = &Error{Code: ECONFLICT, Message: "A development check-in comes after an expectations check-in and a feedback check-in this year. Hold those first."}

// DevelopmentAllowed reports whether an expectations check-in and a
// feedback check-in have happened this year (not counting the check-in
// being edited), which a development check-in needs first.
func (y YearState) DevelopmentAllowed(editing *CheckIn) bool {
	var exp, fb bool
	for _, c := range y.CheckIns {
		if editing != nil && c.ID == editing.ID {
			continue
		}
		exp = exp || c.Expectations
		fb = fb || c.Feedback
	}
	return exp && fb
}

// FirstCheckIn returns the year's first check-in, if any.
func (y YearState) FirstCheckIn() (CheckIn, bool) {
	for _, c := range y.CheckIns {
		if c.First {
			return c, true
		}
	}
	return CheckIn{}, false
}

// PlanCadence checks a change of cadence and its reason.
func PlanCadence(current Cadence, next Cadence, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	switch {
	case reason == "":
		fields["reason"] = "Say briefly why: it is kept with the review's history."
	case tooLong(reason, MaxReasonText) != "":
		fields["reason"] = tooLong(reason, MaxReasonText)
	}
	if next == current {
		fields[FieldCadence] = fmt.Sprintf("The cadence is already %s.", strings.ToLower(current.Label()))
	}
	if len(fields) > 0 {
		return "", &Error{Code: EINVALID, Message: "The cadence change needs another look.", Fields: fields}
	}
	return reason, nil
}
