package e2e

import (
	"testing"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestLeave: HR puts Zoe on leave since December; Mona's January reminder
// is about Eli only; HR ends the leave, and Zoe's overdue quarter is hers
// again GraceDays after her return. Only HR records leave.
func TestLeave(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-01-04")
		mustContain(t, "Mona recording leave", w.reply(mona, "leave <@U0ZOE|zoe> from 2026-12-01"), "Leave is recorded by HR.")
		mustContain(t, "a bad date", w.reply(hana, "leave <@U0ZOE|zoe> from 2026-13-01"), `"2026-13-01" isn't a date`)
		mustContain(t, "nothing to end", w.reply(hana, "leave <@U0ZOE|zoe> to 2027-01-08"), "Zoe Adams has no open leave to end")
		got := w.reply(hana, "leave <@U0ZOE|zoe> from 2026-12-01")
		mustContain(t, "HR recording leave", got, "*Leave recorded for Zoe Adams*", "from Dec 1, 2026 until HR ends it",
			"Nothing is due from or about them while on leave", "they are not rated for it")

		monaDMs := w.dmCount(mona)
		if out, code := w.cli("jobs", "run", "nudges"); code != app.ExitOK {
			t.Fatalf("jobs run nudges exited %d:\n%s", code, out)
		}
		nudge := messageText(w.dm(mona, monaDMs+1))
		mustContain(t, "Mona's January reminder", nudge, "*Eli Ortiz*")
		mustNotContain(t, "Mona's January reminder", nudge, "Zoe Adams")

		// Back on January 8: the Q2 check-in missed while away is due
		// 30 days on, not overdue today.
		w.clock.setDay("2027-01-11")
		got = w.reply(hana, "leave <@U0ZOE|zoe> to 2027-01-08")
		mustContain(t, "HR ending the leave", got, "from Dec 1, 2026 to Jan 8, 2027")
		mustNotContain(t, "HR ending the leave", got, "not rated")
		mustContain(t, "Mona's team", w.reply(mona, "team"), "*Zoe Adams*")
	})
}
