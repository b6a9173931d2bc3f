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

// Identifiers of the hand-off surface.
const (
	handoffCallback = "handoff"
	handoffAction   = "handoff_open" // button value: the person who moved
	maxHandoffText  = 2000
)

func (h *handlers) registerHandoff(r *bot.Router) {
	r.Action(handoffAction, h.handoffButton)
	r.Submit(handoffCallback, h.handoffSubmit)
}

// HandoffRequest is the message asking from, someone's former manager, for
// a note to their new manager to. The roster import sends it when it moves
// someone.
func HandoffRequest(employee, from, to review.Person) (storage.Notification, error) {
	text := fmt.Sprintf("%s now reports to %s. Would you leave %s a short hand-off note?", esc(employee.Name), esc(to.Name), esc(to.Name))
	blocks := []slack.Block{
		section("*" + text + "*\nWhere things stand, what was agreed, what's next: it helps the year carry on. Their expectations, goals and check-ins stay with them."),
		slack.NewActionBlock("", button("Write a hand-off note", handoffAction, strconv.FormatInt(employee.ID, 10), true)),
	}
	payload, err := scheduler.EncodePayload(text, blocks)
	return storage.Notification{
		Key:       fmt.Sprintf("handoff:%d:%s:%s", employee.ID, from.SlackID, to.SlackID),
		Recipient: from.SlackID, Kind: "handoff", Payload: payload,
	}, err
}

// handoffSubject loads who moved, from whom to whom, for the clicker, who
// must be the manager they moved from.
func (h *handlers) handoffSubject(ctx context.Context, slackID string, personID int64) (review.Actor, storage.Handoff, review.Person, review.Person, error) {
	var employee, to review.Person
	actor, err := h.actor(ctx, slackID)
	if err != nil {
		return actor, storage.Handoff{}, employee, to, err
	}
	ho, err := h.Store.LatestHandoff(ctx, personID)
	if err != nil || actor.Person == nil || ho.OldManagerID != actor.Person.ID || ho.NewManagerID == 0 {
		return actor, ho, employee, to, review.Errorf(review.EFORBIDDEN, "Only the manager they moved from can leave a hand-off note about them.")
	}
	if employee, err = h.Store.PersonByID(ctx, personID); err == nil {
		to, err = h.Store.PersonByID(ctx, ho.NewManagerID)
	}
	return actor, ho, employee, to, err
}

func (h *handlers) handoffButton(ctx context.Context, a *bot.Action) {
	pid, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	_, ho, employee, to, err := h.handoffSubject(ctx, a.User.ID, pid)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "handoff")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, handoffModal(employee, to, ho), false)
}

func handoffModal(employee, to review.Person, ho storage.Handoff) slack.ModalViewRequest {
	blocks := []slack.Block{
		section(fmt.Sprintf("*%s now reports to %s.*\nLeave %s a note: where things stand, what was agreed, what's next.", esc(employee.Name), esc(to.Name), esc(to.Name))),
		textInput("note", "Your note for "+to.Name, ho.Note, "", maxHandoffText, true, false),
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      handoffCallback,
		Title:           plain("Hand-off note", 24),
		Submit:          plain("Send", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: employee.ID, Year: int(review.FiscalYearOf(ho.Effective))}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func (h *handlers) handoffSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	m, err := parseMeta(s.View.PrivateMetadata)
	if err != nil {
		return nil, err
	}
	actor, _, employee, to, err := h.handoffSubject(ctx, s.User.ID, m.Person)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(textValue(s.View, "note"))
	switch {
	case note == "":
		return fieldErrors(map[string]string{"note": "Write a line or two, or close this if there's nothing to hand over."}, func(k string) string { return k }, s.View), nil
	case tooLongText(note, maxHandoffText) != "":
		return fieldErrors(map[string]string{"note": tooLongText(note, maxHandoffText)}, func(k string) string { return k }, s.View), nil
	}
	from := actor.Person.Name
	notify := func(storage.Handoff) ([]storage.Notification, error) {
		text := fmt.Sprintf("%s left you a hand-off note about %s.", esc(from), esc(employee.Name))
		payload, err := scheduler.EncodePayload(text, []slack.Block{section("*" + text + "*"), section(esc(note))})
		return []storage.Notification{{Key: "handoff-note:" + once(s), Recipient: to.SlackID, Kind: "handoff", Payload: payload}}, err
	}
	if _, err := h.Store.SaveHandoffNote(ctx, actor, employee.ID, note, notify); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}
