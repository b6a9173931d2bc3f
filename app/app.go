// Package app is MassPerform put together: the commands (serve, migrate,
// roster, export, jobs, rehearsal, rebind, manifest, version), the cron
// wiring, the rehearsal runner and the HTTP listener for probes and
// metrics. main builds an App from the process's surroundings and runs it;
// the end-to-end tests build one from theirs.
package app

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
	_ "time/tzdata" // time zones for a static binary in a bare container

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/manifests"
	"github.com/massperform/massperform/metrics"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/roster"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the command ran and failed
	ExitUsage  = 2 // bad arguments or settings: nothing was attempted
)

// App is the program with its surroundings injected, so that tests run the
// same code main does.
type App struct {
	Getenv config.Getenv
	Stdout io.Writer
	Stderr io.Writer
	Clock  review.Clock
	// Version is the build's version ("" for a development build: the
	// module's version or VCS revision is shown then).
	Version string
	// Ready, if set, is called once the bot is connected to Slack.
	Ready func()
	// Listening, if set, is called with the address of the HTTP listener.
	Listening func(addr string)
	// HRRecheck is how often serve asks Slack about HR_CHANNEL (0:
	// every ten minutes).
	HRRecheck time.Duration
}

const usage = `massperform runs MassPerform, the Slack app for a conversation-based performance year.

Usage:
  massperform [serve]           run the bot (the default)
  massperform migrate           bring the database schema up to date
  massperform roster import FILE.csv [--dry-run] [--deactivate-missing]
                                load or update the roster of people in the program
  massperform pay import FILE.csv [--year 2007] [--dry-run]
                                load HR's pay data (M-level, salary, eligibility) for a merit year
  massperform export merit --year 2027 [--secretariat S] [--out FILE] [--no-bom]
                                write payroll's file of the merit increases, with their status
  massperform export compliance --year FY2027 [--unit U] [--redact] [--out FILE] [--no-bom]
                                write HR's compliance evidence as CSV, one line per person
  massperform jobs run nudges|kickoff|digest|timezones|purge [--as-of DATE] [--dry-run]
                                run the reminder sweep, HR's digest, the time zone
                                refresh or the purge of what is past its retention
                                now (the bot runs them on their schedules)
  massperform rehearsal date YYYY-MM-DD | advance 7d | reset --yes | status
                                move a rehearsal's clock (REHEARSAL=true deployments)
  massperform rehearsal seed --managers U1,U2 --employees U3,U4 [--hr U5] [--date D]
                                fill a rehearsal with a demo organisation of real users
  massperform rebind --yes      make the database serve the Slack app of SLACK_BOT_TOKEN,
                                which replaced its app in the same workspace
  massperform manifest [--mode socket|http] [--url https://HOST]
                                print the Slack app manifest: Socket Mode, or request
                                URLs under the address Slack reaches the bot at
  massperform version           print the version
  massperform --version         the same

Settings come from the environment and an optional .env file in the working
directory: see .env.example, or "massperform serve --help" for the list.
Run "massperform COMMAND --help" for a command's options.
`

// Run runs the command args names (serve when none) and returns its exit
// code.
func (a *App) Run(ctx context.Context, args []string) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return a.serve(ctx, args)
	case "migrate":
		return a.migrate(ctx, args)
	case "roster":
		return a.roster(ctx, args)
	case "rehearsal":
		return a.rehearsal(ctx, args)
	case "export":
		return a.export(ctx, args)
	case "pay":
		return a.pay(ctx, args)
	case "jobs":
		return a.jobs(ctx, args)
	case "rebind":
		return a.rebind(ctx, args)
	case "manifest":
		return a.manifest(args)
	case "version":
		return a.simple(args, "version", "Prints the version.", func() { fmt.Fprintln(a.Stdout, "massperform", a.buildVersion()) })
	case "--version", "-version", "-v":
		fmt.Fprintln(a.Stdout, "massperform", a.buildVersion())
		return ExitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(a.Stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(a.Stderr, "massperform: unknown command %q\n\n%s", cmd, usage)
	return ExitUsage
}

// settingsHelp lists the settings serve reads, for its --help.
func settingsHelp() string {
	var b strings.Builder
	b.WriteString("Settings, from the environment or a .env file in the working directory\n(the environment wins; .env.example describes each one):\n")
	for _, v := range config.Vars {
		fmt.Fprintf(&b, "  %s\n      %s\n", v.Name, v.About)
	}
	return b.String()
}

// flagSet is a command's flags with its help, printed by --help.
type flagSet struct {
	*flag.FlagSet
	name           string // the command, like "roster import"
	synopsis       string
	about          string
	epilogue       string // printed after the options (serve: the settings)
	stdout, stderr io.Writer
}

// flags returns a command's flag set; parse and parseMixed print its help
// on --help and say what is wrong with a bad option.
func (a *App) flags(name, synopsis, about string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse says what went wrong, in our words
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, name: name, synopsis: synopsis, about: about, stdout: a.Stdout, stderr: a.Stderr}
}

// help prints the command's usage, its options spelled --name as in the
// usage lines, and its epilogue.
func (fs *flagSet) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: massperform %s\n\n%s\n", fs.synopsis, fs.about)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprint(w, "\nOptions:\n")
			first = false
		}
		value, usage := flag.UnquoteUsage(f)
		if value == "value" || value == "string" {
			value = strings.ToUpper(f.Name) // --managers MANAGERS
		}
		line := "  --" + f.Name
		if value != "" {
			line += " " + value
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	if fs.epilogue != "" {
		fmt.Fprintf(w, "\n%s", fs.epilogue)
	}
}

// singleDash finds an option as the flag package spells it in its errors.
var singleDash = regexp.MustCompile(`(^|[\s:])-([A-Za-z])`)

// parseMixed parses flags that may come before, between or after the
// command's words, and returns the words.
func parseMixed(fs *flagSet, args []string) (words []string, code int, done bool) {
	for {
		if code, done := parse(fs, args); done {
			return nil, code, true
		}
		if fs.NArg() == 0 {
			return words, ExitOK, false
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parse parses flags; done is true when the command should stop now with
// code (after --help, or on a usage error).
func parse(fs *flagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.help(fs.stdout)
		return ExitOK, true
	case err != nil:
		msg := strings.Replace(err.Error(), "flag provided but not defined", "there is no option", 1)
		msg = strings.Replace(msg, "flag needs an argument", "this option needs a value", 1)
		fmt.Fprintf(fs.stderr, "massperform %s: %s\nSee \"massperform %s --help\".\n", fs.name, singleDash.ReplaceAllString(msg, "${1}--${2}"), fs.name)
		return ExitUsage, true
	}
	return ExitOK, false
}

// manifest prints the Slack app manifest for a mode.
func (a *App) manifest(args []string) int {
	fs := a.flags("manifest", "manifest [--mode socket|http] [--url https://HOST]",
		`Prints the Slack app manifest (YAML) to create or update the Slack app from.
With --mode http (SLACK_MODE=http), Socket Mode is off and Slack posts to
request URLs under --url: https://HOST/slack/commands, /slack/interactivity
and /slack/events.`)
	mode := fs.String("mode", "socket", "socket (Socket Mode) or http (request URLs)")
	base := fs.String("url", "", "the https:// address Slack reaches the bot at, for --mode http (`URL`)")
	if code, done := parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(a.Stderr, "massperform manifest: takes no arguments, only --mode and --url")
		return ExitUsage
	}
	m, err := manifests.SlackAppFor(strings.ToLower(*mode), strings.TrimSpace(*base))
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform manifest:", err)
		return ExitUsage
	}
	a.Stdout.Write(m)
	return ExitOK
}

func (a *App) simple(args []string, name, about string, do func()) int {
	fs := a.flags(name, name, about)
	if code, done := parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.Stderr, "massperform %s: takes no arguments\n", name)
		return ExitUsage
	}
	do()
	return ExitOK
}

func (a *App) buildVersion() string {
	if a.Version != "" {
		return a.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// settings loads the configuration, reporting a problem in one line.
func (a *App) settings(cmd string, need config.Need) (config.Config, bool) {
	cfg, err := config.Load(a.Getenv, need)
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform %s: %v\n", cmd, err)
		return cfg, false
	}
	return cfg, true
}

func (a *App) logger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(a.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(a.Stderr, opts))
}

// openStore opens and migrates the database, and returns it with the
// program's clock: the real one, or in a rehearsal the virtual clock kept
// in the database. A rehearsal refuses a live program's database, and a
// live deployment a rehearsal's.
func (a *App) openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*storage.Store, review.Clock, error) {
	clock := a.Clock
	var virtual *review.ShiftedClock
	if cfg.Rehearsal {
		virtual = review.NewShiftedClock(a.Clock, 0)
		clock = virtual
	}
	s, err := storage.Open(ctx, cfg.DatabaseURL, clock, log)
	if err != nil {
		return nil, nil, err
	}
	s.SetMaxConns(cfg.DatabaseConns)
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, nil, err
	}
	if !cfg.Rehearsal {
		if err := s.CheckLive(ctx); err != nil {
			s.Close()
			return nil, nil, err
		}
		return s, clock, nil
	}
	s.LeaseOnRealTime(a.Clock)
	if err := s.UseForRehearsal(ctx); err != nil {
		s.Close()
		return nil, nil, err
	}
	c, err := s.RehearsalClock(ctx)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	virtual.SetShift(c.Shift)
	return s, clock, nil
}

// slackClient builds the Web API client: retries on 429 (after
// Retry-After), on 5xx and on dropped connections, and every call paced by
// the workspace's Slack budget kept in the database, which every process
// on it shares (replicas, and the command line): see bot.Pacer. next, if
// not nil, carries the calls (the metrics' counting transport).
func slackClient(cfg config.Config, budget bot.Budget, log *slog.Logger, next http.RoundTripper) *bot.API {
	retry := slack.DefaultRetryConfig()
	// A retry that could only end after its call's deadline (a views.open
	// whose trigger_id is about to die) is not made: the caller gets
	// Slack's answer instead, and says when to try again.
	retry.Handlers = bot.WithinDeadline(append(slack.AllBuiltinRetryHandlers(retry), slack.NewServerErrorRetryHandler(retry)))
	opts := []slack.Option{slack.OptionRetryConfig(retry)}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	// Slack's limits run on real time, whatever the program's clock says.
	pacer := bot.NewPacer(budget, review.SystemClock{}, log.With("component", "slack budget"))
	return bot.NewPacedAPI(cfg.BotToken, pacer, next, opts...)
}

// The sender finds, paces, marks and shares through the Web API client.
var _ interface {
	scheduler.Finder
	scheduler.Pacer
	scheduler.Marker
	scheduler.Uploader
} = (*bot.API)(nil)

func (a *App) serve(ctx context.Context, args []string) int {
	fs := a.flags("serve", "[serve]", "Runs the bot: connects to Slack over Socket Mode (or, with SLACK_MODE=http, takes Slack's\nrequests on HTTP_ADDR) and answers /perform, buttons, forms and the Home tab.")
	fs.epilogue = settingsHelp()
	if code, done := parse(fs, args); done {
		return code
	}
	cfg, ok := a.settings("serve", config.NeedSlack)
	if !ok {
		return ExitUsage
	}
	log := a.logger(cfg)
	store, clock, err := a.openStore(ctx, cfg, log)
	if err != nil {
		log.Error("cannot use the database", "err", describe(err))
		return ExitFailed
	}
	defer store.Close()

	m := metrics.New()
	m.BuildInfo(a.buildVersion())
	m.Outbox(store.OutboxCounts, store.OutboxOldestPending)
	api := slackClient(cfg, store, log, m.Transport(bot.Transport))
	// The database serves one Slack app: the one that first used it. A
	// database that serves none yet is bound once Slack's first hello
	// passes (helloGuard): a rehearsal's must not be bound to an app it is
	// then found to share.
	// Over HTTP, only the app whose signing secret we hold reaches us:
	// the database is bound to the bot token's app at once.
	overHTTP := cfg.Mode == config.ModeHTTP
	app, bound, err := bindSlackApp(ctx, store, api, overHTTP)
	if code, refused := tokenRefused(err); refused {
		fmt.Fprintf(a.Stderr, "massperform serve: SLACK_BOT_TOKEN was refused by Slack (%s): copy it again from your Slack app's OAuth & Permissions page\n", code)
		return ExitUsage
	}
	if _, ours := errors.AsType[*review.Error](err); ours {
		log.Error("cannot use the database", "err", describe(err))
		return ExitFailed
	}
	if err != nil {
		log.Warn("could not ask Slack which app the bot token is for; carrying on, and checking Slack's hello against the app this database serves", "err", err)
		if app, err = store.BoundSlackApp(ctx); err != nil {
			log.Error("cannot use the database", "err", describe(err))
			return ExitFailed
		}
		bound = app != (storage.SlackApp{})
	}

	// Nothing goes to a channel that is not private, with the app in it:
	// the digest names people (bot.API.ConfidentialChannel).
	hr := newHRChannel(cfg.HRChannel, api.ConfidentialChannel, log.With("component", "hr_channel"))
	sender := scheduler.NewSender(store, api, clock, log.With("component", "outbox"))
	sender.CheckChannel = hr.Check
	var rehearsal *scheduler.Rehearsal
	if cfg.Rehearsal {
		api.SetRehearsal(&bot.Rehearsal{Clock: clock, Cal: cfg.Calendar()})
		if rehearsal, err = newRehearsal(cfg, store, clock, api, hr.Check, sender.Wake, log.With("component", "rehearsal")); err == nil {
			err = rehearsal.Load(ctx)
		}
		if err != nil {
			log.Error("cannot start the rehearsal clock", "err", err)
			return ExitFailed
		}
		for i := range rehearsal.Jobs {
			j := &rehearsal.Jobs[i]
			run := j.Run
			j.Run = func(ctx context.Context, at time.Time, late bool) (int, error) {
				start := time.Now()
				n, err := run(ctx, at, late)
				m.Job(j.Name, true, err, time.Since(start))
				return n, err
			}
		}
		log.Info("this is a rehearsal", "date", cfg.Calendar().LongDate(clock.Now()))
	}
	merit, err := config.LoadMeritYears(cfg.MeritDir)
	switch {
	case errors.Is(err, config.ErrNoMeritDir):
		log.Info("no merit pay years: /perform merit says it isn't set up", "merit_dir", cfg.MeritDir)
	case err != nil:
		log.Error("a merit year's file has problems: fix it, or move it out of MERIT_DIR", "merit_dir", cfg.MeritDir, "err", err)
		return ExitFailed
	default:
		log.Info("merit pay years", "merit_dir", cfg.MeritDir, "years", len(merit))
	}
	router := bot.NewRouter("/perform")
	deps := handlers.Deps{
		Store: store, Slack: api, Clock: clock, Cal: cfg.Calendar(), Holidays: cfg.Holidays, Scale: cfg.Scale,
		HR: cfg.HR, Log: log.With("component", "handlers"), Wake: sender.Wake, Merit: merit,
	}
	if rehearsal != nil {
		deps.Rehearsal = rehearsal
	}
	deps.HRChannel = cfg.HRChannel
	handlers.Register(router, deps)
	b := bot.New(api, router, log.With("component", "bot"))
	b.Observe(m)
	b.Dedupe(store.Claim)
	var requests http.Handler
	if overHTTP {
		requests = b.RequestURLs(cfg.SigningSecret)
	} else {
		b.CheckHello((&helloGuard{ctx: ctx, store: store, app: app, bound: bound, rehearse: cfg.Rehearsal, log: log.With("component", "bot")}).check)
	}
	if cfg.HTTPAddr != "" {
		stop, err := a.listen(cfg.HTTPAddr, probes(store, b, m, hr, requests), log)
		if err != nil {
			log.Error("cannot listen for health checks and metrics", "addr", cfg.HTTPAddr, "err", err)
			return ExitFailed
		}
		defer stop()
		if overHTTP {
			log.Info("taking Slack's requests over HTTP, checked with the signing secret", "addr", cfg.HTTPAddr, "paths", strings.Join(bot.Paths, " "))
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	senderDone := make(chan struct{})
	go func() { sender.Run(ctx); close(senderDone) }()
	go hr.Watch(ctx, cmp.Or(a.HRRecheck, hrChannelRecheck))
	if rehearsal != nil {
		go rehearsal.Follow(ctx, rehearsalFollow)
	}
	stopJobs, err := startJobs(ctx, cfg, clock, store, api, hr, sender.Wake, m, log.With("component", "jobs"))
	if err != nil {
		log.Error("cannot schedule jobs", "err", err)
		return ExitFailed
	}
	defer stopJobs()
	go func() {
		select {
		case <-b.Ready():
			log.Info("ready", "version", a.buildVersion(), "database", store.Dialect())
			if a.Ready != nil {
				a.Ready()
			}
		case <-ctx.Done():
		}
	}()
	err = b.Run(ctx)
	cancel()
	<-senderDone
	if err != nil {
		log.Error("stopped", "err", err)
		return ExitFailed
	}
	log.Info("stopped")
	return ExitOK
}

func (a *App) migrate(ctx context.Context, args []string) int {
	fs := a.flags("migrate", "migrate", "Brings the database schema up to date (serve does this too when it starts). Safe to run from several places at once.")
	if code, done := parse(fs, args); done {
		return code
	}
	cfg, ok := a.settings("migrate", config.NeedDatabase)
	if !ok {
		return ExitUsage
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL, a.Clock, a.logger(cfg))
	if err == nil {
		if err = store.Migrate(ctx); err != nil {
			store.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform migrate:", err)
		return ExitFailed
	}
	defer store.Close()
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform migrate:", err)
		return ExitFailed
	}
	fmt.Fprintf(a.Stdout, "The %s database is at schema version %s.\n", store.Dialect(), v)
	return ExitOK
}

func (a *App) roster(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(a.Stdout, "Usage: massperform roster import FILE.csv [--dry-run] [--deactivate-missing]\n")
			return ExitOK
		}
		fmt.Fprint(a.Stderr, "Usage: massperform roster import FILE.csv [--dry-run] [--deactivate-missing]\n")
		return ExitUsage
	}
	fs := a.flags("roster import", "roster import FILE.csv [--dry-run] [--deactivate-missing]",
		`Loads the people in the program from a CSV file with the header
  email,name,manager_email,unit,hr[,hire_date][,leave_from,leave_to]
(manager_email empty for the top of the tree; hr empty, false, agency,
secretariat, hrd or chro; dates YYYY-MM-DD; leave_from records the person's
leave from that day, open unless leave_to ends it, and an empty pair leaves
their leave as it is). Every email must belong to a Slack user. A file with any problem
is rejected whole, with every problem listed by line, and nothing changes.`)
	dryRun := fs.Bool("dry-run", false, "check the file and report what would change, without changing anything")
	deactivate := fs.Bool("deactivate-missing", false, "take people who are not in the file out of the program")
	files, code, done := parseMixed(fs, args[1:]) // flags may follow the file name
	if done {
		return code
	}
	if len(files) != 1 {
		fmt.Fprint(a.Stderr, "massperform roster import: name one CSV file\n")
		return ExitUsage
	}
	cfg, ok := a.settings("roster import", config.NeedBotToken)
	if !ok {
		return ExitUsage
	}
	f, err := os.Open(files[0])
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform roster import:", err)
		return ExitFailed
	}
	defer f.Close()
	log := a.logger(cfg)
	store, clock, err := a.openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform roster import:", describe(err))
		return ExitFailed
	}
	defer store.Close()

	api, code := a.slackFor(ctx, "roster import", cfg, store, *dryRun)
	if api == nil {
		return code
	}
	p := newProgress(a.Stderr, a.Clock.Now)
	res, err := roster.Import(ctx, f, api, store, roster.Options{
		Today:             review.Calendar{Loc: cfg.Location}.Today(clock.Now()),
		DryRun:            *dryRun,
		DeactivateMissing: *deactivate,
		Progress:          p.Print,
		Status:            p.Status,
		Now:               a.Clock.Now,
		Handoff:           handlers.HandoffRequest,
	})
	p.Done()
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform roster import:", err)
		return ExitFailed
	}
	if len(res.Problems) > 0 {
		fmt.Fprintf(a.Stdout, "%s was not imported: %s. Nothing was changed.\n", files[0], countOf(len(res.Problems), "problem", "problems"))
		for _, p := range res.Problems {
			fmt.Fprintf(a.Stdout, "  %s\n", p)
		}
		return ExitFailed
	}
	s := res.Summary
	if *dryRun {
		fmt.Fprintf(a.Stdout, "Dry run: %s checked, nothing was changed. Importing would leave:\n", countOf(res.People, "person", "people"))
	} else {
		fmt.Fprintf(a.Stdout, "Imported %s:\n", countOf(res.People, "person", "people"))
	}
	fmt.Fprintf(a.Stdout, "  added        %d\n  updated      %d\n  moved        %d (new manager)\n  unchanged    %d\n  deactivated  %d\n",
		s.Added, s.Updated, s.Moved, s.Unchanged, s.Deactivated)
	if s.Missing > 0 {
		fmt.Fprintf(a.Stdout, "  not in file  %d (left as they are; --deactivate-missing takes them out of the program)\n", s.Missing)
	}
	return ExitOK
}

func (a *App) export(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "merit" {
		return a.exportMerit(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "compliance" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(a.Stdout, "Usage: massperform export compliance --year FY2027 [--unit U] [--redact] [--out FILE] [--no-bom]\n       massperform export merit --year 2027 [--secretariat S] [--out FILE] [--no-bom]\n")
			return ExitOK
		}
		fmt.Fprint(a.Stderr, "Usage: massperform export compliance --year FY2027 [--unit U] [--redact] [--out FILE] [--no-bom]\n       massperform export merit --year 2027 [--secretariat S] [--out FILE] [--no-bom]\n")
		return ExitUsage
	}
	fs := a.flags("export compliance", "export compliance --year FY2027 [--unit U] [--redact] [--out FILE] [--no-bom]",
		`Writes HR's evidence of the program as CSV, one line per person in the
year's program: counts of expectations and goals, check-in dates by quarter,
the employee's first check-in answers and the manager's wrap-up answers with
when they were given, wrap-up dates, the rating and its release status.
--redact leaves out free text and ratings. The file starts with a byte-order
mark so that Excel shows accented names right; --no-bom leaves it out.`)
	year := fs.String("year", "", "the review `YEAR`, like FY2027 (required)")
	unit := fs.String("unit", "", "only this `UNIT` and the units inside it, like EOHHS/DPH")
	redact := fs.Bool("redact", false, "leave out free text and ratings")
	out := fs.String("out", "", "write to this `FILE` instead of standard output")
	noBOM := fs.Bool("no-bom", false, "leave out the byte-order mark that tells Excel the file is UTF-8 (accented names)")
	if code, done := parse(fs, args[1:]); done {
		return code
	}
	fy, err := review.ParseFiscalYear(*year)
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform export compliance: --year:", err)
		return ExitUsage
	}
	cfg, ok := a.settings("export compliance", config.NeedDatabase)
	if !ok {
		return ExitUsage
	}
	store, _, err := a.openStore(ctx, cfg, a.logger(cfg))
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform export compliance:", describe(err))
		return ExitFailed
	}
	defer store.Close()
	w := a.Stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			fmt.Fprintln(a.Stderr, "massperform export compliance:", err)
			return ExitFailed
		}
		w = file
	}
	var n int
	if !*noBOM {
		_, err = io.WriteString(w, handlers.ByteOrderMark)
	}
	if err == nil {
		// The command line is an operator with the database in hand: HR's
		// view of everyone.
		n, _, err = review.WriteComplianceCSV(w, cfg.Scale, review.Actor{HR: true}, *redact, func(fn func(review.ComplianceRow) error) error {
			return store.ComplianceExport(ctx, fy, strings.Trim(*unit, "/"), fn)
		})
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform export compliance:", err)
		return ExitFailed
	}
	fmt.Fprintf(a.Stderr, "Exported %s for %s.\n", countOf(n, "person", "people"), fy)
	return ExitOK
}

// probes answers /healthz (the process is up), /readyz (the database
// answers and the Socket Mode connection is live, or in http mode the bot
// takes requests) and /metrics.
//
// An HR_CHANNEL unfit for the digest (public, without the app) leaves the
// bot ready, with the problem under "ready": everyone else is served, and
// the digest is held safely, never posted. Readiness gates rollouts and
// traffic; a channel HR must put right in Slack is neither fixed by a
// restart nor a reason to hold a deployment, and every replica would fail
// it at once, looking like an outage.
//
// In http mode requests (not nil) takes Slack's requests on bot.Paths.
func probes(store *storage.Store, b *bot.Bot, m *metrics.Metrics, hr *hrChannel, requests http.Handler) http.Handler {
	mux := http.NewServeMux()
	if requests != nil {
		for _, p := range bot.Paths {
			mux.Handle(p, requests)
		}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		switch {
		case store.Ping(ctx) != nil:
			http.Error(w, "the database does not answer", http.StatusServiceUnavailable)
		case !b.Connected() && requests != nil:
			http.Error(w, "not taking Slack's requests", http.StatusServiceUnavailable)
		case !b.Connected():
			http.Error(w, "not connected to Slack", http.StatusServiceUnavailable)
		default:
			fmt.Fprintln(w, "ready")
			if p := hr.Problem(); p != "" {
				fmt.Fprintf(w, "but HR's digest is held back: %s\n", p)
			}
		}
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// listen serves h on addr until stop is called.
func (a *App) listen(addr string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// A request's body must come within ReadTimeout: in http mode the
	// listener may face the internet, and Slack sends its requests whole
	// at once.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health and metrics listener stopped", "err", err)
		}
	}()
	log.Info("health checks and metrics", "addr", ln.Addr().String())
	if a.Listening != nil {
		a.Listening(ln.Addr().String())
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// describe says what went wrong: an application error's message for
// people, any other error as it is.
func describe(err error) string {
	if _, ok := errors.AsType[*review.Error](err); ok {
		return review.ErrorMessage(err)
	}
	return err.Error()
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
