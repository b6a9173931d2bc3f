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

// Identifiers of the expectations surface.
const (
	expectationsCallback = "expectations"
	expectationsAction   = "expectations_open" // button value: the employee's person id
	newExpectationSlots  = 3
)

func (h *handlers) registerExpectations(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:      "expectations",
		Usage:     r.Slash() + " expectations @employee",
		Summary:   "set or change what you expect of someone who reports to you this year",
		For:       bot.Managers,
		Handle:    h.commandForm(review.SetExpectations, "/perform expectations @Eli", h.expectationsView),
		OpensForm: true,
	})
	r.Action(expectationsAction, h.buttonForm(review.SetExpectations, h.expectationsView))
	r.Submit(expectationsCallback, h.expectationsSubmit)
}

// expectationsView builds the form for target, whom the caller has
// authorised the actor for.
func (h *handlers) expectationsView(ctx context.Context, _ review.Actor, target review.Person) (slack.ModalViewRequest, error) {
	year, err := h.Store.Year(ctx, target.ID, h.year())
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	return expectationsModal(target, year), nil
}

// expectationsModal is the manager's form: every active expectation,
// editable with a box to retire it, and blank rows for new ones.
func expectationsModal(target review.Person, year review.YearState) slack.ModalViewRequest {
	name := esc(target.Name)
	blocks := []slack.Block{section(fmt.Sprintf(
		"*Expectations for %s* · %s\nWhat do you expect of %s this year: key deliverables, behaviours, results? %s writes goals against each one.",
		name, year.Year, name, name))}
	for i, e := range year.Expectations {
		n := i + 1
		blocks = append(blocks,
			textInput(fmt.Sprintf("exp:%d", e.ID), fmt.Sprintf("Expectation %d", n), e.Text, "", review.MaxExpectationLength, true, false),
			checkbox(fmt.Sprintf("retire:%d", e.ID), fmt.Sprintf("Retire expectation %d?", n), "Yes, it no longer applies"))
	}
	slots := min(newExpectationSlots, review.MaxExpectations-len(year.Expectations))
	for i := range slots {
		label := "Another expectation"
		if len(year.Expectations) == 0 && i == 0 {
			label = "Expectation 1"
		}
		placeholder := ""
		if i == 0 {
			placeholder = "e.g. Cut the average permit review to 10 working days"
		}
		blocks = append(blocks, textInput(fmt.Sprintf("new:%d", i), label, "", placeholder, review.MaxExpectationLength, true, !(len(year.Expectations) == 0 && i == 0)))
	}
	if slots == 0 {
		blocks = append(blocks, note(fmt.Sprintf("A review holds up to %d expectations; retire one to add another.", review.MaxExpectations)))
	}
	blocks = append(blocks, note("Retired expectations leave the review; their history is kept."))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      expectationsCallback,
		Title:           plain("Expectations", 24),
		Submit:          plain("Save", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: target.ID, Year: int(year.Year)}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// expectationEdits reads the form in block order, with the block each edit
// came from so that field errors land next to it.
func expectationEdits(v slack.View) (edits []review.ExpectationEdit, blocks []string) {
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		kind, rest, _ := strings.Cut(in.BlockID, ":")
		switch kind {
		case "exp":
			id, _ := strconv.ParseInt(rest, 10, 64)
			edits = append(edits, review.ExpectationEdit{ID: id, Text: textValue(v, in.BlockID), Retire: checked(v, "retire:"+rest)})
			blocks = append(blocks, in.BlockID)
		case "new":
			edits = append(edits, review.ExpectationEdit{Text: textValue(v, in.BlockID)})
			blocks = append(blocks, in.BlockID)
		}
	}
	return edits, blocks
}

func (h *handlers) expectationsSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	f, err := h.reload(ctx, s, review.SetExpectations)
	if err != nil {
		return nil, err
	}
	actor, target, current, fy := f.actor, f.target, f.year, f.year.Year
	edits, blockOf := expectationEdits(s.View)
	ch, err := review.PlanExpectations(current.Expectations, edits)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string {
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(blockOf) {
				return ""
			}
			return blockOf[i]
		}, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	if ch.Empty() {
		return nil, nil
	}
	first := current.ReviewID == 0 || len(current.Expectations) == 0
	notify := func(saved review.YearState) ([]storage.Notification, error) {
		payload, err := expectationsDM(actor.Person.Name, saved, first, h.Cal.Due(saved, h.Clock.Now()))
		if err != nil {
			return nil, err
		}
		return []storage.Notification{{
			Key:       fmt.Sprintf("expectations:%d:%s:%s", saved.ReviewID, s.View.ID, s.View.Hash),
			Recipient: target.SlackID,
			Kind:      "expectations",
			Payload:   payload,
		}}, nil
	}
	change := storage.Change{Actor: actor, Action: review.SetExpectations, Once: once(s), Notify: notify}
	if _, err := h.Store.SaveExpectations(ctx, change, target, fy, ch); err != nil {
		return nil, err
	}
	h.Wake()
	return nil, nil
}

// expectationsDM tells the employee what their manager expects, and by
// when goals are due for those that have none, with a button to write
// them.
func expectationsDM(manager string, year review.YearState, first bool, due []review.Item) ([]byte, error) {
	verb := "updated"
	if first {
		verb = "set"
	}
	text := fmt.Sprintf("%s %s your expectations for %s.", esc(manager), verb, year.Year)
	intro := fmt.Sprintf("*%s %s your expectations for %s.*", esc(manager), verb, year.Year)
	var by review.Date
	for _, it := range due {
		if it.Kind == review.ItemGoals && (by.IsZero() || it.DueBy.After(by)) {
			by = it.DueBy
		}
	}
	if !by.IsZero() {
		intro += fmt.Sprintf("\nWrite at least one goal for each of them by %s.", by.Human())
	}
	blocks := []slack.Block{section(intro)}
	for i, e := range year.Expectations {
		blocks = append(blocks, section(fmt.Sprintf("*%d.* %s", i+1, esc(e.Text))))
	}
	blocks = append(blocks, slack.NewActionBlock("", button("Add goals", goalsOpenAction, "open", true)))
	return scheduler.EncodePayload(text, blocks)
}

// fieldErrors turns a domain validation error into a submission ack that
// keeps the modal open with each message next to its field. blockFor maps
// a field key to a block id; keys it cannot place go on the first input.
func fieldErrors(fields map[string]string, blockFor func(string) string, v slack.View) *slack.ViewSubmissionResponse {
	first := ""
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			first = in.BlockID
			break
		}
	}
	out := map[string]string{}
	for k, msg := range fields {
		id := blockFor(k)
		if id == "" {
			id = first
		}
		if prev, ok := out[id]; ok {
			msg = prev + " " + msg
		}
		out[id] = msg
	}
	return slack.NewErrorsViewSubmissionResponse(out)
}
