package e2e

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestGracefulShutdown stops the bot (as SIGTERM does) while a handler is
// waiting on Slack and a DM is being posted: the handler finishes, the DM
// goes out once and is recorded as sent, and serve exits cleanly.
func TestGracefulShutdown(t *testing.T) {
	eachMode(t, func(t *testing.T, mode func(*world)) {
		storagetest.Each(t, func(t *testing.T, url string) {
			w := startCast(t, url, "2026-08-03", mode)
			w.command(mona, "expectations <@U0ELI|eli>")
			form := w.waitTopView(mona, "expectations")

			// Slack is slow: the DM the save causes takes 2 s to post, and a
			// second form takes 1.5 s to open.
			posts, opens := w.emu.Arrived("chat.postMessage"), w.emu.Arrived("views.open")
			w.emu.SlowNext("chat.postMessage", 2*time.Second, 1)
			if errs := ackErrors(w.submit(mona, form, values{}.text("new:0", "Cut the permit backlog"))); errs != nil {
				t.Fatal(errs)
			}
			w.emu.SlowNext("views.open", 1500*time.Millisecond, 1)
			go w.emu.SlashCommand(context.Background(), mona, "/perform", "checkin <@U0ELI|eli>")
			// Stop once both are under way: the DM's post and the form's open
			// have reached Slack, which holds them.
			for m, n := range map[string]int{"chat.postMessage": posts + 1, "views.open": opens + 1} {
				if err := w.emu.WaitArrived(w.ctx(), m, n); err != nil {
					t.Fatalf("no %s under way: %v", m, err)
				}
			}

			start := time.Now()
			if code := w.stop(); code != app.ExitOK {
				t.Fatalf("serve exited with %d", code)
			}
			took := time.Since(start)
			if took < time.Second {
				t.Errorf("serve stopped in %v without waiting for the work under way", took)
			}
			if v := w.emu.TopView(mona); v == nil || v.CallbackID != "checkin" {
				t.Error("the check-in form under way was not opened")
			}
			if n := w.dmCount(eli); n != 1 {
				t.Errorf("Eli got %d DMs, want 1", n)
			}
			s := openStore(t, w)
			counts, err := s.OutboxCounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts[storage.OutboxSent] != 1 || counts[storage.OutboxPending] != 0 {
				t.Errorf("after the shutdown the outbox holds %v: the DM under way was not recorded", counts)
			}
		})
	})
}

// TestSecondSignalExitsAtOnce runs the built binary: SIGTERM while a
// handler waits on a slow Slack, and the process waits for it; a second
// signal ends it at once.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	w := newWorld(t, filepath.Join(t.TempDir(), "signals.db"), "2026-08-03")
	if out, code := w.importRoster(castRoster); code != 0 {
		t.Fatal(out)
	}
	cmd, exited := w.runBinary(bin)

	opens := w.emu.Arrived("views.open")
	w.emu.SlowNext("views.open", 20*time.Second, 1)
	go w.emu.SlashCommand(context.Background(), mona, "/perform", "expectations <@U0ELI|eli>")
	if err := w.emu.WaitArrived(w.ctx(), "views.open", opens+1); err != nil {
		t.Fatalf("the form is not opening: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("the first signal ended the process at once (%v): it should wait for the handler", err)
	case <-time.After(time.Second):
	}
	second := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if took := time.Since(second); took > 2*time.Second {
			t.Errorf("the second signal took %v to end the process", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not end the process")
	}
}
