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

// Identifiers of the employee's say about their released review.
const (
	ackAction        = "review_ack"     // value: the fiscal year
	respondAction    = "review_respond" // value: the fiscal year
	responseCallback = "review_response"
)

func (h *handlers) registerSay(r *bot.Router) {
	r.Action(ackAction, h.ackClicked)
	r.Action(respondAction, h.respondClicked)
	r.Submit(responseCallback, h.responseSubmit)
}

// finalReviewBlocks is the whole final review as the employee sees it once
// released: the rating, the manager's answers and comments, and the plan.
func finalReviewBlocks(manager string, y review.YearState, scale review.Scale) []slack.Block {
	w := y.WrapUp
	name, meaning := ratingText(scale, w.Rating)
	blocks := []slack.Block{section(fmt.Sprintf("*Your %s rating: %s*\n%s\nYou talked it through with %s.", y.Year, name, meaning, esc(manager)))}
	answers := map[string]bool{}
	known := map[string]bool{}
	for _, a := range w.Answers {
		answers[a.Question], known[a.Question] = a.Yes, true
	}
	var lines []string
	for _, q := range review.WrapUpQuestions {
		if known[q.Key] {
			lines = append(lines, fmt.Sprintf("• *%s* %s", yesNo(answers[q.Key]), esc(q.Text)))
		}
	}
	if len(lines) > 0 {
		blocks = append(blocks, section("*Your manager's answers*\n"+strings.Join(lines, "\n")))
	}
	if w.Comments != "" {
		blocks = append(blocks, section("*Your manager's comments*\n"+quote(w.Comments)))
	}
	if w.DevelopmentNote != "" {
		blocks = append(blocks, section("*Your short-term development plan*\n"+quote(w.DevelopmentNote)))
	}
	return blocks
}

// sayActions are the employee's buttons under their released review, and
// what they have said so far; respond: the response window is open;
// appeal: what to say about appealing ("" for a rating that can't be), and
// whether the appeal button shows.
func sayActions(y review.YearState, respond bool, appeal string, appealOpen bool) []slack.Block {
	w := y.WrapUp
	fy := strconv.Itoa(int(y.Year))
	var blocks []slack.Block
	if w.Response != "" {
		blocks = append(blocks, section("*Your response*\n"+quote(w.Response)))
	}
	var buttons []slack.BlockElement
	if w.AcknowledgedAt.IsZero() {
		buttons = append(buttons, button("I've seen it", ackAction, fy, true))
	}
	if respond {
		label := "Write a response"
		if w.Response != "" {
			label = "Change your response"
		}
		buttons = append(buttons, button(label, respondAction, fy, false))
	}
	if appealOpen {
		buttons = append(buttons, button(appealButtonsLabel, appealAction, fy, false))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("say_actions", buttons...))
	}
	var msg []string
	if w.AcknowledgedAt.IsZero() {
		msg = append(msg, "Saying you've seen it doesn't mean you agree.")
	}
	if respond {
		msg = append(msg, "You can add a written response within 10 workdays of your conversation: your manager, their manager and HR will read it with your review.")
	}
	if appeal != "" {
		msg = append(msg, appeal)
	}
	if len(msg) > 0 {
		blocks = append(blocks, note(strings.Join(msg, " ")))
	}
	return blocks
}

// sayYear loads the employee's released review of the year a button or
// form names.
func (h *handlers) sayYear(ctx context.Context, userID, value string) (review.Actor, review.YearState, error) {
	actor, err := h.actor(ctx, userID)
	if err != nil {
		return actor, review.YearState{}, err
	}
	if !actor.OnRoster() {
		return actor, review.YearState{}, review.NotOnRoster
	}
	fy, _ := strconv.Atoi(value)
	y, err := h.Store.Year(ctx, actor.Person.ID, review.FiscalYear(fy))
	return actor, y, err
}

// ackClicked records that the employee has seen their released review.
func (h *handlers) ackClicked(ctx context.Context, a *bot.Action) {
	actor, y, err := h.sayYear(ctx, a.User.ID, a.Action.Value)
	if err == nil {
		change := storage.Change{Actor: actor, Action: review.Acknowledge}
		y, err = h.Store.AcknowledgeReview(ctx, change, *actor.Person, y.Year)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "acknowledge")})
		return
	}
	a.Reply(ctx, bot.Message{Text: fmt.Sprintf("Noted: you've seen your %s review. You can still write a response until %s.",
		y.Year, review.DefaultYearEnd.ResponseCloses(h.Holidays, review.DateOf(y.WrapUp.HeldAt.In(h.Cal.Loc))).Human())})
	h.publishHomeAt(ctx, a.User.ID, 0, 0) // its button goes
}

// respondClicked opens the response form, with what the employee wrote
// before.
func (h *handlers) respondClicked(ctx context.Context, a *bot.Action) {
	actor, y, err := h.sayYear(ctx, a.User.ID, a.Action.Value)
	if err == nil {
		_, err = review.DefaultYearEnd.PlanResponse(h.Holidays, h.Cal, y.WrapUp, h.Cal.Today(h.Clock.Now()), "-")
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "respond")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, responseModal(*actor.Person, y), false)
}

func responseModal(me review.Person, y review.YearState) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      responseCallback,
		Title:           plain("Your response", 24),
		Submit:          plain("Send", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: me.ID, Year: int(y.Year)}.String(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("Anything you'd like kept with your %s review? Your manager, their manager and HR will read it next to the review.", y.Year)),
			textInput(review.FieldResponse, "Your response", y.WrapUp.Response, "", review.MaxWrapUpText, true, false),
		}},
	}
}

func (h *handlers) responseSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	m, err := parseMeta(s.View.PrivateMetadata)
	if err != nil {
		return nil, err
	}
	f, err := h.reloadFor(ctx, s, review.Acknowledge, review.FiscalYear(m.Year))
	if err != nil {
		return nil, err
	}
	today := h.Cal.Today(h.Clock.Now())
	text := textValue(s.View, review.FieldResponse)
	var rater review.Person
	if f.year.WrapUp.Rated() {
		if rater, err = h.Store.PersonByID(ctx, f.year.WrapUp.RaterID); err != nil && review.ErrorCode(err) != review.ENOTFOUND {
			return nil, err
		}
	}
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		if rater.SlackID == "" || !rater.Active {
			return nil, nil
		}
		payload, err := responseDM(f.target.Name, saved)
		return []storage.Notification{{
			Key: fmt.Sprintf("response:%d:%d:%d", f.target.ID, saved.Year, saved.WrapUp.RespondedAt.UnixNano()), Recipient: rater.SlackID, Kind: "response", Payload: payload,
		}}, err
	}
	change := storage.Change{Actor: f.actor, Action: review.Acknowledge, Once: once(s), Notify: notify}
	_, err = h.Store.SaveResponse(ctx, change, f.target, f.year.Year, func(w *review.WrapUp) (string, error) {
		return review.DefaultYearEnd.PlanResponse(h.Holidays, h.Cal, w, today, text)
	})
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

// responseDM tells the manager who gave the rating what the employee wrote.
func responseDM(employee string, y review.YearState) ([]byte, error) {
	text := fmt.Sprintf("%s responded to their %s review.", esc(employee), y.Year)
	return scheduler.EncodePayload(text, []slack.Block{section("*" + text + "*\n" + quote(y.WrapUp.Response)), note("It's kept with their review, and HR sees it in the compliance export.")})
}
