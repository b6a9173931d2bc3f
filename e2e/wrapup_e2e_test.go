package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage/storagetest"
)

// rateViaSlack has manager write target's wrap-up through the modal with
// every answer Yes.
func (w *world) rateViaSlack(manager, target, name, rating string) {
	w.t.Helper()
	w.command(manager, "wrapup <@"+target+"|"+name+">")
	form := w.waitTopView(manager, "wrapup")
	set := values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes")
	set.radio("rating", "rating_pick", rating)
	if errs := ackErrors(w.submit(manager, form, set)); errs != nil {
		w.t.Fatalf("%s rating %s: %v", manager, name, errs)
	}
}

// radio picks an option of the radio buttons actionID.
func (v values) radio(block, actionID, value string) values {
	v.pick(block, value)
	ba := v[block]["pick"]
	ba.ActionID, ba.Type = actionID, "radio_buttons"
	v[block] = map[string]slack.BlockAction{actionID: ba}
	return v
}

// TestWrapUpSeason walks May and June: Eli's reflection, Mona's wrap-up
// with the cap shown, HR's audit of a unit over the cap, the exception and
// approval, the final conversation, and Eli seeing his rating only then.
// Every message, view and file the bot showed is then checked against who
// may see each rating at that moment.
func TestWrapUpSeason(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-04-28", withHRD)
		l := newLedger(t, w, []string{hana, hugo}, map[string]string{mona: dana, pat: dana})

		mustContain(t, "wrapup in April", w.reply(eli, "wrapup"), "The FY2027 wrap-up opens on May 1, 2027")

		// May: Eli drafts, then sends his reflection.
		w.clock.setDay("2027-05-03")
		monaDMs := w.dmCount(mona)
		w.command(eli, "wrapup")
		form := w.waitTopView(eli, "reflection")
		mustContain(t, "reflection form", rawText(form.Raw), "Your wrap-up reflection", "It's a draft", "Send it to Mona Lee")
		if errs := ackErrors(w.submit(eli, form, values{}.tick("send"))); !strings.Contains(errs["accomplishments"], "Write a few lines") {
			t.Fatalf("sending an empty reflection: %v", errs)
		}
		if errs := ackErrors(w.submit(eli, form, values{}.text("accomplishments", "Launched the clinic portal <!channel>").options("send"))); errs != nil {
			t.Fatal(errs)
		}
		if w.dmCount(mona) != monaDMs {
			t.Error("Mona was told about a draft")
		}
		w.command(eli, "wrapup")
		form = w.waitTopView(eli, "reflection")
		if got := form.State["accomplishments"]["text"].Value; got != "Launched the clinic portal <!channel>" {
			t.Fatalf("the draft came back as %q", got)
		}
		if errs := ackErrors(w.submit(eli, form, values{}.tick("send"))); errs != nil {
			t.Fatal(errs)
		}
		sent := messageText(w.dm(mona, monaDMs+1))
		mustContain(t, "Mona's DM", sent, "Eli Ortiz sent you their FY2027 wrap-up reflection", "&lt;!channel&gt;", "open on Jun 1, 2027")
		mustNotContain(t, "Mona's DM", sent, "<!channel>")

		// June 2: Zoe sent nothing, so Mona waits for her; Eli's is in.
		w.clock.setDay("2027-06-02")
		mustContain(t, "Zoe's wrap-up before the deadline", w.reply(mona, "wrapup <@U0ZOE|zoe>"), "Zoe Adams hasn't sent their reflection yet", "go ahead from Jun 16, 2027")
		mustContain(t, "Eli rating Zoe", w.reply(eli, "wrapup <@U0ZOE|zoe>"), "Only Zoe Adams's current manager can write their wrap-up")
		eliDMs := w.dmCount(eli)
		w.command(mona, "wrapup <@U0ELI|eli>")
		form = w.waitTopView(mona, "wrapup")
		mustContain(t, "Mona's wrap-up form", rawText(form.Raw), "Wrap-up for Eli Ortiz", "Launched the clinic portal &lt;!channel&gt;", "Exceptional", "Below Expectations")
		mustNotContain(t, "the form before a pick", rawText(form.Raw), "counting this one")

		// Picking Exceptional shows the unit's running count, no names.
		if _, err := w.emu.SelectInView(w.ctx(), mona, form.ID, "rating_pick", "exceptional"); err != nil {
			t.Fatal(err)
		}
		form = w.waitFor(mona, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "counting this one") })
		mustContain(t, "cap count", rawText(form.Raw), "Exceptional in EOHHS so far, counting this one: 1 of 4 people (25.0%)", "Not counting you", "The 10% cap allows 0", "needs an exception: the secretariat's HR asks for it",
			"The cap is counted across the whole secretariat, EOHHS, EOHHS/Public Health included.")
		mustNotContain(t, "cap count", rawText(form.Raw), "Zoe", "Pat Kim")

		// Below Expectations needs a plan; nothing typed is lost.
		set := values{}.pick("answer:four_checkins", "no").pick("answer:expectations", "yes").pick("answer:feedback", "yes").text("comments", "Carried the portal")
		set.radio("rating", "rating_pick", "below")
		if errs := ackErrors(w.submit(mona, form, set)); !strings.Contains(errs["development_note"], "calls for a short-term development plan") {
			t.Fatalf("below without a plan: %v", errs)
		}
		form = w.topView(mona)
		if got := form.State["comments"]["text"].Value; got != "Carried the portal" {
			t.Errorf("comments after the error: %q", got)
		}
		set = values{}
		set.radio("rating", "rating_pick", "exceptional")
		if errs := ackErrors(w.submit(mona, form, set)); errs != nil {
			t.Fatal(errs)
		}
		l.rated(eli, mona, "exceptional", "Carried the portal")
		done := messageText(w.dm(eli, eliDMs+1))
		mustContain(t, "Eli's DM", done, "Mona Lee has written your FY2027 wrap-up")

		// After the deadline the rest are rated without reflections.
		w.clock.setDay("2027-06-16")
		w.rateViaSlack(mona, zoe, "zoe", "successful")
		l.rated(zoe, mona, "successful")
		w.rateViaSlack(dana, mona, "mona", "highly_effective")
		l.rated(mona, dana, "highly_effective")
		w.rateViaSlack(dana, pat, "pat", "successful")
		l.rated(pat, dana, "successful")

		// Nobody but HR audits; HR sees EOHHS waiting on Hana's rating.
		for _, who := range []string{eli, mona, omar} {
			mustContain(t, who+" asking for ratings", w.reply(who, "ratings"), "for HR")
		}
		mustContain(t, "Mona exporting", w.reply(mona, "export"), "for HR")
		w.command(hugo, "ratings")
		audit := w.waitTopView(hugo, "ratings")
		mustContain(t, "audit", rawText(audit.Raw), "EOHHS* · 5 people, 4 rated", "Waiting on 1 of 5 ratings")
		w.emu.CloseView(w.ctx(), hugo, audit.ID)
		w.rateViaSlack(dana, hana, "hana", "successful")
		l.rated(hana, dana, "successful")

		w.command(hugo, "ratings")
		audit = w.waitTopView(hugo, "ratings")
		mustContain(t, "audit", rawText(audit.Raw), "EOHHS* · 5 people, 5 rated · ⚠️ over the 10% cap on Exceptional (it allows 0)",
			"Exceptional: 1 (20.0%) — above the guideline", "Successful Performer: 3 (60.0%) — within the guideline",
			"Agencies in EOHHS", "EOHHS/Public Health: 3 people, 3 rated · Exceptional 1 (33%)")
		mustNotContain(t, "audit", rawText(audit.Raw), "Eli Ortiz")
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, audit.ID, "ratings_exception", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		reason := w.waitTopView(hugo, "ratings_exception")
		if ack, err := w.emu.Submit(w.ctx(), hugo, reason.ID, values{}.text("reason", "   ")); err == nil && ackErrors(ack) == nil {
			t.Error("an exception without a reason was accepted")
		}
		if errs := ackErrors(w.submit(hugo, w.topView(hugo), values{}.text("reason", "Eli led the statewide portal launch."))); errs != nil {
			t.Fatal(errs)
		}
		audit = w.waitFor(hugo, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "Approved") })
		mustContain(t, "audit after approval", rawText(audit.Raw), "Exception to the cap granted", "Eli led the statewide portal launch.")

		approved := w.dmWith(mona, "HR has approved")
		mustContain(t, "Mona's approval DM", messageText(approved), "HR has approved the FY2027 ratings for your team", "Eli Ortiz", "Zoe Adams")
		mustContain(t, "Dana's approval DM", messageText(w.dmWith(dana, "HR has approved")), "Mona Lee", "Pat Kim", "Hana Park")

		// Approved ratings are locked; Eli still can't see his.
		mustContain(t, "changing an approved rating", w.reply(mona, "wrapup <@U0ELI|eli>"), "ask HR to reopen")
		mustNotContain(t, "Eli's Home before the conversation", w.home(eli), "Exceptional", "Your FY2027 rating")

		// Mona holds the conversation; now Eli sees it, Zoe still doesn't.
		eliDMs = w.dmCount(eli)
		l.release(eli)
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, approved.Channel, approved.TS, "rating_held", buttonValue(t, approved.Raw, "rating_held", "Eli Ortiz")); err != nil {
			t.Fatal(err)
		}
		review := w.dm(eli, eliDMs+1)
		mustContain(t, "Eli's rating DM", messageText(review), "Your FY2027 rating: Exceptional", "Your manager's answers",
			"*No:* Did you hold at least four check-ins", "I've seen it", "Write a response", "doesn't mean you agree")
		mustContain(t, "Eli's Home", w.home(eli), "Your FY2027 rating: Exceptional", "Your manager's answers", "I've seen it")
		mustNotContain(t, "Zoe's Home", w.home(zoe), "rating:", "Successful Performer")

		// Eli says he has seen it, and responds; Mona reads his response.
		// Zoe, whose review is not shared yet, can do neither.
		answer := func(who, action string) string {
			t.Helper()
			n := len(w.emu.MessagesTo(who))
			w.emu.ClickMessageButton(w.ctx(), who, review.Channel, review.TS, action, "2027")
			msgs, err := w.emu.WaitMessages(w.ctx(), who, n+1)
			if err != nil {
				t.Fatalf("no answer to %s's click on %s: %v", who, action, err)
			}
			return messageText(msgs[n])
		}
		mustContain(t, "Zoe acknowledging", answer(zoe, "review_ack"), "isn't shared with you yet")
		mustContain(t, "Eli acknowledging", answer(eli, "review_ack"), "Noted: you've seen your FY2027 review", "write a response until Jun 30, 2027")
		mustNotContain(t, "Eli's Home once acknowledged", w.home(eli), "I've seen it")
		w.emu.ClickMessageButton(w.ctx(), eli, review.Channel, review.TS, "review_respond", "2027")
		respond := w.waitTopView(eli, "review_response")
		if errs := ackErrors(w.submit(eli, respond, values{}.text("response", "  "))); !strings.Contains(errs["response"], "Write what you would like kept") {
			t.Fatalf("an empty response: %v", errs)
		}
		monaDMs = w.dmCount(mona)
		if errs := ackErrors(w.submit(eli, w.topView(eli), values{}.text("response", "Thank you <!here>: the portal was a team effort."))); errs != nil {
			t.Fatalf("responding: %v", errs)
		}
		mustContain(t, "Mona's response DM", messageText(w.dm(mona, monaDMs+1)), "Eli Ortiz responded to their FY2027 review", "Thank you &lt;!here&gt;: the portal was a team effort.")
		mustContain(t, "Eli's Home with his response", w.home(eli), "Your response", "Change your response")

		// HR's evidence, redacted unless asked for whole, as files in
		// Hana's DM; her own line is withheld.
		mustContain(t, "export", w.reply(hana, "export FY2027"), "Preparing your export")
		mustContain(t, "export", w.reply(hana, "export FY2027 full"), "Preparing your export")
		byName := map[string]slackemu.File{}
		for _, f := range w.waitFiles(2) {
			byName[f.Name] = f
		}
		rf, ok1 := byName["compliance-FY2027-redacted.csv"]
		ff, ok2 := byName["compliance-FY2027.csv"]
		if !ok1 || !ok2 || rf.Channel != w.emu.DMChannel(hana) || ff.Channel != w.emu.DMChannel(hana) {
			t.Fatalf("files = %+v", byName)
		}
		redacted, full := string(rf.Data), string(ff.Data)
		for name, data := range map[string]string{"redacted export": redacted, "full export": full} {
			if !strings.HasPrefix(data, handlers.ByteOrderMark+"name,email,") {
				t.Errorf("the %s does not start with a byte-order mark and its header: %q", name, data[:min(len(data), 20)])
			}
		}
		mustContain(t, "redacted export", redacted, "rating_status", "Eli Ortiz,eli@example.org,EOHHS/Public Health,Mona Lee,active")
		mustNotContain(t, "redacted export", redacted, "Exceptional", "Launched the clinic portal", ",rating,")
		mustContain(t, "full export", full, "Thank you <!here>: the portal was a team effort.", "Exceptional,released", "Launched the clinic portal <!channel>", "Highly Effective,approved", "Hana Park,hana@example.org,EOHHS/HR,Dana Cho,active")
		comments := ""
		for _, m := range w.emu.MessagesTo(hana) {
			comments += messageText(m)
		}
		mustContain(t, "the exports' comments", comments, "Your own line is withheld", "Ratings and free text are left out; add `full`")
		// nobom: the same file without the mark.
		mustContain(t, "export nobom", w.reply(hana, "export FY2027 nobom"), "Preparing your export")
		var plain []byte
		for _, f := range w.waitFiles(3) {
			if f.Name == "compliance-FY2027-redacted.csv" && !strings.HasPrefix(string(f.Data), handlers.ByteOrderMark) {
				plain = f.Data
			}
		}
		if string(plain) != strings.TrimPrefix(redacted, handlers.ByteOrderMark) {
			t.Errorf("export nobom: %q, want the redacted export without its mark", plain)
		}

		// The same from the command line, to a file or standard output.
		out, code := w.cli("export", "compliance", "--year", "FY2027", "--unit", "EOHHS/Public Health", "--redact")
		if code != 0 {
			t.Fatalf("export exited %d:\n%s", code, out)
		}
		mustContain(t, "CLI export", out, "name,email,unit,manager,status", "Zoe Adams,zoe@example.org", "Exported 3 people for FY2027")
		mustNotContain(t, "CLI export", out, "Pat Kim", "Exceptional")
		path := filepath.Join(t.TempDir(), "evidence.csv")
		if out, code := w.cli("export", "compliance", "--year", "FY2027", "--out", path); code != 0 {
			t.Fatalf("export --out exited %d:\n%s", code, out)
		}
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), "Exceptional,released") || strings.Count(string(data), "\n") != 6 || !strings.HasPrefix(string(data), handlers.ByteOrderMark+"name,") {
			t.Errorf("evidence.csv:\n%q", data)
		}
		if out, code := w.cli("export", "compliance", "--year", "FY2027", "--out", path, "--no-bom"); code != 0 {
			t.Fatalf("export --no-bom exited %d:\n%s", code, out)
		}
		if plain, _ := os.ReadFile(path); string(plain) != strings.TrimPrefix(string(data), handlers.ByteOrderMark) {
			t.Errorf("evidence.csv with --no-bom: %q, want the same without the mark", plain)
		}
		if out, code := w.cli("export", "compliance"); code != app.ExitUsage || !strings.Contains(out, "--year") {
			t.Errorf("export without a year: %d\n%s", code, out)
		}

		l.check()
	})
}

// waitFor waits until user's top modal satisfies ok.
func (w *world) waitFor(user string, ok func(*slackemu.View) bool) *slackemu.View {
	w.t.Helper()
	ctx := w.ctx()
	for {
		if v := w.emu.TopView(user); v != nil && ok(v) {
			return v
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("%s's modal never changed as expected (top: %s)", user, rawText(w.emu.TopView(user).Raw))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// dmWith waits for a direct message to user that says text.
func (w *world) dmWith(user, text string) slackemu.Message {
	w.t.Helper()
	ctx := w.ctx()
	for {
		for _, m := range w.emu.MessagesTo(user) {
			if m.Via == "chat.postMessage" && strings.Contains(messageText(m), text) {
				return m
			}
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("%s never got a DM saying %q", user, text)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitFiles waits for n files shared in Slack.
func (w *world) waitFiles(n int) []slackemu.File {
	w.t.Helper()
	ctx := w.ctx()
	for {
		var done []slackemu.File
		for _, f := range w.emu.Files() {
			if f.Completed {
				done = append(done, f)
			}
		}
		if len(done) >= n {
			return done
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("%d files shared, want %d", len(done), n)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
