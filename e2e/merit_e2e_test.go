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
			if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}, p, 2027,
				review.WrapUp{Rating: "successful", Answers: yes}); err != nil {
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
		pay := filepath.Join(t.TempDir(), "pay.csv")
		if err := os.WriteFile(pay, []byte("email,m_level,base_salary,hire_date\neli@example.org,M-IV,56599.92,2020-01-06\nzoe@example.org,M-IV,48000.00,2027-07-15\n"), 0o600); err != nil {
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

		// HR audits the pool: ratings first, then cost; central HR approves,
		// and payroll's file has Eli's increase. Managers don't audit.
		mustContain(t, "Mona auditing", w.reply(mona, "merit pool"), "for HR")
		w.command(hugo, "merit pool")
		pool := w.waitTopView(hugo, "merit_pool")
		mustContain(t, "Hugo's merit pool", rawText(pool.Raw), "*EOHHS* · ratings ✅ approved", "$1,981.00 of $1,981.00 proposed so far, $0.00 left",
			"Eligible 1 · proposed 1 · to propose 0 · outside the rules 0 · bonuses over the cap 0 · not eligible 1", "Successful Performer 0·1·0·0")
		mustNotContain(t, "Hugo's merit pool", rawText(pool.Raw), "Eli Ortiz", "56,599")
		if out, _ := w.cli("pay", "export", "--year", "2027"); strings.Contains(out, "eli@example.org") {
			t.Errorf("payroll's file before approval: %s", out)
		}
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, pool.ID, "merit_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		w.waitFor(hugo, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "increases ✅ approved") })
		out, code := w.cli("pay", "export", "--year", "2027", "--no-bom")
		if code != 0 || !strings.HasPrefix(out, "email,name,m_level,quartile,rating,base_salary,increase_percent,increase,new_salary,biweekly,bonus,effective_date\n") ||
			!strings.Contains(out, "eli@example.org,Eli Ortiz,M-IV,2,Successful Performer,56599.92,3.5,1981.00,58580.92,2253.11,0.00,2027-10-01\n") {
			t.Errorf("payroll's file: %d\n%s", code, out)
		}
		if trail, _ := s.AuditTrail(ctx, "merit_pool", 0); len(trail) < 2 || trail[0].Action != "merit.audit.read" || trail[0].Actor != hugo {
			t.Errorf("HR's reads of the pool are not in the audit log: %+v", trail)
		}
	})
}
