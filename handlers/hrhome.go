package handlers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// HRHomeStore is what HR's part of the Home tab reads beyond the rest.
type HRHomeStore interface {
	EachReviewedIn(ctx context.Context, fy review.FiscalYear, scope string, fn func(p, manager *review.Person, y review.YearState)) error
	NoAnswers(ctx context.Context, fy review.FiscalYear) ([]storage.NoAnswer, error)
	LastDigest(ctx context.Context) (storage.DigestSent, error)
	FailedSince(ctx context.Context, since time.Time) (int, error)
	DigestCounts(ctx context.Context, from, to review.Date) ([]review.DigestCount, error)
}

// Identifiers and sizes of HR's part of the Home tab.
const (
	hrOverduePrevAction = "home_overdue_prev" // button value: "<team page>:<overdue page>"
	hrOverdueNextAction = "home_overdue_next"
	hrExportAction      = "home_hr_export"
	hrDigestAction      = "home_hr_digest"
	hrManagersPage      = 10          // managers a page in "Overdue, by manager"
	hrItemsShown        = DigestItems // items a manager
	hrUnitsShown        = 15          // units by name; the others are "the rest"
	hrWaitingShown      = 5           // pools waiting for the viewer, each with its button
	hrAppealsNamed      = 5
	maxHomeBlocks       = 100
)

func (h *handlers) registerHRHome(r *bot.Router) {
	turn := func(ctx context.Context, a *bot.Action) {
		team, overdue := homePages(a.Action.Value)
		h.publishHomeAt(ctx, a.User.ID, team, overdue)
	}
	r.Action(hrOverduePrevAction, turn)
	r.Action(hrOverdueNextAction, turn)
	r.Action(hrExportAction, h.hrExportClicked)
	r.Action(hrDigestAction, h.hrDigestClicked)
}

// homePages reads a Home page button's value: "<team page>" or "<team
// page>:<overdue page>".
func homePages(v string) (team, overdue int) {
	t, o, _ := strings.Cut(v, ":")
	team, _ = strconv.Atoi(t)
	overdue, _ = strconv.Atoi(o)
	return max(team, 0), max(overdue, 0)
}

// homeValue is the value of a Home page button.
func homeValue(team, overdue int) string { return fmt.Sprintf("%d:%d", team, overdue) }

// hrScopeName is the viewer's part of the organisation, in words.
func hrScopeName(actor review.Actor) string {
	if actor.Scope == "" {
		return "the whole organisation"
	}
	return esc(actor.Scope)
}

// scopedDigest is the digest for the part of the organisation the actor
// is HR for, with its open improvement plans.
func (h *handlers) scopedDigest(ctx context.Context, actor review.Actor) (scheduler.Scoped, error) {
	return scheduler.BuildScope(ctx, h.Store, h.Cal, h.Clock.Now(), actor.Scope, DigestItems)
}

// hrHome is HR's overview on Home, within their scope: completion by unit,
// what is overdue by manager (page overduePage), the units waiting for the
// viewer's approval, appeals and plans, the last digest, and buttons for
// the ratings, the export and the digest. room is how many blocks Home
// has left for it. Managers outside the scope are not named.
func (h *handlers) hrHome(ctx context.Context, actor review.Actor, teamPage, overduePage, room int) ([]slack.Block, error) {
	sd, err := h.scopedDigest(ctx, actor)
	if err != nil {
		return nil, err
	}
	d := sd.Digest
	blocks := []slack.Block{
		slack.NewDividerBlock(),
		header("HR · " + truncate(oneLine(cmp.Or(actor.Scope, "everyone")), 140)),
		note(fmt.Sprintf("You see %s as %s: %s in the program this year, as of %s.", hrScopeName(actor), actor.HRRole().Title(),
			plural(d.Org.People, "person", "people"), d.Day.Human())),
		slack.NewActionBlock("hr_actions",
			button("Ratings", openRatingsAction, "", false),
			button("Export", hrExportAction, "redacted", false),
			button("Digest", hrDigestAction, "scope", false)),
	}
	blocks = append(blocks, section(hrCompletion(d)))
	blocks = append(blocks, h.hrOverdue(actor, d, teamPage, overduePage)...)
	waiting, err := h.hrWaiting(ctx, actor)
	if err != nil {
		return nil, err
	}
	tail, err := h.hrCases(ctx, actor, d, sd.PlansOpen)
	if err != nil {
		return nil, err
	}
	last, err := h.hrLastDigest(ctx)
	if err != nil {
		return nil, err
	}
	// The waiting pools' buttons take what room is left.
	fixed := len(blocks) + 2 + 1
	shown := min(len(waiting), hrWaitingShown, max(room-fixed-1, 0))
	if len(waiting) == 0 {
		blocks = append(blocks, section("*Waiting for your approval*\nNothing: no secretariat's ratings wait for you."))
	} else {
		blocks = append(blocks, section(fmt.Sprintf("*Waiting for your approval* (%s)", plural(len(waiting), "unit", "units"))))
		blocks = append(blocks, waiting[:shown]...)
		if len(waiting) > shown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more: *Ratings* shows them all.", len(waiting)-shown)))
		}
	}
	blocks = append(blocks, section(tail), section(last))
	return blocks, nil
}

// hrCompletion is completion by unit: expectations, goals and check-ins
// this quarter, for the largest units and the rest added up.
func hrCompletion(d review.Digest) string {
	if len(d.Units) == 0 {
		return "*Completion by unit*\nNobody in your part of the organisation is in this year's program yet."
	}
	names := d.UnitNames()
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(d.Units[b].People, d.Units[a].People) })
	q := review.QuarterOf(d.Day)
	line := func(s review.Standing) string {
		return fmt.Sprintf("expectations %s · goals %s · check-ins in %s %s", percent(s.Expectations), percent(s.Goals), q, percent(s.ThisQuarter))
	}
	var lines []string
	for i, u := range names {
		if i == hrUnitsShown && len(names) > hrUnitsShown+1 {
			var rest review.Standing
			for _, u := range names[i:] {
				p := d.Units[u]
				rest.People += p.People
				for _, pair := range [][2]*review.Completion{{&rest.Expectations, &p.Expectations}, {&rest.Goals, &p.Goals}, {&rest.ThisQuarter, &p.ThisQuarter}} {
					pair[0].Done += pair[1].Done
					pair[0].Of += pair[1].Of
				}
			}
			lines = append(lines, fmt.Sprintf("*The rest* (%d units, %s): %s", len(names)-i, plural(rest.People, "person", "people"), line(rest)))
			break
		}
		p := d.Units[u]
		lines = append(lines, fmt.Sprintf("*%s* (%d): %s", esc(truncate(oneLine(u), 80)), p.People, line(*p)))
	}
	head := fmt.Sprintf("*Completion by unit* (%s; — where nothing is due yet)\nAll of it: %s", plural(d.Org.People, "person", "people"), line(d.Org))
	return fitLines(head, lines, "unit", "units")
}

// hrOverdue is one page of what is overdue, by manager, with buttons to
// turn the pages. A manager outside the viewer's scope is not named.
func (h *handlers) hrOverdue(actor review.Actor, d review.Digest, teamPage, p int) []slack.Block {
	if len(d.Overdue) == 0 {
		return []slack.Block{section("*Overdue, by manager*\nNothing is overdue. 🎉")}
	}
	shown, at, pages := page(d.Overdue, p, hrManagersPage)
	var lines []string
	for _, m := range shown {
		var items []string
		shown := m.Items[:min(len(m.Items), hrItemsShown)] // Items holds DigestItems at most
		for _, o := range shown {
			items = append(items, fmt.Sprintf("%s: %s", esc(o.Person.Name), dueText(o.Year, o.Item, false)))
		}
		if more := m.Total() - len(shown); more > 0 {
			items = append(items, fmt.Sprintf("%d more", more))
		}
		name := "*" + esc(m.Manager.Name) + "*"
		switch {
		case m.Manager.ID == 0:
			name = "_(no manager on the roster)_"
		case !review.InScope(actor.Scope, m.Manager.Unit):
			name = "_a manager outside " + esc(actor.Scope) + "_"
		}
		lines = append(lines, fmt.Sprintf("• %s (%d): %s", name, m.Total(), strings.Join(items, "; ")))
	}
	head := fmt.Sprintf("*Overdue, by manager* (%s, %s)", plural(d.OverdueCount(), "item", "items"), plural(len(d.Overdue), "manager", "managers"))
	if pages > 1 {
		head += fmt.Sprintf(" · page %d of %d", at+1, pages)
	}
	blocks := []slack.Block{section(fitLines(head, lines, "manager", "managers"))}
	if pages > 1 {
		var nav []slack.BlockElement
		if at > 0 {
			nav = append(nav, button("◀ Previous", hrOverduePrevAction, homeValue(teamPage, at-1), false))
		}
		if at < pages-1 {
			nav = append(nav, button("Next ▶", hrOverdueNextAction, homeValue(teamPage, at+1), false))
		}
		blocks = append(blocks, slack.NewActionBlock("hr_overdue_pages", nav...))
	}
	return blocks
}

// hrWaiting is a line for each pool inside the viewer's scope whose next
// step is theirs (approving, asking for or granting an exception), with a
// button that opens its ratings. It asks what the ratings audit asks.
func (h *handlers) hrWaiting(ctx context.Context, actor review.Actor) ([]slack.Block, error) {
	fy, _ := h.wrapUpYear()
	_, pools, err := h.Store.RatingPools(ctx, fy)
	if err != nil {
		return nil, err
	}
	unit, rating, hidden, err := h.ownRating(ctx, actor, fy)
	if err != nil {
		return nil, err
	}
	own := ""
	var shown []review.Pool
	for _, p := range pools {
		if hidden && p.Holds(unit) {
			own = p.Unit
			p.UnitCount = p.UnitCount.Without(rating)
		}
		if actor.Scope == "" || hasMember(p, actor.Scope) {
			shown = append(shown, p)
		}
	}
	if len(shown) == 0 {
		return nil, nil
	}
	approvals, err := h.Store.Approvals(ctx, fy)
	if err != nil {
		return nil, err
	}
	chains, err := h.Store.ApprovalChains(ctx, shown)
	if err != nil {
		return nil, err
	}
	top, capped := h.Scale.Capped()
	audit := ratingsAudit{Year: fy, Scale: h.Scale, Actor: actor, Own: own}
	var out []slack.Block
	for _, p := range shown {
		ap, chain := approvals[p.Unit], chains[p.Unit]
		over := capped && review.OverCap(top.CapPercent, p.Counts[top.Key], p.People)
		step := ""
		for _, el := range poolActions(audit, p, ap, chain, over) {
			if b, ok := el.(*slack.ButtonBlockElement); ok && b.ActionID != reopenAction {
				step = b.Text.Text
				break
			}
		}
		if step == "" {
			continue
		}
		line := fmt.Sprintf("*%s* · %s, %d rated · yours: %s", esc(p.Unit), plural(p.People, "person", "people"), p.Rated(), strings.ToLower(step[:1])+step[1:])
		out = append(out, sectionWith(line, button("Open "+truncate(p.Unit, 60), openRatingsAction, p.Unit, false)))
	}
	return out, nil
}

// hrCases is the open appeals and improvement plans inside the scope, in
// counts; central HR, who hears appeals, sees whose.
func (h *handlers) hrCases(ctx context.Context, actor review.Actor, d review.Digest, plansOpen int) (string, error) {
	all, err := h.Store.Appeals(ctx, 0, true)
	if err != nil {
		return "", err
	}
	today := h.Cal.Today(h.Clock.Now())
	var open []storage.AppealCase
	overdue := 0
	for _, a := range all {
		if actor.HRFor(a.Person.Unit) {
			open = append(open, a)
			if today.After(a.HearingDue) {
				overdue++
			}
		}
	}
	var lines []string
	switch {
	case len(open) == 0:
		lines = append(lines, "*Appeals of ratings:* none open.")
	default:
		text := fmt.Sprintf("*Appeals of ratings:* %d open", len(open))
		if overdue > 0 {
			text += fmt.Sprintf(", ⚠️ %s overdue", plural(overdue, "hearing", "hearings"))
		}
		lines = append(lines, text+". `/perform appeals` lists them.")
		if review.CanDecideAppeal(actor) == nil {
			for i, a := range open {
				if i == hrAppealsNamed {
					lines = append(lines, fmt.Sprintf("_…and %d more_", len(open)-i))
					break
				}
				due := "hearing due by " + a.HearingDue.Human()
				if today.After(a.HearingDue) {
					due = "⚠️ hearing overdue since " + a.HearingDue.Human()
				}
				lines = append(lines, fmt.Sprintf("• %s (%s) · %s", esc(a.Person.Name), esc(a.Person.Unit), due))
			}
		}
	}
	plans := fmt.Sprintf("*Improvement plans:* %d open", plansOpen)
	if d.PlansOverdue > 0 {
		plans += fmt.Sprintf(", ⚠️ %s past the re-evaluation day (their managers are reminded)", plural(d.PlansOverdue, "re-evaluation", "re-evaluations"))
	}
	lines = append(lines, plans+".")
	return strings.Join(lines, "\n"), nil
}

// hrLastDigest says when HR's digest last went out, and where.
func (h *handlers) hrLastDigest(ctx context.Context) (string, error) {
	if h.HRChannel == "" {
		return "*HR's digest:* HR_CHANNEL isn't set, so no digest goes out. *Digest* sends you yours by DM.", nil
	}
	where := "<#" + h.HRChannel + ">"
	last, err := h.Store.LastDigest(ctx)
	switch {
	case review.ErrorCode(err) == review.ENOTFOUND:
		return fmt.Sprintf("*HR's digest:* none has gone to %s yet; it goes every week.", where), nil
	case err != nil:
		return "", err
	}
	if last.Channel != "" && last.Channel != h.HRChannel {
		where = "<#" + last.Channel + ">"
	}
	switch {
	case last.Status == storage.OutboxSent && last.SentAt != nil:
		return fmt.Sprintf("*HR's digest:* the last went to %s on %s.", where, review.DateOf(last.SentAt.In(h.Cal.Loc)).Human()), nil
	case last.Status == storage.OutboxPending:
		return fmt.Sprintf("*HR's digest:* the digest of %s is waiting to go to %s.", last.Day.Human(), where), nil
	}
	return fmt.Sprintf("*HR's digest:* the digest of %s could not be posted in %s (%s). Check that the app is in the channel.", last.Day.Human(), where, esc(last.Status)), nil
}

// hrExportClicked queues the redacted compliance export of the viewer's
// scope to their DM, as `/perform export` does.
func (h *handlers) hrExportClicked(ctx context.Context, a *bot.Action) {
	actor, err := h.hrOnly(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "export")})
		return
	}
	fy, _ := h.wrapUpYear()
	h.export(ctx, actor, a.User.ID, exportOptions{year: fy, unit: actor.Scope, bom: true}, func(text string) { a.Reply(ctx, bot.Message{Text: text}) })
}

// hrDigestClicked sends the viewer, by DM, the digest of their scope: the
// channel's blocks, built for the part of the organisation they see.
func (h *handlers) hrDigestClicked(ctx context.Context, a *bot.Action) {
	actor, err := h.hrOnly(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "digest")})
		return
	}
	sd, err := h.scopedDigest(ctx, actor)
	var payload []byte
	if err == nil {
		payload, err = DigestMessage(sd.Digest)
	}
	if err == nil && actor.Scope != "" {
		payload = scopePayload(payload, actor.Scope)
	}
	if err == nil {
		now := h.Clock.Now()
		err = h.Store.Enqueue(ctx, []storage.Notification{{Key: fmt.Sprintf("hrdigest:%s:%d", a.User.ID, now.UnixNano()),
			Recipient: a.User.ID, Kind: "digest dm", Payload: payload}})
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "digest")})
		return
	}
	h.Wake()
}

// hrOnly loads the user and refuses anyone without HR rights, in the
// words of HR's Home.
func (h *handlers) hrOnly(ctx context.Context, userID string) (review.Actor, error) {
	actor, err := h.actor(ctx, userID)
	if err == nil && !actor.HR {
		err = review.Errorf(review.EFORBIDDEN, "HR's overview, its export and its digest are for HR.")
	}
	return actor, err
}

// scopePayload makes the digest's first line say whose it is: the scope,
// not the organisation.
func scopePayload(payload []byte, scope string) []byte {
	from, _ := json.Marshal("*Across the organisation*")
	to, _ := json.Marshal("*Across " + esc(scope) + "*")
	return bytes.Replace(payload, from[1:len(from)-1], to[1:len(to)-1], 1)
}
