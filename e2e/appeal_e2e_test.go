package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestAppealOfABelowRating: Eli, rated Below Expectations, sees the whole
// review with the right to appeal and its deadline; appeals on day 2 of
// his 5 workdays; central HR is told, holds the hearing and changes the
// rating; Mona talks the new one through, and Eli sees it, with no appeal
// left to make. Zoe cannot file Eli's appeal.
func TestAppealOfABelowRating(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-28", withHRD)
		s := openStore(t, w)
		ctx := context.Background()
		eliP, _ := s.PersonBySlackID(ctx, eli)
		monaP, _ := s.PersonBySlackID(ctx, mona)
		asMona := review.Actor{SlackID: mona, Person: &monaP}
		yes := []review.Answer{{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true}, {Stage: review.StageWrapUp, Question: "expectations", Yes: true}, {Stage: review.StageWrapUp, Question: "feedback", Yes: true}}
		if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: asMona, Action: review.Rate}, eliP, 2027,
			review.WrapUp{Rating: "below", DevelopmentNote: "Weekly 1:1s on the backlog", Comments: "Missed the Q3 targets", Answers: yes}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{zoe, mona, pat, hana} {
			p, _ := s.PersonBySlackID(ctx, who)
			mgr, _ := s.PersonByID(ctx, p.ManagerID)
			if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}, p, 2027,
				review.WrapUp{Rating: "successful", Answers: yes}); err != nil {
				t.Fatal(err)
			}
		}
		none := func(review.Pool, []storage.TeamRelease) ([]storage.Notification, error) { return nil, nil }
		if _, err := s.ApproveRatings(ctx, review.Actor{SlackID: hugo, HR: true}, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "", Teams: none}); err != nil {
			t.Fatal(err)
		}

		// Monday June 28: Mona holds the conversation, from her Home.
		eliDMs := w.dmCount(eli)
		w.home(mona)
		if _, err := w.emu.SelectInView(w.ctx(), mona, w.emu.Home(mona).ID, "team_menu", "held:"+strconv.FormatInt(eliP.ID, 10)); err != nil {
			t.Fatal(err)
		}
		release := w.dm(eli, eliDMs+1)
		mustContain(t, "Eli's release DM", messageText(release), "Your FY2027 rating: Below Expectations", "Missed the Q3 targets", "Weekly 1:1s on the backlog",
			"appeal it to central HR until Jul 6, 2027 (5 workdays after your conversation)", "Appeal")

		// Zoe cannot file Eli's appeal.
		w.clock.setDay("2027-06-30")
		w.emu.ClickMessageButton(w.ctx(), eli, release.Channel, release.TS, "review_appeal", "2027")
		form := w.waitTopView(eli, "review_appeal")
		mustContain(t, "the appeal form", rawText(form.Raw), "You're appealing your FY2027 rating, *Below Expectations*")
		ack, err := w.emu.SubmitForged(w.ctx(), zoe, eli, form.ID, values{}.text("reasons", "Not mine to say"))
		if err != nil {
			t.Fatal(err)
		}
		said := ""
		for _, e := range ackErrors(ack) {
			said += e
		}
		if !strings.Contains(said, "Only Eli Ortiz can appeal their own rating.") {
			t.Fatalf("Zoe's forged appeal: %s", ack.Payload)
		}
		if errs := ackErrors(w.submit(eli, form, values{}.text("reasons", " "))); !strings.Contains(errs["reasons"], "Say why") {
			t.Fatalf("an appeal without reasons: %v", errs)
		}
		hugoDMs := w.dmCount(hugo)
		if errs := ackErrors(w.submit(eli, w.topView(eli), values{}.text("reasons", "The backlog <b>doubled</b> when two people left."))); errs != nil {
			t.Fatalf("appealing: %v", errs)
		}
		mustContain(t, "the appeal's answer", rawText(w.topView(eli).Raw), "Your appeal is with central HR", "by Jul 22, 2027")
		mustContain(t, "Hugo's DM", messageText(w.dm(hugo, hugoDMs+1)), "Eli Ortiz appealed their FY2027 rating.", "due by Jul 22, 2027")
		mustContain(t, "Eli's Home", w.home(eli), "You appealed this rating on Jun 30, 2027")
		mustContain(t, "appealing again", answerClick(t, w, eli, release, "review_appeal", "2027"), "You appealed this rating on Jun 30, 2027")

		// The digest counts it, without a name.
		out, code := w.cli("jobs", "run", "digest", "--dry-run")
		if code != 0 || !strings.Contains(out, "*Appeals of ratings:* 1 open. `/perform appeals` lists them.") {
			t.Fatalf("the digest's appeals (exit %d):\n%s", code, out)
		}

		// July 12: the hearing, and the rating changes.
		w.clock.setDay("2027-07-12")
		mustContain(t, "Eli asking for appeals", w.reply(eli, "appeals"), "for HR")
		w.command(hugo, "appeals")
		list := w.waitTopView(hugo, "appeals")
		mustContain(t, "HR's appeals", rawText(list.Raw), "1 appeal open", "*Eli Ortiz*", "hearing due by Jul 22, 2027", "The backlog &lt;b&gt;doubled&lt;/b&gt;")
		appeals, _ := s.Appeals(ctx, 2027, true)
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, list.ID, "appeal_decide", strconv.FormatInt(appeals[0].ID, 10)); err != nil {
			t.Fatal(err)
		}
		decide := w.waitTopView(hugo, "appeal_decide")
		set := values{}.date("hearing_on", "2027-07-12").pick("outcome", "changed")
		if errs := ackErrors(w.submit(hugo, decide, set)); !strings.Contains(errs["new_rating"], "Pick the new rating") {
			t.Fatalf("changed without a rating: %v", errs)
		}
		eliDMs, monaDMs := w.dmCount(eli), w.dmCount(mona)
		if errs := ackErrors(w.submit(hugo, w.topView(hugo), set.pick("new_rating", "successful"))); errs != nil {
			t.Fatalf("deciding: %v", errs)
		}
		mustContain(t, "Eli's decision DM", messageText(w.dm(eli, eliDMs+1)), "HR has decided your appeal", "Your rating is now *Successful Performer*", "Mona Lee will talk it through")
		changed := w.dm(mona, monaDMs+1)
		mustContain(t, "Mona's DM", messageText(changed), "HR changed Eli Ortiz's FY2027 rating to Successful Performer after their appeal")
		mustNotContain(t, "Eli's Home before the new conversation", w.home(eli), "Below Expectations", "Successful Performer")

		eliDMs = w.dmCount(eli)
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, changed.Channel, changed.TS, "rating_held", strconv.FormatInt(eliP.ID, 10)); err != nil {
			t.Fatal(err)
		}
		again := messageText(w.dm(eli, eliDMs+1))
		mustContain(t, "Eli's new release", again, "Your FY2027 rating: Successful Performer")
		mustNotContain(t, "Eli's new release", again, "Appeal", "appeal it")
		if open, _ := s.Appeals(ctx, 2027, true); len(open) != 0 {
			t.Errorf("appeals still open: %+v", open)
		}
	})
}

// answerClick clicks a button on message m as who and returns the answer.
func answerClick(t *testing.T, w *world, who string, m slackemu.Message, action, value string) string {
	t.Helper()
	n := len(w.emu.MessagesTo(who))
	if _, err := w.emu.ClickMessageButton(w.ctx(), who, m.Channel, m.TS, action, value); err != nil {
		t.Fatal(err)
	}
	msgs, err := w.emu.WaitMessages(w.ctx(), who, n+1)
	if err != nil {
		t.Fatalf("no answer to %s's click on %s: %v", who, action, err)
	}
	return messageText(msgs[n])
}
