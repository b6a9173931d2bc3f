package handlers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the development plan surface.
const (
	developmentCallback = "development"
	developmentAction   = "checkin_dev" // button value: the employee's person id
)

func (h *handlers) registerDevelopment(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:      "development",
		Usage:     r.Slash() + " development",
		Summary:   "write your development plan, and ask your manager for a development check-in",
		For:       bot.Everyone,
		Handle:    h.developmentCommand,
		OpensForm: true,
	})
	r.Submit(developmentCallback, h.developmentSubmit)
	r.Action(developmentAction, h.buttonForm(review.LogCheckIn, h.developmentCheckInForm))
}

func (h *handlers) developmentCommand(ctx context.Context, c *bot.Command) {
	me, ok := h.reviewedSender(ctx, c, "Nobody on the roster manages you, so there's no one to share a development plan with here.")
	if !ok {
		return
	}
	year, err := h.Store.Year(ctx, me.ID, h.year())
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "development")})
		return
	}
	manager, err := h.Store.PersonByID(ctx, me.ManagerID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "development")})
		return
	}
	h.openModal(ctx, c, c.TriggerID, developmentModal(me, manager, year), false)
}

// developmentModal is the employee's plan: three questions, and whether to
// share it and ask for a development check-in.
func developmentModal(me, manager review.Person, year review.YearState) slack.ModalViewRequest {
	var plan review.DevelopmentPlan
	if year.Plan != nil {
		plan = *year.Plan
	}
	share := slack.NewOptionBlockObject("share", plain("Share it with "+manager.Name, 75), nil)
	ask := slack.NewOptionBlockObject("ask", plain("Ask "+manager.Name+" for a development check-in", 75), nil)
	opts := slack.NewCheckboxGroupsBlockElement("check", share, ask)
	if plan.Shared {
		opts.InitialOptions = []*slack.OptionBlockObject{share}
	}
	options := slack.NewInputBlock(review.FieldOptions, plain("When you save", 2000), nil, opts)
	options.Optional = true
	status := "It is a draft: only you can see it until you share it."
	if plan.Shared {
		status = fmt.Sprintf("%s can see it.", esc(manager.Name))
	}
	if !plan.RequestedAt.IsZero() {
		status += fmt.Sprintf(" You asked for a development check-in on %s.", review.DateOf(plan.RequestedAt).Human())
	}
	blocks := []slack.Block{
		section(fmt.Sprintf("*Your development plan* · %s\nWhere you'd like your career to go, and what would help. %s", year.Year, status)),
		textInput(review.FieldLongTerm, "Long-term career goals", plan.LongTerm, "Where do you see yourself in a few years?", review.MaxPlanText, true, true),
		textInput(review.FieldShortTerm, "Short-term career goals", plan.ShortTerm, "What would you like to reach this year?", review.MaxPlanText, true, true),
		textInput(review.FieldNeeds, "What would help", plan.Needs, "Assignments, experience, coaching or learning", review.MaxPlanText, true, true),
		options,
		note("A development check-in comes after an expectations check-in and a feedback check-in this year."),
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      developmentCallback,
		Title:           plain("Development plan", 24),
		Submit:          plain("Save", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: me.ID, Year: int(year.Year)}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func (h *handlers) developmentSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	f, err := h.reload(ctx, s, review.EditPlan)
	if err != nil {
		return nil, err
	}
	form := review.PlanForm{
		LongTerm:  textValue(s.View, review.FieldLongTerm),
		ShortTerm: textValue(s.View, review.FieldShortTerm),
		Needs:     textValue(s.View, review.FieldNeeds),
	}
	for _, o := range s.View.State.Values[review.FieldOptions]["check"].SelectedOptions {
		form.Share = form.Share || o.Value == "share"
		form.AskForCheckIn = form.AskForCheckIn || o.Value == "ask"
	}
	plan, err := review.PlanDevelopmentPlan(f.year, form)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	var notify storage.Notify
	if form.AskForCheckIn {
		manager, err := f.targetsManager()
		if err != nil {
			return nil, err
		}
		notify = func(saved review.YearState) ([]storage.Notification, error) {
			payload, err := developmentRequestDM(f.target, plan)
			return []storage.Notification{{Key: "development:" + once(s), Recipient: manager.SlackID, Kind: "development", Payload: payload}}, err
		}
	}
	change := storage.Change{Actor: f.actor, Action: review.EditPlan, Once: once(s), Notify: notify, Blind: true}
	if _, err := h.Store.SaveDevelopmentPlan(ctx, change, f.target, f.year.Year, plan, form.AskForCheckIn); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

// developmentRequestDM asks the manager for a development check-in, with
// the employee's plan and a button to log it.
func developmentRequestDM(employee review.Person, plan review.DevelopmentPlan) ([]byte, error) {
	text := fmt.Sprintf("%s would like a development check-in with you.", esc(employee.Name))
	blocks := []slack.Block{section("*" + text + "*\nHere is their plan; once you've met, log the check-in.")}
	for _, part := range []struct{ label, text string }{
		{"Long-term goals", plan.LongTerm}, {"Short-term goals", plan.ShortTerm}, {"What would help", plan.Needs},
	} {
		if part.text != "" {
			blocks = append(blocks, section("*"+part.label+":* "+esc(part.text)))
		}
	}
	blocks = append(blocks, slack.NewActionBlock("", button("Log a development check-in", developmentAction, strconv.FormatInt(employee.ID, 10), true)))
	return scheduler.EncodePayload(text, blocks)
}
