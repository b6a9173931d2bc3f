package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/storage/storagetest"
)

// setExpectations has Mona give Eli one expectation, and Eli a goal for it.
func setExpectations(t *testing.T, w *world) {
	t.Helper()
	w.command(mona, "expectations <@U0ELI|eli>")
	form := w.waitTopView(mona, "expectations")
	if errs := ackErrors(w.submit(mona, form, values{}.text("new:0", "Cut the permit backlog"))); errs != nil {
		t.Fatal(errs)
	}
	dm := w.dm(eli, 1)
	w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "goals_open", "open")
	list := w.waitTopView(eli, "goals")
	w.emu.ClickViewButton(w.ctx(), eli, list.ID, "goals_edit", buttonValue(t, list.Raw, "goals_edit", "permit"))
	editor := w.waitTopView(eli, "goal_edit")
	if errs := ackErrors(w.submit(eli, editor, values{}.text("goal:new", "Triage in 2 days").text("measure:new", "Median under 48h").date("target:new", "2026-12-01"))); errs != nil {
		t.Fatal(errs)
	}
	w.emu.CloseView(w.ctx(), eli, list.ID)
}

func TestCheckInsAndConfirmations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		setExpectations(t, w)
		eliDMs := w.dmCount(eli)

		// Mona logs the first check-in: the form asks for the cadence.
		w.command(mona, "checkin <@U0ELI|eli>")
		form := w.waitTopView(mona, "checkin")
		mustContain(t, "check-in form", rawText(form.Raw), "first check-in of the year", "How often will you check in?", "Triage in 2 days")
		goalBlock := ""
		for b := range form.State {
			if strings.HasPrefix(b, "progress:") {
				goalBlock = b
			}
		}
		// Feedback ticked but not written down: asked for, form kept.
		ack := w.submit(mona, form, values{}.options("covered", "expectations", "feedback").pick("cadence", "monthly").pick(goalBlock, "on"))
		if errs := ackErrors(ack); !strings.Contains(errs["feedback"], "Write down the feedback you gave") {
			t.Fatalf("no feedback error: %s", ack.Payload)
		}
		ack = w.submit(mona, w.topView(mona), values{}.text("feedback", "Good start & keep going"))
		if errs := ackErrors(ack); errs != nil {
			t.Fatalf("logging the check-in: %v", errs)
		}

		// Eli is asked to confirm it.
		dm := w.dm(eli, eliDMs+1)
		mustContain(t, "Eli's check-in DM", messageText(dm), "Mona Lee logged your first check-in of FY2027, held on Aug 3, 2026",
			"Good start &amp; keep going", "Triage in 2 days — On Target", "three yes/no questions")
		confirmID := buttonValue(t, dm.Raw, "checkin_confirm", "")

		// Zoe, forging a click on Eli's button, is refused.
		zoeBefore := w.dmCount(zoe)
		w.emu.SendInteractive(w.ctx(), map[string]any{
			"type": "block_actions", "user": map[string]any{"id": zoe}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.x",
			"container": map[string]any{"type": "view", "view_id": "VX"},
			"actions":   []any{map[string]any{"action_id": "checkin_confirm", "block_id": "b", "type": "button", "value": confirmID}},
		})
		mustContain(t, "Zoe's refusal", messageText(w.dm(zoe, zoeBefore+1)), "That button is for the person the check-in was with.")

		if _, err := w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "checkin_confirm", confirmID); err != nil {
			t.Fatal(err)
		}
		confirm := w.waitTopView(eli, "confirm")
		monaBefore := w.dmCount(mona)
		mustContain(t, "confirm form", rawText(confirm.Raw), "Did you and your manager meet", "Your feedback for Mona Lee")
		ack = w.submit(eli, confirm, values{}.pick("answer:met", "yes").pick("answer:cadence", "no").pick("answer:expectations", "yes").text("feedback", "Clear and useful"))
		if errs := ackErrors(ack); errs != nil {
			t.Fatalf("confirming: %v", errs)
		}
		monaDM := messageText(w.dm(mona, monaBefore+1))
		mustContain(t, "Mona's confirmation DM", monaDM, "Eli Ortiz confirmed your check-in of Aug 3, 2026", "Clear and useful",
			"They answered No to", "Did you agree how often you'll check in")

		// A second confirmation is refused politely.
		before := len(w.emu.MessagesTo(eli))
		w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "checkin_confirm", confirmID)
		msgs, _ := w.emu.WaitMessages(w.ctx(), eli, before+1)
		mustContain(t, "second confirmation", messageText(msgs[len(msgs)-1]), "You've already confirmed this check-in")

		// Home: Q1 has its check-in.
		mustContain(t, "Mona's home", w.home(mona), "Q1 ✓  Q2 –  Q3 –  Q4 –")

		// The cadence changes, with a reason; Eli is told.
		eliBefore := w.dmCount(eli)
		w.command(mona, "cadence <@U0ELI|eli>")
		cad := w.waitTopView(mona, "cadence")
		mustContain(t, "cadence form", rawText(cad.Raw), "Now: *monthly*")
		if errs := ackErrors(w.submit(mona, cad, values{}.pick("cadence", "weeks:2").text("reason", "Budget season"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Eli's cadence DM", messageText(w.dm(eli, eliBefore+1)), "every 2 weeks from now on", "Budget season")
	})
}

func TestCheckInRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		tests := []struct{ user, text, want string }{
			{eli, "checkin <@U0ZOE|zoe>", "Only Zoe Adams's current manager can log their check-ins"},
			{eli, "checkin <@U0ELI|eli>", "Check-ins are logged by your manager"},
			{pat, "cadence <@U0ELI|eli>", "Only Eli Ortiz's current manager"},
			{hana, "checkin <@U0ELI|eli>", "Only Eli Ortiz's current manager"},
			{omar, "checkin <@U0ELI|eli>", "not part of the MassPerform program"},
			{mona, "checkin", "Who is it about? Mention them, like `/perform checkin @Eli`"},
		}
		for _, tt := range tests {
			mustContain(t, tt.text, w.reply(tt.user, tt.text), tt.want)
		}
		// A check-in dated tomorrow, or a development check-in before the
		// expectations and feedback ones, is refused in the form.
		w.command(mona, "checkin <@U0ELI|eli>")
		form := w.waitTopView(mona, "checkin")
		ack := w.submit(mona, form, values{}.date("held_on", "2026-08-04").pick("cadence", "quarterly").options("covered", "development"))
		errs := ackErrors(ack)
		if !strings.Contains(errs["held_on"], "once it has happened") || !strings.Contains(errs["covered"], "A development check-in comes after") {
			t.Errorf("errors = %v", errs)
		}
	})
}

func TestEditingACheckIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		setExpectations(t, w)
		logCheckIn(t, w, values{}.options("covered", "expectations").pick("cadence", "quarterly"))

		w.command(mona, "checkin <@U0ELI|eli>")
		form := w.waitTopView(mona, "checkin")
		id := buttonValue(t, form.Raw, "checkin_edit", "")
		if _, err := w.emu.ClickViewButton(w.ctx(), mona, form.ID, "checkin_edit", id); err != nil {
			t.Fatal(err)
		}
		var edit = form
		for i := 0; edit.Title != "Edit check-in"; i++ {
			if i > 300 {
				t.Fatalf("the form did not turn into the edit form: %s", rawText(edit.Raw))
			}
			time.Sleep(10 * time.Millisecond)
			edit = w.topView(mona)
		}
		if got := edit.State["covered"]["check"].SelectedOptions; len(got) != 1 || got[0].Value != "expectations" {
			t.Errorf("the edit form does not show what was logged: %+v", got)
		}
		n := w.dmCount(eli)
		if errs := ackErrors(w.submit(mona, edit, values{}.options("covered", "expectations", "feedback").text("feedback", "Added later"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Eli's update DM", messageText(w.dm(eli, n+1)), "Mona Lee updated your first check-in of FY2027", "Added later")
		if got := len(w.emu.CallsTo("views.update")); got == 0 {
			t.Error("the form was not updated in place")
		}
	})
}
