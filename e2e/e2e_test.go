package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage/storagetest"
)

// startCast imports the cast's roster and starts the bot.
func startCast(t *testing.T, url, day string, setup ...func(*world)) *world {
	t.Helper()
	w := newWorld(t, url, day)
	for _, f := range setup {
		f(w)
	}
	if out, code := w.importRoster(castRoster); code != 0 {
		t.Fatalf("roster import exited %d:\n%s", code, out)
	}
	w.start()
	return w
}

func TestHelpSaysWhatEachPersonCanDo(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)
			tests := []struct {
				name       string
				user, text string
				want, not  []string
			}{
				{"employee, bare command", eli, "", []string{"/perform goals", "/perform help"}, []string{"/perform expectations"}},
				{"manager", mona, "help", []string{"/perform goals", "/perform expectations @employee", "For your team"}, nil},
				{"not on the roster", omar, "help", []string{"not part of the MassPerform program"}, []string{"/perform goals"}},
				{"unknown subcommand", eli, "fly away", []string{"I don't know `fly`", "/perform goals"}, nil},
				{"mentions are not echoed raw", eli, "<!channel>", []string{"I don't know `&lt;!channel&gt;`"}, []string{"<!channel>"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got := w.reply(tt.user, tt.text)
					mustContain(t, "help", got, tt.want...)
					mustNotContain(t, "help", got, tt.not...)
				})
			}
		})
	})
}

func TestExpectationsThenGoalsThenHome(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)

			// Mona opens the form for Eli: the ack carries nothing, a modal opens.
			ack := w.command(mona, "expectations <@U0ELI|eli>")
			if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
				t.Errorf("the ack carried %s; the answer is the modal", ack.Payload)
			}
			form := w.waitTopView(mona, "expectations")
			mustContain(t, "expectations form", rawText(form.Raw), "Expectations for Eli Ortiz", "FY2027")

			ack = w.submit(mona, form, values{}.
				text("new:0", "Ship the grants portal <@U0ZOE> & tell <!here>").
				text("new:1", "Coach two new team leads"))
			if errs := ackErrors(ack); errs != nil {
				t.Fatalf("saving expectations failed: %v", errs)
			}
			if v := w.emu.TopView(mona); v != nil {
				t.Errorf("the form stayed open after saving: %s", v.CallbackID)
			}

			// Eli hears about it, with the text shown literally and a button.
			dm := w.dm(eli, 1)
			text := messageText(dm)
			mustContain(t, "Eli's DM", text, "Mona Lee set your expectations for FY2027", "by Sep 30, 2026",
				"Ship the grants portal &lt;@U0ZOE&gt; &amp; tell &lt;!here&gt;", "Coach two new team leads", "Add goals")
			mustNotContain(t, "Eli's DM", text, "<@U0ZOE>", "<!here>")

			// Eli clicks Add goals: the list of expectations opens.
			if _, err := w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "goals_open", "open"); err != nil {
				t.Fatal(err)
			}
			list := w.waitTopView(eli, "goals")
			mustContain(t, "goals list", rawText(list.Raw), "Your goals for FY2027", "from Mona Lee", "No goals yet")

			// Editing the first expectation's goals pushes the editor.
			expID := buttonValue(t, list.Raw, "goals_edit", "Ship the grants portal")
			if _, err := w.emu.ClickViewButton(w.ctx(), eli, list.ID, "goals_edit", expID); err != nil {
				t.Fatal(err)
			}
			editor := w.waitTopView(eli, "goal_edit")
			ack = w.submit(eli, editor, values{}.
				text("goal:new", "Launch the beta to pilot agencies").
				text("measure:new", "50 pilot users active").
				date("target:new", "2026-12-01"))
			if errs := ackErrors(ack); errs != nil {
				t.Fatalf("saving goals failed: %v", errs)
			}
			// Back on the list, which now shows the goal.
			for i := 0; ; i++ {
				top := w.topView(eli)
				if top.CallbackID == "goals" && strings.Contains(rawText(top.Raw), "Launch the beta") {
					list = top
					break
				}
				if i > 200 {
					t.Fatalf("the list was not refreshed: %s", rawText(top.Raw))
				}
				time.Sleep(10 * time.Millisecond)
			}
			mustContain(t, "refreshed list", rawText(list.Raw), "50 pilot users active", "by Dec 1, 2026")

			// Done: Mona gets one summary.
			monaBefore := w.dmCount(mona)
			if errs := ackErrors(w.submit(eli, list, nil)); errs != nil {
				t.Fatalf("closing the list: %v", errs)
			}
			summary := messageText(w.dm(mona, monaBefore+1))
			mustContain(t, "Mona's summary", summary, "Eli Ortiz updated their goals for FY2027", "Launch the beta to pilot agencies", "No goals yet")

			// Home tabs tell the truth.
			mustContain(t, "Eli's home", w.home(eli), "Your FY2027", "Add a goal for “Coach two new team leads” (by Sep 30, 2026)", "Launch the beta")
			monaHome := w.home(mona)
			mustContain(t, "Mona's home", monaHome, "Your team", "Eli Ortiz", "2 expectations · goals for 1 of 2", "Zoe Adams", "No expectations yet")
			mustContain(t, "Mona's own year", monaHome, "Your manager hasn't set your expectations yet")

			// Mona edits and retires: Eli is told again, with the new list.
			w.command(mona, "expectations <@U0ELI>")
			form = w.waitTopView(mona, "expectations")
			keep, retire := expectationBlocks(t, form)
			ack = w.submit(mona, form, values{}.text(keep, "Ship the grants portal by March").tick("retire:"+strings.TrimPrefix(retire, "exp:")))
			if errs := ackErrors(ack); errs != nil {
				t.Fatalf("second save: %v", errs)
			}
			again := messageText(w.dm(eli, 2))
			mustContain(t, "Eli's second DM", again, "Mona Lee updated your expectations", "Ship the grants portal by March")
			mustNotContain(t, "Eli's second DM", again, "Coach two new team leads")
		})
	})
}

// expectationBlocks returns the block ids of the first two existing
// expectations in the form.
func expectationBlocks(t *testing.T, v *slackemu.View) (string, string) {
	t.Helper()
	var ids []string
	for blockID := range slackemu.InitialValues(v) {
		if strings.HasPrefix(blockID, "exp:") {
			ids = append(ids, blockID)
		}
	}
	if len(ids) != 2 {
		t.Fatalf("want 2 expectations in the form, got %v", ids)
	}
	a, _ := strconv.Atoi(strings.TrimPrefix(ids[0], "exp:"))
	b, _ := strconv.Atoi(strings.TrimPrefix(ids[1], "exp:"))
	if a > b {
		ids[0], ids[1] = ids[1], ids[0]
	}
	return ids[0], ids[1]
}

func TestRefusals(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)
			tests := []struct {
				name       string
				user, text string
				want       string
			}{
				{"an employee for a peer", eli, "expectations <@U0ZOE|zoe>", "Only Zoe Adams's current manager can set their expectations."},
				{"an employee for themselves", eli, "expectations <@U0ELI|eli>", "Expectations are set by your manager."},
				{"another manager", pat, "expectations <@U0ELI|eli>", "Only Eli Ortiz's current manager"},
				{"the manager's manager", dana, "expectations <@U0ELI|eli>", "Only Eli Ortiz's current manager"},
				{"HR", hana, "expectations <@U0ELI|eli>", "Only Eli Ortiz's current manager"},
				{"nobody named", mona, "expectations", "Who is it about? Mention them"},
				{"plain text instead of a mention", mona, "expectations eli", "Who is it about? Mention them"},
				{"someone off the roster", mona, "expectations <@U0OMAR|omar>", "omar isn't on the MassPerform roster"},
				{"a stranger", omar, "expectations <@U0ELI|eli>", "not part of the MassPerform program"},
				{"a stranger's goals", omar, "goals", "not part of the MassPerform program"},
				{"someone else's goals", mona, "goals <@U0ELI|eli>", "Goals are written by each employee"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					mustContain(t, "refusal", w.reply(tt.user, tt.text), tt.want)
					if v := w.emu.TopView(tt.user); v != nil {
						t.Errorf("a modal opened for %s: %s", tt.user, v.CallbackID)
					}
				})
			}
			if n := w.dmCount(eli) + w.dmCount(zoe); n != 0 {
				t.Errorf("refused commands sent %d DMs", n)
			}
		})
	})
}

func TestSubmitIsAuthorisedAgain(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)

			// Mona opens the form; before she saves, Eli moves to Pat.
			w.command(mona, "expectations <@U0ELI|eli>")
			form := w.waitTopView(mona, "expectations")
			moved := strings.Replace(castRoster, "eli@example.org,Eli Ortiz,mona@example.org", "eli@example.org,Eli Ortiz,pat@example.org", 1)
			if out, code := w.importRoster(moved); code != 0 || !strings.Contains(out, "moved        1") {
				t.Fatalf("move import exited %d:\n%s", code, out)
			}
			ack := w.submit(mona, form, values{}.text("new:0", "Stale expectation"))
			errs := ackErrors(ack)
			if len(errs) == 0 || !strings.Contains(errs["new:0"], "Only Eli Ortiz's current manager") {
				t.Fatalf("a former manager's save was not refused: %s", ack.Payload)
			}
			if w.topView(mona).ID != form.ID {
				t.Error("the refused form was closed")
			}

			// A hand-made submission naming Eli's review, sent as Zoe.
			eliID := personID(t, w, eli)
			forged := map[string]any{
				"type": "view_submission",
				"user": map[string]any{"id": zoe, "name": "zoe"},
				"team": map[string]any{"id": "T0EMU"},
				"view": map[string]any{
					"id": "VFORGED", "type": "modal", "callback_id": "expectations", "hash": "h",
					"private_metadata": fmt.Sprintf(`{"p":%d,"fy":2027}`, eliID),
					"blocks":           []any{map[string]any{"type": "input", "block_id": "new:0", "label": map[string]any{"type": "plain_text", "text": "x"}, "element": map[string]any{"type": "plain_text_input", "action_id": "text"}}},
					"state":            map[string]any{"values": map[string]any{"new:0": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": "hijacked"}}}},
				},
			}
			ack, err := w.emu.SendInteractive(w.ctx(), forged)
			if err != nil {
				t.Fatal(err)
			}
			if errs := ackErrors(ack); !strings.Contains(errs["new:0"], "Only Eli Ortiz's current manager") {
				t.Errorf("forged submission not refused: %s", ack.Payload)
			}
			// A hand-made button click asking for Eli's form, as Zoe.
			before := w.dmCount(zoe)
			_, err = w.emu.SendInteractive(w.ctx(), map[string]any{
				"type": "block_actions", "user": map[string]any{"id": zoe}, "team": map[string]any{"id": "T0EMU"},
				"trigger_id": "1.2.forged", "container": map[string]any{"type": "view", "view_id": "VHOME"},
				"actions": []any{map[string]any{"action_id": "expectations_open", "block_id": "b", "type": "button", "value": strconv.FormatInt(eliID, 10)}},
			})
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "Zoe's refusal", messageText(w.dm(zoe, before+1)), "That button is for the person's manager.")
			if w.emu.TopView(zoe) != nil {
				t.Error("a forged click opened a form")
			}
			if n := w.dmCount(eli); n != 0 {
				t.Errorf("Eli got %d DMs from refused saves", n)
			}
		})
	})
}

// personID looks a person's roster id up the way an attacker could learn
// it: from a button value in a Home tab.
func personID(t *testing.T, w *world, slackID string) int64 {
	t.Helper()
	s := openStore(t, w)
	p, err := s.PersonBySlackID(context.Background(), slackID)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func TestFormErrorsKeepTheModalOpen(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)
			w.command(mona, "expectations <@U0ELI|eli>")
			form := w.waitTopView(mona, "expectations")
			long := strings.Repeat("x", 1001)
			ack := w.submit(mona, form, values{}.text("new:0", "Fine").text("new:1", long))
			if got := ackErrors(ack)["new:1"]; !strings.Contains(got, "under 1000 characters (it has 1001)") {
				t.Errorf("too-long error = %q (%s)", got, ack.Payload)
			}
			top := w.topView(mona)
			if top.ID != form.ID || top.State["new:1"]["text"].Value != long {
				t.Errorf("the form lost what was typed: %+v", top.State["new:1"])
			}
			if ack := w.submit(mona, top, values{}.text("new:1", "Short now")); ackErrors(ack) != nil {
				t.Fatalf("fixed form refused: %s", ack.Payload)
			}
			// Retiring every expectation is refused with a reason on the first field.
			w.command(mona, "expectations <@U0ELI|eli>")
			form = w.waitTopView(mona, "expectations")
			a, b := expectationBlocks(t, form)
			ack = w.submit(mona, form, values{}.tick("retire:"+a[4:]).tick("retire:"+b[4:]))
			if got := ackErrors(ack)[a]; !strings.Contains(got, "Keep at least one expectation") {
				t.Errorf("retire-all error = %v", ackErrors(ack))
			}
			w.emu.CloseView(w.ctx(), mona, form.ID)

			// Eli's goal editor: a half-filled goal, and a date past the year.
			dm := w.dm(eli, 1)
			w.emu.ClickMessageButton(w.ctx(), eli, dm.Channel, dm.TS, "goals_open", "open")
			list := w.waitTopView(eli, "goals")
			w.emu.ClickViewButton(w.ctx(), eli, list.ID, "goals_edit", buttonValue(t, list.Raw, "goals_edit", "Fine"))
			editor := w.waitTopView(eli, "goal_edit")
			ack = w.submit(eli, editor, values{}.text("goal:new", "Do it").text("measure:new", "Done").date("target:new", "2027-07-15"))
			if got := ackErrors(ack)["target:new"]; got != "Pick a date inside FY2027 (Jul 1, 2026 – Jun 30, 2027)." {
				t.Errorf("date error = %q", got)
			}
			ack = w.submit(eli, editor, values{}.text("goal:new", "Do it").date("target:new", "2026-07-15"))
			if got := ackErrors(ack)["target:new"]; got != "Pick a date from today on." {
				t.Errorf("past date error = %q", got)
			}
			if w.topView(eli).ID != editor.ID {
				t.Error("the editor closed on errors")
			}
		})
	})
}

func TestRosterImport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-07-01")
		bad := castRoster + "omar@nowhere.org,Omar,dana@example.org,EOHHS,false\n" +
			"eli@example.org,Eli Again,mona@example.org,EOHHS,false\n" +
			"x@example.org,X,ghost@example.org,EOHHS,maybe\n"
		out, code := w.importRoster(bad)
		if code != 1 {
			t.Errorf("bad file exited %d", code)
		}
		mustContain(t, "bad import", out, "was not imported: 3 problems. Nothing was changed.",
			"line 9: eli@example.org is already on line 4",
			"line 10: hr must be agency, secretariat, hrd, chro, true or false",
			"line 10: manager ghost@example.org is not in the file")
		// Slack lookups happen only for a file that passes its own checks.
		out, code = w.importRoster(castRoster + "omar@nowhere.org,Omar,dana@example.org,EOHHS,false\n")
		mustContain(t, "unknown email", out, "line 8: no Slack user has the email omar@nowhere.org")
		if code != 1 {
			t.Errorf("unknown email exited %d", code)
		}

		out, code = w.importRoster(castRoster, "--dry-run")
		mustContain(t, "dry run", out, "Dry run: 6 people checked, nothing was changed", "added        6")
		if code != 0 {
			t.Errorf("dry run exited %d", code)
		}
		out, _ = w.importRoster(castRoster)
		mustContain(t, "import", out, "Imported 6 people", "added        6")
		s := openStore(t, w)
		p, err := s.PersonBySlackID(context.Background(), eli)
		if err != nil || p.TZ != "America/Los_Angeles" || p.Unit != "EOHHS/Public Health" {
			t.Errorf("Eli stored as %+v, %v", p, err)
		}
		out, _ = w.importRoster(strings.Replace(castRoster, "zoe@example.org,Zoe Adams,mona@example.org,EOHHS/Public Health,false\n", "", 1), "--deactivate-missing")
		mustContain(t, "deactivating import", out, "unchanged    5", "deactivated  1")
	})
}

// TestLargeRosterUsesTheUserList imports more people than are worth looking
// up one by one: the emails are matched against users.list pages instead,
// at Tier 2's pace, and the reading stops once everyone is found. The
// workspace has more users than the file, and deactivated accounts that
// share an email with a person in the file: one a page before their live
// account, one just after.
func TestLargeRosterUsesTheUserList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-07-01")
		var csv strings.Builder
		csv.WriteString("email,name,manager_email,unit,hr\nboss@example.org,Boss,,Big,false\n")
		person := func(i int) slackemu.User {
			return slackemu.User{ID: fmt.Sprintf("UP%05d", i), Name: fmt.Sprintf("p%d", i), Email: fmt.Sprintf("person%d@example.org", i), TZ: "America/Denver"}
		}
		others := func(from, n int) (us []slackemu.User) {
			for i := range n {
				us = append(us, slackemu.User{ID: fmt.Sprintf("UX%05d", from+i), Email: fmt.Sprintf("other%d@example.org", from+i)})
			}
			return us
		}
		// Slack's list, 1,000 a page: the cast and two built-in users (9),
		// then person0's old account, the boss and everyone else in the
		// file, person5's old account (page 3), people outside the file,
		// person0's live account (page 4), and a page more of others.
		users := []slackemu.User{
			{ID: "UOLD0", Email: "person0@example.org", Deleted: true},
			{ID: "UBOSS", Name: "boss", Email: "boss@example.org"},
			{ID: "UGONE", Email: "gone@example.org", Deleted: true},
		}
		for i := range 2499 {
			fmt.Fprintf(&csv, "person%d@example.org,Person %d,boss@example.org,Big,false\n", i, i)
			if i > 0 {
				users = append(users, person(i))
			}
		}
		users = append(users, slackemu.User{ID: "UOLD5", Email: "person5@example.org", Deleted: true})
		users = append(append(append(users, others(0, 500)...), person(0)), others(500, 1000)...)
		w.emu.AddUsers(users)

		// A file with someone who has left Slack is refused whole once
		// Slack's list is read, although (on PostgreSQL) everyone else was
		// being stored meanwhile: nothing is.
		out, code := w.importRoster(csv.String() + "gone@example.org,Gone,boss@example.org,Big,false\n")
		mustContain(t, "a deactivated account", out, "Read all 5 pages of Slack's user list (2,500 of 2,501 people found).",
			"line 2502: the Slack account of gone@example.org is deactivated", "Nothing was changed.")
		s := openStore(t, w)
		if people, err := s.People(context.Background()); code != 1 || err != nil || len(people) != 0 {
			t.Fatalf("a refused file exited %d and left %d people stored (%v)", code, len(people), err)
		}
		read := len(w.emu.CallsTo("users.list"))

		out, code = w.importRoster(csv.String())
		if code != 0 {
			t.Fatalf("exited %d:\n%s", code, out)
		}
		mustContain(t, "import", out, "Finding 2,500 people in Slack…",
			"Found all 2,500 people in 4 pages of Slack's user list, so the rest is not needed.", "added        2500")
		lookups, lists := len(w.emu.CallsTo("users.lookupByEmail")), w.emu.CallsTo("users.list")[read:]
		if lookups != 0 || len(lists) != 4 {
			t.Errorf("resolved with %d lookups and %d users.list pages; want 0 and 4 of 5", lookups, len(lists))
		}
		// Our pace is a page every 3.1 s (Tier 2 is 20 a minute). Slack
		// sees each a little after it is sent, by more or less: half a
		// second is room for a busy machine.
		for i := 1; i < len(lists); i++ {
			if gap := lists[i].At.Sub(lists[i-1].At); gap < 2600*time.Millisecond {
				t.Errorf("page %d was asked for %v after the one before: not at the Tier 2 pace of a page every 3.1 s", i+1, gap)
			}
		}
		for slackID, email := range map[string]string{"UP00000": "person0@example.org", "UP00005": "person5@example.org"} {
			if p, err := s.PersonBySlackID(context.Background(), slackID); err != nil || p.Email != email || p.TZ != "America/Denver" {
				t.Errorf("%s stored as %+v, %v: the live account wins", email, p, err)
			}
		}
		// checkSlackUse, when the test ends, fails on any limit broken.
	})
}

func TestServeRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no tokens", map[string]string{}, "massperform serve: SLACK_BOT_TOKEN is not set"},
		{"user token", map[string]string{"SLACK_BOT_TOKEN": "xoxp-1-2", "SLACK_APP_TOKEN": "xapp-1"}, "massperform serve: SLACK_BOT_TOKEN does not look like a bot token"},
		{"no app token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2"}, "massperform serve: SLACK_APP_TOKEN is not set"},
		{"http mode without a signing secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_MODE": "http"}, "massperform serve: SLACK_SIGNING_SECRET is not set, and SLACK_MODE=http needs it"},
		{"an app token for a signing secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_MODE": "http", "SLACK_SIGNING_SECRET": "xapp-1-A1-2"}, "massperform serve: SLACK_SIGNING_SECRET does not look like a signing secret"},
		{"a mode Slack has not", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_MODE": "webhooks"}, `massperform serve: SLACK_MODE "webhooks" is not a mode`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb strings.Builder
			a := &app.App{Getenv: func(k string) string { return tt.env[k] }, Stdout: &out, Stderr: &errb, Clock: &testClock{}}
			if code := a.Run(context.Background(), []string{"serve"}); code != app.ExitUsage {
				t.Errorf("exit code %d, want %d", code, app.ExitUsage)
			}
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) {
				t.Errorf("stderr = %q, want one line starting %q", errb.String(), tt.want)
			}
		})
	}
}
