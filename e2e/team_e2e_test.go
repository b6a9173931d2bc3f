package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestTeamAndStatus(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		setExpectations(t, w)
		w.command(mona, "checkin <@U0ELI|eli>")
		form := w.waitTopView(mona, "checkin")
		if errs := ackErrors(w.submit(mona, form, values{}.options("covered", "expectations").pick("cadence", "quarterly"))); errs != nil {
			t.Fatal(errs)
		}
		w.dm(eli, w.dmCount(eli)) // delivered

		team := w.reply(mona, "team")
		mustContain(t, "Mona's team", team, "*Your team* · FY2027 · 2 direct reports", "*Eli Ortiz*", "1 expectation, goals for 1",
			"Q1 ✓  Q2 –  Q3 –  Q4 – · last check-in Aug 3, 2026 (to confirm)", "*Zoe Adams*", "Next: first check-in (by Sep 30, 2026)")
		mustContain(t, "skip-level", w.reply(dana, "team <@U0MONA|mona>"), "*Mona Lee's team*", "Eli Ortiz")
		mustContain(t, "HR", w.reply(hana, "team <@U0MONA|mona>"), "*Mona Lee's team*")
		mustContain(t, "a peer", w.reply(pat, "team <@U0MONA|mona>"), "Mona Lee's team is not one of them")
		mustContain(t, "no reports", w.reply(eli, "team"), "Your team has nobody on the roster this year.")

		status := w.reply(eli, "status")
		mustContain(t, "Eli's status", status, "*Your FY2027*", "1 expectation, goals for 1 of them", "Aug 3, 2026 (Q1) — expectations · to confirm",
			"Confirm your check-in of Aug 3, 2026 (by Aug 17, 2026)")
		mustContain(t, "Dana's status", w.reply(dana, "status"), "Nobody on the roster manages you")
	})
}

func TestTeamPages(t *testing.T) {
	w := newWorld(t, t.TempDir()+"/pages.db", "2026-08-03")
	roster := castRoster
	for i := range 20 {
		id, email := fmt.Sprintf("U0R%02d", i), fmt.Sprintf("r%02d@example.org", i)
		w.emu.AddUser(slackemu.User{ID: id, Name: id, Email: email})
		roster += fmt.Sprintf("%s,Report %02d,mona@example.org,EOHHS/Public Health,false\n", email, i)
	}
	if out, code := w.importRoster(roster); code != 0 {
		t.Fatal(out)
	}
	w.start()
	before := len(w.emu.MessagesTo(mona))
	first := w.reply(mona, "team")
	mustContain(t, "page 1", first, "22 direct reports · page 1 of 2", "Eli Ortiz", "Report 12")
	mustNotContain(t, "page 1", first, "Zoe Adams")
	msgs := w.emu.MessagesTo(mona)
	page1 := msgs[len(msgs)-1]
	if len(msgs) != before+1 {
		t.Fatalf("messages: %d → %d", before, len(msgs))
	}
	value := buttonValue(t, page1.Raw, "team_next", "")
	if _, err := w.emu.ClickMessageButton(w.ctx(), mona, page1.Channel, page1.TS, "team_next", value); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		last := w.emu.MessagesTo(mona)
		got := messageText(last[len(last)-1])
		if strings.Contains(got, "page 2 of 2") {
			mustContain(t, "page 2", got, "Zoe Adams", "Report 19")
			break
		}
		if i > 300 {
			t.Fatalf("page 2 never came: %s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
