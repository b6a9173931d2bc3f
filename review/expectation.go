package review

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on expectations. They keep a review readable and keep every Slack
// surface that shows one inside Block Kit's limits.
const (
	MaxExpectations      = 15
	MaxExpectationLength = 1000
)

// Expectation is something the manager expects of the employee this year:
// a key deliverable, a behaviour or a result.
type Expectation struct {
	ID        int64
	ReviewID  int64
	Position  int
	Text      string
	Retired   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ExpectationEdit is one row of the manager's expectations form.
type ExpectationEdit struct {
	ID     int64 // 0 for a new expectation
	Text   string
	Retire bool
}

// ExpectationChanges is what saving a form changes.
type ExpectationChanges struct {
	Create []Expectation // Text and Position set
	Update []Expectation // ID and the new Text set
	Retire []int64
}

// Empty reports whether nothing changes.
func (c ExpectationChanges) Empty() bool {
	return len(c.Create) == 0 && len(c.Update) == 0 && len(c.Retire) == 0
}

// Touched returns the ids of the existing expectations that change.
func (c ExpectationChanges) Touched() []int64 {
	ids := append([]int64{}, c.Retire...)
	for _, e := range c.Update {
		ids = append(ids, e.ID)
	}
	return ids
}

// PlanExpectations checks the manager's edits against the review's current
// (active) expectations and returns what to change.
//
// A failed check is an EINVALID *Error whose Fields are keyed by the index
// of the offending edit ("0", "1", …), or by "" for a problem with the whole
// form.
func PlanExpectations(current []Expectation, edits []ExpectationEdit) (ExpectationChanges, error) {
	var ch ExpectationChanges
	byID := map[int64]Expectation{}
	nextPos := 1
	for _, e := range current {
		byID[e.ID] = e
		nextPos = max(nextPos, e.Position+1)
	}
	fields := map[string]string{}
	seen := map[int64]bool{}
	active := 0
	for i, ed := range edits {
		key := strconv.Itoa(i)
		text := strings.TrimSpace(ed.Text)
		if ed.ID != 0 {
			old, ok := byID[ed.ID]
			if !ok || seen[ed.ID] {
				return ExpectationChanges{}, StaleForm
			}
			seen[ed.ID] = true
			switch {
			case ed.Retire:
				ch.Retire = append(ch.Retire, ed.ID)
				continue
			case text == "":
				fields[key] = "Write the expectation, or tick Retire to remove it."
				continue
			case text != old.Text:
				ch.Update = append(ch.Update, Expectation{ID: ed.ID, ReviewID: old.ReviewID, Position: old.Position, Text: text})
			}
		} else {
			if text == "" || ed.Retire {
				continue
			}
			ch.Create = append(ch.Create, Expectation{Position: nextPos, Text: text})
			nextPos++
		}
		if msg := tooLong(text, MaxExpectationLength); msg != "" {
			fields[key] = msg
		}
		active++
	}
	// Expectations the form did not mention stay as they are.
	for _, e := range current {
		if !seen[e.ID] {
			active++
		}
	}
	switch {
	case len(fields) > 0:
	case active == 0 && len(current) == 0:
		fields[""] = "Write at least one expectation."
	case active == 0:
		fields[""] = "Keep at least one expectation: goals are written against them."
	case active > MaxExpectations:
		fields[""] = fmt.Sprintf("A review holds up to %d expectations. Retire one before adding another.", MaxExpectations)
	}
	if len(fields) > 0 {
		return ExpectationChanges{}, &Error{Code: EINVALID, Message: "Some expectations need another look.", Fields: fields}
	}
	return ch, nil
}

// StaleForm is the answer to a form that names items the review does not
// hold: it was opened before someone else changed the review, or it was
// forged.
var StaleForm = &Error{Code: ECONFLICT, Message: "This form is out of date: the review changed since it was opened. Close it and open it again."}

// AlreadySaved is the answer to a form submitted again after its first
// save went through.
var AlreadySaved = &Error{Code: ECONFLICT, Message: "This form was already saved: your first try got through after all. Close it and open it again to see what was saved."}

// tooLong returns a field message when s has more than n characters.
func tooLong(s string, n int) string {
	if c := utf8.RuneCountInString(s); c > n {
		return fmt.Sprintf("Keep this under %d characters (it has %d).", n, c)
	}
	return ""
}
