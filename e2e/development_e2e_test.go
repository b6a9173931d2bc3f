package e2e

import (
	"strings"
	"testing"

	"github.com/massperform/massperform/storage/storagetest"
)

func TestDevelopmentPlanAndCheckIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		monaDMs := w.dmCount(mona)

		// A draft: nobody is told.
		w.command(eli, "development")
		form := w.waitTopView(eli, "development")
		mustContain(t, "plan form", rawText(form.Raw), "Your development plan", "It is a draft", "Ask Mona Lee for a development check-in")
		if errs := ackErrors(w.submit(eli, form, values{}.text("long_term", "Lead a division <one day>"))); errs != nil {
			t.Fatal(errs)
		}

		// Asking before an expectations and a feedback check-in: refused, form kept.
		w.command(eli, "development")
		form = w.waitTopView(eli, "development")
		if got := form.State["long_term"]["text"].Value; got != "Lead a division <one day>" {
			t.Errorf("the draft came back as %q", got)
		}
		ack := w.submit(eli, form, values{}.text("needs", "Budget training").options("options", "ask"))
		if errs := ackErrors(ack); !strings.Contains(errs["options"], "A development check-in comes after") {
			t.Fatalf("early request: %s", ack.Payload)
		}
		w.emu.CloseView(w.ctx(), eli, form.ID)

		// Mona holds an expectations and feedback check-in.
		w.command(mona, "checkin <@U0ELI|eli>")
		ci := w.waitTopView(mona, "checkin")
		if errs := ackErrors(w.submit(mona, ci, values{}.options("covered", "expectations", "feedback").text("feedback", "Good").pick("cadence", "quarterly"))); errs != nil {
			t.Fatal(errs)
		}

		// Now Eli asks: Mona gets the request with the plan and a button.
		w.command(eli, "development")
		form = w.waitTopView(eli, "development")
		if errs := ackErrors(w.submit(eli, form, values{}.text("needs", "Budget training").options("options", "ask"))); errs != nil {
			t.Fatal(errs)
		}
		req := w.dm(mona, monaDMs+1)
		mustContain(t, "Mona's request DM", messageText(req), "Eli Ortiz would like a development check-in with you", "Lead a division &lt;one day&gt;", "Budget training")
		mustContain(t, "Mona's team", w.reply(mona, "team"), "Development plan shared · asked for a development check-in on Aug 3, 2026")

		// The button opens the check-in with Development ticked.
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, req.Channel, req.TS, "checkin_dev", buttonValue(t, req.Raw, "checkin_dev", "")); err != nil {
			t.Fatal(err)
		}
		dev := w.waitTopView(mona, "checkin")
		if got := dev.State["covered"]["check"].SelectedOptions; len(got) != 1 || got[0].Value != "development" {
			t.Fatalf("development not preset: %+v", got)
		}
		eliDMs := w.dmCount(eli)
		if errs := ackErrors(w.submit(mona, dev, nil)); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Eli's DM", messageText(w.dm(eli, eliDMs+1)), "Covered:* development")
		mustNotContain(t, "Mona's team after", w.reply(mona, "team"), "asked for a development check-in")
	})
}
