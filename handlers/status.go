package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
)

func (h *handlers) registerStatus(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "status",
		Usage:   r.Slash() + " status",
		Summary: "where your own year stands: expectations, goals, check-ins, what's next",
		For:     bot.Everyone,
		Handle:  h.statusCommand,
	})
}

func (h *handlers) statusCommand(ctx context.Context, c *bot.Command) {
	me, ok := h.reviewedSender(ctx, c, "Nobody on the roster manages you, so you have no review of your own here. `/perform team` shows your team.")
	if !ok {
		return
	}
	year, err := h.Store.Year(ctx, me.ID, h.year())
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "status")})
		return
	}
	c.Reply(ctx, h.statusView(year))
}

// statusView is the employee's own year in one message.
func (h *handlers) statusView(y review.YearState) bot.Message {
	now := h.Clock.Now()
	withGoal := map[int64]bool{}
	for _, g := range y.Goals {
		withGoal[g.ExpectationID] = true
	}
	summary := fmt.Sprintf("*Your %s*\n%s, goals for %d of them · check-ins: %s\n%s",
		y.Year, plural(len(y.Expectations), "expectation", "expectations"), len(withGoal),
		strings.ToLower(y.Cadence.Label()), quarterStrip(y, now, h.Cal))
	blocks := []slack.Block{section(summary)}
	if len(y.CheckIns) > 0 {
		var lines []string
		for _, c := range y.CheckIns {
			state := "to confirm"
			if c.Confirmation != nil {
				state = "confirmed"
			}
			lines = append(lines, fmt.Sprintf("• %s (%s) — %s · %s", c.HeldOn.Human(), c.Quarter(), strings.Join(c.Topics(), ", "), state))
		}
		blocks = append(blocks, section(fitLines("*Check-ins*", lines, "check-in", "check-ins")))
	}
	var next []string
	var buttons []slack.BlockElement
	for _, it := range h.Cal.Due(y, now) {
		next = append(next, dueMark(it)+" "+dueText(y, it, true))
		if it.Kind == review.ItemConfirmation && len(buttons) < 4 {
			for _, c := range y.CheckIns {
				if c.ID == it.CheckInID {
					buttons = append(buttons, button("Confirm "+c.HeldOn.Human(), confirmAction, strconv.FormatInt(c.ID, 10), true))
				}
			}
		}
	}
	if len(next) == 0 {
		next = []string{"✅ You're all set for now."}
	}
	blocks = append(blocks, section(fitLines("*What's next*", next, "item", "items")))
	if len(y.Expectations) > 0 {
		buttons = append(buttons, button("Add or edit goals", goalsOpenAction, "open", false))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("status_actions", buttons...))
	}
	return bot.Message{Text: fmt.Sprintf("Your %s: %s so far.", y.Year, plural(len(y.CheckIns), "check-in", "check-ins")), Blocks: blocks}
}
