package e2e

import (
	"strings"
	"testing"

	"github.com/massperform/massperform/storage/storagetest"
)

func TestManagerChangeHandsOff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		setExpectations(t, w)
		w.command(mona, "checkin <@U0ELI|eli>")
		ci := w.waitTopView(mona, "checkin")
		if errs := ackErrors(w.submit(mona, ci, values{}.options("covered", "expectations").pick("cadence", "monthly"))); errs != nil {
			t.Fatal(errs)
		}
		w.outboxSettled() // Eli's goals reach Mona before she is counted
		monaDMs, patDMs := w.dmCount(mona), w.dmCount(pat)

		// Eli moves to Pat.
		moved := strings.Replace(castRoster, "eli@example.org,Eli Ortiz,mona@example.org", "eli@example.org,Eli Ortiz,pat@example.org", 1)
		if out, code := w.importRoster(moved); code != 0 {
			t.Fatal(out)
		}
		ask := w.dm(mona, monaDMs+1)
		mustContain(t, "Mona's hand-off request", messageText(ask), "Eli Ortiz now reports to Pat Kim", "Write a hand-off note")

		// Pat cannot write it; Mona can.
		before := w.dmCount(pat)
		w.emu.SendInteractive(w.ctx(), map[string]any{
			"type": "block_actions", "user": map[string]any{"id": pat}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.x",
			"container": map[string]any{"type": "view", "view_id": "VX"},
			"actions":   []any{map[string]any{"action_id": "handoff_open", "block_id": "b", "type": "button", "value": buttonValue(t, ask.Raw, "handoff_open", "")}},
		})
		mustContain(t, "Pat's refusal", messageText(w.dm(pat, before+1)), "Only the manager they moved from")
		patDMs++

		w.emu.ClickMessageButton(w.ctx(), mona, ask.Channel, ask.TS, "handoff_open", buttonValue(t, ask.Raw, "handoff_open", ""))
		note := w.waitTopView(mona, "handoff")
		if errs := ackErrors(w.submit(mona, note, values{}.text("note", "Monthly check-ins; backlog <@U0ZOE> is the big one"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Pat's note", messageText(w.dm(pat, patDMs+1)), "Mona Lee left you a hand-off note about Eli Ortiz", "backlog &lt;@U0ZOE&gt; is the big one")

		// Eli's year came with him: his Q1 check-in still counts, on Pat's team.
		mustContain(t, "Pat's team", w.reply(pat, "team"), "*Eli Ortiz*", "Q1 ✓", "cadence monthly")
		mustNotContain(t, "Mona's team", w.reply(mona, "team"), "Eli Ortiz")
	})
}
