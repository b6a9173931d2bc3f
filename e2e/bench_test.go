package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

// BenchmarkStartToConnected measures `massperform serve` on SQLite from
// start to Slack's hello: opening the database, migrating, checking the
// token, connecting over Socket Mode.
func BenchmarkStartToConnected(b *testing.B) {
	for _, fresh := range []bool{true, false} {
		name := "existing-db"
		if fresh {
			name = "new-db"
		}
		b.Run(name, func(b *testing.B) {
			// Restarting hundreds of times a minute is not something Slack
			// would allow; the limits are not what this measures.
			emu := slackemu.New(slackemu.Config{DisableRateLimits: true})
			defer emu.Close()
			db := filepath.Join(b.TempDir(), "bench.db")
			w := &world{t: b, emu: emu, dbURL: db, logs: &lockedBuffer{}, clock: &testClock{t: time.Now()}, extra: map[string]string{"LOG_LEVEL": "warn"}}
			if !fresh {
				if out, code := w.cli("migrate"); code != 0 {
					b.Fatal(out)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if fresh {
					os.Remove(db)
				}
				ready := make(chan struct{})
				a := &app.App{Getenv: w.env(), Stdout: w.logs, Stderr: w.logs, Clock: w.clock, Ready: func() { close(ready) }}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan int, 1)
				b.StartTimer()
				go func() { done <- a.Run(ctx, []string{"serve"}) }()
				select {
				case <-ready:
				case <-time.After(10 * time.Second):
					b.Fatalf("not connected:\n%s", w.logs)
				}
				b.StopTimer()
				cancel()
				<-done
				b.StartTimer()
			}
		})
	}
}

// BenchmarkIdleMemory builds the binary, runs it against the emulator with
// an SQLite database and the cast on the roster, waits until it is
// connected and settled, and reports its resident memory.
func BenchmarkIdleMemory(b *testing.B) {
	bin := buildBinary(b)
	var rss []float64
	for i := 0; i < b.N; i++ {
		w := newWorld(b, filepath.Join(b.TempDir(), "idle.db"), "2026-08-03")
		if out, code := w.importRoster(castRoster); code != 0 {
			b.Fatal(out)
		}
		cmd, exited := w.runBinary(bin)
		// A little traffic, then idle.
		for range 20 {
			w.emu.SlashCommand(context.Background(), mona, "/perform", "help")
		}
		time.Sleep(3 * time.Second)
		rss = append(rss, residentMB(b, cmd.Process.Pid))
		cmd.Process.Signal(os.Interrupt)
		<-exited
	}
	sort.Float64s(rss)
	b.ReportMetric(rss[len(rss)-1], "max-RSS-MB")
}

func residentMB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc to read memory from: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// BenchmarkHelpAck measures /perform help from envelope to answer through
// the emulator (a roster lookup and a count of direct reports; the answer
// rides on the ack, or follows it through the response_url when it takes
// longer than bot.CommandAckBudget), on SQLite and PostgreSQL, and reports
// the median and the 99th percentile.
func BenchmarkHelpAck(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchHelp(b, filepath.Join(b.TempDir(), "help.db")) })
	b.Run("postgres", func(b *testing.B) { benchHelp(b, pgtest.NewDatabase(b)) })
}

func benchHelp(b *testing.B, dbURL string) {
	w := newWorld(b, dbURL, "2026-08-03")
	w.extra["LOG_LEVEL"] = "warn"
	if out, code := w.importRoster(castRoster); code != 0 {
		b.Fatal(out)
	}
	w.start()
	ctx := context.Background()
	for range 50 { // warm up
		w.emu.SlashCommand(ctx, mona, "/perform", "help")
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := len(w.emu.MessagesTo(mona))
		ack, err := w.emu.SlashCommand(ctx, mona, "/perform", "help")
		if err != nil {
			b.Fatalf("help: %v", err)
		}
		d, text, err := answer(ctx, w.emu, mona, before, ack)
		if err != nil || !strings.Contains(text, "/perform") {
			b.Fatalf("help: %v %.300s", err, text)
		}
		lat = append(lat, d)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRosterImport imports a roster of n people (a tenth of them
// managers) through `massperform roster import` against the emulator with
// Slack's rate limits on: the emails are matched against users.list pages,
// which the workspace's budget paces at Tier 2. The workspace holds n/5
// other users after the file's people.
//
// It reports the users.list pages read, the seconds spent in all, and
// what Slack allows at best: the floor is the pages the import must read
// (up to the one holding the last of the file's people) at Tier 2's 20 a
// minute, 3 s a page, the first page included. ratio is the seconds over
// the floor; tail-s is what the import took after it asked for its last
// page (that page's answer, the checks, the plan and storing).
func BenchmarkRosterImport(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, db := range []string{"sqlite", "postgres"} {
			b.Run(fmt.Sprintf("%d/%s", n, db), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					url := filepath.Join(b.TempDir(), "roster.db")
					if db == "postgres" {
						url = pgtest.NewDatabase(b)
					}
					w := newWorld(b, url, "2026-07-01")
					csv := bigRoster(w.emu, n)
					needed := 0
					for i, u := range w.emu.Users() {
						if strings.HasPrefix(u.ID, "UR") && !u.Deleted {
							needed = i/1000 + 1 // users.list pages of 1,000
						}
					}
					path := filepath.Join(b.TempDir(), "roster.csv")
					os.WriteFile(path, []byte(csv), 0o600)
					start := time.Now()
					b.StartTimer()
					out, code := w.cli("roster", "import", path)
					b.StopTimer()
					end := time.Now()
					if code != 0 {
						b.Fatalf("exit %d: %.2000s", code, out)
					}
					pages := w.emu.CallsTo("users.list")
					floor := time.Duration(needed) * time.Minute / slackemu.Tier2
					b.ReportMetric(float64(len(pages)), "pages")
					b.ReportMetric(float64(needed), "pages-needed")
					b.ReportMetric(end.Sub(start).Seconds(), "s")
					b.ReportMetric(floor.Seconds(), "floor-s")
					b.ReportMetric(end.Sub(start).Seconds()/floor.Seconds(), "ratio")
					if len(pages) > 0 {
						b.ReportMetric(end.Sub(pages[len(pages)-1].At).Seconds(), "tail-s")
					}
					if v := w.emu.Violations(); len(v) > 0 {
						b.Errorf("rate limits broken: %v", v[:min(3, len(v))])
					}
				}
			})
		}
	}
}

// bigRoster adds n people to the workspace (plus other users who are not
// in the program) and returns a roster of them: one top manager, a tenth
// managers, the rest reporting to them.
func bigRoster(emu *slackemu.Server, n int) string {
	var b strings.Builder
	b.WriteString("email,name,manager_email,unit,hr\n")
	managers := max(1, n/10)
	users := make([]slackemu.User, 0, n+n/5)
	for i := range n {
		email := fmt.Sprintf("p%06d@example.org", i)
		users = append(users, slackemu.User{ID: fmt.Sprintf("UR%06d", i), Name: fmt.Sprintf("p%d", i), Email: email, TZ: "America/New_York"})
		manager := ""
		switch {
		case i == 0:
		case i < managers:
			manager = "p000000@example.org"
		default:
			manager = fmt.Sprintf("p%06d@example.org", i%(managers-1)+1)
		}
		fmt.Fprintf(&b, "%s,Person %d,%s,Unit %d,false\n", email, i, manager, i%40)
	}
	for i := range n / 5 {
		users = append(users, slackemu.User{ID: fmt.Sprintf("UX%06d", i), Name: fmt.Sprintf("x%d", i), Email: fmt.Sprintf("x%06d@example.org", i)})
	}
	emu.AddUsers(users)
	return b.String()
}

// BenchmarkTeamCommand measures /perform team, envelope to answer, for a
// manager with 300 direct reports who each have an expectation, a goal
// and a confirmed check-in: the answer is the first page.
func BenchmarkTeamCommand(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			url := filepath.Join(b.TempDir(), "team.db")
			if db == "postgres" {
				url = pgtest.NewDatabase(b)
			}
			w := newWorld(b, url, "2026-08-12")
			w.extra["LOG_LEVEL"] = "warn"
			s := openStore(b, w)
			entries := []review.RosterEntry{{Email: "mona@example.org", Name: "Mona Lee", Unit: "U", SlackID: mona}}
			for i := range 300 {
				entries = append(entries, review.RosterEntry{Email: fmt.Sprintf("r%d@example.org", i), Name: fmt.Sprintf("Report %03d", i),
					ManagerEmail: "mona@example.org", Unit: "U", SlackID: fmt.Sprintf("UR%03d", i)})
			}
			if err := s.ApplyRoster(context.Background(), "bench", review.NewDate(2026, 7, 1), review.PlanRoster(nil, entries, false)); err != nil {
				b.Fatal(err)
			}
			mgr, _ := s.PersonBySlackID(context.Background(), mona)
			storagetest.SeedTeam(b, s, mgr)
			w.start()
			ctx := context.Background()
			for range 20 {
				w.emu.SlashCommand(ctx, mona, "/perform", "team")
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				before := len(w.emu.MessagesTo(mona))
				ack, err := w.emu.SlashCommand(ctx, mona, "/perform", "team")
				if err != nil {
					b.Fatalf("team: %v", err)
				}
				d, text, err := answer(ctx, w.emu, mona, before, ack)
				if err != nil || !strings.Contains(text, "300 direct reports") {
					b.Fatalf("team: %v %.300s", err, text)
				}
				lat = append(lat, d)
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkSweepDelivery runs a whole reminder sweep through the emulator
// with Slack's rate limits on: the July 1 kickoff for an organisation of n
// (everyone is due a DM), Do Not Disturb asked of all of them 50 at a
// time, then every DM posted. It reports how long the sweep's Slack work
// took and fails on any rate-limit violation: a sweep that needs an hour
// of Slack's budget should take that hour, not break the limits.
func BenchmarkSweepDelivery(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				w := newWorld(b, filepath.Join(b.TempDir(), "sweep.db"), "2026-07-01")
				path := filepath.Join(b.TempDir(), "roster.csv")
				os.WriteFile(path, []byte(bigRoster(w.emu, n)), 0o600)
				if out, code := w.cli("roster", "import", path); code != 0 {
					b.Fatalf("exit %d: %.2000s", code, out)
				}
				w.start()
				start := time.Now()
				b.StartTimer()
				out, code := w.cli("jobs", "run", "nudges")
				if code != 0 {
					b.Fatalf("exit %d: %s", code, out)
				}
				var queued int
				fmt.Sscanf(out, "Queued %d", &queued)
				s := openStore(b, w)
				for {
					counts, _ := s.OutboxCounts(context.Background())
					if counts["sent"] >= queued {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				b.StopTimer()
				elapsed := time.Since(start)
				b.ReportMetric(float64(queued), "DMs")
				b.ReportMetric(elapsed.Seconds(), "s")
				b.ReportMetric(float64(queued)/elapsed.Minutes(), "DMs/min")
				b.ReportMetric(float64(len(w.emu.CallsTo("dnd.teamInfo"))), "dnd-calls")
				if v := w.emu.Violations(); len(v) > 0 {
					b.Errorf("rate limits broken: %v", v[:min(3, len(v))])
				}
			}
		})
	}
}
