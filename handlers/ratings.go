package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Identifiers of HR's ratings audit.
const (
	ratingsCallback   = "ratings"
	exceptionCallback = "ratings_exception"
	reopenCallback    = "ratings_reopen"
	approveAction     = "ratings_approve"   // value: the pool's unit
	exceptionAction   = "ratings_exception" // value: the pool's unit
	reopenAction      = "ratings_reopen"    // value: the pool's unit
	poolsShown        = 30
	reasonBlock       = "reason"
)

func (h *handlers) registerRatings(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "ratings",
		Usage:   r.Slash() + " ratings [unit]",
		Summary: "the rating distribution by unit against the guidelines; approve a unit's ratings, or reopen them",
		For:     bot.HR,
		Handle:  h.ratingsCommand,
	})
	r.Action(approveAction, h.approveClicked)
	r.Action(exceptionAction, h.poolReasonClicked(exceptionCallback))
	r.Action(reopenAction, h.poolReasonClicked(reopenCallback))
	r.Submit(exceptionCallback, h.exceptionSubmit)
	r.Submit(reopenCallback, h.reopenSubmit)
}

// ratingsMeta is what the ratings modals carry: the year, the unit filter
// or pool, and (for a pushed modal) the audit view to refresh.
type ratingsMeta struct {
	Year   int    `json:"fy"`
	Unit   string `json:"u,omitempty"`
	Parent string `json:"v,omitempty"`
	Filter string `json:"f,omitempty"`
}

func (m ratingsMeta) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// hrActor loads the user and refuses anyone without HR rights.
func (h *handlers) hrActor(ctx context.Context, userID string) (review.Actor, error) {
	actor, err := h.actor(ctx, userID)
	if err != nil {
		return actor, err
	}
	return actor, review.CanAuditRatings(actor)
}

func (h *handlers) ratingsCommand(ctx context.Context, c *bot.Command) {
	actor, err := h.hrActor(ctx, c.UserID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "ratings")})
		return
	}
	fy, _ := h.wrapUpYear()
	filter := strings.Trim(fromSlack(strings.TrimSpace(c.Rest)), "/")
	view, err := h.ratingsView(ctx, actor, fy, filter)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "ratings")})
		return
	}
	c.Ack()
	h.openModal(ctx, c, c.TriggerID, view, false)
}

// ratingsView builds the audit of fy that actor sees, for the pools inside
// filter ("" for all). An HR person's own rating, until it is released to
// them, is left out of the counts with them, and they decide nothing about
// the pool it is in.
func (h *handlers) ratingsView(ctx context.Context, actor review.Actor, fy review.FiscalYear, filter string) (slack.ModalViewRequest, error) {
	all, err := h.Store.RatingCounts(ctx, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	counts, own := all, ""
	unit, rating, hidden, err := h.ownRating(ctx, actor, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	pools := review.Pools(all)
	if hidden {
		counts = review.LeaveOut(all, unit, rating)
		for i, p := range pools {
			if p.Holds(unit) {
				own = p.Unit
				pools[i].UnitCount = p.UnitCount.Without(rating)
			}
		}
	}
	approvals, err := h.Store.Approvals(ctx, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	var shown []review.Pool
	for _, p := range pools {
		if filter == "" || review.InUnit(p.Unit, filter) || hasMember(p, filter) {
			shown = append(shown, p)
		}
	}
	if len(shown) == 0 {
		return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "No unit called %s has people to rate in %s. Units are written like they are in the roster, e.g. EOHHS/DPH.", filter, fy)
	}
	var rollups []review.UnitCount
	for _, u := range review.RollUp(counts) {
		if u.Unit != "" && (filter == "" || review.InUnit(u.Unit, filter)) && hasChildren(u.Unit, counts) {
			rollups = append(rollups, u)
		}
	}
	return ratingsModal(fy, h.Scale, filter, shown, rollups, approvals, own), nil
}

func hasMember(p review.Pool, unit string) bool {
	for _, m := range p.Members {
		if review.InUnit(m, unit) {
			return true
		}
	}
	return false
}

func hasChildren(unit string, counts []review.UnitCount) bool {
	for _, c := range counts {
		if c.Unit != unit && review.InUnit(c.Unit, unit) {
			return true
		}
	}
	return false
}

// distribution lists a count's levels with their shares against the
// guidelines.
func distribution(scale review.Scale, u review.UnitCount) []string {
	rated := u.Rated()
	var lines []string
	for _, r := range scale.Ratings {
		n := u.Counts[r.Key]
		share := review.Share(n, rated)
		lines = append(lines, fmt.Sprintf("%s: %d (%.1f%%) — %s, %s", r.Name, n, share, r.Band(share), r.GuidelineText()))
	}
	return lines
}

// ratingsModal is HR's audit: roll-ups first, then each pool with its
// distribution, whether it is over the cap, and what HR can do about it.
// own is the pool the viewer's own rating is in ("" if none): its counts
// leave the viewer out, and another HR colleague decides it.
func ratingsModal(fy review.FiscalYear, scale review.Scale, filter string, pools []review.Pool, rollups []review.UnitCount, approvals map[string]storage.Approval, own string) slack.ModalViewRequest {
	top, capped := scale.Capped()
	intro := fmt.Sprintf("*Ratings · %s*", fy)
	if filter != "" {
		intro += " · " + esc(filter)
	}
	intro += fmt.Sprintf("\nCounts and shares of the ratings given so far, against the guidelines. Units with fewer than %d people share the cap with their parent unit, and are approved with it.", review.MinPoolSize)
	if own != "" {
		intro += "\n_You're left out of these counts, and your own rating with you, until it's released to you._"
	}
	blocks := []slack.Block{section(intro)}
	if len(rollups) > 0 {
		var lines []string
		for _, u := range rollups {
			parts := []string{fmt.Sprintf("*%s* (all units in it): %d people, %d rated", esc(u.Unit), u.People, u.Rated())}
			for _, r := range scale.Ratings {
				parts = append(parts, fmt.Sprintf("%s %d (%.0f%%)", r.Name, u.Counts[r.Key], review.Share(u.Counts[r.Key], u.Rated())))
			}
			lines = append(lines, strings.Join(parts, " · "))
		}
		blocks = append(blocks, section(fitLines("*Rolled up*", lines, "unit", "units")))
	}
	blocks = append(blocks, slack.NewDividerBlock())
	shown := pools
	if len(shown) > poolsShown {
		shown = shown[:poolsShown]
	}
	for _, p := range shown {
		head := fmt.Sprintf("*%s* · %d people, %d rated", esc(p.Unit), p.People, p.Rated())
		over := capped && review.OverCap(top.CapPercent, p.Counts[top.Key], p.People)
		if over {
			head += fmt.Sprintf(" · ⚠️ over the %d%% cap on %s (it allows %d)", top.CapPercent, top.Name, review.CapAllows(top.CapPercent, p.People))
		}
		lines := []string{head}
		lines = append(lines, distribution(scale, p.UnitCount)...)
		if len(p.Members) > 1 {
			lines = append(lines, "_Sharing the cap: "+esc(strings.Join(p.Members[1:], ", "))+"_")
		}
		a := approvals[p.Unit]
		var action slack.BlockElement
		switch {
		case p.Unit == own:
			status := "Your own rating is in this unit, so another HR colleague approves or reopens it."
			if a.Approved() {
				status = "✅ Approved " + review.DateOf(a.ApprovedAt).Human() + ". " + status
			}
			lines = append(lines, status)
		case a.Approved():
			status := "✅ Approved " + review.DateOf(a.ApprovedAt).Human()
			if a.Exception != "" {
				status += " with an exception: " + esc(truncate(oneLine(a.Exception), 300))
			}
			lines = append(lines, status)
			action = button("Reopen", reopenAction, p.Unit, false)
		case p.Rated() < p.People:
			lines = append(lines, fmt.Sprintf("⏳ Waiting on %d of %d ratings before it can be approved.", p.People-p.Rated(), p.People))
		case over:
			action = button("Approve with exception", exceptionAction, p.Unit, false)
		default:
			b := button("Approve", approveAction, p.Unit, true)
			b.Confirm = slack.NewConfirmationBlockObject(plain("Approve "+p.Unit+"?", 100),
				plain("Its managers will be told they can share each rating in a final conversation.", 300), plain("Approve", 30), plain("Not yet", 30))
			action = b
		}
		if !a.Approved() && !a.ReopenedAt.IsZero() {
			lines = append(lines, fmt.Sprintf("_Reopened %s: %s_", review.DateOf(a.ReopenedAt).Human(), esc(truncate(oneLine(a.Reopen), 300))))
		}
		text := fitLines(lines[0], lines[1:], "line", "lines")
		if action != nil {
			blocks = append(blocks, sectionWith(text, action))
		} else {
			blocks = append(blocks, section(text))
		}
	}
	if len(pools) > len(shown) {
		blocks = append(blocks, note(fmt.Sprintf("Showing %d of %d units. Narrow it down with `/perform ratings <unit>`.", len(shown), len(pools))))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ratingsCallback,
		Title:           plain("Ratings "+fy.String(), 24),
		Close:           plain("Close", 24),
		PrivateMetadata: ratingsMeta{Year: int(fy), Filter: filter}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// approveClicked approves a pool within the cap, then redraws the audit.
func (h *handlers) approveClicked(ctx context.Context, a *bot.Action) {
	actor, err := h.hrActor(ctx, a.User.ID)
	var m ratingsMeta
	if err == nil {
		err = json.Unmarshal([]byte(a.View.PrivateMetadata), &m)
	}
	if err == nil {
		_, err = h.Store.ApproveRatings(ctx, actor, review.FiscalYear(m.Year), h.Scale, a.Action.Value, "", h.approvedNotify(review.FiscalYear(m.Year)))
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "approve ratings")})
		return
	}
	h.Wake()
	h.refreshRatings(ctx, actor, a.View.ID, m)
}

// refreshRatings redraws the audit modal viewID, as actor sees it.
func (h *handlers) refreshRatings(ctx context.Context, actor review.Actor, viewID string, m ratingsMeta) {
	view, err := h.ratingsView(ctx, actor, review.FiscalYear(m.Year), m.Filter)
	if err == nil {
		_, err = h.Slack.UpdateViewContext(ctx, view, "", "", viewID)
	}
	if err != nil {
		h.Log.Warn("refresh ratings", "err", err)
	}
}

// poolReasonClicked asks HR for a reason: an exception to the cap, or a
// reopening.
func (h *handlers) poolReasonClicked(callback string) bot.ActionFunc {
	return func(ctx context.Context, a *bot.Action) {
		if _, err := h.hrActor(ctx, a.User.ID); err != nil {
			a.Reply(ctx, bot.Message{Text: h.userMessage(err, "ratings")})
			return
		}
		var m ratingsMeta
		if err := json.Unmarshal([]byte(a.View.PrivateMetadata), &m); err != nil {
			return
		}
		pm := ratingsMeta{Year: m.Year, Unit: a.Action.Value, Parent: a.View.ID, Filter: m.Filter}
		h.openModal(ctx, a, a.TriggerID, reasonModal(callback, pm), true)
	}
}

// reasonModal asks why: an exception to the cap, or a reopening.
func reasonModal(callback string, m ratingsMeta) slack.ModalViewRequest {
	title, submit, intro, label := "Exception to the cap", "Approve", "*%s is over the cap.* Approving it needs an exception. Say why HR accepts this distribution: it's kept with the approval.", "Reason for the exception"
	if callback == reopenCallback {
		title, submit, intro, label = "Reopen ratings", "Reopen", "*Reopen the ratings of %s?* Its managers will be able to change a rating, and ratings not yet talked through wait for a new approval. Say why: it's kept in the history and sent to them.", "Why reopen"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callback,
		Title:           plain(title, 24),
		Submit:          plain(submit, 24),
		Close:           plain("Back", 24),
		PrivateMetadata: m.String(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf(intro, esc(m.Unit))),
			textInput(reasonBlock, label, "", "", 1000, true, false),
		}},
	}
}

func (h *handlers) exceptionSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	return h.reasonSubmit(ctx, s, func(actor review.Actor, m ratingsMeta, reason string) error {
		fy := review.FiscalYear(m.Year)
		_, err := h.Store.ApproveRatings(ctx, actor, fy, h.Scale, m.Unit, reason, h.approvedNotify(fy))
		return err
	})
}

func (h *handlers) reopenSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	return h.reasonSubmit(ctx, s, func(actor review.Actor, m ratingsMeta, reason string) error {
		fy := review.FiscalYear(m.Year)
		_, err := h.Store.ReopenRatings(ctx, actor, fy, m.Unit, reason, h.reopenedNotify(fy, reason))
		return err
	})
}

// reasonSubmit runs do with the reason HR gave, then redraws the audit
// beneath the closed modal.
func (h *handlers) reasonSubmit(ctx context.Context, s *bot.Submission, do func(review.Actor, ratingsMeta, string) error) (*slack.ViewSubmissionResponse, error) {
	actor, err := h.hrActor(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	var m ratingsMeta
	if err := json.Unmarshal([]byte(s.View.PrivateMetadata), &m); err != nil || m.Unit == "" {
		return nil, review.Errorf(review.EINVALID, "This form is damaged. Please close it and open it again.")
	}
	reason := strings.TrimSpace(textValue(s.View, reasonBlock))
	if reason == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{reasonBlock: "Write the reason: it's kept with the decision."}), nil
	}
	if msg := tooLongText(reason, 1000); msg != "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{reasonBlock: msg}), nil
	}
	if err := do(actor, m, reason); err != nil {
		if fields := review.FieldErrors(err); fields != nil {
			return fieldErrors(fields, func(string) string { return reasonBlock }, s.View), nil
		}
		return nil, err
	}
	h.Wake()
	if m.Parent != "" {
		s.After(func(ctx context.Context) { h.refreshRatings(ctx, actor, m.Parent, m) })
	}
	return nil, nil
}

// approvedNotify tells each manager in an approved pool that they may now
// share their reports' ratings, with a button per person to mark the
// conversation held.
func (h *handlers) approvedNotify(fy review.FiscalYear) storage.NotifyTeams {
	at := h.Clock.Now().UnixNano()
	return func(p review.Pool, teams []storage.TeamRelease) ([]storage.Notification, error) {
		var ns []storage.Notification
		for _, t := range teams {
			payload, err := ratingsApprovedDM(fy, t)
			if err != nil {
				return nil, err
			}
			ns = append(ns, storage.Notification{
				Key: fmt.Sprintf("approved:%d:%s:%d:%d", fy, p.Unit, t.Manager.ID, at), Recipient: t.Manager.SlackID, Kind: "ratings", Payload: payload,
			})
		}
		return ns, nil
	}
}

// heldButtonsShown is how many people an approval message has a button
// for; Home has the rest.
const heldButtonsShown = 40

func ratingsApprovedDM(fy review.FiscalYear, t storage.TeamRelease) ([]byte, error) {
	text := fmt.Sprintf("HR has approved the %s ratings for your team.", fy)
	blocks := []slack.Block{section("*" + text + "*\nYou can now share each rating in a final conversation. Once you've talked, mark it held: that's when they'll see their rating.")}
	for i, p := range t.Reports {
		if i == heldButtonsShown {
			blocks = append(blocks, note(fmt.Sprintf("…and %d more: use the menu next to each person in MassPerform's Home tab.", len(t.Reports)-i)))
			break
		}
		blocks = append(blocks, sectionWith(esc(p.Name), button("Conversation held", heldAction, strconv.FormatInt(p.ID, 10), false)))
	}
	return scheduler.EncodePayload(text, blocks)
}

// reopenedNotify tells each manager in a reopened pool why, and that they
// can change a rating.
func (h *handlers) reopenedNotify(fy review.FiscalYear, reason string) storage.NotifyTeams {
	at := h.Clock.Now().UnixNano()
	return func(p review.Pool, teams []storage.TeamRelease) ([]storage.Notification, error) {
		var ns []storage.Notification
		for _, t := range teams {
			text := fmt.Sprintf("HR reopened the %s ratings of %s.", fy, esc(p.Unit))
			blocks := []slack.Block{
				section("*" + text + "*\n" + quote(reason)),
				note("You can change a rating with `/perform wrapup @name`. Ratings you haven't talked through yet wait for HR to approve again."),
			}
			payload, err := scheduler.EncodePayload(text, blocks)
			if err != nil {
				return nil, err
			}
			ns = append(ns, storage.Notification{
				Key: fmt.Sprintf("reopened:%d:%s:%d:%d", fy, p.Unit, t.Manager.ID, at), Recipient: t.Manager.SlackID, Kind: "ratings", Payload: payload,
			})
		}
		return ns, nil
	}
}
