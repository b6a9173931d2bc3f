package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestDigestOnlyToAPrivateChannel: HR's digest names the people who
// answered No about their manager, so it goes only to a private channel
// the app is in. A public HR_CHANNEL, or a private one without the app,
// gets nothing from the bot's weekly job or from `jobs run digest`; the
// logs, the command and /readyz (still 200: everyone else is served) say
// what to do. Once HR invites the app it goes out; and a digest queued
// while the channel was fit is held, not posted, if it turns public before
// the sender gets to it, and goes out once it is put right.
func TestDigestOnlyToAPrivateChannel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		const hr = "C0HR"
		public := slackemu.Channel{ID: hr, Name: "hr-digest", Members: []string{hana, "U0BOT"}}
		private := slackemu.Channel{ID: hr, Name: "hr-digest", Private: true, Members: []string{hana}}
		invited := slackemu.Channel{ID: hr, Name: "hr-digest", Private: true, Members: []string{hana, "U0BOT"}}

		w := newWorld(t, url, "2026-10-12")
		w.emu.PutChannel(public)
		w.extra["HR_CHANNEL"] = hr
		w.extra["DIGEST_SCHEDULE"] = "@every 1s" // the bot's own weekly job, every second
		w.hrRecheck = 500 * time.Millisecond
		if out, code := w.importRoster(castRoster); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		w.start()
		s := openStore(t, w)

		// Public: nothing queued, by the bot or the command line.
		const isPublic = "HR_CHANNEL C0HR is public, and the digest names people: make it private or name a private one"
		w.waitHeld(isPublic)
		w.waitLog("digest failed", "HR's digest was not queued: "+isPublic)
		out, code := w.runDigest()
		if code != app.ExitFailed || !strings.Contains(out, "HR's digest was not queued: "+isPublic) {
			t.Errorf("jobs run digest to a public channel exited %d:\n%s", code, out)
		}
		w.waitMetric(`massperform_job_runs_total{job="digest",outcome="failed"}`)

		// Private, without the app: the same, with the way to invite it.
		w.emu.PutChannel(private)
		const notIn = "HR_CHANNEL C0HR is not a channel the app can see: if it is private, invite @MassPerform to it (type /invite @MassPerform in the channel); otherwise check the ID"
		w.waitHeld(notIn)
		out, code = w.runDigest()
		if code != app.ExitFailed || !strings.Contains(out, notIn) {
			t.Errorf("jobs run digest to a private channel without the app exited %d:\n%s", code, out)
		}
		if counts, _ := s.OutboxCounts(w.ctx()); len(counts) != 0 {
			t.Fatalf("something was queued for a channel that may not have it: %v", counts)
		}
		if n := len(w.emu.MessagesTo(hr)); n != 0 {
			t.Fatalf("%d messages went to the channel", n)
		}

		// HR invites the app: ready with nothing held, and the digest goes out once.
		w.emu.PutChannel(invited)
		w.waitHeld("")
		w.waitLog("HR_CHANNEL is private and the app is in it")
		// The bot's own job, every second, queues it too (and may hold the
		// job lock when the command asks): it goes out once.
		if out, code := w.cli("jobs", "run", "digest"); code != app.ExitOK || !strings.Contains(out, "Queued the digest for C0HR") && !strings.Contains(out, "Another process is building the digest") {
			t.Errorf("jobs run digest exited %d:\n%s", code, out)
		}
		w.waitChannel(hr, 2) // the digest and its file

		// The next day, queued while the channel is fit; then someone
		// makes it public before the bot posts it.
		w.stop()
		w.clock.setDay("2026-10-13")
		if out, code := w.cli("jobs", "run", "digest"); code != app.ExitOK || !strings.Contains(out, "Queued the digest for C0HR") {
			t.Fatalf("jobs run digest exited %d:\n%s", code, out)
		}
		w.emu.PutChannel(public)
		w.start()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(w.logs.String(), "not posting in this channel: "+isPublic); time.Sleep(50 * time.Millisecond) {
			if n := len(w.emu.MessagesTo(hr)); n != 2 {
				t.Fatalf("the held digest was posted in the public channel: it has %d messages, want yesterday's 2 only", n)
			}
			if time.Now().After(deadline) {
				t.Fatal("the sender never said why it held the digest back")
			}
		}
		if n := len(w.emu.MessagesTo(hr)); n != 2 {
			t.Fatalf("the channel has %d messages, want yesterday's 2 only", n)
		}
		if counts, _ := s.OutboxCounts(w.ctx()); counts[storage.OutboxPending] != 2 || counts[storage.OutboxFailed] != 0 {
			t.Errorf("the held digest: %v, want its two notifications pending", counts)
		}
		// Put right: it goes out at its next try, due ten seconds on.
		w.emu.PutChannel(invited)
		w.clock.mu.Lock()
		w.clock.t = w.clock.t.Add(time.Minute)
		w.clock.mu.Unlock()
		msgs, err := w.emu.WaitMessages(w.ctxFor(30*time.Second), hr, 4)
		if err != nil {
			t.Fatalf("the held digest never went out: %d messages, %v", len(msgs), err)
		}
	})
}

// runDigest runs `jobs run digest` as an operator would, again while the
// bot's own digest job (every second here) holds the job lock.
func (w *world) runDigest() (string, int) {
	w.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out, code := w.cli("jobs", "run", "digest")
		if !strings.Contains(out, "Another process is building the digest") || time.Now().After(deadline) {
			return out, code
		}
	}
}

// waitHeld waits until /readyz answers 200 and says what is held back
// (want), or nothing more than "ready" (want "").
func (w *world) waitHeld(want string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := w.get("/readyz")
		if code == 200 && (want == "" && body == "ready\n" || want != "" && body == "ready\nbut HR's digest is held back: "+want+"\n") {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("/readyz: %d %q, want 200 saying %q", code, body, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitLog waits until one line of the bot's logs says all of wants.
func (w *world) waitLog(wants ...string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, l := range strings.Split(w.logs.String(), "\n") {
			found := true
			for _, want := range wants {
				found = found && strings.Contains(l, want)
			}
			if found {
				return
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no log line says %q", wants)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctxFor is a context that ends after d, or with the test.
func (w *world) ctxFor(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	w.t.Cleanup(cancel)
	return ctx
}
