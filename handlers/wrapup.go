package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the wrap-up surfaces.
const (
	reflectionCallback    = "reflection"
	wrapUpCallback        = "wrapup"
	earlierWrapUpCallback = "wrapup_earlier"  // read only
	reflectionOpenAction  = "reflection_open" // the employee's button
	wrapUpOpenAction      = "wrapup_open"     // the manager's button; value: the employee's person id
	ratingPickAction      = "rating_pick"     // the rating radio buttons, which update the modal
	heldAction            = "rating_held"     // value: the employee's person id
	capShareBlock         = "cap_share"
)

func (h *handlers) registerWrapUp(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:      "wrapup",
		Usage:     r.Slash() + " wrapup [@employee]",
		Summary:   "your year-end reflection (from May 1); with @employee, the wrap-up and rating you give them (from June 1)",
		For:       bot.Everyone,
		Handle:    h.wrapUpCommand,
		OpensForm: true,
	})
	r.Submit(reflectionCallback, h.reflectionSubmit)
	r.Submit(wrapUpCallback, h.wrapUpSubmit)
	r.Action(reflectionOpenAction, h.reflectionButton)
	r.Action(wrapUpOpenAction, h.buttonForm(review.Rate, h.wrapUpForm))
	r.Action(ratingPickAction, h.ratingPicked)
	r.Action(heldAction, h.heldButton)
}

// wrapUpYear is the review year whose wrap-up is the latest to have
// opened: the one HR audits and a released rating belongs to.
func (h *handlers) wrapUpYear() (review.FiscalYear, review.Date) {
	today := h.Cal.Today(h.Clock.Now())
	return review.WrapUpYear(today), today
}

// wrapUpSeason is the review year whose wrap-up can be written today.
func (h *handlers) wrapUpSeason() (review.FiscalYear, review.Date) {
	today := h.Cal.Today(h.Clock.Now())
	return review.WrapUpSeason(today), today
}

func (h *handlers) wrapUpCommand(ctx context.Context, c *bot.Command) {
	if strings.TrimSpace(c.Rest) != "" {
		h.wrapUpOf(ctx, c)
		return
	}
	me, ok := h.reviewedSender(ctx, c, "Nobody on the roster manages you, so you have no wrap-up to write. To write one for someone who reports to you, mention them: `/perform wrapup @name`.")
	if !ok {
		return
	}
	view, err := h.reflectionForm(ctx, me)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "wrapup")})
		return
	}
	h.openModal(ctx, c, c.TriggerID, view, false)
}

func (h *handlers) reflectionButton(ctx context.Context, a *bot.Action) {
	actor, err := h.actor(ctx, a.User.ID)
	if err == nil && !actor.OnRoster() {
		err = review.NotOnRoster
	}
	var view slack.ModalViewRequest
	if err == nil {
		view, err = h.reflectionForm(ctx, *actor.Person)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "reflection")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, view, false)
}

// reflectionForm opens the employee's reflection, if it can be written now.
func (h *handlers) reflectionForm(ctx context.Context, me review.Person) (slack.ModalViewRequest, error) {
	fy, today := h.wrapUpSeason()
	if err := review.Can(review.Actor{SlackID: me.SlackID, Person: &me}, review.Reflect, me); err != nil {
		return slack.ModalViewRequest{}, err
	}
	year, err := h.Store.Year(ctx, me.ID, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	if err := review.ReflectionOpen(fy, today, year.WrapUp); err != nil {
		return slack.ModalViewRequest{}, err
	}
	manager, err := h.Store.PersonByID(ctx, me.ManagerID)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	return reflectionModal(me, manager, year), nil
}

// reflectionModal is the employee's look back at their year, with the
// year's check-ins and goals to jog their memory.
func reflectionModal(me, manager review.Person, year review.YearState) slack.ModalViewRequest {
	w := year.WrapUp
	var text string
	if w != nil {
		text = w.Accomplishments
	}
	mgr := esc(manager.Name)
	status := "It's a draft: only you can see it until you send it."
	if w.Reflected() {
		status = fmt.Sprintf("You sent it to %s on %s. You can still change it until they write your wrap-up.", mgr, review.DateOf(w.ReflectedAt).Human())
	}
	blocks := []slack.Block{
		section(fmt.Sprintf("*Your wrap-up reflection* · %s\nLook back on your year: what you achieved, and what it changed. %s reads it before writing your wrap-up. It's optional, and it helps.\n_%s_", year.Year, mgr, status)),
	}
	blocks = append(blocks, yearBlocks(year)...)
	blocks = append(blocks, slack.NewDividerBlock(),
		textInput(review.FieldAccomplishments, "Your accomplishments and their impact", text, "What did you achieve this year, and what difference did it make?", review.MaxWrapUpText, true, true))
	if !w.Reflected() {
		blocks = append(blocks, checkbox(review.FieldSend, "When you save", "Send it to "+manager.Name))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      reflectionCallback,
		Title:           plain("Your reflection", 24),
		Submit:          plain("Save", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: me.ID, Year: int(year.Year)}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// yearBlocks sums up a year for a wrap-up: check-ins by quarter, and each
// goal with the progress last recorded for it.
func yearBlocks(y review.YearState) []slack.Block {
	var quarters []string
	for q := review.Quarter(1); q <= 4; q++ {
		var days []string
		for _, c := range y.CheckIns {
			if c.Quarter() == q {
				days = append(days, c.HeldOn.Human())
			}
		}
		if len(days) == 0 {
			days = []string{"none"}
		}
		quarters = append(quarters, fmt.Sprintf("%s: %s", q, strings.Join(days, ", ")))
	}
	blocks := []slack.Block{section("*Check-ins*\n" + strings.Join(quarters, " · "))}
	if len(y.Goals) == 0 {
		return append(blocks, note("No goals were written this year."))
	}
	var lines []string
	for _, g := range y.Goals {
		progress := "no progress recorded"
		for _, c := range y.CheckIns {
			if p, ok := c.Progress[g.ID]; ok {
				progress = p.Label()
			}
		}
		lines = append(lines, fmt.Sprintf("• %s — _%s_", esc(truncate(oneLine(g.Text), 150)), progress))
	}
	return append(blocks, section(fitLines("*Goals, with their last progress*", lines, "goal", "goals")))
}

func (h *handlers) reflectionSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	fy, today := h.wrapUpSeason()
	f, err := h.reloadFor(ctx, s, review.Reflect, fy)
	if err != nil {
		return nil, err
	}
	form := review.ReflectionForm{Accomplishments: textValue(s.View, review.FieldAccomplishments), Send: checked(s.View, review.FieldSend) || f.year.WrapUp.Reflected()}
	w, err := review.PlanReflection(fy, today, f.year.WrapUp, form)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	var notify storage.Notify
	if form.Send && !f.year.WrapUp.Reflected() {
		manager, err := f.targetsManager()
		if err != nil {
			return nil, err
		}
		notify = func(saved review.YearState) ([]storage.Notification, error) {
			payload, err := reflectionSentDM(f.target, saved)
			return []storage.Notification{{
				Key: fmt.Sprintf("reflection:%d:%d", f.target.ID, fy), Recipient: manager.SlackID, Kind: "reflection", Payload: payload,
			}}, err
		}
	}
	change := storage.Change{Actor: f.actor, Action: review.Reflect, Once: once(s), Notify: notify}
	if _, err := h.Store.SaveReflection(ctx, change, f.target, fy, w, form.Send); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

// reflectionSentDM tells the manager the employee sent their reflection.
func reflectionSentDM(employee review.Person, y review.YearState) ([]byte, error) {
	text := fmt.Sprintf("%s sent you their %s wrap-up reflection.", esc(employee.Name), y.Year)
	blocks := []slack.Block{
		section("*" + text + "*\n" + quote(truncate(y.WrapUp.Accomplishments, 2000))),
		note(fmt.Sprintf("Manager wrap-ups open on %s. Read theirs first, then write yours.", y.Year.ManagerWrapUpOpens().Human())),
		slack.NewActionBlock("", button("Write the wrap-up", wrapUpOpenAction, strconv.FormatInt(employee.ID, 10), true)),
	}
	return scheduler.EncodePayload(text, blocks)
}

// quote shows user text as a mrkdwn quote, escaped.
func quote(s string) string {
	lines := strings.Split(esc(s), "\n")
	return "> " + strings.Join(lines, "\n> ")
}

// wrapUpOf answers "/perform wrapup @employee": the wrap-up form for their
// manager; for someone whose earlier wrap-up of the employee was set aside
// when the employee moved (or who may see it: the rater's manager, HR), a
// view of it; for anyone else the refusal.
func (h *handlers) wrapUpOf(ctx context.Context, c *bot.Command) {
	actor, target, ok := h.mentioned(ctx, c, "/perform wrapup @Eli")
	if !ok {
		return
	}
	var view slack.ModalViewRequest
	err := review.Can(actor, review.Rate, target)
	if err == nil {
		view, err = h.wrapUpForm(ctx, actor, target)
	} else if earlier, lerr := h.visibleEarlier(ctx, actor, target); lerr != nil {
		err = lerr
	} else if len(earlier) > 0 {
		fy, _ := h.wrapUpSeason()
		view, err = earlierWrapUpModal(target, fy, earlier, h.Scale), nil
	}
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, c.Name)})
		return
	}
	h.openModal(ctx, c, c.TriggerID, view, false)
}

// visibleEarlier returns the wrap-ups of target set aside this season that
// actor may see.
func (h *handlers) visibleEarlier(ctx context.Context, actor review.Actor, target review.Person) ([]review.EarlierWrapUp, error) {
	fy, _ := h.wrapUpSeason()
	all, err := h.Store.EarlierWrapUps(ctx, target.ID, fy)
	if err != nil {
		return nil, err
	}
	var out []review.EarlierWrapUp
	for _, e := range all {
		if review.CanSeeRating(actor, target, e.Rater, e.WrapUp()) {
			out = append(out, e)
		}
	}
	return out, nil
}

// earlierWrapUpModal shows wrap-ups set aside when target moved to a new
// manager, to someone who may see them.
func earlierWrapUpModal(target review.Person, fy review.FiscalYear, earlier []review.EarlierWrapUp, scale review.Scale) slack.ModalViewRequest {
	name := esc(target.Name)
	blocks := []slack.Block{section(fmt.Sprintf("*Earlier wrap-up for %s* · %s\n%s moved to a new manager before HR approved this rating, so their new manager writes their own. This one is kept: only its author, their manager and HR can see it.", name, fy, name))}
	for _, e := range earlier {
		r, _ := scale.Find(e.Rating)
		lines := []string{fmt.Sprintf("*By %s*, written %s, set aside %s", esc(e.Rater.Name), review.DateOf(e.RatedAt).Human(), review.DateOf(e.SetAsideAt).Human()),
			fmt.Sprintf("Rating: *%s*", scale.NameOf(e.Rating))}
		if r.Meaning != "" {
			lines[1] += " — " + r.Meaning
		}
		for _, q := range review.WrapUpQuestions {
			for _, a := range e.Answers {
				if a.Question == q.Key {
					lines = append(lines, fmt.Sprintf("%s %s", yesNo(a.Yes), q.Text))
				}
			}
		}
		blocks = append(blocks, slack.NewDividerBlock(), section(strings.Join(lines, "\n")))
		if e.Comments != "" {
			blocks = append(blocks, section("*Comments*\n"+quote(truncate(e.Comments, 2500))))
		}
		if e.DevelopmentNote != "" {
			blocks = append(blocks, section("*Short-term development plan*\n"+quote(truncate(e.DevelopmentNote, 2500))))
		}
	}
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: earlierWrapUpCallback,
		Title:      plain("Earlier wrap-up", 24),
		Close:      plain("Close", 24),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
}

func yesNo(yes bool) string {
	if yes {
		return "Yes:"
	}
	return "No:"
}

// wrapUpForm opens actor's wrap-up of target, if it can be written now.
// It shows the manager's part already written only to the manager who
// wrote it: anyone else writes their own, and the earlier one stays with
// its author.
func (h *handlers) wrapUpForm(ctx context.Context, actor review.Actor, target review.Person) (slack.ModalViewRequest, error) {
	fy, today := h.wrapUpSeason()
	year, err := h.Store.Year(ctx, target.ID, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	if err := h.Cal.ManagerWrapUpOpen(fy, today, year.WrapUp, target.Name); err != nil {
		return slack.ModalViewRequest{}, err
	}
	earlier, err := h.Store.EarlierWrapUps(ctx, target.ID, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	own := h.ownWrapUp(actor, target, year.WrapUp)
	picked := ""
	if own {
		picked = year.WrapUp.Rating
	}
	share, err := h.capShare(ctx, fy, actor, target, year.WrapUp, picked)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	replaces := len(earlier) > 0 || year.WrapUp.Rated() && !own
	return wrapUpModal(target, year, h.Scale, own, replaces, picked, share), nil
}

// ownWrapUp reports whether the manager's part of w is actor's to see and
// change: they wrote it.
func (h *handlers) ownWrapUp(actor review.Actor, target review.Person, w *review.WrapUp) bool {
	me := actor.Person
	return w.Rated() && me != nil && me.ID == w.RaterID && review.CanSeeRating(actor, target, *me, w)
}

// capInfo is the running count of the capped rating in a person's pool:
// counts only, never names.
type capInfo struct {
	Level  review.Rating
	Pool   review.Pool
	Unit   string // the person's own unit
	Count  int    // the capped level in the pool, counting this person's pick
	Allows int
	// LeftOut is set when the pool is counted without the viewer, whose
	// own rating is not released to them yet.
	LeftOut bool
}

// capShare counts the capped level in target's pool as if target had the
// rating picked; nil when picked is not the capped level. w is target's
// wrap-up as stored, whoever wrote it: the pick replaces its rating. The
// actor's own rating, not yet released to them, is left out with them.
func (h *handlers) capShare(ctx context.Context, fy review.FiscalYear, actor review.Actor, target review.Person, w *review.WrapUp, picked string) (*capInfo, error) {
	top, ok := h.Scale.Capped()
	if !ok || picked != top.Key {
		return nil, nil
	}
	_, pools, err := h.Store.RatingPools(ctx, fy)
	if err != nil {
		return nil, err
	}
	pool, _ := review.PoolOf(pools, target.Unit)
	unit, rating, hidden, err := h.ownRating(ctx, actor, fy)
	if err != nil {
		return nil, err
	}
	leftOut := hidden && pool.Holds(unit)
	if leftOut {
		pool.UnitCount = pool.UnitCount.Without(rating)
	}
	n := pool.Counts[top.Key]
	if !w.Rated() || w.Rating != top.Key {
		n++
	}
	return &capInfo{Level: top, Pool: pool, Unit: target.Unit, Count: n, Allows: review.CapAllows(top.CapPercent, pool.People), LeftOut: leftOut}, nil
}

// ownRating says whether actor is to be rated in fy and may not see their
// rating yet (hidden), and if so their unit and the rating ("" if none
// yet).
func (h *handlers) ownRating(ctx context.Context, actor review.Actor, fy review.FiscalYear) (unit, rating string, hidden bool, err error) {
	me := actor.Person
	if me == nil || !me.Reviewed() {
		return "", "", false, nil
	}
	mine, err := h.Store.Year(ctx, me.ID, fy)
	if err != nil || mine.WrapUp.Released() {
		return "", "", false, err
	}
	if mine.WrapUp.Rated() {
		rating = mine.WrapUp.Rating
	}
	return me.Unit, rating, true, nil
}

// wrapUpModal is the manager's wrap-up: the employee's reflection and year
// first, then the three questions, comments and the rating. own says the
// manager's part stored in year is the viewer's own, to show again;
// replaces that an earlier manager's wrap-up gives way to this one. picked
// is the rating chosen so far; share, when it is the capped level, the
// unit's running count against the cap.
func wrapUpModal(target review.Person, year review.YearState, scale review.Scale, own, replaces bool, picked string, share *capInfo) slack.ModalViewRequest {
	w := year.WrapUp
	name := esc(target.Name)
	reflection := "_They didn't send a reflection._"
	if w.Reflected() {
		reflection = quote(truncate(w.Accomplishments, 2500))
	}
	blocks := []slack.Block{
		section(fmt.Sprintf("*Wrap-up for %s* · %s\nRead their reflection and look over the year first. The rating stays between you, your manager and HR until HR approves your secretariat's ratings and you've talked it through with %s.", name, year.Year, name)),
	}
	if replaces {
		blocks = append(blocks, note(fmt.Sprintf("%s's earlier manager started a wrap-up for them. You write your own: theirs is kept for them and HR, and doesn't count.", name)))
	}
	blocks = append(blocks, section("*Their reflection*\n"+reflection))
	blocks = append(blocks, yearBlocks(year)...)
	blocks = append(blocks, slack.NewDividerBlock())
	var comments, plan string
	var given []review.Answer
	if own {
		comments, plan, given = w.Comments, w.DevelopmentNote, w.Answers
	}
	blocks = append(blocks, questionInputs(review.WrapUpQuestions, given)...)
	blocks = append(blocks, textInput(review.FieldComments, "Comments on the rating (optional)", comments, "What supports the rating you give?", review.MaxWrapUpText, true, true))

	var options []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	needsPlan := false
	for _, r := range scale.Ratings {
		o := slack.NewOptionBlockObject(r.Key, plain(r.Name, 75), plain(r.Meaning, 75))
		options = append(options, o)
		if r.Key == picked {
			initial = o
			needsPlan = r.NeedsPlan
		}
	}
	radio := slack.NewRadioButtonsBlockElement(ratingPickAction, options...)
	radio.InitialOption = initial
	rating := slack.NewInputBlock(review.FieldRating, plain("Overall rating", 2000), nil, radio)
	rating.DispatchAction = true
	blocks = append(blocks, rating)
	if share != nil {
		blocks = append(blocks, capBlock(share))
	}
	label, hint := "Short-term development plan", "Needed with a rating that calls for one: what you'll work on together, and by when."
	if needsPlan {
		label = "Short-term development plan (needed for this rating)"
	}
	blocks = append(blocks, withHint(textInput(review.FieldDevelopmentNote, label, plan, "", review.MaxWrapUpText, true, true), hint))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      wrapUpCallback,
		Title:           plain("Wrap-up", 24),
		Submit:          plain("Submit", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: target.ID, Year: int(year.Year)}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// capBlock shows the capped level's running count in the pool: counts, no
// names.
func capBlock(c *capInfo) slack.Block {
	text := fmt.Sprintf("*%s in %s so far, counting this one: %d of %d people (%.1f%%).* The %d%% cap allows %d.",
		c.Level.Name, esc(c.Pool.Unit), c.Count, c.Pool.People, review.Share(c.Count, c.Pool.People), c.Level.CapPercent, c.Allows)
	if c.Count > c.Allows {
		text += " Going over it needs an exception: the secretariat's HR asks for it, with a reason."
	}
	if c.Pool.Unit != c.Unit {
		text += fmt.Sprintf("\n_The cap is counted across the whole secretariat, %s, %s included._", esc(c.Pool.Unit), esc(c.Unit))
	}
	if c.LeftOut {
		text += "\n_Not counting you: your own rating stays private until it's released to you._"
	}
	return slack.NewContextBlock(capShareBlock, mrkdwn(text))
}

// ratingPicked redraws the wrap-up modal for the rating just picked: the
// cap count for the capped level, the plan marked as needed for a low one.
// What the manager typed stays, as the inputs keep their block ids.
func (h *handlers) ratingPicked(ctx context.Context, a *bot.Action) {
	if a.View.ID == "" {
		return
	}
	m, err := parseMeta(a.View.PrivateMetadata)
	if err != nil {
		return
	}
	actor, err := h.actor(ctx, a.User.ID)
	if err != nil {
		return
	}
	target, err := h.Store.PersonByID(ctx, m.Person)
	if err != nil || review.Can(actor, review.Rate, target) != nil {
		return
	}
	fy := review.FiscalYear(m.Year)
	year, err := h.Store.Year(ctx, target.ID, fy)
	if err != nil {
		h.Log.Warn("redraw wrap-up", "err", err)
		return
	}
	earlier, err := h.Store.EarlierWrapUps(ctx, target.ID, fy)
	if err != nil {
		h.Log.Warn("redraw wrap-up", "err", err)
		return
	}
	picked := a.Action.SelectedOption.Value
	share, err := h.capShare(ctx, fy, actor, target, year.WrapUp, picked)
	if err != nil {
		h.Log.Warn("redraw wrap-up", "err", err)
		return
	}
	own := h.ownWrapUp(actor, target, year.WrapUp)
	view := wrapUpModal(target, year, h.Scale, own, len(earlier) > 0 || year.WrapUp.Rated() && !own, picked, share)
	if _, err := h.Slack.UpdateViewContext(ctx, view, "", a.View.Hash, a.View.ID); err != nil {
		h.Log.Warn("redraw wrap-up", "err", err)
	}
}

func (h *handlers) wrapUpSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	fy, today := h.wrapUpSeason()
	f, err := h.reloadFor(ctx, s, review.Rate, fy)
	if err != nil {
		return nil, err
	}
	if err := h.Cal.ManagerWrapUpOpen(fy, today, f.year.WrapUp, f.target.Name); err != nil {
		return nil, err
	}
	form := review.ManagerWrapUpForm{
		Answers:         questionAnswers(s.View, review.WrapUpQuestions),
		Comments:        textValue(s.View, review.FieldComments),
		Rating:          s.View.State.Values[review.FieldRating][ratingPickAction].SelectedOption.Value,
		DevelopmentNote: textValue(s.View, review.FieldDevelopmentNote),
	}
	w, err := review.PlanManagerWrapUp(h.Scale, form)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	manager := f.actor.Person.Name
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		payload, err := wrapUpDoneDM(manager, fy)
		return []storage.Notification{{
			Key: fmt.Sprintf("wrapup-done:%d:%d", f.target.ID, fy), Recipient: f.target.SlackID, Kind: "wrapup", Payload: payload,
		}}, err
	}
	change := storage.Change{Actor: f.actor, Action: review.Rate, Once: once(s), Notify: notify, Blind: true}
	if _, err := h.Store.SaveManagerWrapUp(ctx, change, f.target, fy, w); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

// wrapUpDoneDM tells the employee their manager wrote the wrap-up. It
// never carries the rating: that comes after HR's approval and the final
// conversation.
func wrapUpDoneDM(manager string, fy review.FiscalYear) ([]byte, error) {
	text := fmt.Sprintf("%s has written your %s wrap-up.", esc(manager), fy)
	blocks := []slack.Block{section("*" + text + "*\nYou'll talk it through together once HR has reviewed the ratings across your unit. You'll see your rating here after that conversation.")}
	return scheduler.EncodePayload(text, blocks)
}

// heldButton records that the manager who gave an approved rating held
// the final conversation about it, which shows it to the employee.
func (h *handlers) heldButton(ctx context.Context, a *bot.Action) {
	actor, err := h.actor(ctx, a.User.ID)
	var target, rater review.Person
	var year review.YearState
	fy, _ := h.wrapUpYear()
	if err == nil {
		pid, _ := strconv.ParseInt(a.Action.Value, 10, 64)
		if target, err = h.Store.PersonByID(ctx, pid); review.ErrorCode(err) == review.ENOTFOUND {
			err = review.Errorf(review.EFORBIDDEN, "Only the manager who gave this rating can record the conversation about it.")
		}
	}
	if err == nil {
		year, err = h.Store.Year(ctx, target.ID, fy)
	}
	if err == nil && year.WrapUp.Rated() {
		rater, err = h.Store.PersonByID(ctx, year.WrapUp.RaterID)
	}
	if err == nil {
		err = review.CanHoldConversation(actor, target, rater, year.WrapUp)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "conversation held")})
		return
	}
	reader := h.HR.Actor(target.SlackID, &target)
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		if !review.CanSeeRating(reader, target, rater, saved.WrapUp) {
			return nil, fmt.Errorf("the rating of person %d is not released to them", target.ID)
		}
		appeal, open := h.appealNote(saved)
		payload, err := ratingReleasedDM(rater.Name, saved, h.Scale, appeal, open)
		return []storage.Notification{{
			Key: fmt.Sprintf("released:%d:%d:%d", target.ID, fy, saved.WrapUp.HeldAt.UnixNano()), Recipient: target.SlackID, Kind: "rating", Payload: payload,
		}}, err
	}
	change := storage.Change{Actor: actor, Action: review.HoldConversation, Notify: notify}
	if _, err := h.Store.MarkConversationHeld(ctx, change, target, fy); err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "conversation held")})
		return
	}
	h.Wake()
	a.Reply(ctx, bot.Message{Text: fmt.Sprintf("Thank you. %s can now see their %s rating in MassPerform.", esc(target.Name), fy)})
}

// ratingText is a rating's name and meaning, from the scale.
func ratingText(scale review.Scale, key string) (name, meaning string) {
	if r, ok := scale.Find(key); ok {
		return r.Name, r.Meaning
	}
	return key, ""
}

// ratingReleasedDM shows the employee their whole final review, once it
// is theirs to see, with the buttons to acknowledge it and respond.
func ratingReleasedDM(manager string, y review.YearState, scale review.Scale, appeal string, appealOpen bool) ([]byte, error) {
	text := fmt.Sprintf("Your %s review is ready to see.", y.Year)
	blocks := finalReviewBlocks(manager, y, scale)
	blocks = append(blocks, sayActions(y, true, appeal, appealOpen)...)
	return scheduler.EncodePayload(text, blocks)
}
