package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the goals surfaces: a list of the employee's expectations
// with their goals (the root modal), and an editor per expectation pushed
// on top of it.
const (
	goalsCallback     = "goals"
	goalEditCallback  = "goal_edit"
	goalsOpenAction   = "goals_open" // opens the list (DM and Home buttons)
	goalsEditAction   = "goals_edit" // button value: the expectation id
	goalLineLength    = 200          // a goal's line in a list
	expectationInList = 300          // an expectation's text in a list
)

func (h *handlers) registerGoals(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:      "goals",
		Usage:     r.Slash() + " goals",
		Summary:   "write or update your goals for each of your expectations",
		For:       bot.Everyone,
		Handle:    h.goalsCommand,
		OpensForm: true,
	})
	r.Action(goalsOpenAction, h.goalsButton)
	r.Action(goalsEditAction, h.goalEditButton)
	r.Submit(goalEditCallback, h.goalEditSubmit)
	r.Submit(goalsCallback, h.goalsDone)
	r.Closed(goalsCallback, func(ctx context.Context, c *bot.Closed) { h.goalsFinished(ctx, c.User.ID, c.View) })
}

func (h *handlers) goalsCommand(ctx context.Context, c *bot.Command) {
	if _, _, ok := parseUser(c.Rest); ok {
		c.Reply(ctx, bot.Message{Text: "Goals are written by each employee, so `/perform goals` only opens your own."})
		return
	}
	view, err := h.goalsListFor(ctx, c.UserID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "goals")})
		return
	}
	h.openModal(ctx, c, c.TriggerID, view, false)
}

func (h *handlers) goalsButton(ctx context.Context, a *bot.Action) {
	view, err := h.goalsListFor(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "goals")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, view, false)
}

// goalsListFor authorises the user on their own review and builds the list.
func (h *handlers) goalsListFor(ctx context.Context, slackID string) (slack.ModalViewRequest, error) {
	me, year, err := h.ownYear(ctx, slackID)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	return h.goalsList(ctx, me, year)
}

// ownYear loads the actor's own review for this year, refusing anyone who
// may not edit goals on it.
func (h *handlers) ownYear(ctx context.Context, slackID string) (review.Person, review.YearState, error) {
	actor, err := h.actor(ctx, slackID)
	if err != nil {
		return review.Person{}, review.YearState{}, err
	}
	if actor.Person == nil {
		return review.Person{}, review.YearState{}, review.NotOnRoster
	}
	if err := review.Can(actor, review.EditGoals, *actor.Person); err != nil {
		return review.Person{}, review.YearState{}, err
	}
	year, err := h.Store.Year(ctx, actor.Person.ID, h.year())
	return *actor.Person, year, err
}

// goalsList is the root goals modal: each expectation with its goals and a
// button to edit them.
func (h *handlers) goalsList(ctx context.Context, me review.Person, year review.YearState) (slack.ModalViewRequest, error) {
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      goalsCallback,
		Title:           plain("Your goals", 24),
		Close:           plain("Close", 24),
		NotifyOnClose:   true,
		PrivateMetadata: meta{Person: me.ID, Year: int(year.Year)}.String(),
	}
	if !me.Reviewed() {
		v.Blocks.BlockSet = []slack.Block{section(fmt.Sprintf("*Your goals for %s*\nNobody on the roster manages you, so you have no review to write goals for.", year.Year))}
		return v, nil
	}
	manager := "Your manager"
	if m, err := h.Store.PersonByID(ctx, me.ManagerID); err == nil {
		manager = esc(m.Name)
	}
	if len(year.Expectations) == 0 {
		v.Blocks.BlockSet = []slack.Block{section(fmt.Sprintf(
			"*Your goals for %s*\n%s hasn't set your expectations for this year yet. We'll message you when they do, and you can write goals then.",
			year.Year, manager))}
		return v, nil
	}
	v.Submit = plain("Done", 24)
	blocks := []slack.Block{section(fmt.Sprintf(
		"*Your goals for %s*\nFor each expectation from %s, write at least one goal that says how you'll measure success and by when.",
		year.Year, manager))}
	for i, e := range year.Expectations {
		goals := goalsOf(year, e.ID)
		label := "Add goals"
		if len(goals) > 0 {
			label = "Edit goals"
		}
		blocks = append(blocks, sectionWith(expectationSummary(i+1, e, goals), button(label, goalsEditAction, strconv.FormatInt(e.ID, 10), len(goals) == 0)))
	}
	v.Blocks.BlockSet = blocks
	return v, nil
}

// expectationSummary is an expectation with its goals as a list, inside
// one section's length limit.
func expectationSummary(n int, e review.Expectation, goals []review.Goal) string {
	head := fmt.Sprintf("*%d. %s*", n, esc(truncate(oneLine(e.Text), expectationInList)))
	if len(goals) == 0 {
		return head + "\n_No goals yet_"
	}
	lines := make([]string, len(goals))
	for i, g := range goals {
		lines[i] = fmt.Sprintf("• %s — _%s_ — by %s", esc(truncate(oneLine(g.Text), goalLineLength)), esc(truncate(oneLine(g.Measure), goalLineLength)), g.Target.Human())
	}
	return fitLines(head, lines, "goal", "goals")
}

func goalsOf(year review.YearState, expectationID int64) []review.Goal {
	var out []review.Goal
	for _, g := range year.Goals {
		if g.ExpectationID == expectationID {
			out = append(out, g)
		}
	}
	return out
}

// goalEditButton pushes the editor for one expectation on the list.
func (h *handlers) goalEditButton(ctx context.Context, a *bot.Action) {
	me, year, err := h.ownYear(ctx, a.User.ID)
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "goals")})
		return
	}
	expID, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	exp, ok := findExpectation(year, expID)
	if !ok {
		a.Reply(ctx, bot.Message{Text: "That expectation has changed since the list was opened. Close the list and open it again."})
		return
	}
	h.openModal(ctx, a, a.TriggerID, goalEditor(me, year, exp), true)
}

func findExpectation(year review.YearState, id int64) (review.Expectation, bool) {
	for _, e := range year.Expectations {
		if e.ID == id {
			return e, true
		}
	}
	return review.Expectation{}, false
}

// goalEditor edits the goals of one expectation: every active goal with a
// box to retire it, and a blank goal to add.
func goalEditor(me review.Person, year review.YearState, e review.Expectation) slack.ModalViewRequest {
	goals := goalsOf(year, e.ID)
	blocks := []slack.Block{section("*Expectation*\n" + esc(e.Text))}
	for i, g := range goals {
		id := strconv.FormatInt(g.ID, 10)
		blocks = append(blocks,
			slack.NewDividerBlock(),
			textInput("goal:"+id, fmt.Sprintf("Goal %d", i+1), g.Text, "", review.MaxGoalLength, true, false),
			textInput("measure:"+id, "How you'll measure success", g.Measure, "", review.MaxMeasureLength, false, false),
			dateInput("target:"+id, "Target date", g.Target, false),
			checkbox("retire:"+id, fmt.Sprintf("Retire goal %d?", i+1), "Yes, it no longer applies"))
	}
	if len(goals) < review.MaxGoalsPerExpectation {
		first := len(goals) == 0
		label := "Another goal"
		if first {
			label = "Goal 1"
		}
		blocks = append(blocks,
			slack.NewDividerBlock(),
			textInput("goal:new", label, "", "e.g. Launch the online permit form", review.MaxGoalLength, true, !first),
			textInput("measure:new", "How you'll measure success", "", "e.g. 80% of permits filed online by the target date", review.MaxMeasureLength, false, !first),
			dateInput("target:new", "Target date", review.Date{}, !first))
	} else {
		blocks = append(blocks, note(fmt.Sprintf("An expectation holds up to %d goals; retire one to add another.", review.MaxGoalsPerExpectation)))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      goalEditCallback,
		Title:           plain("Goals", 24),
		Submit:          plain("Save", 24),
		Close:           plain("Back", 24),
		PrivateMetadata: meta{Person: me.ID, Year: int(year.Year), Expectation: e.ID}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func dateInput(blockID, label string, initial review.Date, optional bool) *slack.InputBlock {
	el := slack.NewDatePickerBlockElement("date")
	el.InitialDate = initial.String()
	in := slack.NewInputBlock(blockID, plain(label, 2000), nil, el)
	in.Optional = optional
	return in
}

// goalEdits reads the editor, with the block of each field so that errors
// land next to it: blocks[i][field] for edit i.
func goalEdits(v slack.View) (edits []review.GoalEdit, blocks []map[string]string) {
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok || !strings.HasPrefix(in.BlockID, "goal:") {
			continue
		}
		key := strings.TrimPrefix(in.BlockID, "goal:")
		ed := review.GoalEdit{
			Text:    textValue(v, "goal:"+key),
			Measure: textValue(v, "measure:"+key),
			Retire:  checked(v, "retire:"+key),
		}
		if key != "new" {
			ed.ID, _ = strconv.ParseInt(key, 10, 64)
		}
		if d := v.State.Values["target:"+key]["date"].SelectedDate; d != "" {
			ed.Target, _ = review.ParseDate(d)
		}
		edits = append(edits, ed)
		blocks = append(blocks, map[string]string{
			review.FieldText: "goal:" + key, review.FieldMeasure: "measure:" + key, review.FieldTarget: "target:" + key,
		})
	}
	return edits, blocks
}

func (h *handlers) goalEditSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	f, err := h.reload(ctx, s, review.EditGoals)
	if err != nil {
		return nil, err
	}
	m, actor, target, year, fy := f.meta, f.actor, f.target, f.year, f.year.Year
	if _, ok := findExpectation(year, m.Expectation); !ok {
		return nil, review.Errorf(review.ECONFLICT, "This expectation was changed or retired since you opened it. Go back to the list and open it again.")
	}
	edits, blockOf := goalEdits(s.View)
	ch, err := review.PlanGoals(fy, h.Cal.Today(h.Clock.Now()), goalsOf(year, m.Expectation), edits)
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string {
			idx, field, _ := strings.Cut(k, ".")
			i, err := strconv.Atoi(idx)
			if err != nil || i >= len(blockOf) {
				return ""
			}
			return blockOf[i][field]
		}, s.View), nil
	}
	if err != nil {
		return nil, err
	}
	if ch.Empty() {
		return nil, nil
	}
	// The manager hears about it once per visit to the list: every save
	// queues the summary under the list's key, held back so the next save
	// replaces it, and leaving the list releases it.
	root := s.View.RootViewID
	if root == "" {
		root = s.View.ID
	}
	var notify storage.Notify
	if target.ManagerID != 0 {
		mgr, err := f.targetsManager()
		if err != nil {
			return nil, err
		}
		notify = func(saved review.YearState) ([]storage.Notification, error) {
			payload, err := goalsDM(target, saved)
			return []storage.Notification{{
				Key: goalsKey(saved.ReviewID, root), Recipient: mgr.SlackID, Kind: "goals", Payload: payload,
				Collapse: true, Delay: goalsSummaryDelay,
			}}, err
		}
	}
	change := storage.Change{Actor: actor, Action: review.EditGoals, Once: once(s), Notify: notify}
	saved, err := h.Store.SaveGoals(ctx, change, target, fy, m.Expectation, ch)
	if err != nil {
		return nil, err
	}
	// Closing the editor shows the list again: refresh it.
	if root != s.View.ID {
		s.After(func(ctx context.Context) {
			list, err := h.goalsList(ctx, target, saved)
			if err == nil {
				_, err = h.Slack.UpdateViewContext(ctx, list, "", "", root)
			}
			if err != nil {
				h.Log.Warn("refresh goals list", "err", err)
			}
		})
	}
	return nil, nil
}

// goalsSummaryDelay is how long the manager's summary of a visit to the
// goals list waits for more changes when the employee never leaves the
// list (closing it sends the summary at once).
const goalsSummaryDelay = 15 * time.Minute

// goalsKey is the outbox key of the manager's summary of one visit to the
// goals list.
func goalsKey(reviewID int64, listViewID string) string {
	return fmt.Sprintf("goals:%d:%s", reviewID, listViewID)
}

// goalsDone closes the list and sends the manager the summary of what
// changed, if anything did. The list holds nothing typed, so it closes
// even if that fails.
func (h *handlers) goalsDone(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	h.goalsFinished(ctx, s.User.ID, s.View)
	return nil, nil
}

// goalsFinished releases the summary queued while the list was open.
func (h *handlers) goalsFinished(ctx context.Context, userID string, v slack.View) {
	_, year, err := h.ownYear(ctx, userID)
	if err == nil && year.ReviewID != 0 {
		var released bool
		if released, err = h.Store.ReleaseNotification(ctx, goalsKey(year.ReviewID, v.ID)); released {
			h.Wake()
		}
	}
	if err != nil {
		h.Log.Warn("release the goals summary; it goes out when its delay ends", "err", err)
	}
}

// goalsDM tells the manager what goals the employee wrote.
func goalsDM(me review.Person, year review.YearState) ([]byte, error) {
	text := fmt.Sprintf("%s updated their goals for %s.", esc(me.Name), year.Year)
	blocks := []slack.Block{section(fmt.Sprintf("*%s updated their goals for %s.*", esc(me.Name), year.Year))}
	for i, e := range year.Expectations {
		blocks = append(blocks, section(expectationSummary(i+1, e, goalsOf(year, e.ID))))
	}
	blocks = append(blocks, note("Your whole team is in the MassPerform *Home* tab."))
	return scheduler.EncodePayload(text, blocks)
}
