package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Identifiers of the improvement plan surface.
const (
	planCallback   = "plan"
	reevalCallback = "plan_reevaluation"
	planExample    = "/perform plan @name"
)

func (h *handlers) registerPlan(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "plan",
		Usage:   r.Slash() + " plan @employee",
		Summary: "the improvement plan after a Below Expectations rating: start it once you've talked the rating through, or record how its re-evaluation went",
		Handle:  h.planCommand,
	})
	r.Submit(planCallback, h.planSubmit)
	r.Submit(reevalCallback, h.reevalSubmit)
}

// planCommand opens, for the employee's manager, the re-evaluation of
// their running plan, or a new plan after a released rating that calls
// for one.
func (h *handlers) planCommand(ctx context.Context, c *bot.Command) {
	_, target, ok := h.commandTarget(ctx, c, review.KeepPlan, planExample)
	if !ok {
		return
	}
	plans, err := h.Store.Plans(ctx, target.ID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "plan")})
		return
	}
	for _, p := range plans {
		if p.Open() {
			c.Ack()
			h.openModal(ctx, c, c.TriggerID, reevalModal(target, p, h.Cal.Today(h.Clock.Now())), false)
			return
		}
	}
	fy, today := h.wrapUpYear()
	y, err := h.Store.Year(ctx, target.ID, fy)
	if err == nil {
		err = planAllowed(h.Scale, target, y)
	}
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "plan")})
		return
	}
	c.Ack()
	h.openModal(ctx, c, c.TriggerID, planModal(target, y, today), false)
}

// planAllowed says whether an improvement plan can start from y's rating:
// one that calls for it, once talked through with the employee.
func planAllowed(scale review.Scale, target review.Person, y review.YearState) error {
	r, _ := scale.Find(y.WrapUp.Rating)
	if y.WrapUp.Released() && r.NeedsPlan {
		return nil
	}
	var calls []string
	for _, x := range scale.Ratings {
		if x.NeedsPlan {
			calls = append(calls, x.Name)
		}
	}
	return review.Errorf(review.ECONFLICT, "An improvement plan follows a %s rating, once you've talked it through with them. %s has none from %s to follow up yet.",
		strings.Join(calls, " or "), target.Name, y.Year)
}

func planModal(target review.Person, y review.YearState, today review.Date) slack.ModalViewRequest {
	name := esc(target.Name)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      planCallback,
		Title:           plain("Improvement plan", 24),
		Submit:          plain("Start the plan", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: target.ID, Year: int(y.Year)}.String(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("*An improvement plan for %s*, after their %s rating. You'll be reminded before the day you look at it again together; HR follows plans that run late.", name, y.Year)),
			textInput(review.FieldPlanImprove, "What needs to improve", y.WrapUp.DevelopmentNote, "", review.MaxWrapUpText, true, false),
			textInput(review.FieldPlanSupport, "The support they'll have", "", "Coaching, training, time, help from others", review.MaxWrapUpText, true, false),
			dateInput(review.FieldPlanDate, "Look at it again on", today.AddDays(review.DefaultYearEnd.PlanDefaultDays), false),
		}},
	}
}

func (h *handlers) planSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	m, err := parseMeta(s.View.PrivateMetadata)
	if err != nil {
		return nil, err
	}
	f, err := h.reloadFor(ctx, s, review.KeepPlan, review.FiscalYear(m.Year))
	if err != nil {
		return nil, err
	}
	vals := s.View.State.Values
	form := review.ImprovementPlan{Improve: textValue(s.View, review.FieldPlanImprove), Support: textValue(s.View, review.FieldPlanSupport)}
	form.Reevaluate, _ = review.ParseDate(vals[review.FieldPlanDate]["date"].SelectedDate)
	today := h.Cal.Today(h.Clock.Now())
	change := storage.Change{Actor: f.actor, Action: review.KeepPlan, Once: once(s)}
	_, err = h.Store.SavePlan(ctx, change, f.target, f.year.Year, func(w *review.WrapUp) (review.ImprovementPlan, error) {
		if err := planAllowed(h.Scale, f.target, review.YearState{Year: f.year.Year, WrapUp: w}); err != nil {
			return review.ImprovementPlan{}, err
		}
		return review.DefaultYearEnd.PlanImprovement(today, form)
	})
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	return nil, err
}

func reevalModal(target review.Person, p review.ImprovementPlan, today review.Date) slack.ModalViewRequest {
	outcome := slack.NewRadioButtonsBlockElement("pick",
		slack.NewOptionBlockObject(string(review.PlanImproved), plain("Improved: close the plan", 75), nil),
		slack.NewOptionBlockObject(string(review.PlanNotYet), plain("Not improved enough: close it, HR follows up", 75), nil),
		slack.NewOptionBlockObject(string(review.PlanExtended), plain("Extend it to a new day", 75), nil))
	due := "due " + p.Reevaluate.Human()
	if today.After(p.Reevaluate) {
		due = "⚠️ was due " + p.Reevaluate.Human()
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      reevalCallback,
		Title:           plain("Plan re-evaluation", 24),
		Submit:          plain("Record", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: meta{Person: target.ID, Year: int(p.Year), Plan: p.ID}.String(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("*%s's improvement plan* (from %s), re-evaluation %s\n*To improve*\n%s\n*Support*\n%s",
				esc(target.Name), p.Year, due, quote(p.Improve), quote(p.Support))),
			slack.NewInputBlock(review.FieldPlanOutcome, plain("How did it go?", 2000), nil, outcome),
			dateInput(review.FieldPlanNewDate, "New re-evaluation day (if extended)", review.Date{}, true),
		}},
	}
}

func (h *handlers) reevalSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	m, err := parseMeta(s.View.PrivateMetadata)
	if err != nil {
		return nil, err
	}
	actor, err := h.actor(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	target, err := h.Store.PersonByID(ctx, m.Person)
	if err == nil {
		err = review.Can(actor, review.KeepPlan, target)
	}
	if err != nil {
		return nil, err
	}
	vals := s.View.State.Values
	outcome := review.PlanOutcome(vals[review.FieldPlanOutcome]["pick"].SelectedOption.Value)
	next, _ := review.ParseDate(vals[review.FieldPlanNewDate]["date"].SelectedDate)
	today := h.Cal.Today(h.Clock.Now())
	change := storage.Change{Actor: actor, Action: review.KeepPlan, Once: once(s)}
	_, err = h.Store.RecordReevaluation(ctx, change, target, m.Plan, func(p review.ImprovementPlan) (review.ImprovementPlan, error) {
		return review.DefaultYearEnd.PlanReevaluation(p, today, outcome, next)
	})
	if fields := review.FieldErrors(err); fields != nil {
		return fieldErrors(fields, func(k string) string { return k }, s.View), nil
	}
	return nil, err
}
