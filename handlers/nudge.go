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
	blocks := []slack.Block{section("*" + text + "*")}
	for i, l := range n.Lines {
		if i == nudgeLinesShown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more: your Home tab in MassPerform lists them all.", len(n.Lines)-i)))
			break
		}
		line := dueMark(l.Item) + " " + dueText(l.Year, l.Item, true)
		if !l.Self(n.Recipient) {
			line = fmt.Sprintf("%s *%s*: %s", dueMark(l.Item), esc(l.About.Name), dueText(l.Year, l.Item, false))
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
	return out
}
