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

// Identifiers of the check-in surface.
const (
	checkInCallback   = "checkin"
	checkInOpenAction = "checkin_open" // button value: the employee's person id
	checkInEditAction = "checkin_edit" // button value: the check-in id
	maxProgressInputs = 60             // goals the form asks progress for, within the modal's 100 blocks
)

func (h *handlers) registerCheckIn(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:      "checkin",
		Usage:     r.Slash() + " checkin @employee",
		Summary:   "log a check-in you held with someone who reports to you",
		For:       bot.Managers,
		Handle:    h.commandForm(review.LogCheckIn, "/perform checkin @Eli", h.newCheckInForm),
		OpensForm: true,
	})
	r.Action(checkInOpenAction, h.buttonForm(review.LogCheckIn, h.newCheckInForm))
	r.Action(checkInEditAction, h.checkInEditButton)
	r.Submit(checkInCallback, h.checkInSubmit)
}

// newCheckInForm is the form for logging a check-in.
func (h *handlers) newCheckInForm(ctx context.Context, _ review.Actor, target review.Person) (slack.ModalViewRequest, error) {
	return h.checkInView(ctx, target, false)
}

// developmentCheckInForm is the form for logging a development check-in.
func (h *handlers) developmentCheckInForm(ctx context.Context, _ review.Actor, target review.Person) (slack.ModalViewRequest, error) {
	return h.checkInView(ctx, target, true)
}

func (h *handlers) checkInView(ctx context.Context, target review.Person, development bool) (slack.ModalViewRequest, error) {
	year, err := h.Store.Year(ctx, target.ID, h.year())
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	return checkInModal(target, year, h.Cal.Today(h.Clock.Now()), development, nil), nil
}

// checkInEditButton turns the check-in form into the form to edit the
// check-in the button names, for the manager who logged it.
func (h *handlers) checkInEditButton(ctx context.Context, a *bot.Action) {
	actor, err := h.actor(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "checkin")})
		return
	}
	id, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	ref, err := h.Store.CheckInByID(ctx, id)
	if err != nil || actor.Person == nil || ref.CheckIn.ManagerID != actor.Person.ID {
		a.Reply(ctx, bot.Message{Text: "Only the manager who logged a check-in can edit it."})
		return
	}
	target, err := h.Store.PersonByID(ctx, ref.PersonID)
	if err == nil {
		err = review.Can(actor, review.LogCheckIn, target)
	}
	var year review.YearState
	if err == nil {
		year, err = h.Store.Year(ctx, target.ID, ref.Year)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "checkin")})
		return
	}
	view := checkInModal(target, year, h.Cal.Today(h.Clock.Now()), false, &ref.CheckIn)
	if _, err := h.Slack.UpdateViewContext(ctx, view, "", "", a.View.ID); err != nil {
		h.Log.Warn("turn the check-in form into its edit form", "err", err)
		a.Reply(ctx, bot.Message{Text: "Slack didn't let us switch the form. Please try again."})
	}
}

var topicOptions = []struct{ value, label string }{
	{"expectations", "Expectations"},
	{"feedback", "Feedback"},
	{"development", "Development"},
}

// checkInModal is the manager's form for a check-in held with target, or,
// with editing, the form to change one already logged.
func checkInModal(target review.Person, year review.YearState, today review.Date, development bool, editing *review.CheckIn) slack.ModalViewRequest {
	name := esc(target.Name)
	intro := fmt.Sprintf("*Check-in with %s* · %s", name, year.Year)
	first := len(year.CheckIns) == 0 && editing == nil
	var introBlock slack.Block
	switch {
	case editing != nil:
		intro = fmt.Sprintf("*Editing the check-in with %s of %s* · %s\nThe earlier version stays in the review's history.", name, editing.HeldOn.Human(), year.Year)
		introBlock = section(intro)
	case first:
		intro += "\nThis is your first check-in of the year: agree together how often you'll meet from here."
		introBlock = section(intro)
	default:
		last := year.CheckIns[len(year.CheckIns)-1]
		intro += fmt.Sprintf("\nCheck-ins this year: %d, the last on %s. Your cadence: %s.", len(year.CheckIns), last.HeldOn.Human(), strings.ToLower(year.Cadence.Label()))
		introBlock = sectionWith(intro, button("Edit the last one", checkInEditAction, strconv.FormatInt(last.ID, 10), false))
	}
	held := slack.NewDatePickerBlockElement("date")
	held.InitialDate = today.String()
	if editing != nil {
		held.InitialDate = editing.HeldOn.String()
		development = editing.Development
	}
	var opts []*slack.OptionBlockObject
	var initial []*slack.OptionBlockObject
	for _, t := range topicOptions {
		o := slack.NewOptionBlockObject(t.value, plain(t.label, 75), nil)
		opts = append(opts, o)
		switch {
		case development && t.value == "development",
			editing != nil && editing.Expectations && t.value == "expectations",
			editing != nil && editing.Feedback && t.value == "feedback":
			initial = append(initial, o)
		}
	}
	covered := slack.NewCheckboxGroupsBlockElement("check", opts...)
	covered.InitialOptions = initial
	var feedback, notes string
	if editing != nil {
		feedback, notes = editing.FeedbackForEmployee, editing.Notes
	}
	blocks := []slack.Block{
		introBlock,
		slack.NewInputBlock(review.FieldHeldOn, plain("When did you meet?", 2000), nil, held),
		slack.NewInputBlock(review.FieldCovered, plain("What did it cover?", 2000), nil, covered),
		textInput(review.FieldFeedback, fmt.Sprintf("Feedback you gave %s", target.Name), feedback, "What's going well, what to change", review.MaxCheckInText, true, true),
		withHint(textInput(review.FieldNotes, "Notes", notes, "", review.MaxCheckInText, true, true), fmt.Sprintf("%s sees these too.", target.Name)),
	}
	if first {
		var copts []*slack.OptionBlockObject
		for _, c := range review.CadenceChoices {
			copts = append(copts, slack.NewOptionBlockObject(c.String(), plain(c.Label(), 75), nil))
		}
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick one", 150), "pick", copts...)
		blocks = append(blocks, withHint(slack.NewInputBlock(review.FieldCadence, plain("How often will you check in?", 2000), nil, sel),
			"At least once a quarter. You can change it later with /perform cadence."))
	}
	goals := year.Goals
	if len(goals) > maxProgressInputs {
		goals = goals[:maxProgressInputs]
	}
	if len(goals) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), section("*Progress on goals* (optional)"))
	}
	for _, g := range goals {
		var popts []*slack.OptionBlockObject
		for _, l := range review.ProgressScale {
			popts = append(popts, slack.NewOptionBlockObject(string(l.Level), plain(l.Label, 75), nil))
		}
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("How is it going?", 150), "pick", popts...)
		if editing != nil {
			for _, o := range popts {
				if review.Progress(o.Value) == editing.Progress[g.ID] {
					sel.InitialOption = o
				}
			}
		}
		in := slack.NewInputBlock(review.FieldProgress+strconv.FormatInt(g.ID, 10), plain(truncate(oneLine(g.Text), 150), 2000), nil, sel)
		in.Optional = true
		blocks = append(blocks, in)
	}
	if len(year.Goals) > len(goals) {
		blocks = append(blocks, note(fmt.Sprintf("%d more goals: record their progress at the next check-in.", len(year.Goals)-len(goals))))
	}
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      checkInCallback,
		Title:           plain("Log a check-in", 24),
		Submit:          plain("Log it", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: target.ID, Year: int(year.Year)}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
	if editing != nil {
		v.Title, v.Submit = plain("Edit check-in", 24), plain("Save", 24)
		v.PrivateMetadata = meta{Person: target.ID, Year: int(year.Year), CheckIn: editing.ID}.String()
	}
	return v
}

func withHint(in *slack.InputBlock, hint string) *slack.InputBlock {
	in.Hint = plain(hint, 2000)
	return in
}

// checkInForm reads the manager's form.
func checkInForm(v slack.View) review.CheckInForm {
	vals := v.State.Values
	f := review.CheckInForm{
		Notes:               textValue(v, review.FieldNotes),
		FeedbackForEmployee: textValue(v, review.FieldFeedback),
		Progress:            map[int64]review.Progress{},
	}
	f.HeldOn, _ = review.ParseDate(vals[review.FieldHeldOn]["date"].SelectedDate)
	for _, o := range vals[review.FieldCovered]["check"].SelectedOptions {
		switch o.Value {
		case "expectations":
			f.Expectations = true
		case "feedback":
			f.Feedback = true
		case "development":
			f.Development = true
		}
	}
	if s, ok := vals[review.FieldCadence]; ok {
		if c, err := review.ParseCadence(s["pick"].SelectedOption.Value); err == nil && s["pick"].SelectedOption.Value != "" {
			f.Cadence = &c
		}
	}
	for block, acts := range vals {
		if id, ok := strings.CutPrefix(block, review.FieldProgress); ok {
			gid, _ := strconv.ParseInt(id, 10, 64)
			f.Progress[gid] = review.Progress(acts["pick"].SelectedOption.Value)
		}
	}
	return f
}

func (h *handlers) checkInSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	fy, err := h.formYear(ctx, s)
	if err != nil {
		return nil, err
	}
	if m, _ := parseMeta(s.View.PrivateMetadata); m.CheckIn == 0 {
		fy = h.year() // a new check-in is the running year's
	}
	f, err := h.reloadFor(ctx, s, review.LogCheckIn, fy)
	if err != nil {
		return nil, err
	}
	form := checkInForm(s.View)
	var editing *review.CheckIn
	if f.meta.CheckIn != 0 {
		for i, x := range f.year.CheckIns {
			if x.ID == f.meta.CheckIn {
				editing = &f.year.CheckIns[i]
			}
		}
		if editing == nil || editing.ManagerID != f.actor.Person.ID {
			return nil, review.Errorf(review.EFORBIDDEN, "Only the manager who logged a check-in can edit it.")
		}
		form.Cadence = nil
	}
	c, err := review.PlanCheckIn(f.year, h.Cal.Today(h.Clock.Now()), form, editing)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	manager := f.actor.Person.Name
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		logged := saved.CheckIns[0]
		for _, x := range saved.CheckIns {
			if editing == nil && x.ID > logged.ID || editing != nil && x.ID == editing.ID {
				logged = x
			}
		}
		payload, err := checkInDM(manager, saved, logged, editing != nil)
		return []storage.Notification{{
			Key: fmt.Sprintf("checkin:%d:%s", logged.ID, once(s)), Recipient: f.target.SlackID, Kind: "checkin", Payload: payload,
		}}, err
	}
	change := storage.Change{Actor: f.actor, Action: review.LogCheckIn, Once: once(s), Notify: notify}
	if _, _, err := h.Store.SaveCheckIn(ctx, change, f.target, f.year.Year, c, form.Cadence); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

// checkInSummary describes a check-in for either side of it.
func checkInSummary(year review.YearState, c review.CheckIn) []string {
	var lines []string
	lines = append(lines, "*Covered:* "+strings.Join(c.Topics(), ", "))
	if c.FeedbackForEmployee != "" {
		lines = append(lines, "*Feedback:* "+esc(c.FeedbackForEmployee))
	}
	if c.Notes != "" {
		lines = append(lines, "*Notes:* "+esc(c.Notes))
	}
	var progress []string
	for _, g := range year.Goals {
		if p, ok := c.Progress[g.ID]; ok {
			progress = append(progress, fmt.Sprintf("• %s — %s", esc(truncate(oneLine(g.Text), goalLineLength)), p.Label()))
		}
	}
	if len(progress) > 0 {
		lines = append(lines, fitLines("*Progress:*", progress, "goal", "goals"))
	}
	return lines
}

// checkInDM asks the employee to confirm a check-in their manager logged,
// or tells them it was changed.
func checkInDM(manager string, year review.YearState, c review.CheckIn, edited bool) ([]byte, error) {
	what := fmt.Sprintf("a check-in with you on %s", c.HeldOn.Human())
	if c.First {
		what = fmt.Sprintf("your first check-in of %s, held on %s", year.Year, c.HeldOn.Human())
	}
	verb := "logged"
	if edited {
		verb = "updated"
	}
	text := fmt.Sprintf("%s %s %s.", esc(manager), verb, what)
	if c.Confirmation == nil {
		text += " Please confirm it."
	}
	blocks := []slack.Block{section(fmt.Sprintf("*%s %s %s.*", esc(manager), verb, what))}
	for _, l := range checkInSummary(year, c) {
		blocks = append(blocks, section(l))
	}
	if c.Confirmation != nil {
		return scheduler.EncodePayload(text, append(blocks, note("You confirmed it earlier; that stands.")))
	}
	ask := "Please confirm it happened, and tell your manager how it went for you if you like."
	if c.First {
		ask = fmt.Sprintf("Please confirm it: three yes/no questions about starting the year, and your feedback for %s.", esc(manager))
	}
	blocks = append(blocks, section(ask), slack.NewActionBlock("", button("Confirm", confirmAction, strconv.FormatInt(c.ID, 10), true)))
	return scheduler.EncodePayload(text, blocks)
}
