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

// Identifiers of the confirmation surface.
const (
	confirmCallback = "confirm"
	confirmAction   = "checkin_confirm" // button value: the check-in id
)

func (h *handlers) registerConfirm(r *bot.Router) {
	r.Action(confirmAction, h.confirmButton)
	r.Submit(confirmCallback, h.confirmSubmit)
}

// confirmButton opens the confirmation of the check-in the button names,
// for the employee whose check-in it is.
func (h *handlers) confirmButton(ctx context.Context, a *bot.Action) {
	actor, err := h.actor(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "confirm")})
		return
	}
	id, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	ref, err := h.Store.CheckInByID(ctx, id)
	if err != nil || actor.Person == nil || ref.PersonID != actor.Person.ID {
		a.Reply(ctx, bot.Message{Text: "That button is for the person the check-in was with."})
		return
	}
	if err := review.Can(actor, review.ConfirmCheckIn, *actor.Person); err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "confirm")})
		return
	}
	if ref.CheckIn.Confirmation != nil {
		a.Reply(ctx, bot.Message{Text: esc(review.AlreadyConfirmed.Message)})
		return
	}
	manager, err := h.Store.PersonByID(ctx, ref.CheckIn.ManagerID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "confirm")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, confirmModal(*actor.Person, manager, ref), false)
}

// confirmModal asks the employee to confirm a check-in: on the year's
// first, the three questions and their feedback; later, feedback only if
// they like.
func confirmModal(me, manager review.Person, ref storage.CheckInRef) slack.ModalViewRequest {
	c := ref.CheckIn
	mgr := esc(manager.Name)
	blocks := []slack.Block{section(fmt.Sprintf("*Your check-in with %s on %s*\nIt covered %s.", mgr, c.HeldOn.Human(), strings.Join(c.Topics(), ", ")))}
	if c.First {
		blocks = append(blocks, questionInputs(review.FirstCheckInQuestions, nil)...)
		blocks = append(blocks, withHint(textInput(review.FieldFeedback, "Your feedback for "+manager.Name, "", "How did the conversation go for you?", review.MaxCheckInText, true, false),
			fmt.Sprintf("%s will see it. Answering No is fine: it is recorded as you give it.", manager.Name)))
	} else {
		blocks = append(blocks, textInput(review.FieldFeedback, "Anything to tell "+manager.Name+"? (optional)", "", "", review.MaxCheckInText, true, true))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      confirmCallback,
		Title:           plain("Confirm check-in", 24),
		Submit:          plain("Confirm", 24),
		Close:           plain("Not now", 24),
		PrivateMetadata: meta{Person: me.ID, Year: int(ref.Year), CheckIn: c.ID}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func (h *handlers) confirmSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	fy, err := h.formYear(ctx, s)
	if err != nil {
		return nil, err
	}
	f, err := h.reloadFor(ctx, s, review.ConfirmCheckIn, fy)
	if err != nil {
		return nil, err
	}
	var c review.CheckIn
	for _, x := range f.year.CheckIns {
		if x.ID == f.meta.CheckIn {
			c = x
		}
	}
	if c.ID == 0 {
		return nil, review.StaleForm
	}
	form := review.ConfirmForm{Feedback: textValue(s.View, review.FieldFeedback), Answers: questionAnswers(s.View, review.FirstCheckInQuestions)}
	conf, err := review.PlanConfirmation(c, form)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	manager, err := h.Store.PersonByID(ctx, c.ManagerID)
	if err != nil {
		return nil, err
	}
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		payload, err := confirmedDM(f.target.Name, c, conf)
		return []storage.Notification{{
			Key: fmt.Sprintf("confirmed:%d", c.ID), Recipient: manager.SlackID, Kind: "confirmation", Payload: payload,
		}}, err
	}
	change := storage.Change{Actor: f.actor, Action: review.ConfirmCheckIn, Once: once(s), Notify: notify, Blind: true}
	if _, err := h.Store.SaveConfirmation(ctx, change, f.target, f.year.Year, conf); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

func ptr[T any](v T) *T { return &v }

// confirmedDM tells the manager the employee confirmed, with their
// feedback and any No answers.
func confirmedDM(employee string, c review.CheckIn, conf review.Confirmation) ([]byte, error) {
	text := fmt.Sprintf("%s confirmed your check-in of %s.", esc(employee), c.HeldOn.Human())
	blocks := []slack.Block{section("*" + text + "*")}
	if conf.FeedbackForManager != "" {
		blocks = append(blocks, section("*Their feedback for you:* "+esc(conf.FeedbackForManager)))
	}
	var noes []string
	for _, a := range conf.Answers {
		if !a.Yes {
			noes = append(noes, "• "+review.QuestionText(a.Stage, a.Question))
		}
	}
	if len(noes) > 0 {
		blocks = append(blocks, section("*They answered No to:*\n"+strings.Join(noes, "\n")),
			note("A No is recorded as given and shows in HR's compliance report. Talking it through at your next check-in helps."))
	}
	return scheduler.EncodePayload(text, blocks)
}
