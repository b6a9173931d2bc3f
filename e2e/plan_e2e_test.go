package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestImprovementPlan: after a Below Expectations rating is talked
// through, Mona starts Eli's improvement plan (refused for Zoe's
// Successful rating, and to anyone but his manager); she is reminded the
// week before its re-evaluation; HR's digest counts it, unnamed, once it
// is late; she extends it, then closes it as improved.
func TestImprovementPlan(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-28", withHRD)
		s := openStore(t, w)
		ctx := context.Background()
		monaP, _ := s.PersonBySlackID(ctx, mona)
		asMona := review.Actor{SlackID: mona, Person: &monaP}
		yes := []review.Answer{{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true}, {Stage: review.StageWrapUp, Question: "expectations", Yes: true}, {Stage: review.StageWrapUp, Question: "feedback", Yes: true}}
		for who, rating := range map[string]string{eli: "below", zoe: "successful", mona: "successful", pat: "successful", hana: "successful"} {
			p, _ := s.PersonBySlackID(ctx, who)
			mgr, _ := s.PersonByID(ctx, p.ManagerID)
			wu := review.WrapUp{Rating: rating, Answers: yes}
			if rating == "below" {
				wu.DevelopmentNote = "Clear the permit backlog"
			}
			if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}, p, 2027, wu); err != nil {
				t.Fatal(err)
			}
		}
		none := func(review.Pool, []storage.TeamRelease) ([]storage.Notification, error) { return nil, nil }
		if _, err := s.ApproveRatings(ctx, review.Actor{SlackID: hugo, HR: true}, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "", Teams: none}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{eli, zoe} {
			p, _ := s.PersonBySlackID(ctx, who)
			if _, err := s.MarkConversationHeld(ctx, storage.Change{Actor: asMona, Action: review.HoldConversation}, p, 2027); err != nil {
				t.Fatal(err)
			}
		}

		mustContain(t, "Zoe's plan", w.reply(mona, "plan <@U0ZOE|zoe>"), "An improvement plan follows a Below Expectations rating")
		mustContain(t, "Pat on Eli's plan", w.reply(pat, "plan <@U0ELI|eli>"), "Only Eli Ortiz's current manager keeps their improvement plan.")
		w.command(mona, "plan <@U0ELI|eli>")
		form := w.waitTopView(mona, "plan")
		mustContain(t, "the plan form", rawText(form.Raw), "An improvement plan for Eli Ortiz")
		if got := form.State["improve"]["text"].Value; got != "Clear the permit backlog" {
			t.Errorf("what to improve, offered from the wrap-up's note: %q", got)
		}
		if got := form.State["reevaluate"]["date"].SelectedDate; got != "2027-09-26" {
			t.Errorf("the re-evaluation day offered: %q, want 90 days on", got)
		}
		if errs := ackErrors(w.submit(mona, form, values{}.text("support", "Weekly coaching").date("reevaluate", "2028-01-10"))); !strings.Contains(errs["reevaluate"], "within 6 months") {
			t.Fatalf("a re-evaluation too far off: %v", errs)
		}
		if errs := ackErrors(w.submit(mona, w.topView(mona), values{}.text("support", "Weekly coaching").date("reevaluate", "2027-09-26"))); errs != nil {
			t.Fatalf("starting the plan: %v", errs)
		}

		// The week before: Mona is reminded.
		w.clock.setDay("2027-09-20")
		monaDMs := w.dmCount(mona)
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		mustContain(t, "Mona's reminder", messageText(w.dm(mona, monaDMs+1)), "*Eli Ortiz*: re-evaluation of their improvement plan (by Sep 26, 2027)")

		// Late: HR's digest counts it, naming nobody.
		w.clock.setDay("2027-10-04")
		out, code := w.cli("jobs", "run", "digest", "--dry-run")
		if code != app.ExitOK || !strings.Contains(out, "*Improvement plans past their re-evaluation day:* 1.") || strings.Contains(out, "improvement plan (") {
			t.Fatalf("the digest (exit %d):\n%s", code, out)
		}

		// Extended, then closed as improved.
		w.command(mona, "plan <@U0ELI|eli>")
		reeval := w.waitTopView(mona, "plan_reevaluation")
		mustContain(t, "the re-evaluation form", rawText(reeval.Raw), "Eli Ortiz's improvement plan", "was due Sep 26, 2027", "Weekly coaching")
		if errs := ackErrors(w.submit(mona, reeval, values{}.pick("plan_outcome", "extended"))); !strings.Contains(errs["plan_new_date"], "Pick the new re-evaluation day") {
			t.Fatalf("extended without a day: %v", errs)
		}
		if errs := ackErrors(w.submit(mona, w.topView(mona), values{}.pick("plan_outcome", "extended").date("plan_new_date", "2027-11-15"))); errs != nil {
			t.Fatalf("extending: %v", errs)
		}
		w.command(mona, "plan <@U0ELI|eli>")
		reeval = w.waitTopView(mona, "plan_reevaluation")
		mustContain(t, "the extended plan", rawText(reeval.Raw), "re-evaluation due Nov 15, 2027")
		if errs := ackErrors(w.submit(mona, reeval, values{}.pick("plan_outcome", "improved"))); errs != nil {
			t.Fatalf("closing: %v", errs)
		}
		eliP, _ := s.PersonBySlackID(ctx, eli)
		plans, _ := s.Plans(ctx, eliP.ID)
		if len(plans) != 1 || plans[0].Open() || plans[0].Outcome != review.PlanImproved {
			t.Errorf("plans = %+v", plans)
		}
		trail, _ := s.AuditTrail(ctx, "improvement_plan", plans[0].ID)
		if len(trail) != 3 {
			t.Errorf("audit trail = %+v", trail)
		}
	})
}
