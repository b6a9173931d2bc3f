package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

const cadenceCallback = "cadence"

func (h *handlers) registerCadence(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:      "cadence",
		Usage:     r.Slash() + " cadence @employee",
		Summary:   "change how often you check in with someone who reports to you",
		For:       bot.Managers,
		Handle:    h.commandForm(review.SetCadence, "/perform cadence @Eli", h.cadenceForm),
		OpensForm: true,
	})
	r.Submit(cadenceCallback, h.cadenceSubmit)
}

// cadenceForm is the form for changing target's cadence.
func (h *handlers) cadenceForm(ctx context.Context, _ review.Actor, target review.Person) (slack.ModalViewRequest, error) {
	year, err := h.Store.Year(ctx, target.ID, h.year())
	return cadenceModal(target, year), err
}

// cadenceModal changes the cadence, with a reason for the history.
func cadenceModal(target review.Person, year review.YearState) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	for _, c := range review.CadenceChoices {
		if c != year.Cadence {
			opts = append(opts, slack.NewOptionBlockObject(c.String(), plain(c.Label(), 75), nil))
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick one", 150), "pick", opts...)
	blocks := []slack.Block{
		section(fmt.Sprintf("*How often you check in with %s* · %s\nNow: *%s*. Never less than once a quarter.", esc(target.Name), year.Year, strings.ToLower(year.Cadence.Label()))),
		slack.NewInputBlock(review.FieldCadence, plain("From now on", 2000), nil, sel),
		textInput("reason", "Why the change?", "", "e.g. a big project starting in March", review.MaxReasonText, true, false),
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      cadenceCallback,
		Title:           plain("Check-in cadence", 24),
		Submit:          plain("Save", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: target.ID, Year: int(year.Year)}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func (h *handlers) cadenceSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	f, err := h.reload(ctx, s, review.SetCadence)
	if err != nil {
		return nil, err
	}
	next, err := review.ParseCadence(s.View.State.Values[review.FieldCadence]["pick"].SelectedOption.Value)
	if err != nil {
		return fieldErrors(map[string]string{review.FieldCadence: "Pick a cadence from the list."}, func(k string) string { return k }, s.View), nil
	}
	reason, err := review.PlanCadence(f.year.Cadence, next, textValue(s.View, "reason"))
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	manager := f.actor.Person.Name
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		text := fmt.Sprintf("%s changed how often you check in: %s from now on.", esc(manager), strings.ToLower(next.Label()))
		payload, err := scheduler.EncodePayload(text, []slack.Block{section("*" + text + "*\n*Why:* " + esc(reason))})
		return []storage.Notification{{Key: "cadence:" + once(s), Recipient: f.target.SlackID, Kind: "cadence", Payload: payload}}, err
	}
	change := storage.Change{Actor: f.actor, Action: review.SetCadence, Once: once(s), Notify: notify, Blind: true}
	if _, err := h.Store.SaveCadence(ctx, change, f.target, f.year.Year, next, reason); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}
