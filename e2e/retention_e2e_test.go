package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestRetentionPurge: past their retention, the messages of notifications
// sent and the ids of requests handled are purged, by the bot's daily job
// and by `massperform jobs run purge`, one process at a time under the
// job's lock, and the job's runs are counted in /metrics.
func TestRetentionPurge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-08-03")
		if out, code := w.importRoster(castRoster); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		w.extra["PURGE_SCHEDULE"] = "@every 1s"
		w.start()
		setExpectations(t, w) // DMs sent, two forms saved once each
		s := openStore(t, w)
		w.drained(s)

		dryRun := func() (messages, requests int) {
			t.Helper()
			out, code := w.cli("jobs", "run", "purge", "--dry-run")
			m := regexp.MustCompile(`^Dry run: a purge would empty the messages of (\d+) notifications? queued before .* and (\d+) request ids? handled before .*Nothing was changed\.\n$`).FindStringSubmatch(out)
			if code != app.ExitOK || m == nil {
				t.Fatalf("purge --dry-run exited %d:\n%s", code, out)
			}
			messages, _ = strconv.Atoi(m[1])
			requests, _ = strconv.Atoi(m[2])
			return messages, requests
		}
		if m, r := dryRun(); m != 0 || r != 0 {
			t.Fatalf("on the day, %d messages and %d request ids are past their retention", m, r)
		}

		// 401 days on, while the test holds the purge's lock: the bot's
		// job and the command line both stay out.
		// The bot's own purge may hold the lock at this moment (it runs
		// every second here): take it once the bot has let go.
		held := func(fn func(context.Context) error) (bool, error) {
			deadline := time.Now().Add(20 * time.Second)
			for {
				ran, err := s.WithJobLock(context.Background(), "purge", fn)
				if ran || err != nil || time.Now().After(deadline) {
					return ran, err
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		ran, err := held(func(context.Context) error {
			w.clock.setDay("2027-09-08")
			if m, r := dryRun(); m < 2 || r < 2 {
				t.Errorf("401 days on, a dry run finds %d messages and %d request ids", m, r)
			}
			if out, code := w.cli("jobs", "run", "purge"); code != app.ExitOK || !strings.Contains(out, "Another process is purging right now; nothing was done.") {
				t.Errorf("purge while another holds it exited %d:\n%s", code, out)
			}
			w.waitMetric(`massperform_job_runs_total{job="purge",outcome="skipped"}`)
			if m, _ := dryRun(); m < 2 {
				t.Errorf("something purged while the lock was held: %d messages left", m)
			}
			return nil
		})
		if err != nil || !ran {
			t.Fatalf("the test's lock: ran %v, %v", ran, err)
		}
		// Let go: the bot's next run purges.
		deadline := time.Now().Add(20 * time.Second)
		for m, r := dryRun(); m != 0 || r != 0; m, r = dryRun() {
			if time.Now().After(deadline) {
				t.Fatalf("the bot's purge left %d messages and %d request ids", m, r)
			}
			time.Sleep(200 * time.Millisecond)
		}
		w.waitMetric(`massperform_job_runs_total{job="purge",outcome="ok"}`)
		if out, code := w.cli("jobs", "run", "purge"); code != app.ExitOK || !strings.HasPrefix(out, "Purged the messages of 0 notifications") {
			t.Errorf("a purge with nothing to do exited %d:\n%s", code, out)
		}
		if out, code := w.cli("jobs", "run", "purge", "--as-of", "2099-01-01"); code != app.ExitUsage || !strings.Contains(out, "purge has no --as-of") {
			t.Errorf("purge --as-of exited %d:\n%s", code, out)
		}
		mustContain(t, "the logs", w.logs.String(), "purged what is past its retention")
	})
}

// waitMetric waits until /metrics has a line starting with series.
func (w *world) waitMetric(series string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := w.get("/metrics")
		if strings.Contains(body, "\n"+series+" ") {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("/metrics has no %s:\n%s", series, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
