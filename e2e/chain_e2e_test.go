package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// The approval chain's people, beside the cast: Sol is EOHHS's HR (with no
// manager on the roster, so not rated in EOHHS, and so may decide it), Ari
// is agency HR for EOHHS/Revenue, Cleo is the CHRO, Tom works in EOTSS, a
// secretariat without HR of its own; Hugo (HR_USERS) is central HR.
const (
	sol  = "U0SOL"
	ari  = "U0ARI"
	cleo = "U0CLEO"
	tom  = "U0TOM"
)

const chainRoster = castRoster + `sol@example.org,Sol Reyes,,EOHHS/HR,secretariat
ari@example.org,Ari Stone,,EOHHS/Revenue,agency
cleo@example.org,Cleo Grant,,ANF,chro
tom@example.org,Tom Ng,dana@example.org,EOTSS/MassIT,false
`

func startChain(t *testing.T, url, day string) *world {
	t.Helper()
	w := newWorld(t, url, day)
	withHRD(w)
	for _, u := range []slackemu.User{
		{ID: sol, Name: "sol", RealName: "Sol Reyes", Email: "sol@example.org", TZ: "America/New_York"},
		{ID: ari, Name: "ari", RealName: "Ari Stone", Email: "ari@example.org", TZ: "America/New_York"},
		{ID: cleo, Name: "cleo", RealName: "Cleo Grant", Email: "cleo@example.org", TZ: "America/New_York"},
		{ID: tom, Name: "tom", RealName: "Tom Ng", Email: "tom@example.org", TZ: "America/New_York"},
	} {
		w.emu.AddUser(u)
	}
	if out, code := w.importRoster(chainRoster); code != 0 {
		t.Fatalf("roster import exited %d:\n%s", code, out)
	}
	w.start()
	return w
}

// TestApprovalChain: in June, EOHHS (five people rated, one Exceptional:
// over the cap, which allows none) goes through its chain in Slack: its
// HR asks for an exception, the CHRO grants it from a DM, its HR
// approves, central HR approves from a DM, and only then are managers
// told. EOTSS, with no HR of its own, is approved by central HR in one
// step, and the audit says why. Each HR role sees and does only its part.
func TestApprovalChain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startChain(t, url, "2027-06-21")
		s := openStore(t, w)
		ctx := context.Background()
		yes := []review.Answer{{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true}, {Stage: review.StageWrapUp, Question: "expectations", Yes: true}, {Stage: review.StageWrapUp, Question: "feedback", Yes: true}}
		for who, rating := range map[string]string{eli: "exceptional", zoe: "successful", mona: "highly_effective", pat: "successful", hana: "successful", tom: "successful"} {
			p, _ := s.PersonBySlackID(ctx, who)
			mgr, _ := s.PersonByID(ctx, p.ManagerID)
			if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}, p, 2027,
				review.WrapUp{Rating: rating, Answers: yes}); err != nil {
				t.Fatal(err)
			}
		}

		// Agency HR sees their agency, and decides nothing.
		w.command(ari, "ratings")
		audit := w.waitTopView(ari, "ratings")
		mustContain(t, "Ari's audit", rawText(audit.Raw), "You see EOHHS/Revenue, your part of the organisation as agency HR", "*EOHHS/Revenue* · 1 person, 1 rated (in EOHHS)")
		mustNotContain(t, "Ari's audit", rawText(audit.Raw), "EOTSS", "EOHHS/Public Health", "ratings_approve", "ratings_ask")
		w.emu.CloseView(w.ctx(), ari, audit.ID)
		mustContain(t, "Ari closing the year", w.reply(ari, "year close FY2027"), "Only central HR (HRD) can close a review year.")
		mustContain(t, "Ari exporting EOTSS", w.reply(ari, "export FY2027 EOTSS"), "outside your part of the organisation (EOHHS/Revenue)")

		// Only central HR combines secretariats; it can be undone.
		mustContain(t, "Sol combining", w.reply(sol, "ratings combine EOTSS into EOHHS: one person"), "Only central HR (HRD) combines")
		mustContain(t, "Hugo combining", w.reply(hugo, "ratings combine EOTSS into EOHHS: one person, the cap allows nobody"), "EOTSS counts with EOHHS for the FY2027 cap")
		mustContain(t, "Hugo separating", w.reply(hugo, "ratings separate EOTSS"), "EOTSS counts on its own for the FY2027 cap again")
		mustContain(t, "a combine without a reason", w.reply(hugo, "ratings combine EOTSS into EOHHS"), "ratings combine <small secretariat> into <secretariat>: <why>")

		// Secretariat HR sees EOHHS with its agencies, not EOTSS, and asks
		// for the exception.
		w.command(sol, "ratings")
		audit = w.waitTopView(sol, "ratings")
		mustContain(t, "Sol's audit", rawText(audit.Raw), "You see EOHHS", "*EOHHS* · 5 people, 5 rated · ⚠️ over the 10% cap on Exceptional (it allows 0)",
			"Agencies in EOHHS", "⚠️ EOHHS/Public Health: 3 people, 3 rated · Exceptional 1 (33%)", "granted by the CHRO")
		mustNotContain(t, "Sol's audit", rawText(audit.Raw), "EOTSS", "Eli Ortiz")
		w.emu.CloseView(w.ctx(), sol, audit.ID)
		w.clickForged(t, sol, "ratings_approve", "EOHHS", `{"fy":2027}`, "it needs the CHRO's exception first")
		w.command(sol, "ratings")
		audit = w.waitTopView(sol, "ratings")
		if _, err := w.emu.ClickViewButton(w.ctx(), sol, audit.ID, "ratings_ask", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		cleoDMs := w.dmCount(cleo)
		if errs := ackErrors(w.submit(sol, w.waitTopView(sol, "ratings_ask"), values{}.text("reason", "Eli led the statewide portal <!channel>."))); errs != nil {
			t.Fatal(errs)
		}
		asked := w.dm(cleo, cleoDMs+1)
		mustContain(t, "Cleo's DM", messageText(asked), "EOHHS asks to go over the cap on its FY2027 ratings.")

		// The CHRO grants it, from the DM; Sol is told.
		if _, err := w.emu.ClickMessageButton(w.ctx(), cleo, asked.Channel, asked.TS, "ratings_open", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		audit = w.waitTopView(cleo, "ratings")
		mustContain(t, "Cleo's audit", rawText(audit.Raw), "Exception asked for", "Eli led the statewide portal &lt;!channel&gt;.")
		solDMs := w.dmCount(sol)
		if _, err := w.emu.ClickViewButton(w.ctx(), cleo, audit.ID, "ratings_grant", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Sol's DM", messageText(w.dm(sol, solDMs+1)), "EOHHS's exception to the FY2027 cap is granted")

		// Sol approves first; central HR is told, managers are not yet.
		w.command(sol, "ratings")
		audit = w.waitTopView(sol, "ratings")
		monaDMs := w.dmCount(mona)
		if _, err := w.emu.ClickViewButton(w.ctx(), sol, audit.ID, "ratings_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		w.emu.CloseView(w.ctx(), sol, audit.ID)
		ready := w.dmWith(hugo, "ready for central HR")
		mustContain(t, "Hugo's DM", messageText(ready), "EOHHS's HR approved its FY2027 ratings")
		w.outboxSettled()
		if w.dmCount(mona) != monaDMs {
			t.Errorf("Mona was told before central HR approved: %s", messageText(w.dm(mona, monaDMs+1)))
		}

		// Central HR approves, from the DM: now the managers are told.
		if _, err := w.emu.ClickMessageButton(w.ctx(), hugo, ready.Channel, ready.TS, "ratings_open", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		audit = w.waitTopView(hugo, "ratings")
		mustContain(t, "Hugo's audit", rawText(audit.Raw), "Approved by its HR", "waiting for central HR (HRD)")
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, audit.ID, "ratings_approve", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Mona's approval DM", messageText(w.dmWith(mona, "HR has approved")), "Eli Ortiz", "Zoe Adams")

		// EOTSS has no HR of its own: central HR holds both steps, in one,
		// and the audit says so. Sol cannot touch it.
		w.command(hugo, "ratings EOTSS")
		audit = w.waitTopView(hugo, "ratings")
		mustContain(t, "EOTSS's audit", rawText(audit.Raw), "Waiting for central HR (HRD), who approves it in one step: the roster has no secretariat HR for it who may decide it.")
		w.clickForged(t, sol, "ratings_approve", "EOTSS", `{"fy":2027}`, "This step is for central HR")
		danaDMs := w.dmCount(dana)
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, audit.ID, "ratings_approve", "EOTSS"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Dana's approval DM for EOTSS", messageText(w.dm(dana, danaDMs+1)), "HR has approved", "Tom Ng")
		approvals, _ := s.Approvals(ctx, 2027)
		if a := approvals["EOTSS"]; !a.Approved() || a.CheckedAt.IsZero() {
			t.Errorf("EOTSS = %+v", a)
		}
		if a := approvals["EOHHS/Public Health"]; !a.Approved() || !a.Excepted() || !strings.Contains(a.Exception, "statewide portal") {
			t.Errorf("EOHHS/Public Health = %+v", a)
		}
	})
}

// TestHRRolesBySurface: each HR role against each HR surface, for people
// inside and outside its scope: agency HR (Ari, EOHHS/Revenue), secretariat
// HR (Sol, EOHHS), central HR (Hugo) and the CHRO (Cleo). Allowed answers
// show what was asked for; refusals say why, and show nothing of it.
func TestHRRolesBySurface(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startChain(t, url, "2027-06-21")
		type check struct {
			who, text string
			want      string // in the answer
			not       string // never in it ("" for none)
		}
		refusedTeam := "You can see your own team, and the teams of managers who report to you"
		for _, c := range []check{
			// The team views: Mona's team is in EOHHS/Public Health, Dana's
			// in EOHHS (Tom, in EOTSS, among them).
			{ari, "team <@U0MONA|mona>", refusedTeam, "Eli Ortiz"},
			{sol, "team <@U0MONA|mona>", "Eli Ortiz", ""},
			{hugo, "team <@U0MONA|mona>", "Eli Ortiz", ""},
			{cleo, "team <@U0MONA|mona>", "Eli Ortiz", ""},
			{ari, "team <@U0DANA|dana>", refusedTeam, "Tom Ng"},
			{sol, "team <@U0DANA|dana>", "Mona Lee", "Tom Ng"}, // Tom is in EOTSS
			{hugo, "team <@U0DANA|dana>", "Tom Ng", ""},
			// Exports: a secretariat outside the scope is refused.
			{ari, "export FY2027 EOTSS", "outside your part of the organisation (EOHHS/Revenue)", ""},
			{sol, "export FY2027 EOTSS", "outside your part of the organisation (EOHHS)", ""},
			{hugo, "export FY2027 EOTSS", "Preparing your export", ""},
			{cleo, "export FY2027 EOTSS", "Preparing your export", ""},
			// Leave: recorded by HR whose scope holds the person.
			{ari, "leave <@U0TOM|tom>", "outside your part of the organisation", ""},
			{sol, "leave <@U0TOM|tom>", "outside your part of the organisation", ""},
			{sol, "leave <@U0ELI|eli>", "Eli Ortiz", "outside your part"},
			{hugo, "leave <@U0TOM|tom>", "Tom Ng", "outside your part"},
			// Closing a year: central HR's.
			{ari, "year close FY2027", "Only central HR (HRD) can close a review year.", ""},
			{sol, "year close FY2027", "Only central HR (HRD) can close a review year.", ""},
			{hugo, "year close FY2027", "runs until Jun 30, 2027", ""},
			{cleo, "year close FY2027", "runs until Jun 30, 2027", ""},
			// Combining secretariats for the cap: central HR's.
			{sol, "ratings combine EOTSS into EOHHS: small", "Only central HR (HRD) combines", ""},
		} {
			got := w.reply(c.who, c.text)
			mustContain(t, c.who+" /perform "+c.text, got, c.want)
			if c.not != "" {
				mustNotContain(t, c.who+" /perform "+c.text, got, c.not)
			}
		}
		// The ratings audit: each sees its own part.
		for _, c := range []struct {
			who       string
			want, not []string
		}{
			{ari, []string{"EOHHS/Revenue"}, []string{"EOTSS", "EOHHS/Public Health"}},
			{sol, []string{"*EOHHS*", "EOHHS/Public Health"}, []string{"EOTSS"}},
			{hugo, []string{"*EOHHS*", "*EOTSS*"}, nil},
			{cleo, []string{"*EOHHS*", "*EOTSS*"}, nil},
		} {
			w.command(c.who, "ratings")
			v := w.waitTopView(c.who, "ratings")
			mustContain(t, c.who+"'s ratings", rawText(v.Raw), c.want...)
			if len(c.not) > 0 {
				mustNotContain(t, c.who+"'s ratings", rawText(v.Raw), c.not...)
			}
			w.emu.CloseView(w.ctx(), c.who, v.ID)
		}
	})
}
