// Package handlers holds the bot's Slack surfaces: one file per command,
// modal and tab, each registering its own commands, actions and
// submissions, and building its own Block Kit next to the code that uses
// it. Shared rendering helpers (escaping, truncating, pagination) live in
// render.go.
//
// Every handler asks review.Can with the real sender, when a surface opens
// and again when it is submitted, after reloading the target from storage:
// ids carried in private_metadata or button values are never trusted.
package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Store is the storage the handlers use.
type Store interface {
	PersonBySlackID(ctx context.Context, slackID string) (review.Person, error)
	PersonByID(ctx context.Context, id int64) (review.Person, error)
	PeopleBySlackID(ctx context.Context, slackIDs ...string) (map[string]review.Person, error)
	SubjectOf(ctx context.Context, senderSlackID string, personID int64) (storage.Subject, error)
	SenderBySlackID(ctx context.Context, slackID string) (p review.Person, manages bool, err error)
	Year(ctx context.Context, personID int64, fy review.FiscalYear) (review.YearState, error)
	YearForChange(ctx context.Context, personID int64, fy review.FiscalYear) (review.YearState, error)
	Team(ctx context.Context, managerID int64, fy review.FiscalYear) ([]storage.TeamMember, error)
	SaveExpectations(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, ch review.ExpectationChanges) (review.YearState, error)
	SaveGoals(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, expectationID int64, ch review.GoalChanges) (review.YearState, error)
	ReleaseNotification(ctx context.Context, key string) (bool, error)
	SaveCheckIn(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, ci review.CheckIn, cadence *review.Cadence) (review.YearState, int64, error)
	CheckInByID(ctx context.Context, id int64) (storage.CheckInRef, error)
	SaveConfirmation(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, conf review.Confirmation) (review.YearState, error)
	SaveCadence(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, cadence review.Cadence, reason string) (review.YearState, error)
	LatestHandoff(ctx context.Context, personID int64) (storage.Handoff, error)
	SaveHandoffNote(ctx context.Context, actor review.Actor, personID int64, note string, notify func(storage.Handoff) ([]storage.Notification, error)) (storage.Handoff, error)
	SaveDevelopmentPlan(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, p review.DevelopmentPlan, ask bool) (review.YearState, error)
	SaveReflection(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, w review.WrapUp, send bool) (review.YearState, error)
	SaveManagerWrapUp(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, w review.WrapUp) (review.YearState, error)
	EarlierWrapUps(ctx context.Context, personID int64, fy review.FiscalYear) ([]review.EarlierWrapUp, error)
	MarkConversationHeld(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear) (review.YearState, error)
	AcknowledgeReview(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear) (review.YearState, error)
	SaveResponse(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, plan func(*review.WrapUp) (string, error)) (review.YearState, error)
	Approvals(ctx context.Context, fy review.FiscalYear) (map[string]storage.Approval, error)
	ApproveRatings(ctx context.Context, actor review.Actor, d storage.Decision) (review.Pool, error)
	AskException(ctx context.Context, actor review.Actor, d storage.Decision) (review.Pool, error)
	GrantException(ctx context.Context, actor review.Actor, d storage.Decision) (review.Pool, error)
	ReopenRatings(ctx context.Context, actor review.Actor, d storage.Decision) (review.Pool, error)
	RatingPools(ctx context.Context, fy review.FiscalYear) ([]review.UnitCount, []review.Pool, error)
	ApprovalChains(ctx context.Context, pools []review.Pool) (map[string]review.Chain, error)
	CombinePools(ctx context.Context, actor review.Actor, fy review.FiscalYear, small, into, reason string, undo bool) error
	ComplianceExport(ctx context.Context, fy review.FiscalYear, unit string, fn func(review.ComplianceRow) error) error
	Snooze(ctx context.Context, personID int64, until review.Date) error
	RecentReminders(ctx context.Context, personID int64, n int) ([]storage.Reminder, error)
	FileAppeal(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, plan func(*review.WrapUp) (review.Appeal, error)) (review.Appeal, error)
	Appeals(ctx context.Context, fy review.FiscalYear, open bool) ([]storage.AppealCase, error)
	AppealsOf(ctx context.Context, personID int64, fy review.FiscalYear) ([]storage.AppealCase, error)
	DecideAppeal(ctx context.Context, actor review.Actor, id int64, plan func(review.Appeal) (review.Appeal, error), notify func(storage.AppealCase) ([]storage.Notification, error)) (storage.AppealCase, error)
	HRPeople(ctx context.Context, emails []string) ([]review.Person, error)
	Enqueue(ctx context.Context, ns []storage.Notification) error
	Plans(ctx context.Context, personID int64) ([]review.ImprovementPlan, error)
	SavePlan(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, plan func(*review.WrapUp) (review.ImprovementPlan, error)) (review.ImprovementPlan, error)
	RecordReevaluation(ctx context.Context, c storage.Change, target review.Person, id int64, decide func(review.ImprovementPlan) (review.ImprovementPlan, error)) (review.ImprovementPlan, error)
	Leaves(ctx context.Context, personID int64) ([]review.Leave, error)
	RecordLeave(ctx context.Context, actor review.Actor, personID int64, l review.Leave) error
	LiveYears(ctx context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error)
	YearBusiness(ctx context.Context, fy review.FiscalYear) (review.YearBusiness, error)
	ClosedYears(ctx context.Context) (map[review.FiscalYear]storage.YearClosing, error)
	MeritTeam(ctx context.Context, managerID int64, y review.MeritYear) ([]storage.MeritCase, error)
	MeritPoolOf(ctx context.Context, y review.MeritYear, secretariat string) (storage.MeritPool, error)
	ProposeMerit(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64, prop review.Proposal, reason string) (review.Award, error)
	ReturnMerit(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64, reason string, notify func(c storage.MeritCase, manager review.Person) (storage.Notification, error)) error
	GrantMeritException(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64) error
	ApproveMeritEligibility(ctx context.Context, actor review.Actor, y review.MeritYear, personID int64) error
	SplitMeritPool(ctx context.Context, actor review.Actor, y review.MeritYear, agency, reason string, undo bool) error
	RecordRead(ctx context.Context, actor review.Actor, action, entity string, id int64, details map[string]any) error
	MeritSecretariats(ctx context.Context, y review.MeritYear) ([]string, error)
	MeritAuditOf(ctx context.Context, actor review.Actor, y review.MeritYear, secretariat string) (storage.MeritAudit, error)
	ApproveMerit(ctx context.Context, actor review.Actor, y review.MeritYear, secretariat string) (storage.MeritAudit, error)
	CloseYear(ctx context.Context, actor review.Actor, fy review.FiscalYear, today review.Date, anyway bool) (review.YearBusiness, error)
	HRHomeStore
}

// Deps is what the handlers need.
type Deps struct {
	Store Store
	Slack bot.Slack
	Clock review.Clock
	Cal   review.Calendar
	// Holidays are the organisation's days off, for the windows counted
	// in workdays.
	Holidays review.Holidays
	Scale    review.Scale // the rating scale
	HR       review.HRDirectory
	Log      *slog.Logger
	// Wake tells the outbox sender that notifications were queued.
	Wake func()
	// Rehearsal moves the clock of a rehearsal deployment; nil in a live
	// one.
	Rehearsal Rehearsal
	// Merit are the merit pay years (MERIT_DIR), earliest first.
	Merit []review.MeritYear
	// HRChannel is HR_CHANNEL, where the digest goes ("" when not set).
	HRChannel string
}

// handlers is the set of surfaces, sharing Deps.
type handlers struct{ Deps }

// Register adds every surface to the router.
func Register(r *bot.Router, d Deps) {
	if d.Wake == nil {
		d.Wake = func() {}
	}
	if len(d.Scale.Ratings) == 0 {
		d.Scale = review.ProgramScale
	}
	h := &handlers{d}
	h.registerHelp(r)
	h.registerExpectations(r)
	h.registerGoals(r)
	h.registerCheckIn(r)
	h.registerConfirm(r)
	h.registerCadence(r)
	h.registerDevelopment(r)
	h.registerHandoff(r)
	h.registerWrapUp(r)
	h.registerRatings(r)
	h.registerExport(r)
	h.registerYear(r)
	h.registerSay(r)
	h.registerAppeal(r)
	h.registerLeave(r)
	h.registerPlan(r)
	h.registerNudges(r)
	h.registerTeam(r)
	h.registerStatus(r)
	h.registerHome(r)
	h.registerRehearsal(r)
	h.registerMerit(r)
}

// actor loads who is acting: their roster entry, if any, and HR rights.
func (h *handlers) actor(ctx context.Context, slackID string) (review.Actor, error) {
	p, err := h.Store.PersonBySlackID(ctx, slackID)
	return h.actorFound(slackID, p, err)
}

// actorFound is actor for a read of the sender's roster entry that gave p
// and err: not being on the roster is no error.
func (h *handlers) actorFound(slackID string, p review.Person, err error) (review.Actor, error) {
	switch review.ErrorCode(err) {
	case "":
		return h.HR.Actor(slackID, &p), nil
	case review.ENOTFOUND:
		return h.HR.Actor(slackID, nil), nil
	}
	return review.Actor{SlackID: slackID}, err
}

// actorAs is actor for a sender already loaded (nil: not on the roster).
func (h *handlers) actorAs(slackID string, p *review.Person) review.Actor {
	return h.HR.Actor(slackID, p)
}

// year returns the fiscal year running now.
func (h *handlers) year() review.FiscalYear { return h.Cal.Year(h.Clock.Now()) }

// meta is what a modal carries between opening and submission. The ids in
// it only say what the form was about; every handler reloads and
// re-authorises them.
type meta struct {
	Person      int64 `json:"p"`
	Year        int   `json:"fy"`
	Expectation int64 `json:"e,omitempty"`
	CheckIn     int64 `json:"c,omitempty"`
	Plan        int64 `json:"pl,omitempty"`
}

func (m meta) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

func parseMeta(s string) (meta, error) {
	var m meta
	if err := json.Unmarshal([]byte(s), &m); err != nil || m.Person == 0 || m.Year == 0 {
		return meta{}, review.Errorf(review.EINVALID, "This form is damaged. Please close it and open it again.")
	}
	return m, nil
}

// commandTarget reads who a command is about (a mention after the
// subcommand) and checks that the sender may act on them. On any problem it
// answers the sender and returns ok false. The sender is checked first, so
// strangers learn nothing about the roster.
func (h *handlers) commandTarget(ctx context.Context, c *bot.Command, act review.Action, example string) (review.Actor, review.Person, bool) {
	actor, target, ok := h.mentioned(ctx, c, example)
	if !ok {
		return actor, target, false
	}
	if err := review.Can(actor, act, target); err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, c.Name)})
		return actor, review.Person{}, false
	}
	return actor, target, true
}

// mentioned reads who a command is about, for a sender on the roster (or
// with HR rights), without deciding what the sender may do about them. On
// any problem it answers the sender and returns ok false.
func (h *handlers) mentioned(ctx context.Context, c *bot.Command, example string) (review.Actor, review.Person, bool) {
	id, name, mentioned := parseUser(c.Rest)
	// The sender and whom they mention, in one query.
	ids := []string{c.UserID}
	if mentioned {
		ids = append(ids, id)
	}
	found, err := h.Store.PeopleBySlackID(ctx, ids...)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, c.Name)})
		return review.Actor{SlackID: c.UserID}, review.Person{}, false
	}
	var sender *review.Person
	if p, ok := found[c.UserID]; ok {
		sender = &p
	}
	actor := h.actorAs(c.UserID, sender)
	if !actor.OnRoster() && !actor.HR {
		c.Reply(ctx, bot.Message{Text: esc(review.NotOnRoster.Message)})
		return actor, review.Person{}, false
	}
	if !mentioned {
		c.Reply(ctx, bot.Message{Text: "Who is it about? Mention them, like `" + example + "`."})
		return actor, review.Person{}, false
	}
	target, ok := found[id]
	if !ok {
		who := "That person"
		if name != "" {
			who = esc(fromSlack(name))
		}
		c.Reply(ctx, bot.Message{Text: who + " isn't on the MassPerform roster, so they have no review here."})
		return actor, review.Person{}, false
	}
	return actor, target, true
}

// formFor builds the form actor sees about target, whom the caller has
// authorised the actor for.
type formFor func(ctx context.Context, actor review.Actor, target review.Person) (slack.ModalViewRequest, error)

// commandForm answers a command about @someone by opening build's form for
// them, once the sender is allowed to act on them.
func (h *handlers) commandForm(act review.Action, example string, build formFor) bot.CommandFunc {
	return func(ctx context.Context, c *bot.Command) {
		actor, target, ok := h.commandTarget(ctx, c, act, example)
		if !ok {
			return
		}
		view, err := build(ctx, actor, target)
		if err != nil {
			c.Reply(ctx, bot.Message{Text: h.userMessage(err, c.Name)})
			return
		}
		h.openModal(ctx, c, c.TriggerID, view, false)
	}
}

// buttonForm answers a button naming one of the clicker's reports by
// opening build's form for them.
func (h *handlers) buttonForm(act review.Action, build formFor) bot.ActionFunc {
	return func(ctx context.Context, a *bot.Action) {
		actor, target, ok := h.reportFromButton(ctx, a, act)
		if !ok {
			return
		}
		view, err := build(ctx, actor, target)
		if err != nil {
			a.Reply(ctx, bot.Message{Text: h.userMessage(err, string(act))})
			return
		}
		h.openModal(ctx, a, a.TriggerID, view, false)
	}
}

// reviewedSender loads the sender of a command about their own year. When
// they are not on the roster, or nobody manages them (so they have no
// review), it answers them, with noReview in the second case, and returns
// ok false.
func (h *handlers) reviewedSender(ctx context.Context, c *bot.Command, noReview string) (review.Person, bool) {
	actor, err := h.actor(ctx, c.UserID)
	switch {
	case err != nil:
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, c.Name)})
	case !actor.OnRoster():
		c.Reply(ctx, bot.Message{Text: esc(review.NotOnRoster.Message)})
	case !actor.Person.Reviewed():
		c.Reply(ctx, bot.Message{Text: noReview})
	default:
		return *actor.Person, true
	}
	return review.Person{}, false
}

// reportFromButton reads the person a manager's button names (its value is
// their person id) and checks that the clicker manages them and may act.
// The value is only a hint: anyone else is refused without learning whom it
// names.
func (h *handlers) reportFromButton(ctx context.Context, a *bot.Action, act review.Action) (review.Actor, review.Person, bool) {
	pid, _ := strconv.ParseInt(a.Action.Value, 10, 64)
	sub, err := h.Store.SubjectOf(ctx, a.User.ID, pid)
	switch review.ErrorCode(err) {
	case "", review.ENOTFOUND:
	default:
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, string(act))})
		return review.Actor{SlackID: a.User.ID}, review.Person{}, false
	}
	actor, target := h.actorAs(a.User.ID, sub.Sender), sub.Person
	if err != nil || actor.Person == nil || target.ManagerID != actor.Person.ID {
		a.Reply(ctx, bot.Message{Text: "That button is for the person's manager. You can act only for people who report to you."})
		return actor, review.Person{}, false
	}
	if err := review.Can(actor, act, target); err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, string(act))})
		return actor, review.Person{}, false
	}
	return actor, target, true
}

// once is the at-most-once key of a form's submission: the same form
// submitted again after its first save got through (but its answer did
// not) is not saved twice.
func once(s *bot.Submission) string { return "view:" + s.View.ID + ":" + s.View.Hash }

// submitted is a submitted form's subject, reloaded and re-authorised.
type submitted struct {
	meta    meta
	actor   review.Actor
	target  review.Person
	manager *review.Person // target's manager, if any
	year    review.YearState
}

// targetsManager returns the manager of the form's subject.
func (f submitted) targetsManager() (review.Person, error) {
	if f.manager == nil {
		return review.Person{}, review.Errorf(review.ENOTFOUND, "We couldn't find that. It may have been removed.")
	}
	return *f.manager, nil
}

// reload re-reads what a submitted form is about and asks review.Can again
// with the real sender: the person in its metadata, as stored now, and
// their review for the form's year, which must still be running.
func (h *handlers) reload(ctx context.Context, s *bot.Submission, act review.Action) (submitted, error) {
	return h.reloadFor(ctx, s, act, h.year())
}

// formYear is the year a submitted form is about when that year is still
// live: the running one, or the one before it from July 1 until HR closes
// it (late confirmations, an edit of a check-in logged in June). For any
// other it is the running year, which reloadFor then finds the form is
// not about; a form about a year HR has closed is refused saying so.
func (h *handlers) formYear(ctx context.Context, s *bot.Submission) (review.FiscalYear, error) {
	current := h.year()
	m, err := parseMeta(s.View.PrivateMetadata)
	if err != nil || review.FiscalYear(m.Year) != current-1 {
		return current, nil
	}
	years, err := h.Store.LiveYears(ctx, h.Cal, h.Clock.Now())
	if err != nil {
		return current, err
	}
	if slices.Contains(years, current-1) {
		return current - 1, nil
	}
	return current, review.Errorf(review.ECONFLICT, "%s is closed, so nothing in it can change any more.", current-1)
}

// reloadFor is reload for a form about year fy, which must still be the
// year such forms are about.
func (h *handlers) reloadFor(ctx context.Context, s *bot.Submission, act review.Action, fy review.FiscalYear) (submitted, error) {
	var f submitted
	var err error
	if f.meta, err = parseMeta(s.View.PrivateMetadata); err != nil {
		return f, err
	}
	if review.FiscalYear(f.meta.Year) != fy {
		return f, review.Errorf(review.ECONFLICT, "A new review year started since you opened this form. Please close it and open it again.")
	}
	// The sender, the person and their manager in one query; the year
	// without what only reminders need.
	sub, err := h.Store.SubjectOf(ctx, s.User.ID, f.meta.Person)
	if err != nil {
		return f, err
	}
	f.actor, f.target, f.manager = h.actorAs(s.User.ID, sub.Sender), sub.Person, sub.Manager
	if err := review.Can(f.actor, act, f.target); err != nil {
		return f, err
	}
	f.year, err = h.Store.YearForChange(ctx, f.target.ID, review.FiscalYear(f.meta.Year))
	return f, err
}

// replier is a command or a click: it can answer the user privately, and
// its trigger lets us open a modal until it expires.
type replier interface {
	Reply(ctx context.Context, m bot.Message)
	TriggerExpires() time.Time
}

// openModal opens view with the trigger of a command or click, or pushes
// it onto the open modal, and tells the user when that fails: nobody
// clicks and gets nothing. A trigger lives only 3 seconds, so the call is
// made at once and gives up when the trigger expires; when Slack is busy
// (a 429 whose Retry-After outlives the trigger) the person is told when
// to try again.
func (h *handlers) openModal(ctx context.Context, r replier, triggerID string, view slack.ModalViewRequest, push bool) {
	ctx, cancel := context.WithDeadline(ctx, r.TriggerExpires())
	defer cancel()
	var err error
	if push {
		_, err = h.Slack.PushViewContext(ctx, triggerID, view)
	} else {
		_, err = h.Slack.OpenViewContext(ctx, triggerID, view)
	}
	if err == nil {
		return
	}
	h.Log.Warn("open modal", "callback_id", view.CallbackID, "err", err)
	text := "Slack didn't let us open the form in time. Please try again."
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		text = fmt.Sprintf("Slack is busy right now, so the form didn't open. Please try again in %s.", seconds(rl.RetryAfter))
	}
	r.Reply(context.WithoutCancel(ctx), bot.Message{Text: text})
}

// seconds says a wait in whole seconds, at least one.
func seconds(d time.Duration) string {
	n := max(int(math.Ceil(d.Seconds())), 1)
	if n == 1 {
		return "a second"
	}
	return fmt.Sprintf("%d seconds", n)
}

// userMessage turns an error into what the user is told in a message
// (escaped for mrkdwn, as it may quote names), logging the ones that are
// our fault.
func (h *handlers) userMessage(err error, what string) string {
	switch review.ErrorCode(err) {
	case review.EINTERNAL:
		h.Log.Error(what+" failed", "err", err)
	case review.EUNAVAILABLE:
		h.Log.Warn(what+" failed: database unavailable", "err", err)
	}
	return esc(review.ErrorMessage(err))
}
