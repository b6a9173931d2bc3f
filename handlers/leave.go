package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
)

func (h *handlers) registerLeave(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "leave",
		Usage:   r.Slash() + " leave @employee [from YYYY-MM-DD] [to YYYY-MM-DD]",
		Summary: "record someone's leave (nothing is due while it lasts), end it, or see it",
		For:     bot.HR,
		Handle:  h.leaveCommand,
	})
}

const leaveExample = "/perform leave @name from 2027-01-04 to 2027-03-31"

// leaveArgs reads "from D" and "to D" after the mention.
func leaveArgs(rest string) (from, to review.Date, err error) {
	words := strings.Fields(rest)
	if len(words) > 0 {
		words = words[1:] // the mention
	}
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(words[i])
		if (w != "from" && w != "to") || i+1 == len(words) {
			return from, to, review.Errorf(review.EINVALID, "Write it like `%s` (the end is optional).", leaveExample)
		}
		d, perr := review.ParseDate(words[i+1])
		if perr != nil {
			return from, to, review.Errorf(review.EINVALID, "%q isn't a date: write it like 2027-01-04.", words[i+1])
		}
		if w == "from" {
			from = d
		} else {
			to = d
		}
		i++
	}
	return from, to, nil
}

func (h *handlers) leaveCommand(ctx context.Context, c *bot.Command) {
	actor, target, ok := h.mentioned(ctx, c, leaveExample)
	if !ok {
		return
	}
	if !actor.HRFor(target.Unit) {
		text := "Leave is recorded by HR."
		if actor.HR {
			text = fmt.Sprintf("%s is outside your part of the organisation (%s): their own HR records their leave.", esc(target.Name), esc(actor.Scope))
		}
		c.Reply(ctx, bot.Message{Text: text})
		return
	}
	from, to, err := leaveArgs(fromSlack(c.Rest))
	if err == nil && from.IsZero() && !to.IsZero() {
		// Ending the leave that is still open.
		var leaves []review.Leave
		if leaves, err = h.Store.Leaves(ctx, target.ID); err == nil {
			for _, l := range leaves {
				if l.To.IsZero() {
					from = l.From
				}
			}
			if from.IsZero() {
				err = review.Errorf(review.ECONFLICT, "%s has no open leave to end. To record one, add its start: `%s`.", target.Name, leaveExample)
			}
		}
	}
	if err == nil && !from.IsZero() {
		err = h.Store.RecordLeave(ctx, actor, target.ID, review.Leave{From: from, To: to})
	}
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "leave")})
		return
	}
	leaves, err := h.Store.Leaves(ctx, target.ID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "leave")})
		return
	}
	c.Reply(ctx, bot.Message{Text: h.leaveText(target, leaves)})
}

// leaveText says what leave is recorded for someone and what it means for
// their year.
func (h *handlers) leaveText(p review.Person, leaves []review.Leave) string {
	name := esc(p.Name)
	if len(leaves) == 0 {
		return fmt.Sprintf("No leave is recorded for %s. To record some: `%s`.", name, leaveExample)
	}
	var lines []string
	for _, l := range leaves {
		until := "until HR ends it"
		if !l.To.IsZero() {
			until = "to " + l.To.Human()
		}
		lines = append(lines, fmt.Sprintf("• from %s %s", l.From.Human(), until))
	}
	today := h.Cal.Today(h.Clock.Now())
	fy := review.FiscalYearOf(today)
	text := fmt.Sprintf("*Leave recorded for %s*\n%s\nNothing is due from or about them while on leave; a deadline that fell in it moves to %d days after they return, and a quarter mostly on leave owes no check-in.",
		name, strings.Join(lines, "\n"), review.GraceDays)
	if review.DefaultYearEnd.NotRatedForLeave(leaves, fy) {
		text += fmt.Sprintf("\nWith more than %d months of leave in %s, they are not rated for it, and their unit's approval doesn't wait for them.", review.DefaultYearEnd.LeaveNotRatedMonths, fy)
	}
	return text
}
