package handlers

import (
	"fmt"

	"github.com/massperform/massperform/review"
)

// dueText says what a due item asks, for the employee looking at their own
// year (self) or for someone looking at it from above.
func dueText(y review.YearState, it review.Item, self bool) string {
	by := "by " + it.DueBy.Human()
	if it.Overdue {
		by = "was due " + it.DueBy.Human()
	}
	switch it.Kind {
	case review.ItemExpectations:
		if self {
			return fmt.Sprintf("Your manager hasn't set your expectations yet (%s).", by)
		}
		return fmt.Sprintf("expectations to set (%s)", by)
	case review.ItemGoals:
		e, _ := findExpectation(y, it.ExpectationID)
		text := esc(truncate(oneLine(e.Text), 80))
		if self {
			return fmt.Sprintf("Add a goal for “%s” (%s).", text, by)
		}
		return fmt.Sprintf("a goal for “%s” (%s)", text, by)
	case review.ItemFirstCheckIn:
		if self {
			return fmt.Sprintf("Your first check-in of the year with your manager (%s).", by)
		}
		return fmt.Sprintf("first check-in (%s)", by)
	case review.ItemCheckIn:
		switch {
		case self && it.ByCadence:
			return fmt.Sprintf("Your next check-in with your manager, as you agreed (%s).", by)
		case self:
			return fmt.Sprintf("A check-in with your manager this quarter, %s (%s).", it.Quarter, by)
		case it.ByCadence:
			return fmt.Sprintf("next check-in, by the agreed cadence (%s)", by)
		}
		return fmt.Sprintf("%s check-in (%s)", it.Quarter, by)
	case review.ItemConfirmation:
		held := ""
		for _, c := range y.CheckIns {
			if c.ID == it.CheckInID {
				held = c.HeldOn.Human()
			}
		}
		if self {
			return fmt.Sprintf("Confirm your check-in of %s (%s).", held, by)
		}
		return fmt.Sprintf("confirmation of the %s check-in (%s)", held, by)
	case review.ItemReflection:
		if self {
			return fmt.Sprintf("Your wrap-up reflection: what you achieved this year (optional, best sent %s).", by)
		}
		return fmt.Sprintf("their reflection (optional, %s)", by)
	case review.ItemAcknowledge:
		if self {
			return fmt.Sprintf("Your final review is in your DMs and on your Home tab: say you've seen it, or respond (until %s).", it.DueBy.Human())
		}
		return fmt.Sprintf("their acknowledgement of the final review (optional, until %s)", it.DueBy.Human())
	case review.ItemPlanReview:
		if self {
			return fmt.Sprintf("Your improvement plan is looked at again with your manager (%s).", by)
		}
		return fmt.Sprintf("re-evaluation of their improvement plan (%s): `/perform plan @name`", by)
	case review.ItemWrapUp:
		if self {
			return fmt.Sprintf("Your manager's wrap-up of your year (%s).", by)
		}
		return fmt.Sprintf("wrap-up and rating (%s)", by)
	}
	return string(it.Kind)
}

// dueMark is the mark in front of a due item in a list.
func dueMark(it review.Item) string {
	if it.Overdue {
		return "⚠️"
	}
	switch it.Kind {
	case review.ItemConfirmation:
		return "✅"
	case review.ItemFirstCheckIn, review.ItemCheckIn:
		return "📅"
	case review.ItemGoals, review.ItemReflection, review.ItemWrapUp:
		return "✍️"
	}
	return "⏳"
}
