package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the team view.
const (
	teamPrevAction = "team_prev" // button value: "<manager person id>:<page>"
	teamNextAction = "team_next"
	teamPageRows   = 15
	overdueShown   = 3
)

func (h *handlers) registerTeam(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "team",
		Usage:   r.Slash() + " team [@manager]",
		Summary: "where each of your direct reports stands this year; name a manager below you (or, for HR, anyone) to see their team",
		For:     bot.Managers | bot.HR,
		Handle:  h.teamCommand,
	})
	r.Action(teamPrevAction, h.teamPage)
	r.Action(teamNextAction, h.teamPage)
}

func (h *handlers) teamCommand(ctx context.Context, c *bot.Command) {
	var manager review.Person
	var actor review.Actor
	if strings.TrimSpace(c.Rest) == "" {
		var err error
		if actor, err = h.actor(ctx, c.UserID); err != nil {
			c.Reply(ctx, bot.Message{Text: h.userMessage(err, "team")})
			return
		}
		if !actor.OnRoster() {
			c.Reply(ctx, bot.Message{Text: esc(review.NotOnRoster.Message)})
			return
		}
		manager = *actor.Person
	} else {
		var ok bool
		if actor, manager, ok = h.commandTarget(ctx, c, review.ViewTeam, "/perform team @Mona"); !ok {
			return
		}
	}
	msg, err := h.teamMessage(ctx, actor, manager, 0)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "team")})
		return
	}
	c.Reply(ctx, msg)
}

// teamPage turns the page of a team view, re-checking who may see it.
func (h *handlers) teamPage(ctx context.Context, a *bot.Action) {
	mid, p, _ := strings.Cut(a.Action.Value, ":")
	id, _ := strconv.ParseInt(mid, 10, 64)
	page, _ := strconv.Atoi(p)
	manager, err := h.Store.PersonByID(ctx, id)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: "You can't see that team."})
		return
	}
	actor, err := h.actor(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "team")})
		return
	}
	msg, err := h.teamMessage(ctx, actor, manager, page)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "team")})
		return
	}
	a.Replace(ctx, msg)
}

// teamMessage authorises the viewer and shows page p of manager's team.
func (h *handlers) teamMessage(ctx context.Context, actor review.Actor, manager review.Person, p int) (bot.Message, error) {
	if err := review.Can(actor, review.ViewTeam, manager); err != nil {
		return bot.Message{}, err
	}
	now := h.Clock.Now()
	fy := h.Cal.Year(now)
	team, err := h.Store.Team(ctx, manager.ID, fy)
	if err != nil {
		return bot.Message{}, err
	}
	own := actor.Person != nil && actor.Person.ID == manager.ID
	inChain := own || actor.Person != nil && manager.ManagerID == actor.Person.ID
	if !inChain && actor.Scope != "" {
		// HR sees, of a team, the people inside its own scope.
		kept := team[:0:0]
		for _, m := range team {
			if actor.HRFor(m.Person.Unit) {
				kept = append(kept, m)
			}
		}
		team = kept
	}
	return teamView(manager, own, fy, team, p, now, h.Cal), nil
}

// teamView renders one page of a team: a line per report with what they
// have done and what is next or late.
func teamView(manager review.Person, own bool, fy review.FiscalYear, team []storage.TeamMember, p int, now time.Time, cal review.Calendar) bot.Message {
	whose := esc(manager.Name) + "'s team"
	if own {
		whose = "Your team"
	}
	if len(team) == 0 {
		text := fmt.Sprintf("%s has nobody on the roster this year.", whose)
		return bot.Message{Text: text, Blocks: []slack.Block{section(text)}}
	}
	shown, at, pages := page(team, p, teamPageRows)
	head := fmt.Sprintf("*%s* · %s · %s", whose, fy, plural(len(team), "direct report", "direct reports"))
	if pages > 1 {
		head += fmt.Sprintf(" · page %d of %d", at+1, pages)
	}
	blocks := []slack.Block{section(head)}
	for _, m := range shown {
		blocks = append(blocks, section(memberLine(m, now, cal)))
	}
	blocks = append(blocks, note("Quarters: ✓ held · – not yet · ⚠️ missed · · not owed (joined later)"))
	if pages > 1 {
		id := strconv.FormatInt(manager.ID, 10)
		var nav []slack.BlockElement
		if at > 0 {
			nav = append(nav, button("◀ Previous", teamPrevAction, id+":"+strconv.Itoa(at-1), false))
		}
		if at < pages-1 {
			nav = append(nav, button("Next ▶", teamNextAction, id+":"+strconv.Itoa(at+1), false))
		}
		blocks = append(blocks, slack.NewActionBlock("team_pages", nav...))
	}
	return bot.Message{Text: fmt.Sprintf("%s: %s", strings.ReplaceAll(whose, "*", ""), plural(len(team), "direct report", "direct reports")), Blocks: blocks}
}

// memberLine is one report's year in a few lines.
func memberLine(m storage.TeamMember, now time.Time, cal review.Calendar) string {
	y := m.Year
	withGoal := map[int64]bool{}
	for _, g := range y.Goals {
		withGoal[g.ExpectationID] = true
	}
	lines := []string{"*" + esc(m.Person.Name) + "*"}
	if n := len(y.Expectations); n > 0 {
		lines = append(lines, fmt.Sprintf("%s, goals for %d · cadence %s", plural(n, "expectation", "expectations"), len(withGoal), strings.ToLower(y.Cadence.Label())))
	} else {
		lines = append(lines, "No expectations yet · cadence "+strings.ToLower(y.Cadence.Label()))
	}
	strip := quarterStrip(y, now, cal)
	if len(y.CheckIns) > 0 {
		last := y.CheckIns[len(y.CheckIns)-1]
		state := "to confirm"
		if last.Confirmation != nil {
			state = "confirmed"
		}
		strip += fmt.Sprintf(" · last check-in %s (%s)", last.HeldOn.Human(), state)
	}
	lines = append(lines, strip)
	if p := y.Plan; p != nil && p.Shared {
		plan := "📘 Development plan shared"
		if !p.RequestedAt.IsZero() && !developedSince(y, cal.Today(p.RequestedAt)) {
			plan += fmt.Sprintf(" · asked for a development check-in on %s", cal.Today(p.RequestedAt).Human())
		}
		lines = append(lines, plan)
	}
	var next string
	var late []string
	for _, it := range cal.Due(y, now) {
		switch {
		case it.Overdue:
			late = append(late, dueText(y, it, false))
		case next == "":
			next = dueText(y, it, false)
		}
	}
	if next != "" {
		lines = append(lines, "Next: "+next)
	}
	if len(late) > 0 {
		more := ""
		if len(late) > overdueShown {
			more = fmt.Sprintf(" and %d more", len(late)-overdueShown)
			late = late[:overdueShown]
		}
		lines = append(lines, "⚠️ Overdue: "+strings.Join(late, "; ")+more)
	}
	return strings.Join(lines, "\n")
}

// developedSince reports whether a development check-in was held on or
// after day.
func developedSince(y review.YearState, day review.Date) bool {
	for _, c := range y.CheckIns {
		if c.Development && !c.HeldOn.Before(day) {
			return true
		}
	}
	return false
}
