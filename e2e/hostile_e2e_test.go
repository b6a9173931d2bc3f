package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage/storagetest"
)

// hostile is what a mischievous colleague types into a free-text field:
// mentions and pings, an escape already escaped, right-to-left text and
// emoji.
const hostile = "Hi <!channel> <!here> <!everyone> <@U0OMAR> &lt;b&gt; \u200fשלום עולם\u200e 🎉"

// hostileShown is how it must show in mrkdwn: as typed, pinging nobody.
const hostileShown = "Hi &lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;@U0OMAR&gt; &amp;lt;b&amp;gt; \u200fשלום עולם\u200e 🎉"

// pings are what Slack turns into a notification when it finds them raw
// in mrkdwn.
var pings = []string{"<!channel>", "<!here>", "<!everyone>", "<@U0OMAR>"}

// TestHostileTextIsShownAsTyped types hostile text into every free-text
// field a person fills in, through Slack, and then reads everything the
// bot showed anyone (messages, answers, forms, Home tabs): the text is
// there, escaped, and no ping or mention survives raw. Text far over a
// field's limit is refused with a specific error, and the form stays open.
func TestHostileTextIsShownAsTyped(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, dbURL string) {
			w := startCast(t, dbURL, "2026-08-03", mode)

			// Expectations: 10,000 characters are refused, then the hostile text.
			w.command(mona, "expectations <@U0ELI|eli>")
			form := w.waitTopView(mona, "expectations")
			if errs := ackErrors(w.submit(mona, form, values{}.text("new:0", strings.Repeat("א🎉", 5000)))); !strings.Contains(errs["new:0"], "characters") {
				t.Fatalf("10,000 characters: %v", errs)
			}
			if errs := ackErrors(w.submit(mona, w.topView(mona), values{}.text("new:0", hostile))); errs != nil {
				t.Fatal(errs)
			}
			mustContain(t, "Eli's expectations DM", messageText(w.dm(eli, 1)), hostileShown)

			// Goals.
			dm := w.dm(eli, 1)
			w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "goals_open", "open")
			list := w.waitTopView(eli, "goals")
			w.emu.ClickViewButton(w.ctx(), eli, list.ID, "goals_edit", buttonValue(t, list.Raw, "goals_edit", ""))
			editor := w.waitTopView(eli, "goal_edit")
			if errs := ackErrors(w.submit(eli, editor, values{}.text("goal:new", hostile).text("measure:new", hostile).date("target:new", "2026-12-01"))); errs != nil {
				t.Fatal(errs)
			}
			w.emu.CloseView(w.ctx(), eli, list.ID)

			// A check-in with feedback and notes, confirmed with feedback.
			logCheckIn(t, w, values{}.options("covered", "expectations", "feedback").text("feedback", hostile).text("notes", hostile).pick("cadence", "quarterly"))
			confirmLatest(t, w, values{}.pick("answer:met", "yes").pick("answer:cadence", "yes").pick("answer:expectations", "yes").text("feedback", hostile))

			// The cadence, with a reason.
			w.command(mona, "cadence <@U0ELI|eli>")
			cad := w.waitTopView(mona, "cadence")
			if errs := ackErrors(w.submit(mona, cad, values{}.pick("cadence", "monthly").text("reason", hostile))); errs != nil {
				t.Fatal(errs)
			}

			// The development plan, shared.
			w.command(eli, "development")
			plan := w.waitTopView(eli, "development")
			if errs := ackErrors(w.submit(eli, plan, values{}.text("long_term", hostile).text("short_term", hostile).text("needs", hostile).options("options", "share"))); errs != nil {
				t.Fatal(errs)
			}

			// The wrap-up season: the reflection, then the manager's comments.
			w.clock.setDay("2027-06-02")
			w.command(eli, "wrapup")
			refl := w.waitTopView(eli, "reflection")
			if errs := ackErrors(w.submit(eli, refl, values{}.text("accomplishments", hostile).tick("send"))); errs != nil {
				t.Fatal(errs)
			}
			w.command(mona, "wrapup <@U0ELI|eli>")
			wrap := w.waitTopView(mona, "wrapup")
			set := values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes").text("comments", hostile)
			set.radio("rating", "rating_pick", "successful")
			if errs := ackErrors(w.submit(mona, wrap, set)); errs != nil {
				t.Fatal(errs)
			}
			// And the surfaces that show it all again.
			w.reply(mona, "team")
			w.reply(eli, "status")
			w.home(eli)
			w.home(mona)
			w.command(mona, "wrapup <@U0ELI|eli>")
			w.waitTopView(mona, "wrapup")

			// Everything shown, searched.
			var surfaces [][]byte
			for _, m := range w.emu.Messages() {
				surfaces = append(surfaces, m.Raw, []byte(`{"text":`+mustJSON(m.Text)+`}`))
			}
			for _, c := range w.emu.Calls() {
				switch c.Method {
				case "views.open", "views.push", "views.update", "views.publish":
					if v := c.Params["view"]; v != "" {
						surfaces = append(surfaces, []byte(v))
					} else {
						surfaces = append(surfaces, c.Body)
					}
				}
			}
			seen := 0
			for _, s := range surfaces {
				for _, text := range slackemu.MrkdwnTexts(s) {
					for _, p := range pings {
						if strings.Contains(text, p) {
							t.Errorf("a raw %s was shown: %.300s", p, text)
						}
					}
					if strings.Contains(text, hostileShown) {
						seen++
					}
				}
			}
			if seen < 10 {
				t.Errorf("the typed text was shown, escaped, in only %d places", seen)
			}
		})
	})
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
