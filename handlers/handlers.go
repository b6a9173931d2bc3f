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
	"log/slog"
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
	CountDirectReports(ctx context.Context, managerID int64) (int, error)
	Year(ctx context.Context, personID int64, fy review.FiscalYear) (review.YearState, error)
	Team(ctx context.Context, managerID int64, fy review.FiscalYear) ([]storage.TeamMember, error)
	SaveExpectations(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, ch review.ExpectationChanges) (review.YearState, error)
	SaveGoals(ctx context.Context, c storage.Change, target review.Person, fy review.FiscalYear, expectationID int64, ch review.GoalChanges) (review.YearState, error)
	ReleaseNotification(ctx context.Context, key string) (bool, error)
}

// Deps is what the handlers need.
type Deps struct {
	Store Store
	Slack bot.Slack
	Clock review.Clock
	Cal   review.Calendar
	HR    review.HRDirectory
	Log   *slog.Logger
	// Wake tells the outbox sender that notifications were queued.
	Wake func()
}

// handlers is the set of surfaces, sharing Deps.
type handlers struct{ Deps }

// Register adds every surface to the router.
func Register(r *bot.Router, d Deps) {
	if d.Wake == nil {
		d.Wake = func() {}
	}
	h := &handlers{d}
	h.registerHelp(r)
	h.registerExpectations(r)
	h.registerGoals(r)
	h.registerHome(r)
}

// actor loads who is acting: their roster entry, if any, and HR rights.
func (h *handlers) actor(ctx context.Context, slackID string) (review.Actor, error) {
	a := review.Actor{SlackID: slackID}
	p, err := h.Store.PersonBySlackID(ctx, slackID)
	switch review.ErrorCode(err) {
	case "":
		a.Person = &p
	case review.ENOTFOUND:
	default:
		return a, err
	}
	a.HR = h.HR.IsHR(slackID, a.Person)
	return a, nil
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

// once is the at-most-once key of a form's submission: the same form
// submitted again after its first save got through (but its answer did
// not) is not saved twice.
func once(s *bot.Submission) string { return "view:" + s.View.ID + ":" + s.View.Hash }

// submitted is a submitted form's subject, reloaded and re-authorised.
type submitted struct {
	meta   meta
	actor  review.Actor
	target review.Person
	year   review.YearState
}

// reload re-reads what a submitted form is about and asks review.Can again
// with the real sender: the person in its metadata, as stored now, and
// their review for the form's year, which must still be running.
func (h *handlers) reload(ctx context.Context, s *bot.Submission, act review.Action) (submitted, error) {
	var f submitted
	var err error
	if f.meta, err = parseMeta(s.View.PrivateMetadata); err != nil {
		return f, err
	}
	if err := h.checkYear(f.meta); err != nil {
		return f, err
	}
	if f.actor, err = h.actor(ctx, s.User.ID); err != nil {
		return f, err
	}
	if f.target, err = h.Store.PersonByID(ctx, f.meta.Person); err != nil {
		return f, err
	}
	if err := review.Can(f.actor, act, f.target); err != nil {
		return f, err
	}
	f.year, err = h.Store.Year(ctx, f.target.ID, review.FiscalYear(f.meta.Year))
	return f, err
}

// checkYear refuses a form opened in a fiscal year that has since ended.
func (h *handlers) checkYear(m meta) error {
	if review.FiscalYear(m.Year) != h.year() {
		return review.Errorf(review.ECONFLICT, "A new review year started since you opened this form. Please close it and open it again.")
	}
	return nil
}

// replier is a command or a click: it can answer the user privately, and
// its trigger lets us open a modal until it expires.
type replier interface {
	Reply(ctx context.Context, m bot.Message)
	TriggerExpires() time.Time
}

// openModal opens view with the trigger of a command or click, or pushes
// it onto the open modal, and tells the user when that fails. A trigger
// lives only 3 seconds, so the call gives up when the trigger expires
// rather than wait for our rate limiter past it.
func (h *handlers) openModal(ctx context.Context, r replier, triggerID string, view slack.ModalViewRequest, push bool) {
	ctx, cancel := context.WithDeadline(ctx, r.TriggerExpires())
	defer cancel()
	var err error
	if push {
		_, err = h.Slack.PushViewContext(ctx, triggerID, view)
	} else {
		_, err = h.Slack.OpenViewContext(ctx, triggerID, view)
	}
	if err != nil {
		h.Log.Warn("open modal", "callback_id", view.CallbackID, "err", err)
		r.Reply(context.WithoutCancel(ctx), bot.Message{Text: "Slack didn't let us open the form in time. Please try again."})
	}
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
