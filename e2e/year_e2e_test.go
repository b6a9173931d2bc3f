package e2e

import (
	"testing"

	"github.com/massperform/massperform/storage/storagetest"
)

// confirmLatest has Eli confirm the check-in in his latest DM.
func confirmLatest(t *testing.T, w *world, set values) {
	t.Helper()
	dm := w.dm(eli, w.dmCount(eli))
	if _, err := w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "checkin_confirm", buttonValue(t, dm.Raw, "checkin_confirm", "")); err != nil {
		t.Fatal(err)
	}
	form := w.waitTopView(eli, "confirm")
	n := w.dmCount(mona)
	if errs := ackErrors(w.submit(eli, form, set)); errs != nil {
		t.Fatalf("confirming: %v", errs)
	}
	w.dm(mona, n+1) // Mona hears of it
}

// logCheckIn has Mona log a check-in with Eli held today.
func logCheckIn(t *testing.T, w *world, set values) {
	t.Helper()
	n := w.dmCount(eli)
	w.command(mona, "checkin <@U0ELI|eli>")
	form := w.waitTopView(mona, "checkin")
	if errs := ackErrors(w.submit(mona, form, set)); errs != nil {
		t.Fatalf("logging: %v", errs)
	}
	w.dm(eli, n+1)
}

// TestAYearOfCheckIns runs a manager and an employee through a year, moving
// the clock, and checks at each step what /perform team, /perform status
// and the Home tabs say.
func TestAYearOfCheckIns(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-07-06")
		mustContain(t, "July, Mona's team", w.reply(mona, "team"), "Q1 –  Q2 –  Q3 –  Q4 –", "Next: first check-in (by Sep 30, 2026)")
		mustContain(t, "July, Eli's home", w.home(eli), "Your manager hasn't set your expectations yet (by Sep 30, 2026).",
			"Your first check-in of the year with your manager (by Sep 30, 2026).")

		// Q1: expectations, goals, the first check-in, confirmed with the questions.
		w.clock.setDay("2026-08-03")
		setExpectations(t, w)
		logCheckIn(t, w, values{}.options("covered", "expectations", "feedback").text("feedback", "A clear start").pick("cadence", "quarterly"))
		mustContain(t, "August, Eli's home", w.home(eli), "Confirm your check-in of Aug 3, 2026 (by Aug 17, 2026).")
		confirmLatest(t, w, values{}.pick("answer:met", "yes").pick("answer:cadence", "yes").pick("answer:expectations", "yes").text("feedback", "Helpful"))
		mustContain(t, "August, Eli's home after confirming", w.home(eli), "You're all set for now.")
		team := w.reply(mona, "team")
		mustContain(t, "August, Mona's team", team, "Q1 ✓  Q2 –  Q3 –  Q4 – · last check-in Aug 3, 2026 (confirmed)")
		mustNotContain(t, "August, Mona's team", team, "Overdue")

		// Q2: due, then held and confirmed (no questions this time).
		w.clock.setDay("2026-11-10")
		mustContain(t, "November, Eli's status", w.reply(eli, "status"), "A check-in with your manager this quarter, Q2 (by Dec 31, 2026).")
		logCheckIn(t, w, values{}.options("covered", "feedback").text("feedback", "Keep going"))
		confirmLatest(t, w, nil)
		mustContain(t, "November, Mona's team", w.reply(mona, "team"), "Q1 ✓  Q2 ✓  Q3 –  Q4 –")

		// Q3 passes without a check-in: overdue, and it stays so.
		w.clock.setDay("2027-04-05")
		team = w.reply(mona, "team")
		mustContain(t, "April, Mona's team", team, "Q1 ✓  Q2 ✓  Q3 ⚠️  Q4 –", "⚠️ Overdue: Q3 check-in (was due Mar 31, 2027)")
		mustContain(t, "April, Mona's home", w.home(mona), "Q3 ⚠️")

		// A development conversation in Q4, asked for by Eli.
		monaDMs := w.dmCount(mona)
		w.command(eli, "development")
		plan := w.waitTopView(eli, "development")
		if errs := ackErrors(w.submit(eli, plan, values{}.text("short_term", "Lead the Q4 rollout").options("options", "ask"))); errs != nil {
			t.Fatal(errs)
		}
		req := w.dm(mona, monaDMs+1)
		w.clock.setDay("2027-04-12")
		n := w.dmCount(eli)
		w.emu.ClickMessageButton(w.ctx(), mona, req.Channel, req.TS, "checkin_dev", buttonValue(t, req.Raw, "checkin_dev", ""))
		dev := w.waitTopView(mona, "checkin")
		if errs := ackErrors(w.submit(mona, dev, values{}.text("notes", "Stretch assignment agreed"))); errs != nil {
			t.Fatal(errs)
		}
		w.dm(eli, n+1)
		confirmLatest(t, w, values{}.text("feedback", "Thank you"))
		team = w.reply(mona, "team")
		mustContain(t, "April, after development", team, "Q1 ✓  Q2 ✓  Q3 ⚠️  Q4 ✓", "⚠️ Overdue: Q3 check-in (was due Mar 31, 2027)")
		mustNotContain(t, "April, after development", team, "asked for a development check-in")
		status := w.reply(eli, "status")
		mustContain(t, "June, Eli's status", status, "Aug 3, 2026 (Q1) — expectations, feedback · confirmed",
			"Nov 10, 2026 (Q2) — feedback · confirmed", "Apr 12, 2027 (Q4) — development · confirmed")

		// A new fiscal year starts empty.
		w.clock.setDay("2027-07-01")
		mustContain(t, "July, the new year", w.reply(eli, "status"), "*Your FY2028*", "0 expectations", "Q1 –  Q2 –  Q3 –  Q4 –")
		if v := w.emu.Violations(); len(v) > 0 {
			t.Errorf("violations: %v", v)
		}
	})
}
