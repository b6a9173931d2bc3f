package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Identifiers of appeals: the employee files one, central HR decides it.
const (
	appealAction       = "review_appeal" // value: the fiscal year
	appealCallback     = "review_appeal"
	appealsCallback    = "appeals"
	decideAction       = "appeal_decide" // value: the appeal id
	decideCallback     = "appeal_decide"
	appealsShown       = 40
	appealButtonsLabel = "Appeal"
)

func (h *handlers) registerAppeal(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "appeals",
		Usage:   r.Slash() + " appeals",
		Summary: "the open appeals of ratings, with their hearing dates; record a hearing and its decision",
		For:     bot.HR,
		Handle:  h.appealsCommand,
	})
	r.Action(appealAction, h.appealClicked)
	r.Submit(appealCallback, h.appealSubmit)
	r.Action(decideAction, h.decideClicked)
	r.Submit(decideCallback, h.decideSubmit)
}

// appealNote says, under an appealable released rating, until when it may
// be appealed.
func (h *handlers) appealNote(y review.YearState) (text string, open bool) {
	w := y.WrapUp
	if !w.Released() || !h.Scale.Appealable(w.Rating) {
		return "", false
	}
	closes := review.DefaultYearEnd.AppealCloses(h.Holidays, w.AppealNotice(h.Cal.Loc))
	if h.Cal.Today(h.Clock.Now()).After(closes) {
		return fmt.Sprintf("The time to appeal this rating closed on %s.", closes.Human()), false
	}
	from := "your conversation"
	if w.MeritNoticeOn.After(review.DateOf(w.HeldAt.In(h.Cal.Loc))) {
		from = "your merit notice"
	}
	return fmt.Sprintf("If you think this rating is wrong, you can appeal it to central HR until %s (%d workdays after %s). HR holds a hearing and decides.",
		closes.Human(), review.DefaultYearEnd.AppealWindow, from), true
}

// appealClicked opens the appeal form for the employee's own rating of
// the year the button names.
func (h *handlers) appealClicked(ctx context.Context, a *bot.Action) {
	actor, y, err := h.sayYear(ctx, a.User.ID, a.Action.Value)
	if err == nil {
		_, err = review.DefaultYearEnd.PlanAppeal(h.Holidays, h.Cal, h.Scale, y.WrapUp, h.Cal.Today(h.Clock.Now()), "-")
	}
	if err == nil {
		var mine []storage.AppealCase
		if mine, err = h.Store.AppealsOf(ctx, actor.Person.ID, y.Year); err == nil && len(mine) > 0 {
			err = review.Errorf(review.ECONFLICT, "You appealed this rating on %s. HR will hold a hearing by %s.", mine[0].FiledOn.Human(), mine[0].HearingDue.Human())
		}
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "appeal")})
		return
	}
	name, _ := ratingText(h.Scale, y.WrapUp.Rating)
	h.openModal(ctx, a, a.TriggerID, slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      appealCallback,
		Title:           plain("Appeal your rating", 24),
		Submit:          plain("Send the appeal", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: actor.Person.ID, Year: int(y.Year)}.String(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("You're appealing your %s rating, *%s*, to central HR. They'll hold a hearing with you and decide: the rating stays, or changes.", y.Year, name)),
			textInput(review.FieldAppealReasons, "Why should it change?", "", "What the rating missed, with examples", review.MaxWrapUpText, true, false),
		}},
	}, false)
}

func (h *handlers) appealSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	m, err := parseMeta(s.View.PrivateMetadata)
	if err != nil {
		return nil, err
	}
	f, err := h.reloadFor(ctx, s, review.AppealRating, review.FiscalYear(m.Year))
	if err != nil {
		return nil, err
	}
	today := h.Cal.Today(h.Clock.Now())
	reasons := textValue(s.View, review.FieldAppealReasons)
	change := storage.Change{Actor: f.actor, Action: review.AppealRating, Once: once(s)}
	a, err := h.Store.FileAppeal(ctx, change, f.target, f.year.Year, func(w *review.WrapUp) (review.Appeal, error) {
		return review.DefaultYearEnd.PlanAppeal(h.Holidays, h.Cal, h.Scale, w, today, reasons)
	})
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	h.tellHRAboutAppeal(ctx, f.target, a)
	return slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{
		Type:  slack.VTModal,
		Title: plain("Appeal sent", 24),
		Close: plain("Done", 24),
		Blocks: slack.Blocks{BlockSet: []slack.Block{section(fmt.Sprintf("Your appeal is with central HR. They'll hold a hearing with you by %s and tell you what they decide.",
			a.HearingDue.Human()))}},
	}), nil
}

// tellHRAboutAppeal DMs every HR person but the one appealing: who
// appealed, and by when the hearing is due.
func (h *handlers) tellHRAboutAppeal(ctx context.Context, who review.Person, a review.Appeal) {
	ids, emails := h.HR.Entries()
	hr, err := h.Store.HRPeople(ctx, emails)
	if err != nil {
		h.Log.Warn("HR to tell about an appeal", "err", err)
	}
	to := map[string]bool{}
	for _, p := range hr {
		if h.HR.Actor(p.SlackID, &p).HRFor(who.Unit) {
			to[p.SlackID] = true
		}
	}
	for _, id := range ids {
		to[id] = true
	}
	delete(to, who.SlackID)
	text := fmt.Sprintf("%s appealed their %s rating.", esc(who.Name), a.Year)
	payload, err := scheduler.EncodePayload(text, []slack.Block{
		section(fmt.Sprintf("*%s*\nThe hearing is due by %s. `/perform appeals` lists the open appeals; record the hearing and the decision there.", text, a.HearingDue.Human())),
	})
	if err != nil {
		h.Log.Warn("appeal DM", "err", err)
		return
	}
	var ns []storage.Notification
	for id := range to {
		ns = append(ns, storage.Notification{Key: fmt.Sprintf("appeal:%d:%s", a.ID, id), Recipient: id, Kind: "appeal", Payload: payload})
	}
	if err := h.Store.Enqueue(ctx, ns); err != nil {
		h.Log.Warn("appeal DMs", "err", err)
		return
	}
	h.Wake()
}

// appealsCommand lists the open appeals for HR.
func (h *handlers) appealsCommand(ctx context.Context, c *bot.Command) {
	actor, err := h.hrActor(ctx, c.UserID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "appeals")})
		return
	}
	all, err := h.Store.Appeals(ctx, 0, true)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "appeals")})
		return
	}
	var open []storage.AppealCase
	for _, a := range all {
		if actor.HRFor(a.Person.Unit) {
			open = append(open, a)
		}
	}
	if len(open) == 0 {
		c.Reply(ctx, bot.Message{Text: "No appeals are open."})
		return
	}
	c.Ack()
	h.openModal(ctx, c, c.TriggerID, h.appealsView(open, review.CanDecideAppeal(actor) == nil), false)
}

func (h *handlers) appealsView(open []storage.AppealCase, decides bool) slack.ModalViewRequest {
	today := h.Cal.Today(h.Clock.Now())
	intro := fmt.Sprintf("*%s open.* Hold each hearing by its date, then record it and the decision.", plural(len(open), "appeal", "appeals"))
	if !decides {
		intro = fmt.Sprintf("*%s open* in your part of the organisation. Central HR (HRD) holds the hearings and decides.", plural(len(open), "appeal", "appeals"))
	}
	blocks := []slack.Block{section(intro)}
	for i, a := range open {
		if i == appealsShown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more, due later.", len(open)-i)))
			break
		}
		name, _ := ratingText(h.Scale, a.Rating)
		due := "hearing due by " + a.HearingDue.Human()
		if today.After(a.HearingDue) {
			due = "⚠️ hearing overdue since " + a.HearingDue.Human()
		}
		line := fmt.Sprintf("*%s* · %s · %s %s\nAppealed on %s · %s\n%s", esc(a.Person.Name), esc(a.Person.Unit), a.Year, name, a.FiledOn.Human(), due, quote(a.Reasons))
		if !decides {
			blocks = append(blocks, section(line))
			continue
		}
		blocks = append(blocks, sectionWith(line, button("Decide", decideAction, strconv.FormatInt(a.ID, 10), false)))
	}
	return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: appealsCallback, Title: plain("Appeals", 24), Close: plain("Close", 24),
		Blocks: slack.Blocks{BlockSet: blocks}}
}

type appealMeta struct {
	ID int64 `json:"a"`
}

// decideClicked pushes the decision form of an appeal.
func (h *handlers) decideClicked(ctx context.Context, a *bot.Action) {
	actor, err := h.hrActor(ctx, a.User.ID)
	if err == nil {
		err = review.CanDecideAppeal(actor)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "appeal")})
		return
	}
	id, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	open, err := h.Store.Appeals(ctx, 0, true)
	var c *storage.AppealCase
	for i := range open {
		if open[i].ID == id {
			c = &open[i]
		}
	}
	if err == nil && c == nil {
		err = review.Errorf(review.ECONFLICT, "That appeal is decided already.")
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "appeal")})
		return
	}
	var ratings []*slack.OptionBlockObject
	for _, r := range h.Scale.Ratings {
		if r.Key != c.Rating {
			ratings = append(ratings, slack.NewOptionBlockObject(r.Key, plain(r.Name, 75), nil))
		}
	}
	outcome := slack.NewRadioButtonsBlockElement("pick",
		slack.NewOptionBlockObject(review.AppealUpheld, plain("Upheld: the rating stays", 75), nil),
		slack.NewOptionBlockObject(review.AppealChanged, plain("Changed: a new rating", 75), nil))
	newRating := slack.NewInputBlock(review.FieldNewRating, plain("The new rating (if changed)", 2000), nil,
		slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick a rating", 150), "pick", ratings...))
	newRating.Optional = true
	name, _ := ratingText(h.Scale, c.Rating)
	b, _ := json.Marshal(appealMeta{ID: c.ID})
	h.openModal(ctx, a, a.TriggerID, slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      decideCallback,
		Title:           plain("Decide the appeal", 24),
		Submit:          plain("Record", 24),
		Close:           plain("Back", 24),
		PrivateMetadata: string(b),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("*%s*'s appeal of their %s rating, *%s*, sent on %s.\n%s", esc(c.Person.Name), c.Year, name, c.FiledOn.Human(), quote(c.Reasons))),
			dateInput(review.FieldHearingOn, "Day of the hearing", review.Date{}, false),
			slack.NewInputBlock(review.FieldOutcome, plain("Decision", 2000), nil, outcome),
			newRating,
		}},
	}, true)
}

func (h *handlers) decideSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	actor, err := h.hrActor(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	var m appealMeta
	if err := json.Unmarshal([]byte(s.View.PrivateMetadata), &m); err != nil || m.ID == 0 {
		return nil, review.Errorf(review.EINVALID, "This form is damaged. Please close it and open it again.")
	}
	vals := s.View.State.Values
	hearing, _ := review.ParseDate(vals[review.FieldHearingOn]["date"].SelectedDate)
	outcome := vals[review.FieldOutcome]["pick"].SelectedOption.Value
	newRating := vals[review.FieldNewRating]["pick"].SelectedOption.Value
	today := h.Cal.Today(h.Clock.Now())
	_, err = h.Store.DecideAppeal(ctx, actor, m.ID, func(a review.Appeal) (review.Appeal, error) {
		return review.PlanDecision(a, h.Scale, today, hearing, outcome, newRating)
	}, h.decidedNotify)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	h.Wake()
	open, err := h.Store.Appeals(ctx, 0, true)
	if err != nil || len(open) == 0 {
		return slack.NewClearViewSubmissionResponse(), nil
	}
	// Back to the list, without the one decided.
	if _, err := h.Slack.UpdateViewContext(ctx, h.appealsView(open, true), "", "", s.View.PreviousViewID); err != nil {
		h.Log.Warn("refresh the appeals list", "err", err)
	}
	return nil, nil
}

// decidedNotify tells the employee what HR decided and, for a changed
// rating, the manager who gave it that the new one waits for their
// conversation.
func (h *handlers) decidedNotify(c storage.AppealCase) ([]storage.Notification, error) {
	var ns []storage.Notification
	text := fmt.Sprintf("HR has decided your appeal of your %s rating.", c.Year)
	body := "*" + text + "*\nThe rating stays as it was."
	if c.Outcome == review.AppealChanged {
		name, _ := ratingText(h.Scale, c.NewRating)
		body = fmt.Sprintf("*%s*\nYour rating is now *%s*. %s will talk it through with you, and then you'll see your review again here.", text, name, esc(c.Rater.Name))
	}
	payload, err := scheduler.EncodePayload(text, []slack.Block{section(body)})
	if err != nil {
		return nil, err
	}
	ns = append(ns, storage.Notification{Key: fmt.Sprintf("appeal-decided:%d", c.ID), Recipient: c.Person.SlackID, Kind: "appeal", Payload: payload})
	if c.Outcome == review.AppealChanged && c.Rater.SlackID != "" && c.Rater.Active {
		name, _ := ratingText(h.Scale, c.NewRating)
		text := fmt.Sprintf("HR changed %s's %s rating to %s after their appeal.", esc(c.Person.Name), c.Year, name)
		payload, err := scheduler.EncodePayload(text, []slack.Block{
			sectionWith("*"+text+"*\nTalk it through with them again, then mark it held: that's when they'll see it.",
				button("Conversation held", heldAction, strconv.FormatInt(c.Person.ID, 10), false)),
		})
		if err != nil {
			return nil, err
		}
		ns = append(ns, storage.Notification{Key: fmt.Sprintf("appeal-changed:%d", c.ID), Recipient: c.Rater.SlackID, Kind: "appeal", Payload: payload})
	}
	return ns, nil
}

// appealStatus is where the employee's appeal stands, in a line.
func appealStatus(a storage.AppealCase) string {
	if a.Open() {
		return fmt.Sprintf("You appealed this rating on %s; HR holds a hearing by %s.", a.FiledOn.Human(), a.HearingDue.Human())
	}
	if a.Outcome == review.AppealChanged {
		return fmt.Sprintf("After your appeal, HR changed this rating on %s.", a.DecidedOn.Human())
	}
	return fmt.Sprintf("After your appeal, HR kept this rating on %s.", a.DecidedOn.Human())
}
