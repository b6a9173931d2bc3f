package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// meritRoster: Mona manages Eli, Zoe and Pat in EOHHS/Public Health.
const meritRoster = `email,name,manager_email,unit,hr
dana@example.org,Dana Cho,,EOHHS,false
mona@example.org,Mona Lee,dana@example.org,EOHHS/Public Health,false
eli@example.org,Eli Ortiz,mona@example.org,EOHHS/Public Health,false
zoe@example.org,Zoe Adams,mona@example.org,EOHHS/Public Health,false
pat@example.org,Pat Kim,mona@example.org,EOHHS/Public Health,false
`

// TestMeritRehearsal is merit pay as new users would try it, in a
// rehearsal the trainer moves: HR's pay file is refused with its lines,
// then loaded; Mona proposes for three reports (one out of range, refused
// with the range; Zoe near her band's maximum, who gets the rest as a
// bonus; Pat, hired in December, pro-rated); the secretariat goes over its
// 3.5% pool, HR sees it and returns Eli's proposal; Mona proposes again,
// HR approves; on the effective date each gets their notice, and nobody
// else sees a salary; payroll's file matches the approved proposals.
func TestMeritRehearsal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		emu := slackemu.New(slackemu.Config{})
		t.Cleanup(emu.Close)
		for _, u := range cast {
			emu.AddUser(u)
		}
		emu.AddUser(slackemu.User{ID: hugo, Name: "hugo", RealName: "Hugo Diaz", Email: "hugo@example.org", TZ: "America/New_York"})
		data, err := os.ReadFile(filepath.Join("..", "merit", "2007.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		text := strings.NewReplacer("2006-", "2026-", "2007-", "2027-", "FY2007", "FY2027", `name: "2007"`, `name: "2027"`).Replace(string(data))
		if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		w := rehearsalWorld(t, emu, url, map[string]string{"NUDGE_SCHEDULE": "5 9 * * 0", "HR_USERS": hugo, "MERIT_DIR": dir})
		trainer := func(args ...string) {
			t.Helper()
			if out, code := w.cli(args...); code != app.ExitOK {
				t.Fatalf("massperform %s exited %d:\n%s", strings.Join(args, " "), code, out)
			}
		}
		trainer("rehearsal", "date", "2027-06-21")
		if out, code := w.importRoster(meritRoster); code != app.ExitOK {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		w.start()
		s := openStore(t, w)
		ctx := context.Background()
		person := func(id string) review.Person {
			p, err := s.PersonBySlackID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		monaP := person(mona)
		asMona := review.Actor{SlackID: mona, Person: &monaP}
		yes := []review.Answer{{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true}, {Stage: review.StageWrapUp, Question: "expectations", Yes: true}, {Stage: review.StageWrapUp, Question: "feedback", Yes: true}}
		for who, rating := range map[string]string{eli: "highly_effective", zoe: "successful", pat: "successful", mona: "successful"} {
			p := person(who)
			m, _ := s.PersonByID(ctx, p.ManagerID)
			if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: m.SlackID, Person: &m}, Action: review.Rate}, p, 2027, review.WrapUp{Rating: rating, Answers: yes}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ApproveRatings(ctx, review.Actor{SlackID: hugo, HR: true}, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS"}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{eli, zoe, pat} {
			if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: asMona, Action: review.Rate}, person(who), 2027); err != nil {
				t.Fatal(err)
			}
		}

		// HR's pay file: a bad one is refused with its lines, then loaded.
		file := func(body string) string {
			p := filepath.Join(t.TempDir(), "pay.csv")
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		out, code := w.cli("pay", "import", file("email,m_level,base_salary,hire_date\neli@example.org,M-IV,56599.92,2020-01-06\nzoe@example.org,M-4,77000,2015-02-02\n"))
		if code == app.ExitOK {
			t.Fatalf("a bad pay file was loaded:\n%s", out)
		}
		mustContain(t, "the refused pay file", out, `line 3: m_level "M-4" is not an M-level`)
		trainer("pay", "import", file("email,m_level,base_salary,hire_date\neli@example.org,M-IV,56599.92,2020-01-06\nzoe@example.org,M-IV,77000.00,2015-02-02\npat@example.org,M-IV,56599.92,2026-12-29\n"))
		mustContain(t, "moving to August", w.rehearse(hugo, "date 2027-08-02"), "The rehearsal is now on")

		// Mona proposes for three.
		w.command(mona, "merit")
		list := w.waitTopView(mona, "merit")
		mustContain(t, "Mona's list", rawText(list.Raw), "*Pat Kim* · Successful Performer · M-IV, quartile 2", "pro-rated, 276 days of 365 (75.62% of the year)",
			"*Zoe Adams* · Successful Performer · M-IV, quartile 4 · $77,000.00 a year", "EOHHS's pool:* $0.00 of $6,656.99")
		propose := func(who string, base, bonus string) map[string]string {
			t.Helper()
			v := w.emu.TopView(mona)
			if v == nil || v.CallbackID != "merit" {
				w.command(mona, "merit")
				v = w.waitTopView(mona, "merit")
			}
			if _, err := w.emu.ClickViewButton(w.ctx(), mona, v.ID, "merit_propose", strconv.FormatInt(person(who).ID, 10)); err != nil {
				t.Fatal(err)
			}
			form := w.waitTopView(mona, "merit_propose")
			errs := ackErrors(w.submit(mona, form, values{}.input("merit_base", "merit_base", base).input("merit_bonus", "merit_bonus", bonus)))
			if errs != nil {
				w.emu.CloseView(w.ctx(), mona, w.topView(mona).ID)
				return errs
			}
			w.waitFor(mona, func(v *slackemu.View) bool { return v.CallbackID == "merit" })
			return nil
		}
		if errs := propose(eli, "6", ""); !strings.Contains(errs["merit_base"], "more than 5.5%") {
			t.Fatalf("6%% for Highly Effective in the 2nd quartile: %v", errs)
		}
		if errs := propose(eli, "5.5", ""); errs != nil {
			t.Fatal(errs)
		}
		if errs := propose(zoe, "3", ""); !strings.Contains(errs["merit_base"], "past M-IV's maximum of $77,650.29. Up to $650.29 can go to base") {
			t.Fatalf("Zoe past her band's maximum: %v", errs)
		}
		if errs := propose(zoe, "0.8", "1694"); errs != nil {
			t.Fatalf("Zoe, the rest as a bonus: %v", errs)
		}
		if errs := propose(pat, "4", ""); errs != nil {
			t.Fatal(errs)
		}
		list = w.waitFor(mona, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "$7,135.03 of $6,656.99") })
		mustContain(t, "the list over the pool", rawText(list.Raw), "Over the pool", "Proposed: 4% to base ($1,712.03) → $58,311.95 a year", "Proposed: 0.8% to base ($616.00) and a $1,694.00 bonus → $77,616.00 a year")

		// HR sees the pool over 3.5%, with no Approve, and returns Eli's.
		w.command(hugo, "merit pool EOHHS")
		pool := w.waitTopView(hugo, "merit_pool")
		mustContain(t, "the pool", rawText(pool.Raw), "$7,135.03 of $6,656.99 proposed so far, -$478.04 left. ⚠️ Over the pool.")
		if strings.Contains(string(pool.Raw), `"merit_approve"`) {
			t.Fatal("Approve is offered over the pool")
		}
		monaDMs := w.dmCount(mona)
		if _, err := w.emu.SelectInView(w.ctx(), hugo, pool.ID, "merit_case", "return:"+strconv.FormatInt(person(eli).ID, 10)); err != nil {
			t.Fatal(err)
		}
		if errs := ackErrors(w.submit(hugo, w.waitTopView(hugo, "merit_return"), values{}.text("reason", "EOHHS is over its pool: bring Eli's in"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Mona's DM", messageText(w.dm(mona, monaDMs+1)), "HR returned your merit proposal for Eli Ortiz.", "over its pool")
		if v := w.emu.TopView(mona); v != nil {
			w.emu.CloseView(w.ctx(), mona, v.ID)
		}
		if errs := propose(eli, "4", ""); errs != nil {
			t.Fatal(errs)
		}
		if v := w.emu.TopView(hugo); v != nil {
			w.emu.CloseView(w.ctx(), hugo, v.ID)
		}
		w.command(hugo, "merit pool")
		pool = w.waitTopView(hugo, "merit_pool")
		mustContain(t, "the pool within", rawText(pool.Raw), "$6,286.03 of $6,656.99 proposed so far, $370.96 left.")
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, pool.ID, "merit_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		w.waitFor(hugo, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "increases ✅ approved") })

		// The effective date: each their own notice, once; nobody else sees
		// a salary.
		mustContain(t, "moving to the effective date", w.rehearse(hugo, "date 2027-10-01"), "The rehearsal is now on")
		trainer("jobs", "run", "nudges")
		for who, want := range map[string]string{
			eli: "*New salary:* $58,863.92 a year, $2,264.00 biweekly ($2,264.00 more a year)",
			zoe: "*New salary:* $77,616.00 a year, $2,985.23 biweekly ($616.00 more a year)",
			pat: "*New salary:* $58,311.95 a year, $2,242.77 biweekly ($1,712.03 more a year)",
		} {
			mustContain(t, who+"'s notice", messageText(w.dmWith(who, "merit notice")), want)
		}
		w.outboxSettled()
		for _, who := range []string{dana, hana, omar, hugo} {
			for _, m := range w.emu.MessagesTo(who) {
				mustNotContain(t, who+"'s messages", messageText(m), "56,599", "58,863", "77,616", "77,000", "58,311")
			}
		}
		for _, who := range []string{eli, zoe, pat} {
			for _, m := range w.emu.MessagesTo(who) {
				if !strings.Contains(messageText(m), "merit notice") {
					mustNotContain(t, who+"'s other messages", messageText(m), "$58,", "$77,")
				}
			}
		}
		mustNotContain(t, "the bot's logs", w.logs.String(), "56599", "5659992", "58863")
		// Payroll's file matches the approved proposals.
		out, code = w.cli("export", "merit", "--year", "2027", "--no-bom")
		if code != app.ExitOK {
			t.Fatalf("export merit: %s", out)
		}
		for _, line := range []string{
			"eli@example.org,Eli Ortiz,EOHHS,EOHHS/Public Health,M-IV,2,Highly Effective,56599.92,4,2264.00,58863.92,2264.00,0.00,1.0000,2027-10-01,approved",
			"zoe@example.org,Zoe Adams,EOHHS,EOHHS/Public Health,M-IV,4,Successful Performer,77000.00,0.8,616.00,77616.00,2985.23,1694.00,1.0000,2027-10-01,approved",
			"pat@example.org,Pat Kim,EOHHS,EOHHS/Public Health,M-IV,2,Successful Performer,56599.92,4,1712.03,58311.95,2242.77,0.00,0.7562,2027-10-01,approved",
		} {
			mustContain(t, "payroll's file", out, line)
		}
	})
}
