package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the manager's merit increases.
const (
	meritCallback    = "merit"
	proposeCallback  = "merit_propose"
	proposeAction    = "merit_propose" // value: the person's id
	meritBaseAction  = "merit_base"    // Enter in the base field: work the figures out
	meritBonusAction = "merit_bonus"   // the same in the bonus field
	meritShown       = 40
	// HR's merit pool.
	meritPoolCallback  = "merit_pool"
	meritApproveAction = "merit_approve" // value: the secretariat
	meritPoolsShown    = 15
	meritCaseAction    = "merit_case" // HR's menu on a proposal: return:<id> or grant:<id>
	meritReturnCB      = "merit_return"
	meritCasesShown    = 40
)

func (h *handlers) registerMerit(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "merit",
		Usage:   r.Slash() + " merit [@manager] · merit pool [secretariat] · merit split <agency>: <why> · merit join <agency>",
		Summary: "your team's merit increases, once ratings are released: what the grid allows each person, and your proposals; for HR, each secretariat's pool",
		For:     bot.Managers | bot.HR,
		Handle:  h.meritCommand,
	})
	r.Action(proposeAction, h.proposeClicked)
	r.Action(meritBaseAction, h.meritCalc)
	r.Action(meritBonusAction, h.meritCalc)
	r.Submit(proposeCallback, h.proposeSubmit)
	r.Action(meritApproveAction, h.meritApproveClicked)
	r.Action(meritCaseAction, h.meritCaseMenu)
	r.Submit(meritReturnCB, h.meritReturnSubmit)
}

// meritYear is the merit year being planned on today: the first whose
// increases have not taken effect yet, or else the latest.
func (h *handlers) meritYear() (review.MeritYear, bool) {
	if len(h.Merit) == 0 {
		return review.MeritYear{}, false
	}
	today := h.Cal.Today(h.Clock.Now())
	for _, y := range h.Merit {
		if !y.Effective.Before(today) {
			return y, true
		}
	}
	return h.Merit[len(h.Merit)-1], true
}

// noMeritYear is the answer when HR has set no merit year up.
const noMeritYear = "Merit pay isn't set up yet: HR adds the year's salary schedule and grid first."

type meritMeta struct {
	Year   string `json:"y"`
	Person int64  `json:"p,omitempty"`
	Parent string `json:"v,omitempty"`
	Filter string `json:"f,omitempty"`
}

func (m meritMeta) String() string { b, _ := json.Marshal(m); return string(b) }

func (h *handlers) meritCommand(ctx context.Context, c *bot.Command) {
	y, ok := h.meritYear()
	if !ok {
		c.Reply(ctx, bot.Message{Text: noMeritYear})
		return
	}
	var view slack.ModalViewRequest
	actor, err := h.actor(ctx, c.UserID)
	verb, rest, _ := strings.Cut(strings.TrimSpace(fromSlack(c.Rest)), " ")
	if strings.EqualFold(verb, "split") || strings.EqualFold(verb, "join") {
		if err == nil {
			err = review.CanAuditRatings(actor)
		}
		agency, why, _ := strings.Cut(strings.TrimSpace(rest), ":")
		split := strings.EqualFold(verb, "split")
		switch {
		case err != nil:
		case strings.TrimSpace(agency) == "" || split && strings.TrimSpace(why) == "":
			c.Reply(ctx, bot.Message{Text: "Write it as `/perform merit split <agency>: <why>` (the agency goes ahead of its secretariat, with a pool of its own), or `/perform merit join <agency>`."})
			return
		default:
			agency = strings.TrimSpace(agency)
			err = h.Store.SplitMeritPool(ctx, actor, y, agency, strings.TrimSpace(why), !split)
		}
		if err != nil {
			c.Reply(ctx, bot.Message{Text: h.userMessage(err, "merit")})
			return
		}
		text := fmt.Sprintf("Done: %s has a merit pool of its own for %s, approved on its own. `/perform merit pool %s` shows it.", esc(agency), esc(y.Name), esc(agency))
		if !split {
			text = fmt.Sprintf("Done: %s is back in its secretariat's merit pool for %s.", esc(agency), esc(y.Name))
		}
		c.Reply(ctx, bot.Message{Text: text})
		return
	}
	if strings.EqualFold(verb, "pool") {
		if err == nil {
			err = review.CanAuditRatings(actor)
		}
		if err == nil {
			view, err = h.meritPoolView(ctx, actor, y, strings.Trim(strings.TrimSpace(rest), "/"))
		}
	} else if strings.TrimSpace(c.Rest) != "" {
		// A team below the viewer's (their own manager's chain), or one
		// inside HR's scope: read only, and in the audit log.
		viewer, manager, ok := h.commandTarget(ctx, c, review.ViewTeam, "/perform merit @Mona")
		if !ok {
			return
		}
		if err = h.Store.RecordRead(ctx, viewer, "merit.team.read", "person", manager.ID, map[string]any{"merit_year": y.Name}); err == nil {
			view, err = h.meritView(ctx, viewer, manager, y)
		}
	} else {
		if err == nil && !actor.OnRoster() {
			err = review.NotOnRoster
		}
		if err == nil {
			view, err = h.meritView(ctx, actor, *actor.Person, y)
		}
	}
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "merit")})
		return
	}
	c.Ack()
	h.openModal(ctx, c, c.TriggerID, view, false)
}

// meritView lists manager's direct reports for merit year y, as viewer
// sees them: with Propose buttons when the viewer is the manager, read
// only otherwise.
func (h *handlers) meritView(ctx context.Context, viewer review.Actor, manager review.Person, y review.MeritYear) (slack.ModalViewRequest, error) {
	cases, err := h.Store.MeritTeam(ctx, manager.ID, y)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	own := viewer.Person != nil && viewer.Person.ID == manager.ID
	if len(cases) == 0 {
		if !own {
			return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "%s has no direct reports on the roster.", manager.Name)
		}
		return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "You have no direct reports on the roster, so there are no merit increases to propose.")
	}
	pools := map[string]storage.MeritPool{}
	var order []string
	for _, c := range cases {
		s := c.Person.Secretariat()
		if _, ok := pools[s]; ok || len(order) == 3 {
			continue
		}
		p, err := h.Store.MeritPoolOf(ctx, y, s)
		if err != nil {
			return slack.ModalViewRequest{}, err
		}
		pools[s] = p
		order = append(order, s)
	}
	intro := fmt.Sprintf("*Merit increases · %s*, effective %s, for the %s ratings.\nEach line is what the merit grid allows for the person's rating and place in their salary band. Salaries are confidential: they stay between you, your managers and HR.",
		esc(y.Name), y.Effective.Human(), y.RatingsYear)
	if !own {
		intro = fmt.Sprintf("*Merit increases · %s* · %s's team, effective %s. %s proposes them; you're seeing them read only.", esc(y.Name), esc(manager.Name), y.Effective.Human(), esc(manager.Name))
	}
	blocks := []slack.Block{section(intro)}
	for _, s := range order {
		blocks = append(blocks, note(poolLine(pools[s])))
	}
	blocks = append(blocks, slack.NewDividerBlock())
	for i, c := range cases {
		if i == meritShown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more. Propose theirs from `/perform merit` once these are done, or ask HR for the list.", len(cases)-i)))
			break
		}
		text, can := h.meritLine(y, c)
		if can && own {
			label := "Propose"
			if c.Proposal != nil {
				label = "Change"
			}
			blocks = append(blocks, sectionWith(text, button(label, proposeAction, strconv.FormatInt(c.Person.ID, 10), c.Proposal == nil)))
		} else {
			blocks = append(blocks, section(text))
		}
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      meritCallback,
		Title:           plain("Merit "+y.Name, 24),
		Close:           plain("Close", 24),
		PrivateMetadata: meritMeta{Year: y.Name}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}, nil
}

// poolLine is a secretariat's pool, in amounts.
func poolLine(p storage.MeritPool) string {
	text := fmt.Sprintf("*%s's pool:* %s of %s proposed so far, %s left.", esc(p.Secretariat), p.Used, p.Budget, p.Left())
	if p.Left() < 0 {
		text += " ⚠️ Over the pool."
	}
	return text
}

// meritLine describes one report: rating, band place, what the grid
// allows, and the proposal so far; can is whether a proposal may be made.
func (h *handlers) meritLine(y review.MeritYear, c storage.MeritCase) (text string, can bool) {
	name := "*" + esc(c.Person.Name) + "*"
	if c.Pay == nil {
		return name + "\n_HR hasn't loaded their pay for this year yet._", false
	}
	e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false)
	rating := "no released rating"
	if c.Rating != "" {
		rating, _ = ratingText(h.Scale, c.Rating)
	}
	if !e.Eligible {
		return fmt.Sprintf("%s · %s\n%s", name, rating, esc(e.Reason)), false
	}
	r, q, _, err := y.Allowed(*c.Pay, c.Rating)
	if e.Straight > 0 {
		r = review.Range{Low: e.Straight, High: e.Straight}
	}
	if err != nil {
		return name + "\n" + esc(review.ErrorMessage(err)), false
	}
	basis := e.Basis(c.Pay.Salary)
	lines := []string{
		fmt.Sprintf("%s · %s · %s, quartile %d · %s a year", name, rating, esc(c.Pay.Level), q, c.Pay.Salary),
		fmt.Sprintf("Allowed: %s (%s–%s)", r, basis.Percent(r.Low), basis.Percent(r.High)),
	}
	if e.Prorate < 10000 || e.Straight > 0 {
		lines = append(lines, "_"+esc(e.Reason)+"_")
	}
	if p := c.Proposal; p != nil {
		prop := fmt.Sprintf("Proposed: %s to base (%s)", p.Base, p.Increase)
		if p.Bonus > 0 {
			prop += fmt.Sprintf(" and a %s bonus", p.Bonus)
		}
		lines = append(lines, prop+fmt.Sprintf(" → %s a year", p.NewSalary))
		switch {
		case p.Returned != "":
			lines = append(lines, "↩️ _HR returned it: "+esc(truncate(oneLine(p.Returned), 300))+"_ Propose again.")
		case p.Bonus > y.BonusCap && !p.Excepted:
			lines = append(lines, fmt.Sprintf("⏳ _The bonus is over %s: waiting for HRD's exception._", y.BonusCap))
		}
	}
	return strings.Join(lines, "\n"), true
}

// proposeClicked pushes the proposal form for one report.
func (h *handlers) proposeClicked(ctx context.Context, a *bot.Action) {
	var m meritMeta
	_ = json.Unmarshal([]byte(a.View.PrivateMetadata), &m)
	y, ok := h.meritYearNamed(m.Year)
	id, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	var view slack.ModalViewRequest
	err := error(review.Errorf(review.ECONFLICT, "That merit year is no longer set up. Run `/perform merit` again."))
	if ok {
		view, err = h.proposeForm(ctx, a.User.ID, y, id, a.View.ID, nil)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "merit")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, view, true)
}

func (h *handlers) meritYearNamed(name string) (review.MeritYear, bool) {
	for _, y := range h.Merit {
		if y.Name == name {
			return y, true
		}
	}
	return review.MeritYear{}, false
}

// meritCaseFor loads one report's case, refusing anyone but their manager.
func (h *handlers) meritCaseFor(ctx context.Context, userID string, y review.MeritYear, personID int64) (review.Actor, storage.MeritCase, error) {
	actor, err := h.actor(ctx, userID)
	if err != nil {
		return actor, storage.MeritCase{}, err
	}
	if !actor.OnRoster() {
		return actor, storage.MeritCase{}, review.NotOnRoster
	}
	cases, err := h.Store.MeritTeam(ctx, actor.Person.ID, y)
	if err != nil {
		return actor, storage.MeritCase{}, err
	}
	for _, c := range cases {
		if c.Person.ID == personID {
			return actor, c, nil
		}
	}
	return actor, storage.MeritCase{}, review.Errorf(review.EFORBIDDEN, "Only their manager proposes someone's merit increase.")
}

// proposeForm is the proposal for one report: what the grid allows, the
// two fields, the figures they come to (worked out when Enter is pressed
// in either, and again on Save), and the secretariat's pool. typed holds
// what was typed, to work the figures out from (nil: the proposal so far).
func (h *handlers) proposeForm(ctx context.Context, userID string, y review.MeritYear, personID int64, parent string, typed *review.Proposal) (slack.ModalViewRequest, error) {
	_, c, err := h.meritCaseFor(ctx, userID, y, personID)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	text, can := h.meritLine(y, c)
	if !can {
		return slack.ModalViewRequest{}, review.Errorf(review.ECONFLICT, "%s", strings.ReplaceAll(strings.TrimPrefix(text, "*"+esc(c.Person.Name)+"*\n"), "_", ""))
	}
	pool, err := h.Store.MeritPoolOf(ctx, y, c.Person.Secretariat())
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	base, bonus := "", ""
	prop := typed
	if prop == nil && c.Proposal != nil {
		prop = &c.Proposal.Proposal
	}
	if prop != nil {
		base, bonus = strings.TrimSuffix(prop.Base.String(), "%"), ""
		if prop.Bonus > 0 {
			bonus = strings.TrimPrefix(prop.Bonus.String(), "$")
		}
	}
	baseIn := textInput(review.FieldMeritBase, "Increase to base salary, in %", base, "e.g. 3.5", 6, false, false)
	bonusIn := textInput(review.FieldMeritBonus, "One-time bonus, in $ (optional)", bonus, "e.g. 500", 12, false, true)
	reasonText := ""
	if c.Proposal != nil {
		reasonText = c.Proposal.ExceptionReason
	}
	reasonIn := textInput(review.FieldMeritReason, fmt.Sprintf("Why the bonus should go over %s (only then)", y.BonusCap), reasonText, "", 1000, true, true)
	for in, action := range map[*slack.InputBlock]string{baseIn: meritBaseAction, bonusIn: meritBonusAction} {
		el := in.Element.(*slack.PlainTextInputBlockElement)
		el.ActionID = action
		el.DispatchActionConfig = &slack.DispatchActionConfig{TriggerActionsOn: []string{"on_enter_pressed"}}
		in.DispatchAction = true
	}
	blocks := []slack.Block{
		section(text),
		note(fmt.Sprintf("Base and bonus together must fall inside the range; the salary may not pass the band's maximum (give the rest as a bonus); a bonus over %s needs HRD's exception. Press Enter in a field to see what it comes to.", y.BonusCap)),
		baseIn, bonusIn, reasonIn,
	}
	if prop != nil {
		blocks = append(blocks, note(h.awardLine(y, c, *prop)))
	}
	blocks = append(blocks, note(poolLine(pool)))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      proposeCallback,
		Title:           plain("Merit increase", 24),
		Submit:          plain("Save", 24),
		Close:           plain("Back", 24),
		PrivateMetadata: meritMeta{Year: y.Name, Person: personID, Parent: parent}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}, nil
}

// awardLine is what a proposal comes to, or why it can't be.
func (h *handlers) awardLine(y review.MeritYear, c storage.MeritCase, prop review.Proposal) string {
	e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false)
	a, err := y.Award(*c.Pay, c.Rating, e, prop, true)
	if fields := review.FieldErrors(err); fields != nil {
		var msgs []string
		for _, k := range []string{review.FieldMeritBase, review.FieldMeritBonus} {
			if fields[k] != "" {
				msgs = append(msgs, fields[k])
			}
		}
		return "⚠️ " + esc(strings.Join(msgs, " "))
	} else if err != nil {
		return "⚠️ " + esc(review.ErrorMessage(err))
	}
	text := fmt.Sprintf("*Comes to:* %s more a year: %s a year, %s biweekly, from %s.", a.Increase, a.NewSalary, a.Biweekly, y.Effective.Human())
	if a.Bonus > 0 {
		text += fmt.Sprintf(" Plus a one-time bonus of %s.", a.Bonus)
	}
	if a.BonusException {
		text += fmt.Sprintf(" The bonus is over %s: say why below, and HRD is asked for an exception.", y.BonusCap)
	}
	return text
}

// proposalTyped reads the form's two fields.
func proposalTyped(v slack.View) (review.Proposal, map[string]string) {
	var p review.Proposal
	fields := map[string]string{}
	var err error
	if p.Base, err = review.ParsePercent(v.State.Values[review.FieldMeritBase][meritBaseAction].Value); err != nil {
		fields[review.FieldMeritBase] = "Write the increase as a percentage, like 3.5."
	}
	if s := strings.TrimSpace(v.State.Values[review.FieldMeritBonus][meritBonusAction].Value); s != "" {
		if p.Bonus, err = review.ParseCents(s); err != nil {
			fields[review.FieldMeritBonus] = "Write the bonus in dollars, like 500 or 1250.50."
		}
	}
	return p, fields
}

// meritCalc redraws the form with what the typed figures come to.
func (h *handlers) meritCalc(ctx context.Context, a *bot.Action) {
	var m meritMeta
	if err := json.Unmarshal([]byte(a.View.PrivateMetadata), &m); err != nil || m.Person == 0 {
		return
	}
	y, ok := h.meritYearNamed(m.Year)
	if !ok {
		return
	}
	prop, fields := proposalTyped(a.View)
	if len(fields) > 0 {
		prop = review.Proposal{}
	}
	view, err := h.proposeForm(ctx, a.User.ID, y, m.Person, m.Parent, &prop)
	if err == nil {
		_, err = h.Slack.UpdateViewContext(ctx, view, "", a.View.Hash, a.View.ID)
	}
	if err != nil {
		h.Log.Warn("merit figures", "err", err)
	}
}

func (h *handlers) proposeSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	var m meritMeta
	if err := json.Unmarshal([]byte(s.View.PrivateMetadata), &m); err != nil || m.Person == 0 {
		return nil, review.Errorf(review.EINVALID, "This form is damaged. Please close it and open it again.")
	}
	y, ok := h.meritYearNamed(m.Year)
	if !ok {
		return nil, review.Errorf(review.ECONFLICT, "That merit year is no longer set up. Run `/perform merit` again.")
	}
	prop, fields := proposalTyped(s.View)
	if len(fields) > 0 {
		return slack.NewErrorsViewSubmissionResponse(fields), nil
	}
	actor, err := h.actor(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(textValue(s.View, review.FieldMeritReason))
	if msg := tooLongText(reason, 1000); msg != "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{review.FieldMeritReason: msg}), nil
	}
	if _, err := h.Store.ProposeMerit(ctx, actor, y, m.Person, prop, reason); err != nil {
		if fields := review.FieldErrors(err); fields != nil {
			return fieldErrors(fields, func(k string) string { return k }, s.View), nil
		}
		return nil, err
	}
	if m.Parent != "" {
		s.After(func(ctx context.Context) {
			view, err := h.meritView(ctx, actor, *actor.Person, y)
			if err == nil {
				_, err = h.Slack.UpdateViewContext(ctx, view, "", "", m.Parent)
			}
			if err != nil {
				h.Log.Warn("refresh merit", "err", err)
			}
		})
	}
	return nil, nil
}

// meritPoolView is HR's audit of merit increases: each secretariat within
// the viewer's scope (or the one named), its ratings' approval first, then
// its cost against the pool, its counts, and central HR's approval. Every
// look is in the audit log.
func (h *handlers) meritPoolView(ctx context.Context, actor review.Actor, y review.MeritYear, only string) (slack.ModalViewRequest, error) {
	all, err := h.Store.MeritSecretariats(ctx, y)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	var shown []string
	for _, sec := range all {
		inScope := actor.Scope == "" || review.InScope(sec, actor.Scope) || review.InScope(actor.Scope, sec)
		if inScope && (only == "" || strings.EqualFold(sec, only) || review.InUnit(only, sec) && !strings.Contains(sec, "/")) {
			shown = append(shown, sec)
		}
	}
	if len(shown) == 0 {
		if only != "" {
			return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "Nobody in %s, within your part of the organisation, has pay loaded for merit year %s.", only, y.Name)
		}
		return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "Nobody in your part of the organisation has pay loaded for merit year %s yet: HR loads it with `massperform pay import`.", y.Name)
	}
	blocks := []slack.Block{section(fmt.Sprintf("*Merit pool · %s*, effective %s.\nEach secretariat's %s rating distribution is approved first, then what its increases cost against its pool (%s of its eligible base salaries). Counts and amounts here; name a secretariat (`/perform merit pool EOHHS`) to see its proposals by name, to return one or grant a bonus's exception.",
		esc(y.Name), y.Effective.Human(), y.RatingsYear, y.Pool))}
	grid := meritGridNames(h.Scale, y)
	var cases []slack.Block // one secretariat's proposals, by name
	for i, sec := range shown {
		if i == meritPoolsShown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more. Name one: `/perform merit pool <secretariat>`.", len(shown)-i)))
			break
		}
		a, err := h.Store.MeritAuditOf(ctx, actor, y, sec)
		if err != nil {
			return slack.ModalViewRequest{}, err
		}
		if actor.Scope != "" && strings.Contains(actor.Scope, "/") {
			var mine []storage.MeritCase
			for _, c := range a.Cases {
				if review.InScope(actor.Scope, c.Person.Unit) {
					mine = append(mine, c)
				}
			}
			a.Cases = mine
		}
		sum := a.Summary(y)
		ratings := "⏳ ratings not approved yet: the cost is audited after"
		if sum.RatingsApproved {
			ratings = "ratings ✅ approved"
		}
		status := ""
		if sum.Approved {
			status = " · increases ✅ approved " + review.DateOf(a.ApprovedAt).Human()
		}
		lines := []string{
			fmt.Sprintf("*%s* · %s%s", esc(sec), ratings, status),
			poolLine(a.Pool),
			fmt.Sprintf("Eligible %d · proposed %d · to propose %d · outside the rules %d · bonuses over the cap %d · not eligible %d",
				sum.Eligible, sum.Proposed, sum.Missing, sum.Outside, sum.NeedsException, sum.NotEligible),
		}
		var cells []string
		for _, g := range grid {
			if row, ok := sum.Grid[g.key]; ok {
				cells = append(cells, fmt.Sprintf("%s %d·%d·%d·%d", g.name, row[0], row[1], row[2], row[3]))
			}
		}
		if len(cells) > 0 {
			lines = append(lines, "_By rating, quartiles 1·2·3·4:_ "+strings.Join(cells, " | "))
		}
		lines = append(lines, agencyCosts(a.Cases)...)
		text := fitLines(lines[0], lines[1:], "line", "lines")
		if only != "" && len(shown) == 1 {
			cases = h.meritCaseBlocks(actor, y, a)
		}
		if actor.HRRole().OrgWide() && review.CanApproveMerit(y, sec, sum) == nil {
			b := button("Approve", meritApproveAction, sec, true)
			b.Confirm = slack.NewConfirmationBlockObject(plain("Approve "+sec+"'s increases?", 100),
				plain(fmt.Sprintf("%s of %s. Payroll's file will include them.", a.Pool.Used, a.Pool.Budget), 300), plain("Approve", 30), plain("Not yet", 30))
			blocks = append(blocks, sectionWith(text, b))
		} else {
			blocks = append(blocks, section(text))
		}
	}
	blocks = append(blocks, cases...)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      meritPoolCallback,
		Title:           plain("Merit pool "+y.Name, 24),
		Close:           plain("Close", 24),
		PrivateMetadata: meritMeta{Year: y.Name, Filter: only}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}, nil
}

type gridName struct{ key, name string }

// meritGridNames are the ratings of the scale the merit grid pays for, in
// the scale's order.
func meritGridNames(scale review.Scale, y review.MeritYear) []gridName {
	var out []gridName
	for _, r := range scale.Ratings {
		if _, ok := y.Grid[r.Key]; ok {
			out = append(out, gridName{r.Key, r.Name})
		}
	}
	return out
}

// agencyCosts sums the proposals by agency: amounts and counts only.
func agencyCosts(cases []storage.MeritCase) []string {
	cost := map[string]review.Cents{}
	n := map[string]int{}
	var order []string
	for _, c := range cases {
		parts := strings.SplitN(c.Person.Unit, "/", 3)
		ag := strings.Join(parts[:min(2, len(parts))], "/")
		if _, ok := n[ag]; !ok {
			order = append(order, ag)
		}
		n[ag] += 0
		if c.Proposal != nil {
			cost[ag] += c.Proposal.Increase + c.Proposal.Bonus
			n[ag]++
		}
	}
	if len(order) < 2 {
		return nil
	}
	sort.Strings(order)
	lines := []string{"_By agency:_"}
	for _, ag := range order {
		lines = append(lines, fmt.Sprintf("%s: %s for %s", esc(ag), cost[ag], plural(n[ag], "proposal", "proposals")))
	}
	return lines
}

// meritApproveClicked approves a secretariat's increases, then redraws.
func (h *handlers) meritApproveClicked(ctx context.Context, a *bot.Action) {
	var m meritMeta
	_ = json.Unmarshal([]byte(a.View.PrivateMetadata), &m)
	y, ok := h.meritYearNamed(m.Year)
	actor, err := h.hrActor(ctx, a.User.ID)
	if err == nil && !ok {
		err = review.Errorf(review.ECONFLICT, "That merit year is no longer set up.")
	}
	if err == nil {
		_, err = h.Store.ApproveMerit(ctx, actor, y, a.Action.Value)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "approve merit")})
		return
	}
	h.refreshMeritPool(ctx, actor, y, m.Filter, a.View.ID)
}

// MeritNoticeDM is the employee's merit notice on the effective date: the
// rating, the new annual and biweekly salary, the effective date, the
// M-level and quartile; or, when the rating denies the step, that it
// does, with the right to appeal within five workdays and the Appeal
// button. Salaries go to the employee's own DM only.
func MeritNoticeDM(y review.MeritYear, scale review.Scale, holidays review.Holidays, today review.Date, c storage.MeritCase, award *review.Award) ([]byte, error) {
	rating, _ := ratingText(scale, c.Rating)
	if award == nil {
		closes := review.DefaultYearEnd.AppealCloses(holidays, today)
		text := fmt.Sprintf("Your %s merit notice: no step or merit increase this year.", y.RatingsYear)
		return scheduler.EncodePayload(text, []slack.Block{
			section(fmt.Sprintf("*%s*\nYour %s rating, *%s*, means no step or merit increase from %s. Your salary stays %s a year (%s, quartile %d).",
				text, y.RatingsYear, rating, y.Effective.Human(), c.Pay.Salary, esc(c.Pay.Level), quartileOf(y, *c.Pay))),
			section(fmt.Sprintf("If you think the rating is wrong, you can appeal it to central HR until %s (%d workdays from this notice). HR holds a hearing within %d workdays and decides.",
				closes.Human(), review.DefaultYearEnd.AppealWindow, review.DefaultYearEnd.HearingWithin)),
			slack.NewActionBlock("", button(appealButtonsLabel, appealAction, strconv.Itoa(int(y.RatingsYear)), false)),
		})
	}
	text := fmt.Sprintf("Your %s merit notice: your new salary from %s.", y.RatingsYear, y.Effective.Human())
	lines := []string{
		"*" + text + "*",
		fmt.Sprintf("*Rating:* %s", rating),
		fmt.Sprintf("*New salary:* %s a year, %s biweekly (%s more a year)", award.NewSalary, award.Biweekly, award.Increase),
		fmt.Sprintf("*Effective:* %s", y.Effective.Human()),
		fmt.Sprintf("*M-level:* %s, quartile %d", esc(c.Pay.Level), award.Quartile),
	}
	if award.Bonus > 0 {
		lines = append(lines, fmt.Sprintf("*One-time bonus:* %s", award.Bonus))
	}
	return scheduler.EncodePayload(text, []slack.Block{
		section(strings.Join(lines, "\n")),
		note("This is confidential: only you, your managers and HR see it."),
	})
}

func quartileOf(y review.MeritYear, p review.PayRecord) int {
	if b, ok := y.Band(p.Level); ok {
		return b.Quartile(p.Salary)
	}
	return 0
}

// meritCaseBlocks lists a secretariat's proposals for HR, by name, with
// a menu to return one to its manager or grant its bonus's exception
// (HRD). HR within its scope may see them; the look is in the audit log.
func (h *handlers) meritCaseBlocks(actor review.Actor, y review.MeritYear, a storage.MeritAudit) []slack.Block {
	var out []slack.Block
	shown := 0
	for _, c := range a.Cases {
		p := c.Proposal
		if p == nil {
			if e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false); !e.Eligible && e.NeedsApproval && shown < meritCasesShown {
				shown++
				line := fmt.Sprintf("*%s* · %s\n⏳ _%s_", esc(c.Person.Name), esc(c.Person.Unit), esc(e.Reason))
				if actor.HRRole().OrgWide() && a.ApprovedAt.IsZero() {
					out = append(out, sectionWith(line, slack.NewOverflowBlockElement(meritCaseAction,
						slack.NewOptionBlockObject("approve:"+strconv.FormatInt(c.Person.ID, 10), plain("Approve as eligible", 75), nil))))
				} else {
					out = append(out, section(line))
				}
			}
			continue
		}
		if shown == meritCasesShown {
			out = append(out, note("…and more: name an agency, `/perform merit pool <secretariat/agency>`."))
			break
		}
		shown++
		rating, _ := ratingText(h.Scale, c.Rating)
		line := fmt.Sprintf("*%s* · %s · %s · %s to base", esc(c.Person.Name), esc(c.Person.Unit), rating, p.Base)
		if p.Bonus > 0 {
			line += fmt.Sprintf(", %s bonus", p.Bonus)
		}
		line += fmt.Sprintf(" → %s a year", p.NewSalary)
		var opts []*slack.OptionBlockObject
		switch {
		case p.Returned != "":
			line += "\n↩️ _Returned to the manager: " + esc(truncate(oneLine(p.Returned), 200)) + "_"
		case a.ApprovedAt.IsZero():
			opts = append(opts, slack.NewOptionBlockObject("return:"+strconv.FormatInt(c.Person.ID, 10), plain("Return to the manager", 75), nil))
		}
		if p.Bonus > y.BonusCap && p.Returned == "" {
			if p.Excepted {
				line += "\n_Bonus over the cap: excepted by HRD._"
			} else {
				line += fmt.Sprintf("\n⏳ _Bonus over %s: %s_", y.BonusCap, esc(truncate(oneLine(p.ExceptionReason), 300)))
				if actor.HRRole().OrgWide() && a.ApprovedAt.IsZero() {
					opts = append(opts, slack.NewOptionBlockObject("grant:"+strconv.FormatInt(c.Person.ID, 10), plain("Grant the bonus exception", 75), nil))
				}
			}
		}
		if len(opts) > 0 {
			out = append(out, sectionWith(line, slack.NewOverflowBlockElement(meritCaseAction, opts...)))
		} else {
			out = append(out, section(line))
		}
	}
	if len(out) > 0 {
		out = append([]slack.Block{slack.NewDividerBlock(), section("*Proposals, and cases waiting for HRD's approval*")}, out...)
	}
	return out
}

// meritCaseMenu returns a proposal (asking why) or grants its bonus's
// exception, then redraws the pool.
func (h *handlers) meritCaseMenu(ctx context.Context, a *bot.Action) {
	var m meritMeta
	_ = json.Unmarshal([]byte(a.View.PrivateMetadata), &m)
	y, ok := h.meritYearNamed(m.Year)
	verb, idText, _ := strings.Cut(a.Action.SelectedOption.Value, ":")
	id, _ := strconv.ParseInt(idText, 10, 64)
	actor, err := h.hrActor(ctx, a.User.ID)
	if err == nil && (!ok || id == 0) {
		err = review.Errorf(review.EINVALID, "This view is out of date: run `/perform merit pool` again.")
	}
	if err == nil && verb == "return" {
		h.openModal(ctx, a, a.TriggerID, slack.ModalViewRequest{
			Type: slack.VTModal, CallbackID: meritReturnCB, Title: plain("Return a proposal", 24), Submit: plain("Return", 24), Close: plain("Back", 24),
			PrivateMetadata: meritMeta{Year: y.Name, Person: id, Parent: a.View.ID, Filter: m.Filter}.String(),
			Blocks: slack.Blocks{BlockSet: []slack.Block{
				section("The manager is told why, by DM, and proposes again; until then it counts as not proposed."),
				textInput(reasonBlock, "Why", "", "", 1000, true, false),
			}},
		}, true)
		return
	}
	if err == nil && verb == "approve" {
		err = h.Store.ApproveMeritEligibility(ctx, actor, y, id)
	} else if err == nil {
		err = h.Store.GrantMeritException(ctx, actor, y, id)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "merit")})
		return
	}
	h.refreshMeritPool(ctx, actor, y, m.Filter, a.View.ID)
}

func (h *handlers) refreshMeritPool(ctx context.Context, actor review.Actor, y review.MeritYear, only, viewID string) {
	view, err := h.meritPoolView(ctx, actor, y, only)
	if err == nil {
		_, err = h.Slack.UpdateViewContext(ctx, view, "", "", viewID)
	}
	if err != nil {
		h.Log.Warn("refresh merit pool", "err", err)
	}
}

func (h *handlers) meritReturnSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	actor, err := h.hrActor(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	var m meritMeta
	y, ok := review.MeritYear{}, false
	if json.Unmarshal([]byte(s.View.PrivateMetadata), &m) == nil {
		y, ok = h.meritYearNamed(m.Year)
	}
	if !ok || m.Person == 0 {
		return nil, review.Errorf(review.EINVALID, "This form is damaged. Please close it and open it again.")
	}
	reason := strings.TrimSpace(textValue(s.View, reasonBlock))
	if reason == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{reasonBlock: "Say why: the manager reads it."}), nil
	}
	if msg := tooLongText(reason, 1000); msg != "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{reasonBlock: msg}), nil
	}
	at := h.Clock.Now().UnixNano()
	err = h.Store.ReturnMerit(ctx, actor, y, m.Person, reason, func(c storage.MeritCase, mgr review.Person) (storage.Notification, error) {
		text := fmt.Sprintf("HR returned your merit proposal for %s.", c.Person.Name)
		payload, err := scheduler.EncodePayload(text, []slack.Block{
			section("*" + esc(text) + "*\n" + quote(reason)),
			note("Propose again with `/perform merit`."),
		})
		return storage.Notification{Key: fmt.Sprintf("merit-return:%s:%d:%d", y.Name, c.Person.ID, at), Recipient: mgr.SlackID, Kind: "merit", Payload: payload}, err
	})
	if err != nil {
		return nil, err
	}
	h.Wake()
	if m.Parent != "" {
		s.After(func(ctx context.Context) { h.refreshMeritPool(ctx, actor, y, m.Filter, m.Parent) })
	}
	return nil, nil
}
