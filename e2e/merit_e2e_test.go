package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// withMerit2027 gives the bot a merit year paying for FY2027's ratings:
// the shipped 2007 year, twenty years on.
func withMerit2027(w *world) {
	data, err := os.ReadFile(filepath.Join("..", "merit", "2007.yaml"))
	if err != nil {
		w.t.Fatal(err)
	}
	dir := w.t.TempDir()
	text := strings.NewReplacer("2006-", "2026-", "2007-", "2027-", "FY2007", "FY2027", `name: "2007"`, `name: "2027"`).Replace(string(data))
	if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte(text), 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.extra["MERIT_DIR"] = dir
}

// TestMeritProposals: after FY2027's ratings are released, Mona sees
// what the grid allows for each of her reports, with her secretariat's
// pool; her proposal for Eli is worked out as she types (Enter), refused
// outside the grid with the form kept, and saved inside it. Zoe, hired in
// July, is not eligible and says why. Pat cannot propose for Eli.
func TestMeritProposals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-21", withHRD, withMerit2027)
		s := openStore(t, w)
		ctx := context.Background()
		yes := []review.Answer{{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true}, {Stage: review.StageWrapUp, Question: "expectations", Yes: true}, {Stage: review.StageWrapUp, Question: "feedback", Yes: true}}
		for _, who := range []string{eli, zoe, mona, pat, hana} {
			p, _ := s.PersonBySlackID(ctx, who)
			mgr, _ := s.PersonByID(ctx, p.ManagerID)
			w := review.WrapUp{Rating: "successful", Answers: yes}
			if who == hana {
				w = review.WrapUp{Rating: "below", Answers: yes, DevelopmentNote: "Close the audit findings"}
			}
			if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}, p, 2027, w); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ApproveRatings(ctx, review.Actor{SlackID: hugo, HR: true}, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS"}); err != nil {
			t.Fatal(err)
		}
		monaP, _ := s.PersonBySlackID(ctx, mona)
		for _, who := range []string{eli, zoe} {
			p, _ := s.PersonBySlackID(ctx, who)
			if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: review.Actor{SlackID: mona, Person: &monaP}, Action: review.Rate}, p, 2027); err != nil {
				t.Fatal(err)
			}
		}
		danaP, _ := s.PersonBySlackID(ctx, dana)
		hanaP, _ := s.PersonBySlackID(ctx, hana)
		if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: review.Actor{SlackID: dana, Person: &danaP}, Action: review.Rate}, hanaP, 2027); err != nil {
			t.Fatal(err)
		}
		pay := filepath.Join(t.TempDir(), "pay.csv")
		if err := os.WriteFile(pay, []byte("email,m_level,base_salary,hire_date\neli@example.org,M-IV,56599.92,2020-01-06\nzoe@example.org,M-IV,48000.00,2027-07-15\nhana@example.org,M-III,50000.00,2015-03-01\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, code := w.cli("pay", "import", pay); code != 0 {
			t.Fatalf("pay import: %s", out)
		}
		w.clock.setDay("2027-08-02")

		mustContain(t, "Eli asking", w.reply(eli, "merit"), "You have no direct reports")
		w.command(mona, "merit")
		list := w.waitTopView(mona, "merit")
		mustContain(t, "Mona's merit list", rawText(list.Raw), "Merit increases · 2027", "effective Oct 1, 2027",
			"EOHHS's pool:* $0.00 of $1,981.00 proposed so far, $1,981.00 left.",
			"*Eli Ortiz* · Successful Performer · M-IV, quartile 2 · $56,599.92 a year", "Allowed: 3.25–4% ($1,839.50–$2,264.00)",
			"*Zoe Adams* · Successful Performer", "Hired on or after Jul 1, 2027: eligible from Oct 1, 2028.")
		eliP, _ := s.PersonBySlackID(ctx, eli)
		if _, err := w.emu.ClickViewButton(w.ctx(), mona, list.ID, "merit_propose", strconv.FormatInt(eliP.ID, 10)); err != nil {
			t.Fatal(err)
		}
		form := w.waitTopView(mona, "merit_propose")
		mustContain(t, "the form", rawText(form.Raw), "Allowed: 3.25–4%", "EOHHS's pool")

		// Enter in the field works the figures out, live.
		if _, err := w.emu.SelectInView(w.ctx(), mona, form.ID, "merit_base", "5"); err != nil {
			t.Fatal(err)
		}
		form = w.waitFor(mona, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "⚠️") })
		mustContain(t, "5%", rawText(form.Raw), "more than 4%")
		if _, err := w.emu.SelectInView(w.ctx(), mona, form.ID, "merit_base", "3.5"); err != nil {
			t.Fatal(err)
		}
		form = w.waitFor(mona, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "Comes to") })
		mustContain(t, "3.5%", rawText(form.Raw), "$1,981.00 more a year: $58,580.92 a year, $2,253.11 biweekly, from Oct 1, 2027.")

		// Outside the grid the form stays open, with what was typed.
		ack := w.submit(mona, form, values{}.input("merit_base", "merit_base", "2").input("merit_bonus", "merit_bonus", "abc"))
		errs := ackErrors(ack)
		if !strings.Contains(errs["merit_bonus"], "Write the bonus in dollars") {
			t.Fatalf("a bad bonus: %v", errs)
		}
		ack = w.submit(mona, w.topView(mona), values{}.input("merit_base", "merit_base", "2").input("merit_bonus", "merit_bonus", ""))
		if errs := ackErrors(ack); !strings.Contains(errs["merit_base"], "allows 3.25–4%") {
			t.Fatalf("2%%: %v", errs)
		}
		// Pat, not Eli's manager, cannot.
		forged, err := w.emu.SubmitForged(w.ctx(), pat, mona, w.topView(mona).ID, values{}.input("merit_base", "merit_base", "3.5"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(forged.Payload), "Only Eli Ortiz's manager proposes") {
			t.Errorf("Pat's forged proposal: %s", forged.Payload)
		}
		if errs := ackErrors(w.submit(mona, w.topView(mona), values{}.input("merit_base", "merit_base", "3.5"))); errs != nil {
			t.Fatalf("3.5%%: %v", errs)
		}
		list = w.waitFor(mona, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "Proposed:") })
		mustContain(t, "the list after", rawText(list.Raw), "Proposed: 3.5% to base ($1,981.00) → $58,580.92 a year", "$1,981.00 of $1,981.00 proposed so far, $0.00 left")
		mustNotContain(t, "Eli's Home", w.home(eli), "56,599", "58,580")
		// Mona's manager sees her team's, read only (and the look is in
		// the audit log); Pat, beside her, does not.
		w.command(dana, "merit <@U0MONA|mona>")
		skip := w.waitTopView(dana, "merit")
		mustContain(t, "Dana's view", rawText(skip.Raw), "Mona Lee's team", "read only", "*Eli Ortiz* · Successful Performer", "Proposed: 3.5% to base")
		if strings.Contains(string(skip.Raw), `"merit_propose"`) {
			t.Errorf("Dana's read-only view has a Propose button: %s", skip.Raw)
		}
		mustContain(t, "Pat asking", w.reply(pat, "merit <@U0MONA|mona>"), "not one of them")
		if trail, _ := s.AuditTrail(ctx, "person", monaP.ID); len(trail) == 0 || trail[len(trail)-1].Action != "merit.team.read" || trail[len(trail)-1].Actor != dana {
			t.Errorf("Dana's look is not in the audit log: %+v", trail)
		}

		// HR audits the pool: ratings first, then cost; central HR approves,
		// and payroll's file has Eli's increase. Managers don't audit.
		mustContain(t, "Mona auditing", w.reply(mona, "merit pool"), "for HR")
		// An agency may go ahead of its secretariat with central HR's
		// reason, with a pool of its own; and back.
		mustContain(t, "Mona splitting", w.reply(mona, "merit split EOHHS/Public Health: early"), "for HR")
		mustContain(t, "a split without a reason", w.reply(hugo, "merit split EOHHS/Public Health"), "merit split <agency>: <why>")
		mustContain(t, "Hugo splitting", w.reply(hugo, "merit split EOHHS/Public Health: its reviews were done a month early"), "EOHHS/Public Health has a merit pool of its own")
		w.command(hugo, "merit pool EOHHS/Public Health")
		split := w.waitTopView(hugo, "merit_pool")
		mustContain(t, "the agency's own pool", rawText(split.Raw), "*EOHHS/Public Health* · ratings ✅ approved", "*EOHHS/Public Health's pool:* $1,981.00 of $1,981.00")
		w.emu.CloseView(w.ctx(), hugo, split.ID)
		mustContain(t, "Hugo joining", w.reply(hugo, "merit join EOHHS/Public Health"), "back in its secretariat's merit pool")
		w.command(hugo, "merit pool")
		pool := w.waitTopView(hugo, "merit_pool")
		mustContain(t, "Hugo's merit pool", rawText(pool.Raw), "*EOHHS* · ratings ✅ approved", "$1,981.00 of $1,981.00 proposed so far, $0.00 left",
			"Eligible 1 · proposed 1 · to propose 0 · outside the rules 0 · bonuses over the cap 0 · not eligible 2", "Successful Performer 0·1·0·0")
		mustNotContain(t, "Hugo's merit pool", rawText(pool.Raw), "Eli Ortiz", "56,599")
		w.emu.CloseView(w.ctx(), hugo, pool.ID)
		w.command(hugo, "merit pool EOHHS")
		pool = w.waitTopView(hugo, "merit_pool")
		mustContain(t, "EOHHS's proposals", rawText(pool.Raw), "*Eli Ortiz* · EOHHS/Public Health · Successful Performer · 3.5% to base → $58,580.92 a year", "Return to the manager")
		// HR returns it with a reason; Mona is told and proposes again.
		monaDMs := w.dmCount(mona)
		if _, err := w.emu.SelectInView(w.ctx(), hugo, pool.ID, "merit_case", "return:"+strconv.FormatInt(eliP.ID, 10)); err != nil {
			t.Fatal(err)
		}
		ret := w.waitTopView(hugo, "merit_return")
		if errs := ackErrors(w.submit(hugo, ret, values{}.text("reason", " "))); errs["reason"] == "" {
			t.Fatalf("a return without a reason: %v", errs)
		}
		if errs := ackErrors(w.submit(hugo, w.topView(hugo), values{}.text("reason", "Eli moved <@U0ZOE> teams: check the rating's quartile"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Mona's DM", messageText(w.dm(mona, monaDMs+1)), "HR returned your merit proposal for Eli Ortiz.", "check the rating's quartile", "&lt;@U0ZOE&gt;")
		pool = w.waitFor(hugo, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "Returned to the manager") })
		mustContain(t, "the pool after the return", rawText(pool.Raw), "proposed 0 · to propose 1")
		w.command(mona, "merit")
		list = w.waitTopView(mona, "merit")
		mustContain(t, "Mona's list after the return", rawText(list.Raw), "HR returned it: Eli moved")
		if _, err := w.emu.ClickViewButton(w.ctx(), mona, list.ID, "merit_propose", strconv.FormatInt(eliP.ID, 10)); err != nil {
			t.Fatal(err)
		}
		if errs := ackErrors(w.submit(mona, w.waitTopView(mona, "merit_propose"), values{}.input("merit_base", "merit_base", "3.5"))); errs != nil {
			t.Fatalf("proposing again: %v", errs)
		}
		w.emu.CloseView(w.ctx(), hugo, pool.ID)
		w.command(hugo, "merit pool")
		pool = w.waitTopView(hugo, "merit_pool")
		mustContain(t, "the pool after proposing again", rawText(pool.Raw), "proposed 1 · to propose 0")
		if out, _ := w.cli("export", "merit", "--year", "2027", "--no-bom"); !strings.Contains(out, ",2027-10-01,waiting for approval\n") {
			t.Errorf("payroll's file before approval: %s", out)
		}
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, pool.ID, "merit_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		w.waitFor(hugo, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "increases ✅ approved") })
		out, code := w.cli("export", "merit", "--year", "2027", "--secretariat", "EOHHS", "--no-bom")
		if code != 0 || !strings.HasPrefix(out, "email,name,secretariat,unit,m_level,quartile,rating,old_salary,base_increase_percent,base_increase,new_salary,biweekly,bonus,prorate,effective_date,status\n") ||
			!strings.Contains(out, "eli@example.org,Eli Ortiz,EOHHS,EOHHS/Public Health,M-IV,2,Successful Performer,56599.92,3.5,1981.00,58580.92,2253.11,0.00,1.0000,2027-10-01,approved\n") {
			t.Errorf("payroll's file: %d\n%s", code, out)
		}
		if out, _ := w.cli("export", "merit", "--year", "2027", "--secretariat", "EOTSS", "--no-bom"); strings.Contains(out, "eli@example.org") {
			t.Errorf("another secretariat's file: %s", out)
		}
		if trail, _ := s.AuditTrail(ctx, "merit_pool", 0); len(trail) < 2 || trail[0].Action != "merit.audit.read" || trail[0].Actor != hugo {
			t.Errorf("HR's reads of the pool are not in the audit log: %+v", trail)
		}

		// No notice before the effective date; on it, the day's sweep sends
		// Eli his and Hana hers (Below Expectations: no increase, and a new
		// appeal window with the button), once however often it runs.
		eliDMs, hanaDMs := w.dmCount(eli), w.dmCount(hana)
		w.cli("jobs", "run", "nudges")
		w.outboxSettled()
		if w.dmCount(eli) != eliDMs {
			t.Errorf("a notice before the effective date: %s", messageText(w.dm(eli, eliDMs+1)))
		}
		w.clock.setDay("2027-10-01")
		if out, code := w.cli("jobs", "run", "nudges"); code != 0 {
			t.Fatalf("the sweep: %s", out)
		}
		notice := w.dmWith(eli, "merit notice")
		mustContain(t, "Eli's notice", messageText(notice), "Your FY2027 merit notice: your new salary from Oct 1, 2027.", "*Rating:* Successful Performer",
			"*New salary:* $58,580.92 a year, $2,253.11 biweekly ($1,981.00 more a year)", "*M-level:* M-IV, quartile 2")
		denial := w.dmWith(hana, "merit notice")
		mustContain(t, "Hana's notice", messageText(denial), "no step or merit increase", "Below Expectations", "$50,000.00 a year", "appeal it to central HR until Oct 8, 2027", "Appeal")
		w.cli("jobs", "run", "nudges")
		w.outboxSettled()
		if got := w.dmCount(eli); got != eliDMs+1 {
			t.Errorf("Eli got %d notices", got-eliDMs)
		}
		if got := w.dmCount(hana); got != hanaDMs+1 {
			t.Errorf("Hana got %d messages", got-hanaDMs)
		}
		mustNotContain(t, "Mona's DMs", strings.Join(dmTexts(w, mona), "\n"), "58,580", "50,000")
		// The notice's appeal window is open although her conversation's
		// closed in July.
		if _, err := w.emu.ClickMessageButton(w.ctx(), hana, denial.Channel, denial.TS, "review_appeal", "2027"); err != nil {
			t.Fatal(err)
		}
		w.waitTopView(hana, "review_appeal")
	})
}

// dmTexts is everything the bot posted to user, as text.
func dmTexts(w *world, user string) []string {
	var out []string
	for _, m := range w.emu.MessagesTo(user) {
		out = append(out, messageText(m))
	}
	return out
}
