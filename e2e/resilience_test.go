package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestSlackTroubleOnTheDMPath makes Slack answer the DM's post with a 429
// and then with 5xx: the bot waits as told, retries, and the employee gets
// the message exactly once.
func TestSlackTroubleOnTheDMPath(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		w.emu.RateLimitNext("chat.postMessage", 1, 1)
		w.emu.FailNext("chat.postMessage", 503, 2)

		w.command(mona, "expectations <@U0ELI|eli>")
		form := w.waitTopView(mona, "expectations")
		saved := time.Now()
		if errs := ackErrors(w.submit(mona, form, values{}.text("new:0", "Weather the storm"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Eli's DM", messageText(w.dm(eli, 1)), "Weather the storm")
		if waited := time.Since(saved); waited < time.Second {
			t.Errorf("delivered %v after a 429 with Retry-After: 1", waited)
		}
		posts := w.emu.CallsTo("chat.postMessage")
		if len(posts) != 4 {
			t.Errorf("chat.postMessage called %d times, want 4 (429, 503, 503, ok)", len(posts))
		}
		w.outboxSettled()
		if n := w.dmCount(eli); n != 1 {
			t.Errorf("Eli got %d DMs, want 1", n)
		}
	})
}

// TestReconnectsWhenSlackAsks: Slack sends "disconnect" (refresh_requested)
// before it recycles a connection; the bot opens a new one and carries on.
func TestReconnectsWhenSlackAsks(t *testing.T) {
	w := startCast(t, t.TempDir()+"/reconnect.db", "2026-08-03")
	before := len(w.emu.CallsTo("apps.connections.open"))
	w.emu.RequestDisconnect("refresh_requested")
	deadline := time.Now().Add(10 * time.Second)
	for len(w.emu.CallsTo("apps.connections.open")) == before {
		if time.Now().After(deadline) {
			t.Fatal("the bot did not reconnect")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := w.emu.WaitConnected(w.ctx()); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "help after reconnecting", w.reply(eli, "help"), "/perform goals")
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"help"}, {"serve", "--help"}, {"migrate", "--help"}, {"roster", "--help"},
		{"roster", "import", "--help"}, {"manifest", "--help"}, {"version", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb strings.Builder
			a := &app.App{Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errb, Clock: &testClock{}}
			if code := a.Run(t.Context(), args); code != app.ExitOK {
				t.Errorf("exit %d, stderr %q", code, errb.String())
			}
			if !strings.Contains(out.String(), "massperform") || !strings.Contains(out.String(), "Usage") {
				t.Errorf("no usage printed: %q", out.String())
			}
		})
	}
	var out, errb strings.Builder
	a := &app.App{Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errb, Clock: &testClock{}}
	if code := a.Run(t.Context(), []string{"frobnicate"}); code != app.ExitUsage || !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errb.String())
	}
	out.Reset()
	if code := a.Run(t.Context(), []string{"manifest"}); code != app.ExitOK || !strings.Contains(out.String(), "socket_mode_enabled: true") {
		t.Errorf("manifest: exit %d, %q", code, out.String())
	}
	out.Reset()
	if code := a.Run(t.Context(), []string{"manifest", "--mode", "http", "--url", "https://hr.example.org"}); code != app.ExitOK ||
		!strings.Contains(out.String(), "socket_mode_enabled: false") || !strings.Contains(out.String(), "url: https://hr.example.org/slack/commands") {
		t.Errorf("manifest --mode http: exit %d, %q", code, out.String())
	}
	out.Reset()
	errb.Reset()
	if code := a.Run(t.Context(), []string{"manifest", "--mode", "http"}); code != app.ExitUsage || out.Len() > 0 || !strings.Contains(errb.String(), "--mode http needs --url") {
		t.Errorf("manifest --mode http without --url: exit %d, %q %q", code, out.String(), errb.String())
	}
}

// TestRedeliveredEventsHaveNoSecondEffect: Slack redelivers an event with
// retry_attempt above 0 when it thinks the ack was lost, possibly to
// another connection. The bot handles each event id once, across
// processes: one Home published, however often the event comes.
func TestRedeliveredEventsHaveNoSecondEffect(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)
			w.start() // a second replica on the same database
			event := map[string]any{"type": "app_home_opened", "user": eli, "channel": w.emu.DMChannel(eli), "tab": "home", "event_ts": "1.2"}
			publishes := func() int { return len(w.emu.CallsTo("views.publish")) }
			if _, err := w.emu.SendEventsAPI(w.ctx(), event, 0, "Ev0REDELIVER"); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, func() bool { return publishes() == 1 })
			for attempt := 1; attempt <= 3; attempt++ {
				if _, err := w.emu.SendEventsAPI(w.ctx(), event, attempt, "Ev0REDELIVER"); err != nil {
					t.Fatal(err)
				}
			}
			// Wait for every copy to be decided (each replica logs why it
			// dropped one), not for a while.
			waitUntil(t, func() bool { return strings.Count(w.logs.String(), `; dropped"`) >= 3 })
			if n := publishes(); n != 1 {
				t.Fatalf("one event, redelivered three times, published Home %d times", n)
			}
			// A new event is a new event.
			if _, err := w.emu.SendEventsAPI(w.ctx(), event, 0, "Ev0ANOTHER"); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, func() bool { return publishes() == 2 })
		})
	})
}
