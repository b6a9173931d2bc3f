package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

// BenchmarkJobsDryRun measures the batch jobs as an operator's container
// sees them: the built binary's `jobs run nudges --dry-run` and `jobs run
// digest --dry-run`, each a process of its own, against an organisation of
// 100,000 people (a tenth of them managers, everyone with something due),
// on PostgreSQL and SQLite. It reports each run's wall time and the
// process's peak resident memory (the kernel's rusage of the child, not
// the Go heap), and what the run decided (nudges, or overdue items), so
// that a run that decides nothing cannot look fast. The dry runs print
// to a file, as an operator redirecting them would.
func BenchmarkJobsDryRun(b *testing.B) {
	const n = 100000
	bin := buildBinary(b)
	for _, db := range []string{"postgres", "sqlite"} {
		b.Run(db, func(b *testing.B) {
			url := filepath.Join(b.TempDir(), "jobs.db")
			if db == "postgres" {
				url = pgtest.NewDatabase(b)
			}
			seedBenchOrg(b, url, n)
			for _, job := range []struct {
				name, asOf string
				count      *regexp.Regexp // what it decided, in its output
				unit       string
			}{
				// A Monday in August: every manager has something to do
				// for their reports; what employees owe was announced
				// that day, so only managers hear.
				{"nudges", "2026-08-03", nudgeCount, "nudges"},
				// A Monday in May: wrap-up season has opened, so every
				// one of the 100,000 hears, half a million lines in all.
				{"nudges", "2027-05-03", nudgeCount, "nudges"},
				// A Monday in October: 200,000 overdue items.
				{"digest", "2026-10-12", regexp.MustCompile(`\*Overdue, by manager\* \((\d+) items?\)`), "overdue-items"},
			} {
				b.Run(job.name+"/"+job.asOf, func(b *testing.B) {
					var worst float64
					var seconds float64
					for i := 0; i < b.N; i++ {
						r := runJob(b, bin, url, job.name, job.asOf, job.count)
						b.Logf("%s %s %s run %d: %.2f s, peak RSS %.0f MB, %d decided", db, job.name, job.asOf, i+1, r.wall.Seconds(), r.rssMB, r.decided)
						worst = max(worst, r.rssMB)
						seconds += r.wall.Seconds()
						b.ReportMetric(float64(r.decided), job.unit)
					}
					b.ReportMetric(seconds/float64(b.N), "s")
					b.ReportMetric(worst, "peak-RSS-MB")
				})
			}
		})
	}
}

// nudgeCount finds how many nudges a dry run of the sweep decided.
var nudgeCount = regexp.MustCompile(`(\d+) nudges? would be queued`)

// jobRun is what one run of a job's process measured.
type jobRun struct {
	wall    time.Duration
	rssMB   float64
	decided int
}

// runJob runs `bin jobs run job --dry-run --as-of asOf` against the
// database at url, its output in a file, and returns its wall time, its
// peak resident memory and the number count finds in its output.
func runJob(b *testing.B, bin, url, job, asOf string, count *regexp.Regexp) jobRun {
	b.Helper()
	dir := b.TempDir()
	out, err := os.Create(filepath.Join(dir, "out.txt"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	// The job is started by a small process of its own (this test binary
	// again, see launchMeasured), not by this one: Linux counts into a
	// child's peak RSS the memory of the process that forked it, and this
	// one holds the 100,000 people it seeded.
	cmd := exec.Command(os.Args[0], bin, "jobs", "run", job, "--dry-run", "--as-of", asOf)
	cmd.Dir = dir
	cmd.Env = []string{launcherEnv + "=" + filepath.Join(dir, "rusage"), "DATABASE_URL=" + url, "ORG_TIMEZONE=America/New_York", "LOG_LEVEL=warn"}
	cmd.Stdout, cmd.Stderr = out, &stderr
	b.StartTimer()
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %v\n%s", job, err, stderr.String())
	}
	measured, err := os.ReadFile(filepath.Join(dir, "rusage"))
	if err != nil {
		b.Fatal(err)
	}
	rssKB, err := strconv.ParseFloat(string(bytes.TrimSpace(measured)), 64)
	if err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(out.Name())
	if err != nil {
		b.Fatal(err)
	}
	m := count.FindSubmatch(text)
	if m == nil {
		b.Fatalf("%s: no %s in its output:\n%.2000s", job, count, text)
	}
	decided, _ := strconv.Atoi(string(m[1]))
	if decided == 0 {
		b.Fatalf("%s decided nothing:\n%.2000s", job, text)
	}
	return jobRun{wall: wall, rssMB: rssKB / 1024, decided: decided}
}

// seedBenchOrg imports n people into the database at url, a tenth of them
// managers under one head, everyone in New York, and gives everyone with
// a manager a year under way (storagetest.SeedYears): on Aug 3, 2026 each
// of them owes something, and their managers owe something for them.
func seedBenchOrg(b testing.TB, url string, n int) {
	b.Helper()
	const at = "2026-08-03T14:00:00Z"
	now, _ := time.Parse(time.RFC3339, at)
	s := storagetest.Open(b, url, &testClock{t: now})
	managers := max(2, n/10)
	entries := make([]review.RosterEntry, n)
	for i := range entries {
		e := review.RosterEntry{Email: fmt.Sprintf("p%06d@x.org", i), Name: fmt.Sprintf("P%06d", i), Unit: fmt.Sprintf("U%02d", i%40),
			SlackID: fmt.Sprintf("U%06d", i), TZ: "America/New_York"}
		if i > 0 && i < managers {
			e.ManagerEmail = "p000000@x.org"
		} else if i >= managers {
			e.ManagerEmail = fmt.Sprintf("p%06d@x.org", i%(managers-1)+1)
		}
		entries[i] = e
	}
	if err := s.ApplyRoster(context.Background(), "bench", review.NewDate(2026, 7, 1), review.PlanRoster(nil, entries, false)); err != nil {
		b.Fatal(err)
	}
	storagetest.SeedYears(b, url, 2027, now)
	s.Close()
}

// launcherEnv, when set, makes the test binary launchMeasured instead of
// running tests; its value is the file to write the peak RSS to.
const launcherEnv = "MASSPERFORM_LAUNCH_MEASURED"

// launchMeasured runs the command in args (the environment passed on, but
// for launcherEnv), writes its peak resident memory in KB to the file
// named by launcherEnv, and exits as it did. It is the test binary run
// again, freshly, so that the process forking the command is small: Linux
// starts a child's peak RSS (ru_maxrss) at its parent's when it forks.
func launchMeasured(args []string) {
	file := os.Getenv(launcherEnv)
	os.Unsetenv(launcherEnv)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(2)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "launch: no rusage on this system")
		os.Exit(2)
	}
	// Linux reports ru_maxrss in kilobytes.
	if err := os.WriteFile(file, []byte(strconv.FormatInt(int64(ru.Maxrss), 10)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(2)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
