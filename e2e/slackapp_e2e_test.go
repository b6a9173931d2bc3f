package e2e

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// worldOf is a workspace of its own (emulated with cfg, holding the cast)
// on the database at url.
func worldOf(t *testing.T, cfg slackemu.Config, url string) *world {
	t.Helper()
	emu := slackemu.New(cfg)
	t.Cleanup(emu.Close)
	for _, u := range cast {
		emu.AddUser(u)
	}
	skipIfShort(t)
	w := &world{t: t, emu: emu, dbURL: url, logs: &lockedBuffer{}, extra: map[string]string{}, clock: &testClock{}}
	w.clock.setDay("2026-11-24")
	t.Cleanup(w.checkSlackUse)
	return w
}

// serveRefused runs serve, which must stop by itself without ever taking
// an envelope, and returns its exit code and logs.
func (w *world) serveRefused() (int, string) {
	w.t.Helper()
	ready := make(chan struct{})
	a := &app.App{Getenv: w.env(), Stdout: io.Discard, Stderr: w.logs, Clock: w.clock, Ready: func() { close(ready) }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- a.Run(ctx, []string{"serve"}) }()
	select {
	case code := <-done:
		return code, w.logs.String()
	case <-ready:
		w.t.Fatalf("serve took envelopes:\n%s", w.logs)
	case <-time.After(30 * time.Second):
		w.t.Fatalf("serve neither stopped nor connected:\n%s", w.logs)
	}
	return 0, ""
}

// TestLiveDatabaseServesOneSlackApp: a database serves the Slack app and
// workspace that first used it. Another app's tokens, or another
// workspace's, are refused by serve and by every command that talks to
// Slack, with one line naming both and what to do; so is an app-level
// token of another app when Slack can't say which app the bot token is
// for. A new app replacing the old in the same workspace takes the
// database over with `massperform rebind --yes`; another workspace can't.
func TestLiveDatabaseServesOneSlackApp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		live := startCast(t, url, "2026-11-24") // the roster import binds it
		s := openStore(t, live)
		if got, err := s.BoundSlackApp(context.Background()); err != nil || got != (storage.SlackApp{AppID: "A0EMU", TeamID: "T0EMU"}) {
			t.Fatalf("the database serves %+v, %v", got, err)
		}
		people, _ := s.People(context.Background())

		other := worldOf(t, slackemu.Config{AppID: "A0OTHER", BotToken: "xoxb-other", AppToken: "xapp-other", BotID: "B0OTHER"}, url)
		refusal := "this database belongs to the Slack app A0EMU in workspace T0EMU, but SLACK_BOT_TOKEN is app A0OTHER's, in workspace T0EMU. " +
			"A database serves one Slack app (a rehearsal needs a Slack app of its own): use app A0EMU's tokens, or point DATABASE_URL at app A0OTHER's own database."
		code, logs := other.serveRefused()
		if code != app.ExitFailed || !strings.Contains(logs, refusal) {
			t.Errorf("serve with another app's tokens exited %d:\n%s", code, logs)
		}
		for _, args := range [][]string{{"jobs", "run", "nudges"}, {"jobs", "run", "timezones"}, {"jobs", "run", "digest"}} {
			if out, code := other.cli(args...); code != app.ExitFailed || !strings.Contains(out, refusal) {
				t.Errorf("massperform %s with another app's tokens exited %d:\n%s", strings.Join(args, " "), code, out)
			}
		}
		if out, code := other.importRoster(strings.ReplaceAll(castRoster, "Eli Ortiz", "Eli Other")); code != app.ExitFailed || !strings.Contains(out, refusal) {
			t.Errorf("roster import with another app's tokens exited %d:\n%s", code, out)
		}
		again, _ := s.People(context.Background())
		for _, p := range again {
			if p.Name == "Eli Other" || len(again) != len(people) {
				t.Errorf("a refused import changed the roster: %d people, %s", len(again), p.Name)
			}
		}

		elsewhere := worldOf(t, slackemu.Config{TeamID: "T0ELSE", BotToken: "xoxb-else", AppToken: "xapp-else"}, url)
		if code, logs := elsewhere.serveRefused(); code != app.ExitFailed || !strings.Contains(logs, "belongs to the Slack app A0EMU in workspace T0EMU, but SLACK_BOT_TOKEN is app A0EMU's, in workspace T0ELSE") {
			t.Errorf("serve in another workspace exited %d:\n%s", code, logs)
		}

		// Slack's Web API down at start: the hello still names the app of
		// the app-level token.
		mixed := worldOf(t, slackemu.Config{AppID: "A0OTHER"}, url)
		mixed.emu.FailNext("auth.test", 503, 50)
		if code, logs := mixed.serveRefused(); code != app.ExitFailed || !strings.Contains(logs, "SLACK_APP_TOKEN is an app-level token of the Slack app A0OTHER, but SLACK_BOT_TOKEN (and this database) are app A0EMU's") {
			t.Errorf("serve with another app's app-level token exited %d:\n%s", code, logs)
		}

		// The app replaced: the new one takes the database over.
		if out, code := other.cli("rebind"); code != app.ExitUsage || !strings.Contains(out, "add --yes") {
			t.Errorf("rebind without --yes exited %d:\n%s", code, out)
		}
		if out, code := elsewhere.cli("rebind", "--yes"); code != app.ExitFailed || !strings.Contains(out, "can't move to another workspace") {
			t.Errorf("rebind from another workspace exited %d:\n%s", code, out)
		}
		if out, code := other.cli("rebind", "--yes"); code != app.ExitOK || !strings.Contains(out, "This database now serves the Slack app A0OTHER in workspace T0EMU, and no longer app A0EMU.") {
			t.Errorf("rebind exited %d:\n%s", code, out)
		}
		if out, code := live.cli("jobs", "run", "timezones"); code != app.ExitFailed || !strings.Contains(out, "belongs to the Slack app A0OTHER") {
			t.Errorf("the replaced app after the rebind exited %d:\n%s", code, out)
		}
		other.start()
		mustContain(t, "the new app", other.reply(eli, "status"), "Your FY2027")
	})
}

// TestRehearsalNeedsItsOwnSlackApp: a rehearsal started with the live
// app's tokens finds, in Slack's hello, that the app already has a
// connection, and stops before taking anything, saying a rehearsal needs
// its own app; its database is not bound to the live app, and the live
// bot goes on answering everyone. With an app of its own it starts.
func TestRehearsalNeedsItsOwnSlackApp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		live := startCast(t, url, "2026-11-24")
		rehearsalDB := anotherDatabase(t, url)
		shared := &world{t: t, emu: live.emu, dbURL: rehearsalDB, logs: &lockedBuffer{}, clock: live.clock,
			extra: map[string]string{"REHEARSAL": "true", "HR_USERS": hana}}
		code, logs := shared.serveRefused()
		if code != app.ExitFailed || !strings.Contains(logs, "this rehearsal's Slack app A0EMU already has 1 other connection open, Slack says") ||
			!strings.Contains(logs, "A rehearsal needs a Slack app of its own, run as one process: create one from manifests/slack-app.yaml and use its tokens") {
			t.Errorf("a rehearsal on the live app exited %d:\n%s", code, logs)
		}
		waitUntil(t, func() bool { return live.emu.Connections() == 1 }) // the refused connection closing
		for range 3 {
			mustNotContain(t, "Eli's status, from the live bot", live.reply(eli, "status"), "Rehearsal")
		}
		r := storagetest.Open(t, rehearsalDB, live.clock)
		if got, err := r.BoundSlackApp(context.Background()); err != nil || got != (storage.SlackApp{}) {
			t.Fatalf("the refused rehearsal bound its database to %+v, %v", got, err)
		}

		own := worldOf(t, slackemu.Config{AppID: "A0REHEARSAL", BotToken: "xoxb-rehearsal", AppToken: "xapp-rehearsal", BotID: "B0REHEARSAL"}, rehearsalDB)
		own.extra = map[string]string{"REHEARSAL": "true", "HR_USERS": hana}
		own.start()
		mustContain(t, "the rehearsal on its own app", own.reply(hana, "rehearsal"), "The rehearsal is on 24 November 2026")
		if got, _ := r.BoundSlackApp(context.Background()); got != (storage.SlackApp{AppID: "A0REHEARSAL", TeamID: "T0EMU"}) {
			t.Errorf("the rehearsal's database serves %+v", got)
		}
	})
}
