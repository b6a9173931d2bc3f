package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
)

// Rehearsal moves a rehearsal's clock. A live deployment has none.
type Rehearsal interface {
	// Check says whether the clock may move to target now.
	Check(ctx context.Context, target time.Time) error
	MoveTo(ctx context.Context, to scheduler.Target) (scheduler.Moved, error)
	Reset(ctx context.Context) error
}

const (
	rehearsalResetAction = "rehearsal_reset"
	// moveTimeout bounds a move of the clock started from Slack: a year of
	// hourly sweeps for a training organisation takes a minute or two.
	moveTimeout = 25 * time.Minute
)

// notRehearsal is what a live deployment says to every rehearsal command.
const notRehearsal = "This is the live program: its clock is the real one and nobody can move it. Rehearsals run in a deployment of their own, started with `REHEARSAL=true`."

func (h *handlers) registerRehearsal(r *bot.Router) {
	var who bot.Audience // a live deployment lists it to nobody
	if h.Rehearsal != nil {
		who = bot.HR
	}
	r.Command(bot.CommandSpec{
		Name:    "rehearsal",
		Usage:   r.Slash() + " rehearsal [date YYYY-MM-DD | advance 7d | reset]",
		Summary: "where the rehearsal's clock is, and moving it: to a date, ahead by days (`7d`), weeks (`2w`) or hours (`12h`), or back to an empty rehearsal",
		For:     who,
		Handle:  h.rehearsalCommand,
	})
	r.Action(rehearsalResetAction, h.rehearsalResetClicked)
}

func (h *handlers) rehearsalCommand(ctx context.Context, c *bot.Command) {
	if h.Rehearsal == nil {
		c.Reply(ctx, bot.Message{Text: notRehearsal})
		return
	}
	now := h.Clock.Now()
	verb, arg := bot.ParseCommand(c.Rest)
	if verb == "" || verb == "status" {
		c.Reply(ctx, bot.Message{Text: fmt.Sprintf("The rehearsal is on %s, %s in %s. HR moves its clock with `%s rehearsal date YYYY-MM-DD` or `%s rehearsal advance 7d`; the reminders and digests of the days it passes go out as it moves.",
			h.Cal.LongDate(now), now.In(h.Cal.Loc).Format("15:04"), h.Cal.Loc, c.Command, c.Command)})
		return
	}
	actor, err := h.actor(ctx, c.UserID)
	if err == nil && !actor.HRRole().OrgWide() {
		err = review.Errorf(review.EFORBIDDEN, "Only central HR (HRD) can move the rehearsal's clock: it moves for everyone.")
	}
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "rehearsal")})
		return
	}
	var to scheduler.Target
	switch verb {
	case "date":
		d, perr := review.ParseDate(strings.TrimSpace(arg))
		if perr != nil {
			c.Reply(ctx, bot.Message{Text: fmt.Sprintf("Give the date as YYYY-MM-DD, like `%s rehearsal date %s`.", c.Command, review.DateOf(now.In(h.Cal.Loc)).AddDays(7))})
			return
		}
		to = func(now time.Time) time.Time { return h.Cal.DayAt(d, now) }
	case "advance":
		m, perr := review.ParseClockMove(arg)
		if perr != nil {
			c.Reply(ctx, bot.Message{Text: review.ErrorMessage(perr)})
			return
		}
		to = func(now time.Time) time.Time { return m.From(now, h.Cal.Loc) }
	case "reset":
		b := button("Erase the rehearsal", rehearsalResetAction, "reset", false)
		b.Style = slack.StyleDanger
		b.Confirm = slack.NewConfirmationBlockObject(plain("Erase the rehearsal?", 100),
			plain("Everything done in it goes, the roster too, and the clock goes back to today. Seed it again to start over.", 300), plain("Erase it", 30), plain("Keep it", 30))
		text := "A reset erases everything recorded in this rehearsal (the roster, the year's records, the reminders sent) and puts the clock back on today."
		c.Reply(ctx, bot.Message{Text: text, Blocks: []slack.Block{sectionWith(text, b)}})
		return
	default:
		c.Reply(ctx, bot.Message{Text: fmt.Sprintf("The rehearsal's clock moves with `%s rehearsal date YYYY-MM-DD`, `%s rehearsal advance 7d` or `%s rehearsal reset`.", c.Command, c.Command, c.Command)})
		return
	}
	// A first look from this process's clock; the move reads the clock
	// again, as stored, once it holds it.
	target := to(now)
	if err := h.Rehearsal.Check(ctx, target); err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "rehearsal")})
		return
	}
	if h.Cal.Today(target) == h.Cal.Today(now) && !target.After(now) {
		c.Reply(ctx, bot.Message{Text: fmt.Sprintf("The rehearsal is on %s already.", h.Cal.LongDate(now))})
		return
	}
	c.Reply(ctx, bot.Message{Text: fmt.Sprintf("Moving the clock from %s to %s. The reminders and digests of the days in between go out as it passes them; I'll tell you when it's there.",
		h.Cal.LongDate(now), h.Cal.LongDate(target))})
	// The move outlives the command's handler: a skipped season takes a
	// while. It answers through the command's response_url.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), moveTimeout)
	go func() {
		defer cancel()
		moved, err := h.Rehearsal.MoveTo(mctx, to)
		if err != nil {
			h.Log.Info("rehearsal clock not moved", "by", c.UserID, "err", err)
			c.Reply(mctx, bot.Message{Text: h.userMessage(err, "moving the rehearsal clock")})
			return
		}
		h.Log.Info("rehearsal clock moved", "by", c.UserID, "from", moved.From.Format(time.RFC3339), "to", moved.To.Format(time.RFC3339))
		c.Reply(mctx, bot.Message{Text: MovedText(h.Cal, moved)})
	}()
}

// MovedText says where a move of the rehearsal clock took it and what ran
// on the way.
func MovedText(cal review.Calendar, m scheduler.Moved) string {
	text := fmt.Sprintf("The rehearsal is now on %s.", cal.LongDate(m.To))
	if !m.To.After(m.From) {
		return text
	}
	var parts []string
	if n := m.Runs["nudges"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s queued %s", plural(n, "reminder sweep", "reminder sweeps"), plural(m.Queued["nudges"], "reminder", "reminders")))
	}
	if n := m.Runs["digest"]; n > 0 {
		parts = append(parts, fmt.Sprintf("HR's digest went out %s", plural(n, "time", "times")))
	}
	if len(parts) == 0 {
		return text + " Nothing was scheduled on the way."
	}
	return text + " On the way, " + strings.Join(parts, ", and ") + "."
}

func (h *handlers) rehearsalResetClicked(ctx context.Context, a *bot.Action) {
	if h.Rehearsal == nil {
		a.Reply(ctx, bot.Message{Text: notRehearsal})
		return
	}
	actor, err := h.actor(ctx, a.User.ID)
	if err == nil && !actor.HRRole().OrgWide() {
		err = review.Errorf(review.EFORBIDDEN, "Only central HR (HRD) can reset the rehearsal: it's reset for everyone.")
	}
	if err == nil {
		err = h.Rehearsal.Reset(ctx)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "rehearsal reset")})
		return
	}
	h.Log.Info("rehearsal reset", "by", a.User.ID)
	a.Replace(ctx, bot.Message{Text: fmt.Sprintf("The rehearsal is empty again, and its clock is back on today, %s. `massperform rehearsal seed` fills it with a demo organisation.", h.Cal.LongDate(h.Clock.Now()))})
}
