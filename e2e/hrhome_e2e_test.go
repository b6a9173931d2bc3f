package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestHRHome: in June, with EOHHS rated over the cap and EOTSS rated, each
// HR role's Home shows its part of the organisation and nothing outside
// it: Ari (agency HR, EOHHS/Revenue), Sol (secretariat HR, EOHHS), Cleo
// (the CHRO) and Hugo (HRD by HR_USERS, not on the roster). The buttons
// work: Ratings and a waiting unit open the audit, Export sends the
// redacted file of the scope, Digest sends the scope's digest by DM.
func TestHRHome(t *testing.T) {
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

		// Agency HR: their agency only; Pat's manager is outside it and not named.
		home := w.home(ari)
		mustContain(t, "Ari's Home", home, "HR · EOHHS/Revenue", "You see EOHHS/Revenue as agency HR: 1 person", "EOHHS/Revenue* (1)",
			"Nothing: no secretariat's ratings wait for you.", "HR_CHANNEL isn't set")
		mustNotContain(t, "Ari's Home", home, "Eli Ortiz", "Zoe Adams", "Mona Lee", "Tom Ng", "Dana Cho", "Hana Park", "Public Health", "EOTSS", "MassIT")

		// Secretariat HR: EOHHS, and its over-the-cap distribution waits for their ask.
		home = w.home(sol)
		mustContain(t, "Sol's Home", home, "HR · EOHHS", "EOHHS/Public Health* (3)", "EOHHS/Revenue* (1)",
			"*EOHHS* · 5 people, 5 rated · yours: ask for an exception")
		mustNotContain(t, "Sol's Home", home, "Tom Ng", "EOTSS", "MassIT")

		// The CHRO and central HR see everyone; EOTSS (no HR of its own) waits for them.
		for _, who := range []string{cleo, hugo} {
			home = w.home(who)
			mustContain(t, who+"'s Home", home, "HR · everyone", "EOTSS/MassIT* (1)", "*EOTSS* · 1 person, 1 rated · yours: approve")
		}
		mustContain(t, "Hugo's Home", home, "You're not in the program yourself")

		// The buttons: a waiting unit opens its ratings.
		w.home(sol)
		if _, err := w.emu.ClickViewButton(w.ctx(), sol, w.emu.Home(sol).ID, "ratings_open", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		audit := w.waitTopView(sol, "ratings")
		mustContain(t, "Sol's audit from Home", rawText(audit.Raw), "You see EOHHS")
		w.emu.CloseView(w.ctx(), sol, audit.ID)
		if _, err := w.emu.ClickViewButton(w.ctx(), cleo, w.emu.Home(cleo).ID, "ratings_open", ""); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Cleo's audit from Home", rawText(w.waitTopView(cleo, "ratings").Raw), "EOTSS", "EOHHS")

		// Digest: the scope's digest by DM.
		solDMs := w.dmCount(sol)
		if _, err := w.emu.ClickViewButton(w.ctx(), sol, w.emu.Home(sol).ID, "home_hr_digest", "scope"); err != nil {
			t.Fatal(err)
		}
		digest := messageText(w.dm(sol, solDMs+1))
		mustContain(t, "Sol's digest", digest, "MassPerform · FY2027", "*Across EOHHS* (5 people)", "EOHHS/Public Health (3 people)")
		mustNotContain(t, "Sol's digest", digest, "Tom Ng", "EOTSS")

		// Export: the redacted file of the scope, in Ari's DM.
		if _, err := w.emu.ClickViewButton(w.ctx(), ari, w.emu.Home(ari).ID, "home_hr_export", "redacted"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var found string
			for _, f := range w.emu.Files() {
				if f.Name == "compliance-FY2027-EOHHS_Revenue-redacted.csv" && f.Completed {
					found = string(f.Data)
				}
			}
			if found != "" {
				mustContain(t, "Ari's export", found, "Pat Kim")
				mustNotContain(t, "Ari's export", found, "Eli Ortiz", "Tom Ng", "successful")
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no export for Ari: %v", w.emu.Files())
			}
			time.Sleep(20 * time.Millisecond)
		}

		// In October of the next year everyone's expectations are overdue:
		// by manager, and a manager outside the scope is not named.
		w.clock.setDay("2027-10-12")
		home = w.home(ari)
		mustContain(t, "Ari's Home in October", home, "Pat Kim: expectations to set", "a manager outside EOHHS/Revenue")
		mustNotContain(t, "Ari's Home in October", home, "Eli Ortiz", "Zoe Adams", "Mona Lee", "Tom Ng", "Dana Cho", "Hana Park", "Public Health", "EOTSS", "MassIT")
		home = w.home(sol)
		mustContain(t, "Sol's Home in October", home, "*Dana Cho* (", "*Mona Lee* (", "Eli Ortiz: expectations to set")
		mustNotContain(t, "Sol's Home in October", home, "Tom Ng", "EOTSS", "MassIT")
		home = w.home(hugo)
		mustContain(t, "Hugo's Home in October", home, "*Dana Cho* (", "Eli Ortiz: expectations to set")

		// Someone without HR rights gets neither, whatever they send.
		files := len(w.emu.Files())
		w.clickForged(t, eli, "home_hr_export", "redacted", "", "HR's overview, its export and its digest are for HR.")
		w.clickForged(t, eli, "home_hr_digest", "scope", "", "HR's overview, its export and its digest are for HR.")
		w.outboxSettled()
		if n := len(w.emu.Files()); n != files {
			t.Errorf("a forged Export click uploaded %d files", n-files)
		}
		mustNotContain(t, "Eli's DMs", messageText(w.dm(eli, w.dmCount(eli))), "MassPerform · FY20")

		if strings.Contains(w.logs.String(), "panic") {
			t.Errorf("a panic in the logs:\n%s", w.logs)
		}
	})
}
