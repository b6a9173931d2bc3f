package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits on goals.
const (
	MaxGoalsPerExpectation = 10
	MaxGoalLength          = 500
	MaxMeasureLength       = 500
)

// Goal is what the employee will do to meet an expectation. A goal is
// SMART when it says how success is measured and by when.
type Goal struct {
	ID            int64
	ReviewID      int64
	ExpectationID int64
	Text          string
	Measure       string
	Target        Date
	Retired       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// GoalEdit is one goal row of the employee's form.
type GoalEdit struct {
	ID      int64 // 0 for a new goal
	Text    string
	Measure string
	Target  Date // zero when no date was picked
	Retire  bool
}

// GoalChanges is what saving a goals form changes.
type GoalChanges struct {
	Create []Goal
	Update []Goal
	Retire []int64
}

// Empty reports whether nothing changes.
func (c GoalChanges) Empty() bool {
	return len(c.Create) == 0 && len(c.Update) == 0 && len(c.Retire) == 0
}

// Touched returns the ids of the existing goals that change.
func (c GoalChanges) Touched() []int64 {
	ids := append([]int64{}, c.Retire...)
	for _, g := range c.Update {
		ids = append(ids, g.ID)
	}
	return ids
}

// Goal form field names, appended to the edit index: "2.text".
const (
	FieldText    = "text"
	FieldMeasure = "measure"
	FieldTarget  = "target"
)

// PlanGoals checks the employee's edits to the goals of one expectation
// against its current (active) goals, for fiscal year fy on day today.
//
// A failed check is an EINVALID *Error whose Fields are keyed
// "<edit index>.<field>" (see FieldText, FieldMeasure, FieldTarget), or ""
// for a problem with the whole form.
func PlanGoals(fy FiscalYear, today Date, current []Goal, edits []GoalEdit) (GoalChanges, error) {
	var ch GoalChanges
	byID := map[int64]Goal{}
	for _, g := range current {
		byID[g.ID] = g
	}
	fields := map[string]string{}
	seen := map[int64]bool{}
	active := len(current)
	for i, ed := range edits {
		key := strconv.Itoa(i) + "."
		text, measure := strings.TrimSpace(ed.Text), strings.TrimSpace(ed.Measure)
		var old Goal
		if ed.ID != 0 {
			var ok bool
			if old, ok = byID[ed.ID]; !ok || seen[ed.ID] {
				return GoalChanges{}, StaleForm
			}
			seen[ed.ID] = true
			if ed.Retire {
				ch.Retire = append(ch.Retire, ed.ID)
				active--
				continue
			}
		} else if ed.Retire || (text == "" && measure == "" && ed.Target.IsZero()) {
			continue // an untouched blank row
		}
		problems := map[string]string{}
		if text == "" {
			problems[FieldText] = "Say what you will achieve."
		} else if msg := tooLong(text, MaxGoalLength); msg != "" {
			problems[FieldText] = msg
		}
		if measure == "" {
			problems[FieldMeasure] = "Say how you will know it is done: a measure of success."
		} else if msg := tooLong(measure, MaxMeasureLength); msg != "" {
			problems[FieldMeasure] = msg
		}
		switch {
		case ed.Target.IsZero():
			problems[FieldTarget] = "Pick a target date."
		case !fy.Contains(ed.Target):
			problems[FieldTarget] = fmt.Sprintf("Pick a date inside %s (%s – %s).", fy, fy.Start().Human(), fy.End().Human())
		case ed.Target.Before(today) && ed.Target != old.Target:
			problems[FieldTarget] = "Pick a date from today on."
		}
		for f, msg := range problems {
			fields[key+f] = msg
		}
		if len(problems) > 0 {
			continue
		}
		g := Goal{ID: ed.ID, ReviewID: old.ReviewID, ExpectationID: old.ExpectationID, Text: text, Measure: measure, Target: ed.Target}
		switch {
		case ed.ID == 0:
			ch.Create = append(ch.Create, g)
			active++
		case text != old.Text || measure != old.Measure || ed.Target != old.Target:
			ch.Update = append(ch.Update, g)
		}
	}
	if len(fields) == 0 && active > MaxGoalsPerExpectation {
		fields[""] = fmt.Sprintf("An expectation holds up to %d goals. Retire one before adding another.", MaxGoalsPerExpectation)
	}
	if len(fields) > 0 {
		return GoalChanges{}, &Error{Code: EINVALID, Message: "Some goals need another look.", Fields: fields}
	}
	return ch, nil
}
