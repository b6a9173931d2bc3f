package handlers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
)

// Identifiers of the nudge message.
const (
	snoozeAction    = "nudge_snooze" // value: days of quiet
	snoozeDays      = 7
	nudgeLinesShown = 20
)

func (h *handlers) registerNudges(r *bot.Router) {
	r.Action(snoozeAction, h.snoozeClicked)
}

// NudgeMessage is a person's reminder for the day: each item due from them
// on a line, with a button that opens the right form, and a way to ask for
// a week of quiet.
func NudgeMessage(n scheduler.Nudge) ([]byte, error) {
	text := fmt.Sprintf("Good morning! %s waiting for you in MassPerform.", plural(len(n.Lines), "thing is", "things are"))
	var blocks []slack.Block
	for _, ph := range n.Phases {
		head, body := phaseText(n, ph)
		if len(blocks) == 0 {
			text = head
		}
		blocks = append(blocks, section("*"+head+"*\n"+body))
	}
	if len(n.Lines) > 0 {
		blocks = append(blocks, section("*"+fmt.Sprintf("%s waiting for you:", plural(len(n.Lines), "thing is", "things are"))+"*"))
	}
	for i, l := range n.Lines {
		if i == nudgeLinesShown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more: your Home tab in MassPerform lists them all.", len(n.Lines)-i)))
			break
		}
		text, about := dueText(l.Year, l.Item, true), dueText(l.Year, l.Item, false)
		if l.Year.Year != 0 && l.Year.Year != n.Year {
			// The year that ended, still open: said so.
			text, about = fmt.Sprintf("%s, still open: %s", l.Year.Year, text), fmt.Sprintf("%s %s", l.Year.Year, about)
		}
		line := dueMark(l.Item) + " " + text
		if !l.Self(n.Recipient) {
			line = fmt.Sprintf("%s *%s*: %s", dueMark(l.Item), esc(l.About.Name), about)
		}
		if b := nudgeButton(l); b != nil {
			blocks = append(blocks, sectionWith(line, b))
		} else {
			blocks = append(blocks, section(line))
		}
	}
	blocks = append(blocks, slack.NewActionBlock("nudge_actions", button("Snooze a week", snoozeAction, strconv.Itoa(snoozeDays), false)),
		note("You get at most one of these a day, on working days, around 9:00 your time."))
	return scheduler.EncodePayload(text, blocks)
}

// phaseText announces an opening of the year, for a manager or employee.
func phaseText(n scheduler.Nudge, ph review.Phase) (head, body string) {
	reviewed := n.Recipient.Reviewed()
	switch ph {
	case review.PhaseWrapUp:
		return "Wrap-up season is open.", "Look back on your year and, if you like, send your manager a reflection: what you achieved and what it changed. Try `/perform wrapup`."
	case review.PhaseManagerWrapUp:
		return "Manager wrap-ups open today.", fmt.Sprintf("For each of your reports: read their reflection, answer three questions and give the overall rating, by %s. Start with `/perform wrapup @name`.", n.Year.End().Human())
	}
	_, q1 := n.Year.Quarter(1)
	head = fmt.Sprintf("Welcome to %s!", n.Year)
	switch {
	case n.Manages && reviewed:
		body = fmt.Sprintf("As a manager: set each report's expectations and hold a first check-in by %s. For your own year: your manager does the same with you, and you write a goal for each expectation.", q1.Human())
	case n.Manages:
		body = fmt.Sprintf("Set each report's expectations and hold a first check-in with them by %s. They'll write a goal for each expectation.", q1.Human())
	default:
		body = fmt.Sprintf("Your manager sets your expectations for the year, you write a goal for each, and you meet for a first check-in by %s. `/perform status` shows where you stand.", q1.Human())
	}
	return head, body
}

// nudgeButton opens the form a line asks for.
func nudgeButton(l scheduler.NudgeLine) *slack.ButtonBlockElement {
	id := strconv.FormatInt(l.About.ID, 10)
	switch l.Item.Kind {
	case review.ItemGoals:
		return button("Add goals", goalsOpenAction, "open", false)
	case review.ItemConfirmation:
		return button("Confirm", confirmAction, strconv.FormatInt(l.Item.CheckInID, 10), false)
	case review.ItemReflection:
		return button("Write it", reflectionOpenAction, "open", false)
	case review.ItemExpectations:
		return button("Set expectations", expectationsAction, id, false)
	case review.ItemFirstCheckIn, review.ItemCheckIn:
		return button("Log a check-in", checkInOpenAction, id, false)
	case review.ItemWrapUp:
		return button("Write the wrap-up", wrapUpOpenAction, id, false)
	}
	return nil
}

// snoozeClicked keeps nudges away from the clicker for a week.
func (h *handlers) snoozeClicked(ctx context.Context, a *bot.Action) {
	actor, err := h.actor(ctx, a.User.ID)
	if err == nil && !actor.OnRoster() {
		err = review.NotOnRoster
	}
	until := h.Cal.Today(h.Clock.Now()).AddDays(snoozeDays)
	if err == nil {
		err = h.Store.Snooze(ctx, actor.Person.ID, until)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "snooze")})
		return
	}
	a.Reply(ctx, bot.Message{Text: fmt.Sprintf("Done: no reminders from us until %s. Anything due still shows on your Home tab.", until.AddDays(1).Human())})
}

// NudgeSummary is a nudge's lines as plain text, for operators.
func NudgeSummary(n scheduler.Nudge) []string {
	out := make([]string, len(n.Lines))
	for i, l := range n.Lines {
		if l.Self(n.Recipient) {
			out[i] = fromSlack(dueText(l.Year, l.Item, true))
		} else {
			out[i] = l.About.Name + ": " + fromSlack(dueText(l.Year, l.Item, false))
		}
	}
	for _, ph := range n.Phases {
		head, _ := phaseText(n, ph)
		out = append([]string{head}, out...)
	}
	return out
}
