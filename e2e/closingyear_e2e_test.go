package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestClosingYearStaysLive: a check-in logged in late June is confirmed
// on July 2, in the year it belongs to; HR sees the closing year beside
// the new one and what is left in it, and closes it (anyway, with
// business open, after being asked); then nothing of it can change.
func TestClosingYearStaysLive(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-28")
		logCheckIn := func(day string) string {
			t.Helper()
			w.clock.setDay(day)
			before := w.dmCount(eli)
			w.command(mona, "checkin <@U0ELI|eli>")
			form := w.waitTopView(mona, "checkin")
			set := values{}.options("covered", "expectations").date("held_on", day)
			if strings.Contains(rawText(form.Raw), "How often will you check in?") {
				set = set.pick("cadence", "quarterly")
			}
			if errs := ackErrors(w.submit(mona, form, set)); errs != nil {
				t.Fatalf("logging the check-in of %s: %v", day, errs)
			}
			return buttonValue(t, w.dm(eli, before+1).Raw, "checkin_confirm", "")
		}
		confirm := func(id string) map[string]string {
			t.Helper()
			var dm string
			for _, m := range w.emu.MessagesTo(eli) {
				if strings.Contains(string(m.Raw), `"value":"`+id+`"`) {
					dm = m.TS
					w.emu.ClickMessageButton(w.ctx(), eli, m.Channel, m.TS, "checkin_confirm", id)
				}
			}
			if dm == "" {
				t.Fatalf("no DM with the confirm button %s", id)
			}
			form := w.waitTopView(eli, "confirm")
			set := values{}.text("feedback", "Thanks")
			if strings.Contains(rawText(form.Raw), "Did you and your manager meet") {
				set = set.pick("answer:met", "yes").pick("answer:cadence", "yes").pick("answer:expectations", "yes")
			}
			return ackErrors(w.submit(eli, form, set))
		}
		june28, june29 := logCheckIn("2027-06-28"), logCheckIn("2027-06-29")

		// July 2: FY2028 runs, and June's check-in is still Eli's to confirm.
		w.clock.setDay("2027-07-02")
		monaDMs := w.dmCount(mona)
		if errs := confirm(june28); errs != nil {
			t.Fatalf("confirming June 28's check-in on July 2: %v", errs)
		}
		mustContain(t, "Mona's confirmation DM", messageText(w.dm(mona, monaDMs+1)), "Eli Ortiz confirmed")

		// Mona's Home keeps FY2027's business beside FY2028.
		mustContain(t, "Mona's Home in July", w.home(mona), "Still open in FY2027", "*Eli Ortiz*", "wrap-up not written yet (late wrap-ups close on Sep 30, 2027)")

		// The morning sweep reminds Mona of the late wrap-up, marked with
		// its year.
		monaDMs, eliDMs := w.dmCount(mona), w.dmCount(eli)
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		mustContain(t, "Mona's reminder", messageText(w.dm(mona, monaDMs+1)), "*Eli Ortiz*: FY2027 wrap-up and rating (was due Jun 30, 2027)")
		// Eli was asked to confirm when it was logged; he is reminded as
		// its two weeks run out (at 10:00 his time, in Los Angeles).
		w.clock.setDay("2027-07-12")
		w.clock.mu.Lock()
		w.clock.t = w.clock.t.Add(3 * time.Hour)
		w.clock.mu.Unlock()
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		mustContain(t, "Eli's reminder", messageText(w.dm(eli, eliDMs+1)), "FY2027, still open: Confirm your check-in of Jun 29, 2027")

		// So does HR's digest, in counts.
		out, code := w.cli("jobs", "run", "digest", "--dry-run")
		if code != app.ExitOK {
			t.Fatalf("digest dry run exited %d:\n%s", code, out)
		}
		mustContain(t, "the digest", out, "*FY2027, still open* (it ended on Jun 30, 2027)", "wrap-ups of", "`/perform year` has the details")

		// HR sees FY2027 open beside FY2028.
		status := w.reply(hana, "year")
		mustContain(t, "HR's years", status, "*FY2028* is the running year.", "*FY2027* ended on Jun 30, 2027 and is still open beside it",
			"wrap-ups of", "`/perform year close FY2027`")
		mustContain(t, "a manager asking", w.reply(mona, "year close FY2027"), "HR")

		// Closing asks first, and wants "anyway" while wrap-ups are missing.
		w.command(hana, "year close FY2027")
		form := w.waitTopView(hana, "year_close")
		mustContain(t, "the close form", rawText(form.Raw), "Close FY2027?", "Still open:", "wrap-ups of")
		if errs := ackErrors(w.submit(hana, form, values{})); !strings.Contains(errs["anyway"], "tick this to close it as it is") {
			t.Fatalf("closing with wrap-ups missing, not ticked: %v", errs)
		}
		if errs := ackErrors(w.submit(hana, w.topView(hana), values{}.options("anyway", "yes"))); errs != nil {
			t.Fatalf("closing anyway: %v", errs)
		}
		mustContain(t, "HR's years once closed", w.reply(hana, "year"), "*FY2028* is the running year.", "FY2027 was closed on Jul 12, 2027")
		mustNotContain(t, "HR's years once closed", w.reply(hana, "year"), "still open beside it")
		mustContain(t, "closing again", w.reply(hana, "year close FY2027"), "FY2027 was closed on Jul 12, 2027.")

		mustNotContain(t, "Mona's Home once closed", w.home(mona), "Still open in FY2027")
		w.clock.setDay("2027-07-13")
		monaDMs = w.dmCount(mona)
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		w.outboxSettled()
		for _, m := range w.emu.MessagesTo(mona)[monaDMs:] {
			mustNotContain(t, "Mona's messages once FY2027 is closed", messageText(m), "FY2027")
		}

		// Closed: June 29's check-in can no longer be confirmed.
		errs := confirm(june29)
		var said string
		for _, e := range errs {
			said += e
		}
		if !strings.Contains(said, "FY2027 is closed, so nothing in it can change any more.") {
			t.Fatalf("confirming in a closed year: %v", errs)
		}
	})
}
