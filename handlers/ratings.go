package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
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
	exceptionCallback = "ratings_exception" // HRD standing in for every step: approve over the cap
	askCallback       = "ratings_ask"       // the secretariat asks the CHRO for an exception
	reopenCallback    = "ratings_reopen"
	approveAction     = "ratings_approve"   // value: the pool's secretariat
	exceptionAction   = "ratings_exception" // value: the pool's secretariat
	askAction         = "ratings_ask"       // value: the pool's secretariat
	grantAction       = "ratings_grant"     // value: the pool's secretariat
	reopenAction      = "ratings_reopen"    // value: the pool's secretariat
	openRatingsAction = "ratings_open"      // value: the pool's secretariat (from a DM)
	poolsShown        = 20
	reasonBlock       = "reason"
)

func (h *handlers) registerRatings(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "ratings",
		Usage:   r.Slash() + " ratings [secretariat or unit] · ratings combine <secretariat> into <secretariat>: <reason> · ratings separate <secretariat>",
		Summary: "the rating distribution by secretariat and agency against the guidelines; approve it, ask for or grant an exception, or reopen it",
		For:     bot.HR,
		Handle:  h.ratingsCommand,
	})
	r.Action(approveAction, h.approveClicked)
	r.Action(grantAction, h.grantClicked)
	r.Action(exceptionAction, h.poolReasonClicked(exceptionCallback))
	r.Action(askAction, h.poolReasonClicked(askCallback))
	r.Action(reopenAction, h.poolReasonClicked(reopenCallback))
	r.Action(openRatingsAction, h.openRatingsClicked)
	r.Submit(exceptionCallback, h.exceptionSubmit)
	r.Submit(askCallback, h.askSubmit)
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

// decision is a step on pool for fy, with what tells the people it
// concerns.
func (h *handlers) decision(fy review.FiscalYear, pool, reason string) storage.Decision {
	_, emails := h.HR.Entries()
	return storage.Decision{Year: fy, Scale: h.Scale, Pool: pool, Reason: reason, HRUsers: emails,
		Teams: h.approvedNotify(fy), Next: h.nextApproverNotify(fy)}
}

func (h *handlers) ratingsCommand(ctx context.Context, c *bot.Command) {
	actor, err := h.hrActor(ctx, c.UserID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "ratings")})
		return
	}
	fy, _ := h.wrapUpYear()
	rest := strings.TrimSpace(fromSlack(strings.TrimSpace(c.Rest)))
	if verb, args, _ := strings.Cut(rest, " "); strings.EqualFold(verb, "combine") || strings.EqualFold(verb, "separate") {
		h.combineCommand(ctx, c, actor, fy, strings.ToLower(verb), strings.TrimSpace(args))
		return
	}
	filter := strings.Trim(rest, "/")
	view, err := h.ratingsView(ctx, actor, fy, filter)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "ratings")})
		return
	}
	c.Ack()
	h.openModal(ctx, c, c.TriggerID, view, false)
}

// combineCommand is HRD's combining of a small secretariat with another
// for the cap ("combine A into B: why"), or its undoing ("separate A").
func (h *handlers) combineCommand(ctx context.Context, c *bot.Command, actor review.Actor, fy review.FiscalYear, verb, args string) {
	usage := "Write it as `/perform ratings combine <small secretariat> into <secretariat>: <why>`, or `/perform ratings separate <secretariat>`."
	var small, into, reason string
	if verb == "combine" {
		head, why, ok := strings.Cut(args, ":")
		fields := strings.Fields(head)
		if !ok || len(fields) != 3 || !strings.EqualFold(fields[1], "into") || strings.TrimSpace(why) == "" {
			c.Reply(ctx, bot.Message{Text: usage})
			return
		}
		small, into, reason = fields[0], fields[2], strings.TrimSpace(why)
	} else {
		fields := strings.Fields(args)
		if len(fields) != 1 {
			c.Reply(ctx, bot.Message{Text: usage})
			return
		}
		small = fields[0]
	}
	if msg := tooLongText(reason, 1000); msg != "" {
		c.Reply(ctx, bot.Message{Text: msg})
		return
	}
	if err := h.Store.CombinePools(ctx, actor, fy, small, into, reason, verb == "separate"); err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "combine secretariats")})
		return
	}
	text := fmt.Sprintf("Done: %s counts with %s for the %s cap. `/perform ratings %s` shows them together.", esc(small), esc(into), fy, esc(into))
	if verb == "separate" {
		text = fmt.Sprintf("Done: %s counts on its own for the %s cap again.", esc(small), fy)
	}
	c.Reply(ctx, bot.Message{Text: text})
}

// ratingsView builds the audit of fy that actor sees, for the pools inside
// filter ("" for all) and the actor's scope. An HR person's own rating,
// until it is released to them, is left out of the counts with them, and
// they decide nothing about the pool it is in.
func (h *handlers) ratingsView(ctx context.Context, actor review.Actor, fy review.FiscalYear, filter string) (slack.ModalViewRequest, error) {
	all, pools, err := h.Store.RatingPools(ctx, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	counts, own := all, ""
	unit, rating, hidden, err := h.ownRating(ctx, actor, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	if hidden {
		counts = review.LeaveOut(all, unit, rating)
		for i, p := range pools {
			if p.Holds(unit) {
				own = p.Unit
				pools[i].UnitCount = p.UnitCount.Without(rating)
			}
		}
	}
	var shown []review.Pool
	for _, p := range pools {
		if (filter == "" || review.InUnit(p.Unit, filter) || hasMember(p, filter)) && (actor.Scope == "" || hasMember(p, actor.Scope)) {
			shown = append(shown, p)
		}
	}
	if len(shown) == 0 {
		if filter == "" {
			return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "Nobody in your part of the organisation (%s) is to be rated in %s yet.", actor.Scope, fy)
		}
		return slack.ModalViewRequest{}, review.Errorf(review.ENOTFOUND, "No unit called %s in your part of the organisation has people to rate in %s. Units are written like they are in the roster, e.g. EOHHS/DPH.", filter, fy)
	}
	approvals, err := h.Store.Approvals(ctx, fy)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	chains, err := h.Store.ApprovalChains(ctx, shown)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	var scoped []review.UnitCount
	for _, c := range counts {
		if review.InScope(actor.Scope, c.Unit) {
			scoped = append(scoped, c)
		}
	}
	return ratingsModal(ratingsAudit{Year: fy, Scale: h.Scale, Filter: filter, Actor: actor, Pools: shown, Counts: scoped,
		Approvals: approvals, Chains: chains, Own: own}), nil
}

func hasMember(p review.Pool, unit string) bool {
	for _, m := range p.Members {
		if review.InUnit(m, unit) || review.InUnit(unit, m) && !strings.Contains(m, "/") {
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

// ratingsAudit is what HR's ratings modal shows.
type ratingsAudit struct {
	Year      review.FiscalYear
	Scale     review.Scale
	Filter    string
	Actor     review.Actor
	Pools     []review.Pool
	Counts    []review.UnitCount // by unit, within the actor's scope
	Approvals map[string]storage.Approval
	Chains    map[string]review.Chain
	Own       string // the pool the viewer's own rating is in, "" if none
}

// ratingsModal is HR's audit: each secretariat with its distribution
// against the guidelines, its agencies inside it, where its approval
// stands and what the viewer can do about it. The viewer's own pool
// leaves them out of its counts, and someone else decides it. Someone
// whose scope is an agency sees their agency's counts, and the
// secretariat's approval, and decides nothing.
func ratingsModal(a ratingsAudit) slack.ModalViewRequest {
	top, capped := a.Scale.Capped()
	intro := fmt.Sprintf("*Ratings · %s*", a.Year)
	if a.Filter != "" {
		intro += " · " + esc(a.Filter)
	}
	intro += "\nCounts and shares of the ratings given so far, against the guidelines. The cap is counted across each secretariat, and its HR approves first, then central HR (HRD)."
	if a.Actor.Scope != "" {
		intro += fmt.Sprintf("\n_You see %s, your part of the organisation as %s._", esc(a.Actor.Scope), a.Actor.HRRole().Title())
	}
	if a.Own != "" {
		intro += "\n_You're left out of these counts, and your own rating with you, until it's released to you._"
	}
	blocks := []slack.Block{section(intro), slack.NewDividerBlock()}
	shown := a.Pools
	if len(shown) > poolsShown {
		shown = shown[:poolsShown]
	}
	agencyView := strings.Contains(a.Actor.Scope, "/")
	charts := 0
	for _, p := range shown {
		ap := a.Approvals[p.Unit]
		chain := a.Chains[p.Unit]
		over := capped && review.OverCap(top.CapPercent, p.Counts[top.Key], p.People)
		var lines []string
		agencies := p.Agencies(a.Counts)
		if agencyView {
			for _, ag := range agencies {
				lines = append(lines, fmt.Sprintf("*%s* · %s, %d rated (in %s)", esc(ag.Unit), plural(ag.People, "person", "people"), ag.Rated(), esc(p.Unit)))
				lines = append(lines, distribution(a.Scale, ag)...)
			}
		} else {
			head := fmt.Sprintf("*%s* · %s, %d rated", esc(p.Unit), plural(p.People, "person", "people"), p.Rated())
			if over {
				head += fmt.Sprintf(" · ⚠️ over the %d%% cap on %s (it allows %d)", top.CapPercent, top.Name, review.CapAllows(top.CapPercent, p.People))
			}
			lines = append(lines, head)
			lines = append(lines, distribution(a.Scale, p.UnitCount)...)
			if combined := combinedNames(p); len(combined) > 0 {
				lines = append(lines, "_Counted with it for the cap: "+esc(strings.Join(combined, ", "))+"_")
			}
		}
		lines = append(lines, approvalLines(a.Year, p, ap, chain, over)...)
		if p.Unit == a.Own {
			lines = append(lines, "_Your own rating is in "+esc(p.Unit)+", so someone else in HR decides it._")
		}
		blocks = append(blocks, section(fitLines(lines[0], lines[1:], "line", "lines")))
		if charts < maxRatingCharts {
			counted, name := p.UnitCount, p.Unit
			if agencyView && len(agencies) > 0 {
				counted, name = agencies[0], agencies[0].Unit
			}
			if counted.Rated() > 0 {
				blocks = append(blocks, distributionChart(a.Scale, name, counted)...)
				charts++
			}
		}
		if !agencyView && len(agencies) > 1 && capped {
			var al []string
			for _, ag := range agencies {
				share := review.Share(ag.Counts[top.Key], ag.Rated())
				line := fmt.Sprintf("%s: %s, %d rated · %s %d (%.0f%%)", esc(ag.Unit), plural(ag.People, "person", "people"), ag.Rated(), top.Name, ag.Counts[top.Key], share)
				if ag.Rated() > 0 && review.OverCap(top.CapPercent, ag.Counts[top.Key], ag.Rated()) {
					line = "⚠️ " + line + fmt.Sprintf(", over %d%% (for information: the cap is the secretariat's)", top.CapPercent)
				}
				al = append(al, line)
			}
			blocks = append(blocks, note(fitLines("*Agencies in "+esc(p.Unit)+"*", al, "agency", "agencies")))
		}
		if agencyView {
			continue
		}
		if els := poolActions(a, p, ap, chain, over); len(els) > 0 {
			blocks = append(blocks, slack.NewActionBlock("pool:"+truncate(p.Unit, 200), els...))
		}
	}
	if len(a.Pools) > len(shown) {
		blocks = append(blocks, note(fmt.Sprintf("Showing %d of %d secretariats. Narrow it down with `/perform ratings <secretariat>`.", len(shown), len(a.Pools))))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      ratingsCallback,
		Title:           plain("Ratings "+a.Year.String(), 24),
		Close:           plain("Close", 24),
		PrivateMetadata: ratingsMeta{Year: int(a.Year), Filter: a.Filter}.String(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// maxRatingCharts is how many distribution charts the audit draws (Slack
// takes two charts a view): the first secretariats shown.
const maxRatingCharts = 2

// distributionChart draws a count's distribution against the guideline
// bands, as grouped bars (the share given, and the band's low and high
// ends), with the same figures in words for screen readers and clients
// that draw no charts.
func distributionChart(scale review.Scale, name string, u review.UnitCount) []slack.Block {
	var names, words []string
	share := chartSeries{Name: "Given"}
	low := chartSeries{Name: "Guideline, low"}
	high := chartSeries{Name: "Guideline, high"}
	for _, r := range scale.Ratings {
		names = append(names, r.Name)
		v := review.Share(u.Counts[r.Key], u.Rated())
		share.Values = append(share.Values, math.Round(v*10)/10)
		low.Values = append(low.Values, r.BandMin)
		high.Values = append(high.Values, r.BandMax)
		words = append(words, fmt.Sprintf("%s %.1f%% (guideline %s)", r.Name, v, r.GuidelineText()))
	}
	return []slack.Block{
		seriesChart(false, name+": ratings against the guideline", "Rating", "% of those rated", chartLabels(names), []chartSeries{share, low, high}),
		note("_The chart in words:_ " + esc(name) + ": " + strings.Join(words, "; ") + "."),
	}
}

// combinedNames are the secretariats HRD counted with the pool's own.
func combinedNames(p review.Pool) []string {
	var out []string
	for _, m := range p.Members[1:] {
		if !strings.Contains(m, "/") && m != p.Unit {
			out = append(out, m)
		}
	}
	return out
}

// approvalLines say where the pool's approval stands, step by step, and
// who holds each step.
func approvalLines(fy review.FiscalYear, p review.Pool, ap storage.Approval, chain review.Chain, over bool) []string {
	var lines []string
	steps := "1️⃣ Waiting for the first approval, by its HR (secretariat HR) · 2️⃣ then central HR (HRD)."
	hrdAlone := chain.Holder(review.AwaitingSecretariat) == review.HRD
	if hrdAlone {
		steps = "Waiting for central HR (HRD), who approves it in one step: the roster has no secretariat HR for it who may decide it."
	}
	switch {
	case p.Rated() < p.People && ap.Stage() == review.AwaitingSecretariat:
		lines = append(lines, fmt.Sprintf("⏳ Waiting on %d of %d ratings before it can be approved. %s", p.People-p.Rated(), p.People, steps))
	case ap.Stage() == review.Approved:
		status := "✅ Approved " + review.DateOf(ap.ApprovedAt).Human()
		if !ap.CheckedAt.IsZero() && ap.CheckedAt.Before(ap.ApprovedAt) {
			status += " (its HR approved " + review.DateOf(ap.CheckedAt).Human() + ")"
		}
		lines = append(lines, status+": managers may hold the final conversations.")
	case ap.Stage() == review.AwaitingHRD:
		lines = append(lines, fmt.Sprintf("1️⃣ Approved by its HR %s · 2️⃣ waiting for central HR (HRD).", review.DateOf(ap.CheckedAt).Human()))
	default:
		lines = append(lines, steps)
	}
	exceptionBy := "the CHRO"
	if !chain.HasCHRO {
		exceptionBy = "central HR (HRD), as the roster has no CHRO"
	}
	switch {
	case ap.Excepted() && ap.Exception != "":
		lines = append(lines, fmt.Sprintf("Exception to the cap granted %s: %s", review.DateOf(ap.ExceptionGrantedAt).Human(), esc(truncate(oneLine(ap.Exception), 300))))
	case ap.Asked():
		lines = append(lines, fmt.Sprintf("Exception asked for %s, waiting for %s: %s", review.DateOf(ap.ExceptionAskedAt).Human(), exceptionBy, esc(truncate(oneLine(ap.Exception), 300))))
	case over && ap.Stage() == review.AwaitingSecretariat && hrdAlone && !chain.HasCHRO:
		lines = append(lines, "Over the cap: central HR approves it with an exception, and a reason.")
	case over && ap.Stage() == review.AwaitingSecretariat:
		lines = append(lines, "Over the cap: it needs an exception, asked for by its HR with a reason and granted by "+exceptionBy+".")
	}
	if ap.Stage() == review.AwaitingSecretariat && !ap.ReopenedAt.IsZero() {
		lines = append(lines, fmt.Sprintf("_Reopened %s: %s_", review.DateOf(ap.ReopenedAt).Human(), esc(truncate(oneLine(ap.Reopen), 300))))
	}
	return lines
}

// poolActions are the buttons the viewer may use on the pool.
func poolActions(a ratingsAudit, p review.Pool, ap storage.Approval, chain review.Chain, over bool) []slack.BlockElement {
	if p.Unit == a.Own {
		return nil
	}
	role, unit := a.Actor.HRRole(), ""
	if a.Actor.Person != nil {
		unit = a.Actor.Person.Unit
	}
	secretariat := p.Unit
	if a.Actor.Person != nil && p.Holds(a.Actor.Person.Secretariat()) {
		secretariat = a.Actor.Person.Secretariat()
	}
	st := ap.Stage()
	var els []slack.BlockElement
	allRated := p.Rated() >= p.People
	if allRated && st != review.Approved {
		switch {
		case over && !ap.Excepted() && ap.Asked():
			if chain.CanExcept(role) == nil {
				b := button("Grant the exception", grantAction, p.Unit, true)
				b.Confirm = slack.NewConfirmationBlockObject(plain("Let "+p.Unit+" go over the cap?", 100),
					plain("Its HR can then approve it, and central HR after them.", 300), plain("Grant", 30), plain("Not yet", 30))
				els = append(els, b)
			}
		case over && !ap.Excepted() && st == review.AwaitingSecretariat:
			if chain.Holder(st) == review.HRD && !chain.HasCHRO && role.OrgWide() {
				els = append(els, button("Approve with exception", exceptionAction, p.Unit, false))
			} else if chain.CanAskException(role, unit, secretariat, st) == nil {
				els = append(els, button("Ask for an exception", askAction, p.Unit, false))
			}
		case chain.CanApprove(role, unit, secretariat, st, over, ap.Excepted()) == nil:
			label, body := "Approve", "Central HR (HRD) approves next."
			switch {
			case st == review.AwaitingHRD || chain.Holder(review.AwaitingSecretariat) == review.HRD:
				label, body = "Approve", "Its managers will be told they can share each rating in a final conversation."
			default:
				label = "Approve (1 of 2)"
			}
			b := button(label, approveAction, p.Unit, true)
			b.Confirm = slack.NewConfirmationBlockObject(plain("Approve "+p.Unit+"?", 100), plain(body, 300), plain("Approve", 30), plain("Not yet", 30))
			els = append(els, b)
		}
	}
	if st != review.AwaitingSecretariat && (role.OrgWide() || role == review.HRSecretariat && p.Holds(secretariatOfUnit(unit))) {
		els = append(els, button("Reopen", reopenAction, p.Unit, false))
	}
	return els
}

func secretariatOfUnit(unit string) string { s, _, _ := strings.Cut(unit, "/"); return s }

// approveClicked takes the viewer's step on a pool, then redraws the
// audit.
func (h *handlers) approveClicked(ctx context.Context, a *bot.Action) {
	h.poolStep(ctx, a, func(actor review.Actor, d storage.Decision) error {
		_, err := h.Store.ApproveRatings(ctx, actor, d)
		return err
	})
}

// grantClicked grants a pool the exception its HR asked for.
func (h *handlers) grantClicked(ctx context.Context, a *bot.Action) {
	h.poolStep(ctx, a, func(actor review.Actor, d storage.Decision) error {
		_, err := h.Store.GrantException(ctx, actor, d)
		return err
	})
}

func (h *handlers) poolStep(ctx context.Context, a *bot.Action, do func(review.Actor, storage.Decision) error) {
	actor, err := h.hrActor(ctx, a.User.ID)
	var m ratingsMeta
	if err == nil {
		err = json.Unmarshal([]byte(a.View.PrivateMetadata), &m)
	}
	if err == nil {
		err = do(actor, h.decision(review.FiscalYear(m.Year), a.Action.Value, ""))
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "approve ratings")})
		return
	}
	h.Wake()
	h.refreshRatings(ctx, actor, a.View.ID, m)
}

// openRatingsClicked opens the audit of one secretariat, from the DM
// that says it is the viewer's turn.
func (h *handlers) openRatingsClicked(ctx context.Context, a *bot.Action) {
	actor, err := h.hrActor(ctx, a.User.ID)
	var view slack.ModalViewRequest
	if err == nil {
		fy, _ := h.wrapUpYear()
		view, err = h.ratingsView(ctx, actor, fy, a.Action.Value)
	}
	if err != nil {
		a.Reply(ctx, bot.Message{Text: h.userMessage(err, "ratings")})
		return
	}
	h.openModal(ctx, a, a.TriggerID, view, false)
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
	switch callback {
	case askCallback:
		title, submit, intro, label = "Ask for an exception", "Ask", "*%s is over the cap.* Going over it needs the CHRO's exception. Say why this distribution is right: the CHRO reads it, and it's kept with the approval.", "Why it should go over the cap"
	case reopenCallback:
		title, submit, intro, label = "Reopen ratings", "Reopen", "*Reopen the ratings of %s?* Its managers will be able to change a rating, ratings not yet talked through wait for a new approval, and both approvals are given again. Say why: it's kept in the history and sent to them.", "Why reopen"
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
		_, err := h.Store.ApproveRatings(ctx, actor, h.decision(review.FiscalYear(m.Year), m.Unit, reason))
		return err
	})
}

func (h *handlers) askSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	return h.reasonSubmit(ctx, s, func(actor review.Actor, m ratingsMeta, reason string) error {
		_, err := h.Store.AskException(ctx, actor, h.decision(review.FiscalYear(m.Year), m.Unit, reason))
		return err
	})
}

func (h *handlers) reopenSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	return h.reasonSubmit(ctx, s, func(actor review.Actor, m ratingsMeta, reason string) error {
		fy := review.FiscalYear(m.Year)
		d := h.decision(fy, m.Unit, reason)
		d.Teams = h.reopenedNotify(fy, reason)
		_, err := h.Store.ReopenRatings(ctx, actor, d)
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

// nextApproverNotify tells the people whose turn it is on a pool: central
// HR after the secretariat approved, the CHRO when an exception is asked
// for, the secretariat's HR when it is granted; each with a button to the
// secretariat's audit.
func (h *handlers) nextApproverNotify(fy review.FiscalYear) storage.NotifyApprovers {
	at := h.Clock.Now().UnixNano()
	ids, _ := h.HR.Entries()
	return func(p review.Pool, what string, to []review.Person) ([]storage.Notification, error) {
		var text string
		switch what {
		case storage.StepChecked:
			text = fmt.Sprintf("%s's HR approved its %s ratings: they're ready for central HR's approval.", p.Unit, fy)
		case storage.StepExceptionAsk:
			text = fmt.Sprintf("%s asks to go over the cap on its %s ratings.", p.Unit, fy)
		case storage.StepExceptionDone:
			text = fmt.Sprintf("%s's exception to the %s cap is granted: its ratings can be approved.", p.Unit, fy)
		}
		payload, err := scheduler.EncodePayload(text, []slack.Block{
			sectionWith("*"+esc(text)+"*", button("Open the ratings", openRatingsAction, p.Unit, true)),
		})
		if err != nil {
			return nil, err
		}
		recipients := map[string]bool{}
		for _, r := range to {
			if r.SlackID != "" {
				recipients[r.SlackID] = true
			}
		}
		if what == storage.StepChecked || what == storage.StepExceptionAsk && len(to) == 0 {
			for _, id := range ids {
				recipients[id] = true
			}
		}
		var ns []storage.Notification
		for _, id := range slices.Sorted(maps.Keys(recipients)) {
			ns = append(ns, storage.Notification{Key: fmt.Sprintf("chain:%s:%d:%s:%s:%d", what, fy, p.Unit, id, at), Recipient: id, Kind: "ratings", Payload: payload})
		}
		return ns, nil
	}
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
