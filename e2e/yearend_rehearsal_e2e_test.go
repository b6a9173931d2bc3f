package e2e

import (
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

// yearEndRoster is a secretariat, EOHHS, with two agencies of people to
// rate (Public Health, Revenue), its own HR (Sol, not rated there) and a
// CHRO. Zoe has been on leave since January 2026, the whole of FY2027,
// as the roster file says.
const yearEndRoster = `email,name,manager_email,unit,hr,leave_from
dana@example.org,Dana Cho,,EOHHS,false,
mona@example.org,Mona Lee,dana@example.org,EOHHS/Public Health,false,
eli@example.org,Eli Ortiz,mona@example.org,EOHHS/Public Health,false,
zoe@example.org,Zoe Adams,mona@example.org,EOHHS/Public Health,false,2026-01-05
pat@example.org,Pat Kim,dana@example.org,EOHHS/Revenue,false,
sol@example.org,Sol Reyes,,EOHHS/HR,secretariat,
cleo@example.org,Cleo Grant,,ANF,chro,
`

// TestYearEndRehearsal is the year's end as new users would try it, in a
// rehearsal the trainer (central HR) moves: EOHHS completes June but for
// Pat's wrap-up, which is reminded on July 2 and shows in the digest;
// Sol asks for the exception over the cap, the CHRO grants it, Sol and
// central HR approve, Zoe (on leave) holding nobody up; Eli, rated Below
// Expectations, sees his whole review, acknowledges it, appeals on the
// fourth workday, and central HR records the hearing and a changed
// rating, which Mona talks through again; Pat's improvement plan is
// reminded the week before its re-evaluation and recorded.
func TestYearEndRehearsal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		emu := slackemu.New(slackemu.Config{})
		t.Cleanup(emu.Close)
		for _, u := range cast {
			emu.AddUser(u)
		}
		emu.AddUser(slackemu.User{ID: sol, Name: "sol", RealName: "Sol Reyes", Email: "sol@example.org", TZ: "America/New_York"})
		emu.AddUser(slackemu.User{ID: cleo, Name: "cleo", RealName: "Cleo Grant", Email: "cleo@example.org", TZ: "America/New_York"})
		// Reminders go out when the trainer runs the sweep: the schedule's
		// only sweeps fall on Sundays, when nobody is reminded.
		w := rehearsalWorld(t, emu, url, map[string]string{"NUDGE_SCHEDULE": "5 9 * * 0"})
		for _, args := range [][]string{{"rehearsal", "date", "2027-06-21"}, {"rehearsal", "advance", "4h"}} {
			if out, code := w.cli(args...); code != app.ExitOK {
				t.Fatalf("massperform %s exited %d:\n%s", strings.Join(args, " "), code, out)
			}
		}
		// A file with bad leave dates is refused whole, each line named.
		bad := strings.Replace(strings.Replace(yearEndRoster, ",2026-01-05\n", ",2026-13-05\n", 1),
			"Pat Kim,dana@example.org,EOHHS/Revenue,false,", "Pat Kim,dana@example.org,EOHHS/Revenue,false,January", 1)
		out, code := w.importRoster(bad)
		if code == app.ExitOK {
			t.Fatalf("a roster with bad leave dates was imported:\n%s", out)
		}
		mustContain(t, "the refused roster", out, `line 5: leave_from "2026-13-05" is not a date like 2027-01-04`, `line 6: leave_from "January" is not a date like 2027-01-04`)
		if people, _ := openStore(t, w).People(context.Background()); len(people) != 0 {
			t.Fatalf("the refused roster stored %d people", len(people))
		}
		if out, code := w.importRoster(yearEndRoster); code != app.ExitOK {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		w.start()
		s := openStore(t, w)
		ctx := context.Background()
		id := func(slackID string) string {
			p, err := s.PersonBySlackID(ctx, slackID)
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(p.ID, 10)
		}
		mustContain(t, "Zoe's leave", w.reply(trainer, "leave <@U0ZOE|zoe>"), "from Jan 5, 2026 until HR ends it", "they are not rated for it")

		// June: Mona rates Eli Below Expectations, Dana rates Mona. Pat's
		// wrap-up is not written by June 30.
		w.command(mona, "wrapup <@U0ELI|eli>")
		form := w.waitTopView(mona, "wrapup")
		set := values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes").
			text("comments", "Missed the Q3 permit targets").text("development_note", "Weekly 1:1s on the permit backlog")
		set.radio("rating", "rating_pick", "below")
		if errs := ackErrors(w.submit(mona, form, set)); errs != nil {
			t.Fatalf("Mona rating Eli: %v", errs)
		}
		w.rateViaSlack(dana, mona, "mona", "exceptional")

		// July 2: FY2027 is still open; Pat's late wrap-up is reminded, to
		// Dana, and counted in HR's digest.
		mustContain(t, "to July 2", w.rehearse(trainer, "date 2027-07-02"), "The rehearsal is now on 2 July 2027.")
		danaDMs := w.dmCount(dana)
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		mustContain(t, "Dana's reminder on July 2", messageText(w.dm(dana, danaDMs+1)), "Rehearsal — the date here is 2 July 2027",
			"*Pat Kim*: FY2027 wrap-up and rating (was due Jun 30, 2027)")
		out, code = w.cli("jobs", "run", "digest", "--dry-run")
		if code != app.ExitOK {
			t.Fatalf("digest dry run exited %d:\n%s", code, out)
		}
		mustContain(t, "the digest on July 2", out, "*FY2027, still open* (it ended on Jun 30, 2027)", "1 wrap-up of 3 not written")
		mustNotContain(t, "the digest on July 2", out, "Below Expectations", "Exceptional")

		// Home keeps the closing year's business: Pat's wrap-up for Dana;
		// nothing for Mona, whose one report unrated is on leave.
		mustContain(t, "Dana's Home on July 2", w.home(dana), "Still open in FY2027", "*Pat Kim*", "wrap-up not written yet")
		mustNotContain(t, "Mona's Home on July 2", w.home(mona), "Still open in FY2027", "wrap-up not written yet")

		// Dana writes it late: Pat is rated Below Expectations too.
		w.command(dana, "wrapup <@U0PAT|pat>")
		form = w.waitTopView(dana, "wrapup")
		set = values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes").
			text("development_note", "Close the Revenue audit findings")
		set.radio("rating", "rating_pick", "below")
		if errs := ackErrors(w.submit(dana, form, set)); errs != nil {
			t.Fatalf("Dana rating Pat late: %v", errs)
		}

		// EOHHS is over the cap (Mona's Exceptional of three rated; Zoe,
		// not rated for her leave, is not waited for). Sol asks for the
		// exception; the CHRO grants it from her DM.
		w.command(sol, "ratings")
		audit := w.waitTopView(sol, "ratings")
		mustContain(t, "Sol's audit", rawText(audit.Raw), "*EOHHS* · 3 people, 3 rated", "over the 10% cap", "EOHHS/Public Health", "EOHHS/Revenue")
		if _, err := w.emu.ClickViewButton(w.ctx(), sol, audit.ID, "ratings_ask", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		cleoDMs := w.dmCount(cleo)
		if errs := ackErrors(w.submit(sol, w.waitTopView(sol, "ratings_ask"), values{}.text("reason", "Mona rebuilt the permit system"))); errs != nil {
			t.Fatal(errs)
		}
		asked := w.dm(cleo, cleoDMs+1)
		mustContain(t, "Cleo's DM", messageText(asked), "EOHHS asks to go over the cap on its FY2027 ratings.")
		if _, err := w.emu.ClickMessageButton(w.ctx(), cleo, asked.Channel, asked.TS, "ratings_open", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		audit = w.waitTopView(cleo, "ratings")
		solDMs := w.dmCount(sol)
		if _, err := w.emu.ClickViewButton(w.ctx(), cleo, audit.ID, "ratings_grant", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Sol's DM", messageText(w.dm(sol, solDMs+1)), "EOHHS's exception to the FY2027 cap is granted")

		// Sol approves, then central HR (the trainer) from the DM.
		w.command(sol, "ratings")
		audit = w.waitTopView(sol, "ratings")
		if _, err := w.emu.ClickViewButton(w.ctx(), sol, audit.ID, "ratings_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		w.emu.CloseView(w.ctx(), sol, audit.ID)
		ready := w.dmWith(trainer, "ready for central HR")
		if _, err := w.emu.ClickMessageButton(w.ctx(), trainer, ready.Channel, ready.TS, "ratings_open", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		audit = w.waitTopView(trainer, "ratings")
		if _, err := w.emu.ClickViewButton(w.ctx(), trainer, audit.ID, "ratings_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		approved := w.dmWith(mona, "HR has approved")
		mustContain(t, "Mona's approval DM", messageText(approved), "Eli Ortiz")
		mustNotContain(t, "Mona's approval DM", messageText(approved), "Zoe Adams")
		approvedPat := w.dmWith(dana, "HR has approved")

		// Mona holds the conversation: Eli sees the whole review, with the
		// right to appeal, and says he has seen it.
		eliDMs := w.dmCount(eli)
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, approved.Channel, approved.TS, "rating_held", id(eli)); err != nil {
			t.Fatal(err)
		}
		release := w.dm(eli, eliDMs+1)
		mustContain(t, "Eli's release DM", messageText(release), "Your FY2027 rating: Below Expectations", "Missed the Q3 permit targets",
			"Weekly 1:1s on the permit backlog", "appeal it to central HR until Jul 12, 2027", "I've seen it")
		mustContain(t, "Eli acknowledging", answerClick(t, w, eli, release, "review_ack", "2027"), "Noted: you've seen your FY2027 review")
		if _, err := w.emu.ClickMessageButton(w.ctx(), dana, approvedPat.Channel, approvedPat.TS, "rating_held", id(pat)); err != nil {
			t.Fatal(err)
		}
		w.dmWith(pat, "Your FY2027 rating: Below Expectations")

		// Dana starts Pat's improvement plan, looked at again on Sep 13.
		w.command(dana, "plan <@U0PAT|pat>")
		if errs := ackErrors(w.submit(dana, w.waitTopView(dana, "plan"), values{}.text("support", "Weekly coaching").date("reevaluate", "2027-09-13"))); errs != nil {
			t.Fatalf("starting Pat's plan: %v", errs)
		}

		// Friday July 9, the fourth workday after the conversation (July 5
		// is the Independence Day holiday): Eli appeals.
		mustContain(t, "to July 9", w.rehearse(trainer, "date 2027-07-09"), "The rehearsal is now on 9 July 2027.")
		w.emu.ClickMessageButton(w.ctx(), eli, release.Channel, release.TS, "review_appeal", "2027")
		appeal := w.waitTopView(eli, "review_appeal")
		trainerDMs := w.dmCount(trainer)
		if errs := ackErrors(w.submit(eli, appeal, values{}.text("reasons", "The backlog doubled when two people left."))); errs != nil {
			t.Fatalf("Eli appealing: %v", errs)
		}
		mustContain(t, "central HR's DM", messageText(w.dm(trainer, trainerDMs+1)), "Eli Ortiz appealed their FY2027 rating.", "due by")

		// Central HR's full export has the open appeal, and Zoe not rated
		// for her leave.
		files := len(w.emu.Files())
		w.command(trainer, "export FY2027 full")
		got := w.waitFiles(files + 1)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(got[len(got)-1].Data), "\ufeff"))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("the export: %v\n%s", err, got[len(got)-1].Data)
		}
		line := func(name string) map[string]string {
			for _, r := range rows[1:] {
				if r[slices.Index(rows[0], "name")] == name {
					m := map[string]string{}
					for j, h := range rows[0] {
						m[h] = r[j]
					}
					return m
				}
			}
			t.Fatalf("no line for %s in the export", name)
			return nil
		}
		if l := line("Eli Ortiz"); l["appeal_filed_on"] != "2027-07-09" || l["appeal_hearing_due"] == "" || l["appeal_outcome"] != "" || l["appeal_rating"] != "Below Expectations" {
			t.Errorf("Eli's line: %v", l)
		}
		if l := line("Zoe Adams"); l["rating_status"] != review.NotRatedLeave || l["appeal_filed_on"] != "" {
			t.Errorf("Zoe's line: %v", l)
		}

		// July 16: the hearing; the rating becomes Successful Performer and
		// goes back to Mona, who talks it through again.
		mustContain(t, "to July 16", w.rehearse(trainer, "date 2027-07-16"), "The rehearsal is now on 16 July 2027.")
		w.command(trainer, "appeals")
		list := w.waitTopView(trainer, "appeals")
		mustContain(t, "the appeals", rawText(list.Raw), "1 appeal open", "*Eli Ortiz*")
		appeals, err := s.Appeals(ctx, 2027, true)
		if err != nil || len(appeals) != 1 {
			t.Fatalf("open appeals: %+v, %v", appeals, err)
		}
		if _, err := w.emu.ClickViewButton(w.ctx(), trainer, list.ID, "appeal_decide", strconv.FormatInt(appeals[0].ID, 10)); err != nil {
			t.Fatal(err)
		}
		eliDMs, monaDMs := w.dmCount(eli), w.dmCount(mona)
		decision := values{}.date("hearing_on", "2027-07-16").pick("outcome", "changed").pick("new_rating", "successful")
		if errs := ackErrors(w.submit(trainer, w.waitTopView(trainer, "appeal_decide"), decision)); errs != nil {
			t.Fatalf("deciding: %v", errs)
		}
		mustContain(t, "Eli's decision DM", messageText(w.dm(eli, eliDMs+1)), "Your rating is now *Successful Performer*")
		changed := w.dm(mona, monaDMs+1)
		mustContain(t, "Mona's DM", messageText(changed), "HR changed Eli Ortiz's FY2027 rating to Successful Performer")
		eliDMs = w.dmCount(eli)
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, changed.Channel, changed.TS, "rating_held", id(eli)); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Eli's new release", messageText(w.dm(eli, eliDMs+1)), "Your FY2027 rating: Successful Performer")

		// September 7, the week before Pat's re-evaluation: Dana is
		// reminded; on the 13th she records it.
		mustContain(t, "to September 7", w.rehearse(trainer, "date 2027-09-07"), "The rehearsal is now on 7 September 2027.")
		danaDMs = w.dmCount(dana)
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		mustContain(t, "Dana's plan reminder", messageText(w.dm(dana, danaDMs+1)), "*Pat Kim*: re-evaluation of their improvement plan (by Sep 13, 2027)")
		mustContain(t, "to September 13", w.rehearse(trainer, "date 2027-09-13"), "The rehearsal is now on 13 September 2027.")
		w.command(dana, "plan <@U0PAT|pat>")
		if errs := ackErrors(w.submit(dana, w.waitTopView(dana, "plan_reevaluation"), values{}.pick("plan_outcome", "improved"))); errs != nil {
			t.Fatalf("recording the re-evaluation: %v", errs)
		}
		patP, _ := s.PersonBySlackID(ctx, pat)
		plans, err := s.Plans(ctx, patP.ID)
		if err != nil || len(plans) != 1 || plans[0].Open() || plans[0].Outcome != review.PlanImproved {
			t.Errorf("Pat's plans: %+v, %v", plans, err)
		}
	})
}
