package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/metrics"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// nudger builds the nudge sweep; api may be nil (a dry run asks Slack
// nothing).
func nudger(cfg config.Config, store *storage.Store, api *bot.API, log *slog.Logger) *scheduler.Nudger {
	n := &scheduler.Nudger{Store: store, Cal: cfg.Calendar(), Holidays: cfg.Holidays, Message: handlers.NudgeMessage, Log: log,
		Notices: func(ctx context.Context, now time.Time) (int, error) { return meritNotices(ctx, cfg, store, now, log) }}
	if api != nil {
		n.DND = api.DNDOn
	}
	return n
}

// meritNotices queues the merit notices due at now: those of every merit
// year in MERIT_DIR whose effective date has come, for the secretariats
// central HR approved (once each; see storage.QueueMeritNotices).
func meritNotices(ctx context.Context, cfg config.Config, store *storage.Store, now time.Time, log *slog.Logger) (int, error) {
	years, err := config.LoadMeritYears(cfg.MeritDir)
	if errors.Is(err, config.ErrNoMeritDir) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	today := cfg.Calendar().Today(now)
	queued := 0
	for _, y := range years {
		if today.Before(y.Effective) || today.After(y.Effective.AddDays(120)) {
			continue // not yet, or long past: HR's approvals after that are told by hand
		}
		n, err := store.QueueMeritNotices(ctx, y, today, func(c storage.MeritCase, a *review.Award) ([]byte, error) {
			return handlers.MeritNoticeDM(y, cfg.Scale, cfg.Holidays, today, c, a)
		})
		queued += n
		if err != nil {
			return queued, err
		}
	}
	if queued > 0 {
		log.Info("merit notices queued", "notices", queued)
	}
	return queued, nil
}

// digester builds HR's digest job. check says whether HR_CHANNEL may have
// the digest (nil asks nothing: the running bot's sender checks before it
// posts).
func digester(cfg config.Config, store *storage.Store, check func(context.Context, string) error, log *slog.Logger) *scheduler.Digester {
	return &scheduler.Digester{Store: store, Cal: cfg.Calendar(), Channel: cfg.HRChannel, Message: handlers.DigestMessage, Listed: handlers.DigestItems,
		WriteCSV: func(w io.Writer, d review.Digest) error { return handlers.WriteDigestCSV(w, d, cfg.DigestCSVBOM) },
		Check:    check, Log: log}
}

// digest runs HR's digest at now under the job lock.
func digest(ctx context.Context, store *storage.Store, g *scheduler.Digester, now time.Time, log *slog.Logger) (bool, error) {
	return store.WithJobLock(ctx, "digest", func(ctx context.Context) error {
		d, err := g.Run(ctx, now, false)
		if err == nil {
			log.Info("digest queued", "people", d.Org.People, "overdue", d.OverdueCount(), "answered_no", len(d.No))
		}
		return err
	})
}

// refreshTimeZones reads every user's time zone from a paged users.list
// (a thousand a call, at Tier 2 pace) and records the ones that changed,
// so that reminders follow people who move, without asking Slack about
// anyone one by one.
//
// read, if set, is told after each page how many pages and accounts have
// been read, and how many accounts the first page had.
func refreshTimeZones(ctx context.Context, store *storage.Store, api *bot.API, read func(pages, accounts, pageSize int)) (int, error) {
	zones := map[string]string{}
	pages, accounts, pageSize := 0, 0, 0
	err := api.ForEachUser(ctx, func(users []slack.User) error {
		for _, u := range users {
			if !u.Deleted && !u.IsBot && u.TZ != "" {
				zones[u.ID] = u.TZ
			}
		}
		pages++
		accounts += len(users)
		pageSize = max(pageSize, len(users))
		if read != nil {
			read(pages, accounts, pageSize)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return store.RefreshTimeZones(ctx, zones)
}

// sweep runs the nudge sweep at now under the job lock.
func sweep(ctx context.Context, store *storage.Store, n *scheduler.Nudger, now time.Time, log *slog.Logger) (scheduler.SweepReport, bool, error) {
	var r scheduler.SweepReport
	ran, err := store.WithJobLock(ctx, "nudges", func(ctx context.Context) error {
		var err error
		r, err = n.SweepEach(ctx, now, false, nil)
		return err
	})
	if ran && err == nil {
		log.Info("nudge sweep", "planned", r.Planned, "queued", r.Queued, "deferred_dnd", r.Deferred)
	}
	return r, ran, err
}

// retention is how long the database keeps messages and request ids, as
// the settings say.
func retention(cfg config.Config) storage.Retention {
	return storage.Retention{PayloadDays: cfg.RetentionPayloadDays, RequestDays: cfg.RetentionRequestDays}
}

// purge empties what is past its retention at now, under the job lock.
func purge(ctx context.Context, store *storage.Store, cfg config.Config, now time.Time, log *slog.Logger) (storage.PurgeReport, bool, error) {
	var r storage.PurgeReport
	ran, err := store.WithJobLock(ctx, "purge", func(ctx context.Context) error {
		var err error
		r, err = store.Purge(ctx, now, retention(cfg), false)
		return err
	})
	if ran && err == nil {
		log.Info("purged what is past its retention", "messages", r.Payloads, "request_ids", r.Requests)
	}
	return r, ran, err
}

// startJobs runs the scheduled jobs in the organisation's time zone until
// ctx ends: each job's panics are recovered, and a run still going when
// its next one is due makes that one skip.
func startJobs(ctx context.Context, cfg config.Config, clock review.Clock, store *storage.Store, api *bot.API, hr *hrChannel, wake func(), m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	logger := cron.PrintfLogger(slogPrintf{log})
	c := cron.New(cron.WithLocation(cfg.Location), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	if !cfg.Rehearsal {
		// A rehearsal runs these on its own clock (newRehearsal).
		n := nudger(cfg, store, api, log)
		_, err = c.AddFunc(cfg.NudgeSchedule, func() {
			start := time.Now()
			_, ran, err := sweep(ctx, store, n, clock.Now(), log)
			m.Job("nudges", ran, err, time.Since(start))
			if err != nil {
				log.Error("nudge sweep failed", "err", err)
				return
			}
			wake()
		})
		if err != nil {
			return nil, err
		}
	}
	_, err = c.AddFunc(cfg.TZSchedule, func() {
		start := time.Now()
		ran, err := store.WithJobLock(ctx, "timezones", func(ctx context.Context) error {
			n, err := refreshTimeZones(ctx, store, api, nil)
			if err == nil {
				log.Info("time zones refreshed", "changed", n)
			}
			return err
		})
		m.Job("timezones", ran, err, time.Since(start))
		if err != nil {
			log.Error("time zone refresh failed", "err", err)
		}
	})
	if err != nil {
		return nil, err
	}
	// A rehearsal purges too, on its clock: what it records is dated on it.
	_, err = c.AddFunc(cfg.PurgeSchedule, func() {
		start := time.Now()
		_, ran, err := purge(ctx, store, cfg, clock.Now(), log)
		m.Job("purge", ran, err, time.Since(start))
		if err != nil {
			log.Error("purge failed", "err", err)
		}
	})
	if err != nil {
		return nil, err
	}
	if !cfg.Rehearsal {
		g := digester(cfg, store, hr.Check, log)
		_, err = c.AddFunc(cfg.DigestSchedule, func() {
			if cfg.HRChannel == "" {
				log.Warn("HR_CHANNEL is not set: no digest this week")
				return
			}
			start := time.Now()
			ran, err := digest(ctx, store, g, clock.Now(), log)
			m.Job("digest", ran, err, time.Since(start))
			if err != nil {
				log.Error("digest failed", "err", err)
				return
			}
			wake()
		})
		if err != nil {
			return nil, err
		}
	}
	c.Start()
	return func() { <-c.Stop().Done() }, nil
}

// slogPrintf lets cron log through slog.
type slogPrintf struct{ log *slog.Logger }

func (s slogPrintf) Printf(format string, args ...any) {
	s.log.Info(strings.TrimSpace(fmt.Sprintf(format, args...)), "component", "cron")
}

// jobs runs one job now: massperform jobs run nudges [--as-of DATE] [--dry-run].
func (a *App) jobs(ctx context.Context, args []string) int {
	const synopsis = "jobs run nudges|kickoff|digest|timezones|purge [--as-of DATE] [--dry-run]"
	if len(args) == 0 || args[0] != "run" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(a.Stdout, "Usage: massperform "+synopsis)
			return ExitOK
		}
		fmt.Fprintln(a.Stderr, "Usage: massperform "+synopsis)
		return ExitUsage
	}
	fs := a.flags("jobs run", synopsis,
		`Runs a scheduled job once, now. nudges: decides who is due a reminder at this
moment (a working day, from 9:00 to 17:00 in each person's own time zone) and
queues one DM per person for the running bot to send. kickoff: the same, with
only the year's openings (the July kickoff, May's wrap-up season, June's
manager wrap-ups) to those who have not heard yet. digest: builds HR's
digest and queues it for HR_CHANNEL, with its CSV file. timezones: reads every
user's time zone from Slack and records the ones that changed. purge: blanks
the messages of notifications older than RETENTION_PAYLOAD_DAYS that went out,
failed or were cancelled (their rows and keys stay), and forgets the ids of
requests handled more than RETENTION_REQUEST_DAYS ago. --dry-run prints what
would be sent (or purged), and changes nothing.`)
	asOf := fs.String("as-of", "", "run as if it were this `DATE` (YYYY-MM-DD, at 10:00 in ORG_TIMEZONE) or instant (RFC 3339)")
	dryRun := fs.Bool("dry-run", false, "print what would be sent, without sending or recording anything")
	jobs, code, done := parseMixed(fs, args[1:])
	if done {
		return code
	}
	if len(jobs) != 1 || jobs[0] != "nudges" && jobs[0] != "kickoff" && jobs[0] != "digest" && jobs[0] != "timezones" && jobs[0] != "purge" {
		fmt.Fprintln(a.Stderr, "massperform jobs run: name the job: nudges, kickoff, digest, timezones or purge")
		return ExitUsage
	}
	if jobs[0] == "purge" && *asOf != "" {
		fmt.Fprintln(a.Stderr, "massperform jobs run: purge has no --as-of: what it keeps is counted back from now")
		return ExitUsage
	}
	if jobs[0] == "timezones" && *dryRun {
		fmt.Fprintln(a.Stderr, "massperform jobs run: timezones has no dry run: it only records what Slack says")
		return ExitUsage
	}
	need := config.NeedBotToken
	if *dryRun || jobs[0] == "purge" {
		need = config.NeedDatabase
	}
	cfg, ok := a.settings("jobs run", need)
	if !ok {
		return ExitUsage
	}
	log := a.logger(cfg)
	store, clock, err := a.openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform jobs run:", describe(err))
		return ExitFailed
	}
	defer store.Close()
	var api *bot.API
	if need == config.NeedBotToken {
		var code int
		if api, code = a.slackFor(ctx, "jobs run", cfg, store, false); api == nil {
			return code
		}
	}
	now := clock.Now()
	if *asOf != "" {
		if d, err := review.ParseDate(*asOf); err == nil {
			now = d.In(cfg.Location).Add(10 * time.Hour)
		} else if t, err := time.Parse(time.RFC3339, *asOf); err == nil {
			now = t
		} else {
			fmt.Fprintf(a.Stderr, "massperform jobs run: --as-of %q is neither a day (YYYY-MM-DD) nor an instant (RFC 3339)\n", *asOf)
			return ExitUsage
		}
	}
	switch jobs[0] {
	case "purge":
		return a.runPurge(ctx, cfg, store, now, *dryRun, log)
	case "digest":
		return a.runDigest(ctx, cfg, store, api, now, *dryRun, log)
	case "timezones":
		// Everyone in the program has an account: the list is at least as
		// long as that, which is all that is known of the time left.
		members, err := store.Members(ctx)
		if err != nil {
			fmt.Fprintln(a.Stderr, "massperform jobs run:", describe(err))
			return ExitFailed
		}
		p := newProgress(a.Stderr, a.Clock.Now)
		start := a.Clock.Now()
		n, err := refreshTimeZones(ctx, store, api, func(pages, accounts, pageSize int) {
			p.Status(timeZonesProgress(pages, accounts, len(members), pageSize, a.Clock.Now().Sub(start)/time.Duration(pages)))
		})
		p.Done()
		if err != nil {
			fmt.Fprintln(a.Stderr, "massperform jobs run:", err)
			return ExitFailed
		}
		fmt.Fprintf(a.Stdout, "Time zones refreshed: %s changed.\n", countOf(n, "person's", "people's"))
		return ExitOK
	}
	kickoff := jobs[0] == "kickoff"
	p := newProgress(a.Stderr, a.Clock.Now)
	defer p.Done()
	what := "Nudge sweep"
	if kickoff {
		what = "Kickoff"
	}
	counting := func(done, total int) { p.Count(what, "people decided", done, total) }
	if *dryRun {
		n := nudger(cfg, store, nil, log)
		n.PhasesOnly = kickoff
		if !isTerminal(a.Stdout) {
			// On a terminal the listing itself shows where the sweep is,
			// and a status line would land in the middle of it.
			n.Progress = counting
		}
		// Printed as the sweep decides, a page of people at a time.
		out := bufio.NewWriter(a.Stdout)
		defer out.Flush()
		fmt.Fprintf(out, "Dry run at %s: nothing is sent or recorded.\n", now.In(cfg.Location).Format("Mon Jan 2, 2006 15:04 MST"))
		r, err := n.SweepEach(ctx, now, true, func(n scheduler.Nudge) error {
			fmt.Fprintf(out, "\nTo %s (%s), on their %s:\n", n.Recipient.Name, n.Recipient.SlackID, n.Day.Human())
			for _, l := range handlers.NudgeSummary(n) {
				fmt.Fprintf(out, "  - %s\n", l)
			}
			return nil
		})
		if err != nil {
			out.Flush()
			fmt.Fprintln(a.Stderr, "massperform jobs run:", err)
			return ExitFailed
		}
		fmt.Fprintf(out, "\n%s would be queued.\n", countOf(r.Planned, "nudge", "nudges"))
		return ExitOK
	}
	n := nudger(cfg, store, api, log)
	n.PhasesOnly = kickoff
	n.Progress = counting
	r, ran, err := sweep(ctx, store, n, now, log)
	p.Done()
	switch {
	case err != nil:
		fmt.Fprintln(a.Stderr, "massperform jobs run:", err)
		return ExitFailed
	case !ran:
		fmt.Fprintln(a.Stdout, "Another process is running the nudge sweep right now; nothing was done.")
		return ExitOK
	}
	fmt.Fprintf(a.Stdout, "Queued %s (%d planned, %d left for later because Do Not Disturb was on). The running bot sends them.\n",
		countOf(r.Queued, "nudge", "nudges"), r.Planned+r.Deferred, r.Deferred)
	return ExitOK
}

// runDigest runs HR's digest from the command line.
func (a *App) runDigest(ctx context.Context, cfg config.Config, store *storage.Store, api *bot.API, now time.Time, dryRun bool, log *slog.Logger) int {
	if dryRun {
		d, err := digester(cfg, store, nil, log).Run(ctx, now, true)
		if err != nil {
			fmt.Fprintln(a.Stderr, "massperform jobs run:", err)
			return ExitFailed
		}
		payload, err := handlers.DigestMessage(d)
		if err != nil {
			fmt.Fprintln(a.Stderr, "massperform jobs run:", err)
			return ExitFailed
		}
		var p scheduler.Payload
		_ = json.Unmarshal(payload, &p)
		to := cfg.HRChannel
		if to == "" {
			to = "(HR_CHANNEL is not set)"
		}
		fmt.Fprintf(a.Stdout, "Dry run: this digest would go to %s; nothing was sent or recorded.\n\n", to)
		for _, b := range p.Blocks.BlockSet {
			switch x := b.(type) {
			case *slack.HeaderBlock:
				fmt.Fprintln(a.Stdout, x.Text.Text)
			case *slack.DataVisualizationBlock:
				fmt.Fprintln(a.Stdout, "[a chart in Slack] "+x.Title)
			case *slack.SectionBlock:
				fmt.Fprintln(a.Stdout, x.Text.Text)
			case *slack.ContextBlock:
				for _, e := range x.ContextElements.Elements {
					if t, ok := e.(*slack.TextBlockObject); ok {
						fmt.Fprintln(a.Stdout, t.Text)
					}
				}
			}
			fmt.Fprintln(a.Stdout)
		}
		return ExitOK
	}
	if cfg.HRChannel == "" {
		fmt.Fprintln(a.Stderr, "massperform jobs run: HR_CHANNEL is not set, so the digest has nowhere to go")
		return ExitUsage
	}
	ran, err := digest(ctx, store, digester(cfg, store, api.ConfidentialChannel, log), now, log)
	switch {
	case err != nil:
		fmt.Fprintln(a.Stderr, "massperform jobs run:", err)
		return ExitFailed
	case !ran:
		fmt.Fprintln(a.Stdout, "Another process is building the digest right now; nothing was done.")
		return ExitOK
	}
	fmt.Fprintf(a.Stdout, "Queued the digest for %s. The running bot posts it.\n", cfg.HRChannel)
	return ExitOK
}

// runPurge runs the purge from the command line.
func (a *App) runPurge(ctx context.Context, cfg config.Config, store *storage.Store, now time.Time, dryRun bool, log *slog.Logger) int {
	var r storage.PurgeReport
	var err error
	ran := true
	if dryRun {
		r, err = store.Purge(ctx, now, retention(cfg), true)
	} else {
		r, ran, err = purge(ctx, store, cfg, now, log)
	}
	switch {
	case err != nil:
		fmt.Fprintln(a.Stderr, "massperform jobs run:", describe(err))
		return ExitFailed
	case !ran:
		fmt.Fprintln(a.Stdout, "Another process is purging right now; nothing was done.")
		return ExitOK
	}
	when := func(t time.Time) string { return t.In(cfg.Location).Format("2 January 2006 15:04 MST") }
	what := fmt.Sprintf("the messages of %s queued before %s (RETENTION_PAYLOAD_DAYS=%d; the notifications themselves stay, so none is sent twice), and %s handled before %s (RETENTION_REQUEST_DAYS=%d)",
		countOf(r.Payloads, "notification", "notifications"), when(r.PayloadsBefore), cfg.RetentionPayloadDays,
		countOf(r.Requests, "request id", "request ids"), when(r.RequestsBefore), cfg.RetentionRequestDays)
	if dryRun {
		fmt.Fprintf(a.Stdout, "Dry run: a purge would empty %s. Nothing was changed.\n", what)
	} else {
		fmt.Fprintf(a.Stdout, "Purged %s.\n", what)
	}
	return ExitOK
}
