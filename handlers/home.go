package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the Home tab.
const (
	homeTeamPrevAction = "home_team_prev" // button value: the page to show
	homeTeamNextAction = "home_team_next"
	teamMenuAction     = "team_menu" // overflow option values: "<what>:<person id>"
	teamPageSize       = 25
	closingShown       = 20 // people shown with the closing year's business, within Home's 100 blocks
)

func (h *handlers) registerHome(r *bot.Router) {
	r.Home(func(ctx context.Context, o *bot.HomeOpened) { h.publishHome(ctx, o.UserID, 0) })
	turn := func(ctx context.Context, a *bot.Action) {
		p, _ := strconv.Atoi(a.Action.Value)
		h.publishHome(ctx, a.User.ID, p)
	}
	r.Action(homeTeamPrevAction, turn)
	r.Action(homeTeamNextAction, turn)
	r.Action(teamMenuAction, h.teamMenu)
}

// publishHome shows the user their year and, if they manage anyone, page
// p of their team.
func (h *handlers) publishHome(ctx context.Context, userID string, p int) {
	view, err := h.homeView(ctx, userID, p)
	if err != nil {
		view = slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(h.userMessage(err, "home")),
		}}}
	}
	if _, err := h.Slack.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view}); err != nil {
		h.Log.Warn("publish home", "err", err)
	}
}

func (h *handlers) homeView(ctx context.Context, userID string, p int) (slack.HomeTabViewRequest, error) {
	now := h.Clock.Now()
	fy := h.Cal.Year(now)
	actor, err := h.actor(ctx, userID)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	blocks := []slack.Block{header("Your " + fy.String())}
	if !actor.OnRoster() {
		blocks = append(blocks, section(esc(review.NotOnRoster.Message)))
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}, nil
	}
	me := *actor.Person
	if me.Reviewed() {
		year, err := h.Store.Year(ctx, me.ID, fy)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		blocks = append(blocks, h.myYear(year)...)
		wrap, err := h.myWrapUp(ctx, me, year)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		blocks = append(blocks, wrap...)
	} else {
		blocks = append(blocks, section("Nobody on the roster manages you, so you have no review of your own here."))
	}
	team, err := h.Store.Team(ctx, me.ID, fy)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if len(team) > 0 {
		blocks = append(blocks, h.teamBlocks(me.ID, team, p)...)
	}
	closing, err := h.closingTeam(ctx, me.ID, fy)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	blocks = append(blocks, closing...)
	sent, err := h.Store.RecentReminders(ctx, me.ID, 5)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if len(sent) > 0 {
		var lines []string
		for _, r := range sent {
			lines = append(lines, fmt.Sprintf("• %s · %s", r.Day.Human(), plural(r.Items, "item", "items")))
		}
		blocks = append(blocks, slack.NewDividerBlock(), section("*Reminders we sent you*\n"+strings.Join(lines, "\n")))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: blocks}}, nil
}

// myYear is the user's own part of the Home tab: what comes next, then
// their expectations with their goals.
func (h *handlers) myYear(year review.YearState) []slack.Block {
	due := h.Cal.Due(year, h.Clock.Now())
	var next []string
	var confirm []slack.BlockElement
	for _, it := range due {
		next = append(next, dueMark(it)+" "+dueText(year, it, true))
		if it.Kind == review.ItemConfirmation && len(confirm) < 5 {
			for _, c := range year.CheckIns {
				if c.ID == it.CheckInID {
					confirm = append(confirm, button("Confirm "+c.HeldOn.Human(), confirmAction, strconv.FormatInt(c.ID, 10), true))
				}
			}
		}
	}
	if len(next) == 0 {
		next = append(next, "✅ You're all set for now.")
	}
	blocks := []slack.Block{section("*What's next*\n" + strings.Join(next, "\n"))}
	if len(confirm) > 0 {
		blocks = append(blocks, slack.NewActionBlock("confirm_checkins", confirm...))
	}
	if len(year.Expectations) > 0 {
		blocks = append(blocks, slack.NewActionBlock("", button("Add or edit goals", goalsOpenAction, "open", true)))
		for i, e := range year.Expectations {
			blocks = append(blocks, section(expectationSummary(i+1, e, goalsOf(year, e.ID))))
		}
	}
	return blocks
}

// teamMenu runs what a team line's menu offers, for the person it names.
func (h *handlers) teamMenu(ctx context.Context, a *bot.Action) {
	what, id, _ := strings.Cut(a.Action.SelectedOption.Value, ":")
	a.Action.Value = id
	switch what {
	case "checkin":
		h.buttonForm(review.LogCheckIn, h.newCheckInForm)(ctx, a)
	case "expectations":
		h.buttonForm(review.SetExpectations, h.expectationsView)(ctx, a)
	case "cadence":
		h.buttonForm(review.SetCadence, h.cadenceForm)(ctx, a)
	case "wrapup":
		h.buttonForm(review.Rate, h.wrapUpForm)(ctx, a)
	case "held":
		h.heldButton(ctx, a)
	}
}

// myWrapUp is the user's wrap-up on Home: their released rating, or a way
// into their reflection while it can be written. The rating shows only
// once it is released to them.
func (h *handlers) myWrapUp(ctx context.Context, me review.Person, current review.YearState) ([]slack.Block, error) {
	fy, today := h.wrapUpYear()
	y := current
	if fy != current.Year {
		var err error
		if y, err = h.Store.Year(ctx, me.ID, fy); err != nil {
			return nil, err
		}
	}
	w := y.WrapUp
	switch {
	case w.Released():
		rater, err := h.Store.PersonByID(ctx, w.RaterID)
		if err != nil && review.ErrorCode(err) != review.ENOTFOUND {
			return nil, err
		}
		if !review.CanSeeRating(review.Actor{SlackID: me.SlackID, Person: &me}, me, rater, w) {
			return nil, nil
		}
		respond := review.DefaultYearEnd.ResponseCloses(h.Holidays, review.DateOf(w.HeldAt.In(h.Cal.Loc))).Compare(today) >= 0
		appeal, open := h.appealNote(y)
		if open {
			if mine, err := h.Store.AppealsOf(ctx, me.ID, y.Year); err != nil {
				return nil, err
			} else if len(mine) > 0 {
				appeal, open = appealStatus(mine[0]), false
			}
		}
		return append(finalReviewBlocks(rater.Name, y, h.Scale), sayActions(y, respond, appeal, open)...), nil
	case fy == current.Year && review.ReflectionOpen(fy, today, w) == nil:
		label := "Write your reflection"
		if w != nil && w.Accomplishments != "" {
			label = "Edit your reflection"
		}
		return []slack.Block{slack.NewActionBlock("wrapup_actions", button(label, reflectionOpenAction, "open", false))}, nil
	}
	return nil, nil
}

// quarterStrip shows a year's check-ins by quarter: ✓ held, – not yet,
// ⚠️ missed, · not required (joined later).
func quarterStrip(y review.YearState, now time.Time, cal review.Calendar) string {
	req := y.RequiredQuarters()
	today := cal.Today(now)
	var parts []string
	for q := review.Quarter(1); q <= 4; q++ {
		_, last := y.Year.Quarter(q)
		mark := "–"
		switch {
		case y.CheckInsIn(q) > 0:
			mark = "✓"
		case !req[q]:
			mark = "·"
		case today.After(last):
			mark = "⚠️"
		}
		parts = append(parts, q.String()+" "+mark)
	}
	return strings.Join(parts, "  ")
}

// teamBlocks lists one page of the user's direct reports with how far each
// has got, and a button to set their expectations.
func (h *handlers) teamBlocks(me int64, team []storage.TeamMember, p int) []slack.Block {
	shown, at, pages := page(team, p, teamPageSize)
	now := h.Clock.Now()
	summary := plural(len(team), "direct report", "direct reports")
	if pages > 1 {
		summary += fmt.Sprintf(" · page %d of %d", at+1, pages)
	}
	blocks := []slack.Block{slack.NewDividerBlock(), header("Your team"), note(summary)}
	for _, m := range shown {
		y := m.Year
		withGoal := map[int64]bool{}
		for _, g := range y.Goals {
			withGoal[g.ExpectationID] = true
		}
		line := "No expectations yet"
		if n := len(y.Expectations); n > 0 {
			line = fmt.Sprintf("%s · goals for %d of %d", plural(n, "expectation", "expectations"), len(withGoal), n)
		}
		for _, it := range h.Cal.Due(y, now) {
			if it.Overdue {
				line += " · ⚠️ overdue"
				break
			}
		}
		line += "\n" + quarterStrip(y, now, h.Cal)
		expLabel := "Set expectations"
		if len(y.Expectations) > 0 {
			expLabel = "Edit expectations"
		}
		id := strconv.FormatInt(m.Person.ID, 10)
		options := []*slack.OptionBlockObject{
			slack.NewOptionBlockObject("checkin:"+id, plain("Log a check-in", 75), nil),
			slack.NewOptionBlockObject("expectations:"+id, plain(expLabel, 75), nil),
			slack.NewOptionBlockObject("cadence:"+id, plain("Change the cadence", 75), nil),
		}
		w := y.WrapUp
		switch {
		case w.Approved() && w.HeldAt.IsZero() && w.RaterID == me:
			line += " · rating approved: talk it through"
			options = append(options, slack.NewOptionBlockObject("held:"+id, plain("Final conversation held", 75), nil))
		case w.Approved() && w.HeldAt.IsZero():
			line += " · rating approved: the manager who gave it talks it through"
		case w.Rated():
			line += " · wrap-up done"
		case !h.Cal.Today(now).Before(y.Year.ManagerWrapUpOpens()):
			options = append(options, slack.NewOptionBlockObject("wrapup:"+id, plain("Write the wrap-up", 75), nil))
		}
		menu := slack.NewOverflowBlockElement(teamMenuAction, options...)
		blocks = append(blocks, sectionWith(fmt.Sprintf("*%s*\n%s", esc(m.Person.Name), line), menu))
	}
	if pages > 1 {
		var nav []slack.BlockElement
		if at > 0 {
			nav = append(nav, button("◀ Previous", homeTeamPrevAction, strconv.Itoa(at-1), false))
		}
		if at < pages-1 {
			nav = append(nav, button("Next ▶", homeTeamNextAction, strconv.Itoa(at+1), false))
		}
		blocks = append(blocks, slack.NewActionBlock("team_pages", nav...))
	}
	return blocks
}

// owesWrapUp reports whether the year y that ended calls for a wrap-up,
// as the reminders decide it: not for someone on leave for most of it,
// nor for someone who came after it ended with nothing recorded in it.
func owesWrapUp(y review.YearState) bool {
	return !review.DefaultYearEnd.NotRatedForLeave(y.Leaves, y.Year) && (y.ReviewID != 0 || !y.Since.After(y.Year.End()))
}

// closingTeam is, from July 1 until HR closes the year that ended, what
// the manager still has to do in it: the wrap-ups they have not written
// (late, until September 30) and the final conversations they have to hold.
func (h *handlers) closingTeam(ctx context.Context, me int64, current review.FiscalYear) ([]slack.Block, error) {
	years, err := h.Store.LiveYears(ctx, h.Cal, h.Clock.Now())
	if err != nil || !slices.Contains(years, current-1) {
		return nil, err
	}
	fy := current - 1
	team, err := h.Store.Team(ctx, me, fy)
	if err != nil {
		return nil, err
	}
	today := h.Cal.Today(h.Clock.Now())
	var blocks []slack.Block
	for _, m := range team {
		w := m.Year.WrapUp
		id := strconv.FormatInt(m.Person.ID, 10)
		var line, option, label string
		switch {
		case w.Approved() && w.HeldAt.IsZero() && w.RaterID == me:
			line, option, label = "rating approved: talk it through", "held:"+id, "Final conversation held"
		case !w.Rated() && !m.Year.Left && review.WrapUpSeason(today) == fy && owesWrapUp(m.Year):
			line, option, label = "⚠️ wrap-up not written yet (late wrap-ups close on "+review.NewDate(int(current)-1, time.September, 30).Human()+")", "wrapup:"+id, "Write the wrap-up"
		default:
			continue
		}
		menu := slack.NewOverflowBlockElement(teamMenuAction, slack.NewOptionBlockObject(option, plain(label, 75), nil))
		blocks = append(blocks, sectionWith(fmt.Sprintf("*%s*\n%s", esc(m.Person.Name), line), menu))
	}
	if len(blocks) == 0 {
		return nil, nil
	}
	summary := fmt.Sprintf("%s ended on %s. Finish these and HR can close it.", fy, fy.End().Human())
	if len(blocks) > closingShown {
		summary += fmt.Sprintf(" The first %d of %d are here.", closingShown, len(blocks))
		blocks = blocks[:closingShown]
	}
	head := []slack.Block{slack.NewDividerBlock(), header(fmt.Sprintf("Still open in %s", fy)), note(summary)}
	return append(head, blocks...), nil
}
