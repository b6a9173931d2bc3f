package e2e

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// waitReady polls /readyz until it answers want, and returns its body.
func (w *world) waitReady(want int) string {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := w.get("/readyz")
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("/readyz stayed %d %q, want %d", code, body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDatabaseRestartWhileUsersAreActive restarts PostgreSQL (a server of
// the test's own) under the running bot while Mona has a form open. During
// the gap she is told plainly and keeps what she typed, Eli's command gets
// the same answer, and /readyz says why; once the server is back the same
// bot, never restarted, saves her form and delivers Eli's DM once.
func TestDatabaseRestartWhileUsersAreActive(t *testing.T) {
	srv := pgtest.NewServer(t)
	w := startCast(t, srv.Database(t), "2026-08-03")
	w.command(mona, "expectations <@U0ELI|eli>")
	form := w.waitTopView(mona, "expectations")
	typed := "Answer every permit query within a week"
	mustNotContain(t, "help before", w.reply(eli, "help"), "can't reach")

	srv.Stop(t)
	mustContain(t, "/readyz during the restart", w.waitReady(503), "the database does not answer")
	errs := ackErrors(w.submit(mona, form, values{}.text("new:0", typed)))
	if !strings.Contains(errs["new:0"], "can't reach our database right now") {
		srv.Start(t)
		t.Fatalf("submission during the restart answered %v", errs)
	}
	top := w.topView(mona)
	if top.ID != form.ID || top.State["new:0"]["text"].Value != typed {
		srv.Start(t)
		t.Fatalf("the form or what was typed was lost: %+v", top.State["new:0"])
	}
	mustContain(t, "help during the restart", w.reply(eli, "help"), "can't reach our database right now")

	srv.Start(t)
	w.waitReady(200)
	if errs := ackErrors(w.submit(mona, top, nil)); errs != nil {
		t.Fatalf("after the restart: %v", errs)
	}
	mustContain(t, "Eli's DM", messageText(w.dm(eli, 1)), typed)
	mustNotContain(t, "help after", w.reply(eli, "help"), "can't reach")
	w.outboxSettled()
	if n := w.dmCount(eli); n != 1 {
		t.Errorf("Eli got %d DMs, want exactly 1", n)
	}
}

// TestAbruptSocketLoss cuts the Socket Mode connection with no goodbye,
// as a network failure does. What Mona submits meanwhile waits for the
// connection the bot opens again, and is saved once.
func TestAbruptSocketLoss(t *testing.T) {
	w := startCast(t, t.TempDir()+"/drop.db", "2026-08-03")
	w.command(mona, "expectations <@U0ELI|eli>")
	form := w.waitTopView(mona, "expectations")
	opened := len(w.emu.CallsTo("apps.connections.open"))

	w.emu.DropConnections()
	typed := "Close the audit findings by March"
	if errs := ackErrors(w.submit(mona, form, values{}.text("new:0", typed))); errs != nil {
		t.Fatalf("submission across the reconnect: %v", errs)
	}
	if n := len(w.emu.CallsTo("apps.connections.open")); n <= opened {
		t.Fatalf("the bot did not open a new connection (%d opens)", n)
	}
	mustContain(t, "Eli's DM", messageText(w.dm(eli, 1)), typed)
	mustContain(t, "help after", w.reply(eli, "help"), "/perform goals")

	// And again, twice in a row, with Slack refusing the first reconnect.
	w.emu.FailNext("apps.connections.open", 503, 1)
	w.emu.DropConnections()
	w.emu.DropConnections()
	mustContain(t, "help after two drops", w.reply(mona, "help"), "/perform expectations")
	w.outboxSettled()
	if n := w.dmCount(eli); n != 1 {
		t.Errorf("Eli got %d DMs, want exactly 1", n)
	}
	if v := w.emu.Violations(); len(v) > 0 {
		t.Errorf("Slack's rules broken: %v", v)
	}
}

// TestKilledMidSweepEveryNudgeOnce queues a morning's nudge sweep, lets
// the built binary deliver it, and kills the process (SIGKILL) while
// Slack has taken a nudge but not yet answered the post. A new process
// takes over: every nudge reaches its person exactly once, the one in
// doubt included, which is looked up in Slack rather than posted again.
func TestKilledMidSweepEveryNudgeOnce(t *testing.T) {
	bin := buildBinary(t)
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-07-01")
		if out, code := w.importRoster(bigRoster(w.emu, 60)); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		out, code := w.cli("jobs", "run", "nudges")
		var queued int
		if _, err := fmt.Sscanf(out, "Queued %d", &queued); code != 0 || err != nil || queued < 20 {
			t.Fatalf("sweep exited %d, queued %d:\n%s", code, queued, out)
		}

		// The sixth post is taken by Slack, whose answer never arrives.
		const before = 5
		w.emu.HoldReplyNext("chat.postMessage", 0, before)
		w.emu.HoldReplyNext("chat.postMessage", time.Minute, 1)
		cmd, exited := w.runBinary(bin)
		nudges := func() map[string]int {
			got := map[string]int{}
			for _, m := range w.emu.Messages() {
				if m.Via == "chat.postMessage" { // the sweep's nudges are all that is posted
					got[m.Channel]++
				}
			}
			return got
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(nudges()) < before+1 {
			if time.Now().After(deadline) {
				counts, _ := openStore(t, w).OutboxCounts(context.Background())
				t.Fatalf("only %d nudges posted; outbox %v; calls %d", len(nudges()), counts, len(w.emu.CallsTo("chat.postMessage")))
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-exited
		if n := len(nudges()); n != before+1 {
			t.Fatalf("%d nudges posted by the time of the kill, want %d", n, before+1)
		}

		// A new process, once the dead one's leases have run out. (It ran
		// on the real clock; this one on the test's, moved past them.)
		w.clock.mu.Lock()
		w.clock.t = time.Now().Add(3 * time.Minute)
		w.clock.mu.Unlock()
		w.extra["NUDGE_SCHEDULE"] = "0 0 29 2 *" // no sweep of its own today
		w.start()
		s := openStore(t, w)
		deadline = time.Now().Add(2 * time.Minute)
		for {
			counts, _ := s.OutboxCounts(context.Background())
			if counts[storage.OutboxSent] == queued {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("outbox = %v, want %d sent", counts, queued)
			}
			time.Sleep(50 * time.Millisecond)
		}
		got := nudges()
		if len(got) != queued {
			t.Errorf("%d people were nudged, want %d", len(got), queued)
		}
		for ch, n := range got {
			if n != 1 {
				t.Errorf("%s got %d nudges, want 1", ch, n)
			}
		}
		if len(w.emu.CallsTo("conversations.history")) == 0 {
			t.Error("the new process did not look for the nudge in doubt")
		}
	})
}
