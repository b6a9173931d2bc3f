package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/massperform/massperform/storage/storagetest"
)

// TestNudges runs the nudge sweep the way an operator would, through the
// CLI, against the running bot: a dry run that records nothing; one DM per
// person per day, in their own morning, with buttons; nothing twice;
// nothing on a weekend; Do Not Disturb and Snooze respected; Home lists
// what was sent.
func TestNudges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03") // a Monday, 10:00 in Boston
		w.emu.SetDND(pat, true, time.Now().Add(time.Hour))

		out, code := w.cli("jobs", "run", "nudges", "--dry-run")
		if code != 0 {
			t.Fatalf("dry run exited %d:\n%s", code, out)
		}
		mustContain(t, "dry run", out, "2 nudges would be queued", "To Mona Lee (U0MONA)", "Eli Ortiz: expectations to set (by Sep 30, 2026)", "Zoe Adams: first check-in (by Sep 30, 2026)", "To Dana Cho (U0DANA)")
		// Eli is in Los Angeles, where it is 7:00; Pat and Hana have nobody to
		// remind of anything, and their own items are their managers' move.
		mustNotContain(t, "dry run", out, "To Eli Ortiz", "To Zoe Adams")
		if w.dmCount(mona) != 0 {
			t.Fatal("a dry run sent something")
		}

		out, code = w.cli("jobs", "run", "nudges")
		if code != 0 {
			t.Fatalf("sweep exited %d:\n%s", code, out)
		}
		mustContain(t, "sweep", out, "Queued 2 nudges")
		nudge := w.dmWith(mona, "waiting for you in MassPerform")
		mustContain(t, "Mona's nudge", messageText(nudge), "Eli Ortiz*: expectations to set", "Set expectations", "Log a check-in", "Snooze a week")
		w.dmWith(dana, "waiting for you in MassPerform")
		if out, _ := w.cli("jobs", "run", "nudges"); !strings.Contains(out, "Queued 0 nudges") {
			t.Errorf("a second sweep the same day queued again:\n%s", out)
		}

		// The button opens the right form for the right person.
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, nudge.Channel, nudge.TS, "expectations_open", buttonValue(t, nudge.Raw, "expectations_open", "Eli Ortiz")); err != nil {
			t.Fatal(err)
		}
		if v := w.waitTopView(mona, "expectations"); !strings.Contains(rawText(v.Raw), "Eli Ortiz") {
			t.Errorf("the nudge's button opened %s", rawText(v.Raw))
		}
		w.emu.CloseView(w.ctx(), mona, w.topView(mona).ID)
		mustContain(t, "Mona's Home", w.home(mona), "Reminders we sent you", "Aug 3, 2026 · 4 items")

		// Tuesday: reminded yesterday, so quiet. Saturday: quiet.
		w.clock.setDay("2026-08-04")
		if out, _ := w.cli("jobs", "run", "nudges", "--dry-run"); !strings.Contains(out, "0 nudges would be queued") {
			t.Errorf("the day after:\n%s", out)
		}
		w.clock.setDay("2026-09-12")
		if out, _ := w.cli("jobs", "run", "nudges", "--dry-run"); !strings.Contains(out, "0 nudges would be queued") {
			t.Errorf("a Saturday:\n%s", out)
		}
		// The last three weeks before Sep 30: weekly again, unless snoozed.
		w.clock.setDay("2026-09-10")
		out, _ = w.cli("jobs", "run", "nudges", "--dry-run")
		mustContain(t, "Sep 10", out, "To Mona Lee", "To Dana Cho")
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, nudge.Channel, nudge.TS, "nudge_snooze", "7"); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "snooze reply", w.lastMessage(mona, "no reminders from us"), "until Sep 18, 2026")
		out, _ = w.cli("jobs", "run", "nudges", "--dry-run")
		mustNotContain(t, "snoozed", out, "To Mona Lee")
		mustContain(t, "others", out, "To Dana Cho")
		w.clock.setDay("2026-09-18")
		mustContain(t, "after the snooze", func() string { out, _ := w.cli("jobs", "run", "nudges", "--dry-run"); return out }(), "To Mona Lee")

		// Do Not Disturb: Pat has nothing due, so give Hana's manager's DND a go.
		w.emu.SetDND(dana, true, time.Now().Add(time.Hour))
		out, _ = w.cli("jobs", "run", "nudges")
		mustContain(t, "with Dana in DND", out, "1 left for later because Do Not Disturb was on")
	})
}

// lastMessage waits for any message to user (a DM, an ephemeral reply)
// that says text, and returns all it says.
func (w *world) lastMessage(user, text string) string {
	w.t.Helper()
	ctx := w.ctx()
	for {
		msgs := w.emu.MessagesTo(user)
		for i := len(msgs) - 1; i >= 0; i-- {
			if m := messageText(msgs[i]); strings.Contains(m, text) {
				return m
			}
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("%s never saw a message saying %q", user, text)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestNudgesOnceAcrossProcesses runs the sweep from five processes at once
// against one database, with two bots sending: everyone due a reminder gets
// exactly one.
func TestNudgesOnceAcrossProcesses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		w.start() // a second bot on the same database and workspace
		var wg sync.WaitGroup
		outs := make([]string, 5)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, code := w.cli("jobs", "run", "nudges")
				if code != 0 {
					t.Errorf("sweep %d exited %d:\n%s", i, code, out)
				}
				outs[i] = out
			}()
		}
		wg.Wait()
		queued := 0
		for _, out := range outs {
			var n int
			if _, err := fmt.Sscanf(out, "Queued %d", &n); err == nil {
				queued += n
			}
		}
		if queued != 2 {
			t.Errorf("the sweeps queued %d nudges in all, want 2:\n%s", queued, strings.Join(outs, "\n"))
		}
		w.dmWith(mona, "waiting for you")
		w.dmWith(dana, "waiting for you")
		w.outboxSettled()
		for _, u := range []string{mona, dana, eli, zoe, pat, hana} {
			n := 0
			for _, m := range w.emu.MessagesTo(u) {
				if strings.Contains(messageText(m), "waiting for you in MassPerform") {
					n++
				}
			}
			if want := map[string]int{mona: 1, dana: 1}[u]; n != want {
				t.Errorf("%s got %d reminders, want %d", u, n, want)
			}
		}
	})
}

// TestKickoff: on July 1 everyone in the program hears that the year has
// started, in their own morning, once, in words for their part in it.
func TestKickoff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-07-01") // a Wednesday; 10:00 in Boston, 7:00 for Eli in Los Angeles
		// The kickoff job alone announces, and reminds of nothing.
		out, _ := w.cli("jobs", "run", "kickoff", "--dry-run")
		mustContain(t, "kickoff dry run", out, "5 nudges would be queued", "To Mona Lee (U0MONA)", "Welcome to FY2027!")
		mustNotContain(t, "kickoff dry run", out, "expectations to set")
		out, code := w.cli("jobs", "run", "nudges")
		if code != 0 || !strings.Contains(out, "Queued 5 nudges") {
			t.Fatalf("sweep exited %d:\n%s", code, out)
		}
		mustContain(t, "Zoe's kickoff", messageText(w.dmWith(zoe, "Welcome to FY2027")), "Your manager sets your expectations", "by Sep 30, 2026")
		mustContain(t, "Mona's kickoff", messageText(w.dmWith(mona, "Welcome to FY2027")), "As a manager", "Eli Ortiz*: expectations to set")
		mustContain(t, "Dana's kickoff", messageText(w.dmWith(dana, "Welcome to FY2027")), "Set each report's expectations")

		// Eli hears at 10:00 his time; nobody else hears it twice.
		out, _ = w.cli("jobs", "run", "nudges", "--dry-run", "--as-of", "2026-07-01T13:00:00-04:00")
		mustContain(t, "LA morning", out, "1 nudge would be queued", "To Eli Ortiz", "Welcome to FY2027!")
		w.clock.setDay("2026-07-02")
		out, _ = w.cli("jobs", "run", "nudges", "--dry-run")
		mustNotContain(t, "the day after", out, "Welcome to FY2027")

		// Eli moves to New York; the daily refresh reads it from Slack, and
		// his reminders come at his new morning.
		moved := cast[2]
		moved.TZ = "America/New_York"
		w.emu.AddUser(moved)
		if out, code := w.cli("jobs", "run", "timezones"); code != 0 || !strings.Contains(out, "1 person's changed") {
			t.Fatalf("timezones exited %d:\n%s", code, out)
		}
		w.clock.setDay("2026-07-03")
		out, _ = w.cli("jobs", "run", "nudges", "--dry-run")
		mustContain(t, "Eli in New York", out, "To Eli Ortiz (U0ELI), on their Jul 3, 2026", "Welcome to FY2027!")
	})
}
