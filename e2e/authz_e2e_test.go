package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// forgery is a real form, opened by the person it is for and filled with
// values that save: sent by anyone else (its ids and private_metadata
// intact, only the sender changed) it must be refused for who they are,
// and sent by its owner it must save. So authorization is the only reason
// a forged copy can fail.
type forgery struct {
	callback string
	owner    string
	open     func() *slackemu.View
	set      values
	wrong    []string
	refusal  func(u string) string // what the refusal says to u
}

// forge opens each forgery's form, sends it from each wrong sender and
// checks that it is refused with its refusal and that snapshot (what the
// form would change) is as it was; then its owner sends it, and it saves.
func (w *world) forge(t *testing.T, fs []forgery, snapshot func() any) {
	t.Helper()
	for _, f := range fs {
		view := f.open()
		before := snapshot()
		for _, u := range f.wrong {
			t.Run("submit "+f.callback+" as "+u, func(t *testing.T) {
				ack, err := w.emu.SubmitForged(w.ctx(), u, f.owner, view.ID, f.set)
				if err != nil {
					t.Fatal(err)
				}
				want, found := f.refusal(u), false
				for _, msg := range ackErrors(ack) {
					found = found || strings.Contains(msg, want)
				}
				if !found {
					t.Errorf("not refused with %q: %s", want, ack.Payload)
				}
			})
		}
		if diff := cmp.Diff(before, snapshot()); diff != "" {
			t.Errorf("forged %s changed something (-before +after):\n%s", f.callback, diff)
		}
		if errs := ackErrors(w.submit(f.owner, view, f.set)); errs != nil {
			t.Errorf("%s, sent by its owner, was not saved: %v", f.callback, errs)
		}
		if diff := cmp.Diff(before, snapshot()); diff == "" {
			t.Errorf("%s, sent by its owner, changed nothing", f.callback)
		}
		for v := w.emu.TopView(f.owner); v != nil; v = w.emu.TopView(f.owner) {
			w.emu.CloseView(w.ctx(), f.owner, v.ID)
		}
	}
}

// clickForged sends a click on a button as u, with the button's value as
// someone else had it, and checks that u is told want (and that no form
// opened).
func (w *world) clickForged(t *testing.T, u, action, value, viewMeta, want string) {
	t.Helper()
	before := len(w.emu.MessagesTo(u))
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": u}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.forged",
		"container": map[string]any{"type": "view", "view_id": "VFORGED"},
		"actions":   []any{map[string]any{"action_id": action, "block_id": "b", "type": "button", "value": value}},
	}
	if viewMeta != "" {
		payload["view"] = map[string]any{"id": "VFORGED", "type": "modal", "callback_id": "ratings", "private_metadata": viewMeta}
	}
	if _, err := w.emu.SendInteractive(w.ctx(), payload); err != nil {
		t.Fatal(err)
	}
	ctx := w.ctx()
	for {
		var got []string
		for _, m := range w.emu.MessagesTo(u)[before:] {
			if text := messageText(m); strings.Contains(text, esc(want)) {
				if v := w.emu.TopView(u); v != nil {
					t.Errorf("a forged click opened %s", v.CallbackID)
				}
				return
			} else {
				got = append(got, text)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s's forged %s was not refused with %q; they were told:\n%s", u, action, want, strings.Join(got, "\n"))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// canSays is the refusal review.Can gives u acting on target: what a
// forged form must be refused with.
func canSays(t *testing.T, s *storage.Store, hr map[string]bool, u string, act review.Action, target review.Person) string {
	t.Helper()
	actor := review.Actor{SlackID: u, HR: hr[u]}
	if p, err := s.PersonBySlackID(context.Background(), u); err == nil {
		actor.Person = &p
	}
	err := review.Can(actor, act, target)
	if err == nil {
		t.Fatalf("%s may %s for %s", u, act, target.Name)
	}
	return review.ErrorMessage(err)
}

const (
	notYourReport = "That button is for the person's manager. You can act only for people who report to you."
	notForHR      = "Rating audits and approvals are for HR."
)

// TestForgedPayloadsAreRefused sends, for every form and button that acts
// on someone's review, payloads crafted from the real thing by everyone
// who may not act: each is refused for who they are, nothing changes, and
// the same payload from its owner is saved.
func TestForgedPayloadsAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		setExpectations(t, w)
		w.command(mona, "checkin <@U0ELI|eli>")
		ci := w.waitTopView(mona, "checkin")
		if errs := ackErrors(w.submit(mona, ci, values{}.options("covered", "expectations", "feedback").text("feedback", "ok").pick("cadence", "quarterly"))); errs != nil {
			t.Fatal(errs)
		}
		checkInDM := w.dmWith(eli, "logged your first check-in")
		// Zoe moves to Pat, so Mona has a hand-off note to write.
		monaDMs := w.dmCount(mona)
		w.moveTo("zoe@example.org", "pat@example.org")
		handoffDM := w.dm(mona, monaDMs+1)

		s := openStore(t, w)
		ctx := context.Background()
		eliP, _ := s.PersonBySlackID(ctx, eli)
		zoeP, _ := s.PersonBySlackID(ctx, zoe)
		before, _ := s.Year(ctx, eliP.ID, 2027)
		hr := map[string]bool{hana: true}
		says := func(act review.Action, target review.Person) func(string) string {
			return func(u string) string { return canSays(t, s, hr, u, act, target) }
		}
		others := func(not ...string) []string {
			var out []string
			for _, u := range []string{eli, mona, zoe, pat, dana, hana, omar} {
				if !strings.Contains(strings.Join(not, ","), u) {
					out = append(out, u)
				}
			}
			return out
		}

		forms := []forgery{
			{"expectations", mona, func() *slackemu.View {
				w.command(mona, "expectations <@U0ELI|eli>")
				return w.waitTopView(mona, "expectations")
			}, values{}.text("new:0", "Mentor a new hire"), others(mona), says(review.SetExpectations, eliP)},
			{"goal_edit", eli, func() *slackemu.View {
				w.command(eli, "goals")
				list := w.waitTopView(eli, "goals")
				w.emu.ClickViewButton(w.ctx(), eli, list.ID, "goals_edit", buttonValue(t, list.Raw, "goals_edit", "permit"))
				return w.waitTopView(eli, "goal_edit")
			}, values{}.text("goal:new", "Publish the queue weekly").text("measure:new", "Every Friday").date("target:new", "2026-11-30"), others(eli), says(review.EditGoals, eliP)},
			{"checkin", mona, func() *slackemu.View {
				w.command(mona, "checkin <@U0ELI|eli>")
				return w.waitTopView(mona, "checkin")
			}, values{}.options("covered", "feedback").text("feedback", "Keep the pace"), others(mona), says(review.LogCheckIn, eliP)},
			{"confirm", eli, func() *slackemu.View {
				w.emu.ClickMessageButton(w.ctx(), eli, checkInDM.Channel, checkInDM.TS, "checkin_confirm", buttonValue(t, checkInDM.Raw, "checkin_confirm", ""))
				return w.waitTopView(eli, "confirm")
			}, values{}.pick("answer:met", "yes").pick("answer:cadence", "yes").pick("answer:expectations", "yes").text("feedback", "Useful"), others(eli), says(review.ConfirmCheckIn, eliP)},
			{"cadence", mona, func() *slackemu.View {
				w.command(mona, "cadence <@U0ELI|eli>")
				return w.waitTopView(mona, "cadence")
			}, values{}.pick("cadence", "monthly").text("reason", "Busy season"), others(mona), says(review.SetCadence, eliP)},
			{"development", eli, func() *slackemu.View {
				w.command(eli, "development")
				return w.waitTopView(eli, "development")
			}, values{}.text("long_term", "Lead a division"), others(eli), says(review.EditPlan, eliP)},
			{"handoff", mona, func() *slackemu.View {
				w.emu.ClickMessageButton(w.ctx(), mona, handoffDM.Channel, handoffDM.TS, "handoff_open", buttonValue(t, handoffDM.Raw, "handoff_open", ""))
				return w.waitTopView(mona, "handoff")
			}, values{}.text("note", "Zoe owns the backlog"), others(mona), func(string) string {
				return "Only the manager they moved from can leave a hand-off note"
			}},
		}
		w.forge(t, forms, func() any {
			y, _ := s.Year(ctx, eliP.ID, 2027)
			h, _ := s.LatestHandoff(ctx, zoeP.ID)
			return []any{y, h}
		})
		saved, _ := s.Year(ctx, eliP.ID, 2027)
		if len(saved.Expectations) != 2 || len(saved.CheckIns) != 2 || saved.CheckIns[0].Confirmation == nil || saved.Plan == nil {
			t.Errorf("the owners' submissions did not all save: %+v", saved)
		}

		checkIn := before.CheckIns[0].ID
		eliID := strconv.FormatInt(eliP.ID, 10)
		monaP, _ := s.PersonBySlackID(ctx, mona)
		buttons := []struct {
			action, value string
			refusal       func(u string) string
		}{
			{"expectations_open", eliID, said(notYourReport)},
			{"checkin_open", eliID, said(notYourReport)},
			{"checkin_dev", eliID, said(notYourReport)},
			{"checkin_confirm", strconv.FormatInt(checkIn, 10), said("That button is for the person the check-in was with.")},
			{"checkin_edit", strconv.FormatInt(checkIn, 10), said("Only the manager who logged a check-in can edit it.")},
			{"handoff_open", strconv.FormatInt(zoeP.ID, 10), said("Only the manager they moved from")},
			{"team_next", fmt.Sprintf("%d:0", monaP.ID), says(review.ViewTeam, monaP)},
		}
		for _, b := range buttons {
			for _, u := range []string{zoe, pat, omar} {
				t.Run("click "+b.action+" as "+u, func(t *testing.T) {
					w.clickForged(t, u, b.action, b.value, "", b.refusal(u))
				})
			}
		}
	})
}

// said is a refusal that is the same for everyone.
func said(refusal string) func(string) string { return func(string) string { return refusal } }

// esc is how the bot writes text in mrkdwn.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestForgedWrapUpPayloadsAreRefused does the same for the wrap-up season:
// Eli's reflection and Mona's wrap-up of him, HR's exception and reopening
// of a unit (HR rated in that unit may not either), and the clicks that
// open them or record the final conversation.
func TestForgedWrapUpPayloadsAreRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-20", withHRD)
		s := openStore(t, w)
		ctx := context.Background()
		eliP, _ := s.PersonBySlackID(ctx, eli)
		hr := map[string]bool{hana: true, hugo: true}
		says := func(act review.Action, target review.Person) func(string) string {
			return func(u string) string { return canSays(t, s, hr, u, act, target) }
		}
		everyone := []string{eli, mona, zoe, pat, dana, hana, omar}
		but := func(not ...string) []string {
			var out []string
			for _, u := range everyone {
				if !strings.Contains(strings.Join(not, ","), u) {
					out = append(out, u)
				}
			}
			return out
		}
		eliYear := func() any { y, _ := s.Year(ctx, eliP.ID, 2027); return y }
		set := values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes")
		set.radio("rating", "rating_pick", "exceptional")
		w.forge(t, []forgery{
			{"reflection", eli, func() *slackemu.View {
				w.command(eli, "wrapup")
				return w.waitTopView(eli, "reflection")
			}, values{}.text("accomplishments", "Shipped the portal").tick("send"), but(eli), says(review.Reflect, eliP)},
			{"wrapup", mona, func() *slackemu.View {
				w.command(mona, "wrapup <@U0ELI|eli>")
				return w.waitTopView(mona, "wrapup")
			}, set, but(mona), says(review.Rate, eliP)},
		}, eliYear)
		w.rateViaSlack(mona, zoe, "zoe", "successful")
		w.rateViaSlack(dana, mona, "mona", "successful")
		w.rateViaSlack(dana, pat, "pat", "successful")
		w.rateViaSlack(dana, hana, "hana", "successful")

		// EOHHS is over the cap: Hugo may approve it with an exception;
		// Hana, rated in it, may not, nor may anyone outside HR.
		hrRefusal := func(u string) string {
			if u == hana {
				return "Your own rating is in EOHHS, so another HR colleague approves or reopens it."
			}
			return notForHR
		}
		approvals := func() any { a, _ := s.Approvals(ctx, 2027); return a }
		openReason := func(action string) func() *slackemu.View {
			return func() *slackemu.View {
				w.command(hugo, "ratings")
				audit := w.waitTopView(hugo, "ratings")
				if _, err := w.emu.ClickViewButton(w.ctx(), hugo, audit.ID, action, "EOHHS"); err != nil {
					t.Fatal(err)
				}
				return w.waitTopView(hugo, action)
			}
		}
		w.forge(t, []forgery{
			{"ratings_exception", hugo, openReason("ratings_exception"), values{}.text("reason", "Eli led the portal"), but(), hrRefusal},
			{"ratings_reopen", hugo, openReason("ratings_reopen"), values{}.text("reason", "Recheck Eli"), but(), hrRefusal},
		}, approvals)

		id := strconv.FormatInt(eliP.ID, 10)
		pool := `{"fy":2027,"u":"EOHHS"}`
		for _, b := range []struct{ action, value, refusal string }{
			{"wrapup_open", id, notYourReport},
			{"rating_held", id, "Only the manager who gave this rating can record the conversation about it."},
			{"ratings_approve", "EOHHS", notForHR},
			{"ratings_exception", "EOHHS", notForHR},
			{"ratings_reopen", "EOHHS", notForHR},
		} {
			for _, u := range []string{zoe, pat, omar} {
				t.Run("click "+b.action+" as "+u, func(t *testing.T) {
					want := b.refusal
					if u == omar && b.action == "rating_held" {
						want = review.NotOnRoster.Message
					}
					w.clickForged(t, u, b.action, b.value, pool, want)
				})
			}
		}
		t.Run("click ratings_approve as hana", func(t *testing.T) {
			w.clickForged(t, hana, "ratings_approve", "EOHHS", pool, "Your own rating is in EOHHS")
		})
		if a, _ := s.Approvals(ctx, 2027); a["EOHHS/Public Health"].Approved() {
			t.Error("a forged click approved EOHHS")
		}

		// Released to Eli: his response is his alone.
		none := func(review.Pool, []storage.TeamRelease) ([]storage.Notification, error) { return nil, nil }
		if _, err := s.ApproveRatings(ctx, review.Actor{SlackID: hugo, HR: true}, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "Eli led the portal", Teams: none}); err != nil {
			t.Fatal(err)
		}
		monaP, _ := s.PersonBySlackID(ctx, mona)
		if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: review.Actor{SlackID: mona, Person: &monaP}, Action: review.HoldConversation}, eliP, 2027); err != nil {
			t.Fatal(err)
		}
		w.forge(t, []forgery{
			{"review_response", eli, func() *slackemu.View {
				w.home(eli)
				if _, err := w.emu.ClickViewButton(w.ctx(), eli, w.emu.Home(eli).ID, "review_respond", "2027"); err != nil {
					t.Fatal(err)
				}
				return w.waitTopView(eli, "review_response")
			}, values{}.text("response", "It was a team effort."), but(eli), says(review.Acknowledge, eliP)},
		}, eliYear)
	})
}
