package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// rehearsalFollow is how often a rehearsal deployment reads its clock
// from the database and runs the jobs that came due on it.
const rehearsalFollow = 10 * time.Second

// newRehearsal builds a rehearsal's clock runner, with the nudge sweep
// and HR's digest as its jobs (a live deployment runs them from cron).
// checkHR says whether HR_CHANNEL may have the digest; nil when the
// command line moves the clock without Slack (the bot's sender checks
// before it posts).
func newRehearsal(cfg config.Config, store *storage.Store, clock review.Clock, api *bot.API, checkHR func(context.Context, string) error, wake func(), log *slog.Logger) (*scheduler.Rehearsal, error) {
	virtual, ok := clock.(*review.ShiftedClock)
	if !ok {
		return nil, fmt.Errorf("a rehearsal needs its virtual clock")
	}
	jobs, err := rehearsalJobs(cfg, store, api, checkHR, log)
	if err != nil {
		return nil, err
	}
	return &scheduler.Rehearsal{Store: store, Clock: virtual, Cal: cfg.Calendar(), Jobs: jobs, Wake: wake, Log: log}, nil
}

// rehearsalJobs are the scheduled jobs on a rehearsal's clock. Days the
// clock skips are swept without asking Slack about Do Not Disturb: they
// are gone, and their reminders arrive now, each with its day's banner.
func rehearsalJobs(cfg config.Config, store *storage.Store, api *bot.API, checkHR func(context.Context, string) error, log *slog.Logger) ([]scheduler.Job, error) {
	every, err := cron.ParseStandard(cfg.NudgeSchedule)
	if err != nil {
		return nil, err
	}
	live, late := nudger(cfg, store, api, log), nudger(cfg, store, nil, log)
	jobs := []scheduler.Job{{Name: "nudges", Schedule: every, Run: func(ctx context.Context, at time.Time, skipped bool) (int, error) {
		n := live
		if skipped {
			n = late
		}
		r, err := n.SweepEach(ctx, at, false, nil)
		return r.Queued, err
	}}}
	if cfg.HRChannel == "" {
		log.Warn("HR_CHANNEL is not set: the rehearsal has no digest")
		return jobs, nil
	}
	weekly, err := cron.ParseStandard(cfg.DigestSchedule)
	if err != nil {
		return nil, err
	}
	g := digester(cfg, store, checkHR, log)
	return append(jobs, scheduler.Job{Name: "digest", Schedule: weekly, Run: func(ctx context.Context, at time.Time, _ bool) (int, error) {
		_, err := g.Run(ctx, at, false)
		if _, unfit := errors.AsType[*bot.ChannelProblem](err); unfit {
			// That week's digest is not queued; the clock moves on.
			log.Error(err.Error())
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		return 1, nil
	}}), nil
}

const rehearsalSynopsis = "rehearsal date YYYY-MM-DD | advance 7d | reset --yes | seed --managers … --employees … [--hr …] [--date YYYY-MM-DD] | status"

// rehearsal moves a rehearsal's clock from the command line, or fills it
// with a demo organisation.
func (a *App) rehearsal(ctx context.Context, args []string) int {
	fs := a.flags("rehearsal", rehearsalSynopsis,
		`Controls a rehearsal deployment (REHEARSAL=true), whose program runs on a
virtual clock kept in its database:
  status                 where the clock is
  date YYYY-MM-DD        move the clock to that day (the same time of day)
  advance 7d             move it ahead by days (7d), weeks (2w) or hours (12h)
  reset --yes            erase everything recorded, the roster too, and put the
                         clock back on today
  seed                   erase, then fill the rehearsal with a demo organisation
                         of real workspace users and a season of history
Moving forward runs the reminder sweeps and HR's digests of every moment
passed; the running bot sends what they queue. The clock goes back only to a
moment after everything recorded.`)
	yes := fs.Bool("yes", false, "reset: yes, erase the rehearsal")
	var people seedPeople
	fs.Var(&people.hr, "hr", "seed: HR people, as Slack IDs or emails separated by commas")
	fs.Var(&people.managers, "managers", "seed: managers, as Slack IDs or emails; the first one leads the others")
	fs.Var(&people.employees, "employees", "seed: employees, as Slack IDs or emails; shared out among the managers")
	seedDate := fs.String("date", "", "seed: the `DATE` the rehearsal starts on (default: October 1 of the running review year)")
	words, code, done := parseMixed(fs, args)
	if done {
		return code
	}
	if len(words) == 0 {
		fmt.Fprintln(a.Stderr, "Usage: massperform "+rehearsalSynopsis)
		return ExitUsage
	}
	verb := words[0]
	usage := func(msg string) int {
		fmt.Fprintf(a.Stderr, "massperform rehearsal %s: %s\n", verb, msg)
		return ExitUsage
	}
	switch {
	case verb == "date" || verb == "advance":
		if len(words) != 2 {
			return usage("say where to: date YYYY-MM-DD, or advance 7d")
		}
	case verb == "status" || verb == "reset" || verb == "seed":
		if len(words) != 1 {
			return usage("takes no arguments, only options")
		}
	default:
		return usage("unknown: use status, date, advance, reset or seed")
	}
	if verb == "reset" && !*yes {
		return usage("this erases everything the rehearsal recorded, the roster too: add --yes to go ahead")
	}
	need := config.NeedDatabase // the running bot sends what a move queues
	if verb == "seed" {
		need = config.NeedBotToken // to read the workspace's users
	}
	cfg, ok := a.settings("rehearsal", need)
	if !ok {
		return ExitUsage
	}
	if !cfg.Rehearsal {
		return usage("this is not a rehearsal deployment (REHEARSAL is not true): the live program's clock is the real one and can't be moved")
	}
	log := a.logger(cfg)
	store, clock, err := a.openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform rehearsal %s: %s\n", verb, describe(err))
		return ExitFailed
	}
	defer store.Close()
	cal := cfg.Calendar()
	var api *bot.API
	if need == config.NeedBotToken {
		var code int
		if api, code = a.slackFor(ctx, "rehearsal "+verb, cfg, store, false); api == nil {
			return code
		}
		api.SetRehearsal(&bot.Rehearsal{Clock: clock, Cal: cal})
	}
	var checkHR func(context.Context, string) error
	if api != nil {
		checkHR = api.ConfidentialChannel
	}
	r, err := newRehearsal(cfg, store, clock, api, checkHR, nil, log)
	if err == nil {
		err = r.Load(ctx)
	}
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform rehearsal %s: %s\n", verb, describe(err))
		return ExitFailed
	}
	now := clock.Now()
	var to scheduler.Target // read from the clock as stored, once the move holds it
	switch verb {
	case "status":
		fmt.Fprintf(a.Stdout, "The rehearsal is on %s, %s.\n", cal.LongDate(now), now.In(cal.Loc).Format("15:04 MST"))
		return ExitOK
	case "reset":
		if err := r.Reset(ctx); err != nil {
			fmt.Fprintf(a.Stderr, "massperform rehearsal reset: %s\n", describe(err))
			return ExitFailed
		}
		fmt.Fprintf(a.Stdout, "The rehearsal is empty, and its clock is on today, %s.\n", cal.LongDate(clock.Now()))
		return ExitOK
	case "seed":
		return a.seed(ctx, cfg, store, r, api, people, *seedDate)
	case "date":
		d, err := review.ParseDate(words[1])
		if err != nil {
			return usage(fmt.Sprintf("%q is not a date: write it as YYYY-MM-DD", words[1]))
		}
		to = func(now time.Time) time.Time { return cal.DayAt(d, now) }
	case "advance":
		m, err := review.ParseClockMove(words[1])
		if err != nil {
			return usage(review.ErrorMessage(err))
		}
		to = func(now time.Time) time.Time { return m.From(now, cal.Loc) }
	}
	moved, err := r.MoveTo(ctx, to)
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform rehearsal %s: %s\n", verb, describe(err))
		return ExitFailed
	}
	fmt.Fprintln(a.Stdout, handlers.MovedText(cal, moved), "The running bot sends what was queued.")
	return ExitOK
}

// idList is a flag of Slack IDs or emails, separated by commas, that may be
// given more than once.
type idList []string

func (l *idList) String() string { return strings.Join(*l, ",") }

func (l *idList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// seedPeople are the workspace users a seed maps its demo organisation on.
type seedPeople struct{ hr, managers, employees idList }

// seedTexts are the demo organisation's expectations, with a goal for each.
var seedTexts = []struct{ expectation, goal, measure string }{
	{"Answer every resident's permit question within two working days", "Clear the backlog of open questions", "No question older than 2 working days"},
	{"Keep the team's procedures written down and current", "Review the onboarding guide with a new colleague", "Guide reviewed and published"},
	{"Bring one improvement to how the unit works this year", "Pilot online appointment booking", "Pilot live in one office"},
	{"Share what you learn with the rest of the team", "Run two lunch-and-learn sessions", "Two sessions held"},
}

// seed erases the rehearsal and fills it with a demo organisation of real
// workspace users, and the first season of a year already behind it:
// expectations in July, goals, most first check-ins in August and
// September, their confirmations (one answer is a No), a development plan.
// Some of it is missing on purpose, so that the first digest and the
// nudges have something to say.
func (a *App) seed(ctx context.Context, cfg config.Config, store *storage.Store, r *scheduler.Rehearsal, api *bot.API, who seedPeople, date string) int {
	fail := func(msg string) int {
		fmt.Fprintln(a.Stderr, "massperform rehearsal seed:", msg)
		return ExitUsage
	}
	if len(who.managers) == 0 || len(who.employees) == 0 {
		return fail("name at least one manager (--managers) and one employee (--employees), as Slack IDs or emails")
	}
	cal := cfg.Calendar()
	wall := r.Clock.Base()
	fy := cal.Year(wall.Now())
	start := review.DateOf(time.Date(fy.Start().Year, time.October, 1, 0, 0, 0, 0, time.UTC))
	if date != "" {
		d, err := review.ParseDate(date)
		if err != nil {
			return fail(fmt.Sprintf("--date %q is not a date: write it as YYYY-MM-DD", date))
		}
		start, fy = d, review.FiscalYearOf(d)
	}
	users := map[string]slack.User{}
	err := api.ForEachUser(ctx, func(us []slack.User) error {
		for _, u := range us {
			if !u.Deleted && !u.IsBot {
				users[u.ID] = u
				if u.Profile.Email != "" {
					users[strings.ToLower(u.Profile.Email)] = u
				}
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform rehearsal seed: reading the workspace's users:", err)
		return ExitFailed
	}
	org, problems := seedRoster(users, who)
	if len(problems) > 0 {
		return fail(strings.Join(problems, "; "))
	}

	// The clock walks the seeded season: everything is dated when it
	// happened, and nothing is sent for it.
	at := func(d review.Date, hour int) {
		r.Clock.SetShift(d.In(cal.Loc).Add(time.Duration(hour) * time.Hour).Sub(wall.Now()))
	}
	kickoff := fy.Start()
	at(kickoff, 9)
	if err := store.ResetRehearsal(ctx, storage.RehearsalClock{Shift: r.Clock.Shift(), Through: r.Clock.Now()}); err != nil {
		fmt.Fprintln(a.Stderr, "massperform rehearsal seed:", describe(err))
		return ExitFailed
	}
	n, err := seedHistory(ctx, store, cal, fy, org, start, at)
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform rehearsal seed:", describe(err))
		return ExitFailed
	}
	target := cal.DayAt(start, wall.Now())
	shift := target.Sub(wall.Now())
	r.Clock.SetShift(shift)
	if err := store.SetRehearsalClock(ctx, storage.RehearsalClock{Shift: shift, Through: target}); err != nil {
		fmt.Fprintln(a.Stderr, "massperform rehearsal seed:", describe(err))
		return ExitFailed
	}
	fmt.Fprintf(a.Stdout, "Seeded a demo organisation of %s for %s, with %s recorded since %s:\n", countOf(len(org), "person", "people"), fy, countOf(n, "step", "steps"), kickoff.Human())
	for _, e := range org {
		role := "employee"
		switch {
		case e.ManagerEmail == "":
			role = "leads the organisation"
		case seedManages(org, e.Email):
			role = "manager"
		}
		if e.HR {
			role += ", HR"
		}
		fmt.Fprintf(a.Stdout, "  %-24s %-10s %s (%s)\n", e.Name, e.SlackID, e.Unit, role)
	}
	fmt.Fprintf(a.Stdout, "The rehearsal is on %s. Move it with /perform rehearsal date YYYY-MM-DD (or massperform rehearsal date).\n", cal.LongDate(target))
	return ExitOK
}

// seedRoster maps the demo organisation on the named users: the first
// manager leads the organisation and the other managers; employees are
// shared out among the managers in turn; HR people report to the leader.
func seedRoster(users map[string]slack.User, who seedPeople) ([]review.RosterEntry, []string) {
	var problems []string
	seen := map[string]int{}
	var org []review.RosterEntry
	add := func(ref string) int {
		u, ok := users[ref]
		if !ok {
			u, ok = users[strings.ToLower(ref)]
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is not a user of this workspace", ref))
			return -1
		}
		if i, dup := seen[u.ID]; dup {
			return i
		}
		email := strings.ToLower(u.Profile.Email)
		if email == "" {
			problems = append(problems, fmt.Sprintf("%s has no email in Slack (the app needs users:read.email)", ref))
			return -1
		}
		name := u.RealName
		if name == "" {
			name = u.Name
		}
		seen[u.ID] = len(org)
		org = append(org, review.RosterEntry{Email: email, Name: name, SlackID: u.ID, TZ: u.TZ})
		return len(org) - 1
	}
	var managers []int
	for _, ref := range who.managers {
		if i := add(ref); i >= 0 {
			managers = append(managers, i)
		}
	}
	if len(managers) == 0 {
		return nil, problems
	}
	lead := managers[0]
	for k, i := range managers {
		org[i].Unit = "Demo"
		if k > 0 {
			org[i].ManagerEmail = org[lead].Email
			org[i].Unit = fmt.Sprintf("Demo/Team %d", k)
		}
	}
	k := 0
	for _, ref := range who.employees {
		i := add(ref)
		if i < 0 || i == lead || seedManages(org, org[i].Email) || org[i].Unit != "" {
			continue
		}
		m := managers[k%len(managers)]
		org[i].ManagerEmail, org[i].Unit = org[m].Email, org[m].Unit
		k++
	}
	for _, ref := range who.hr {
		i := add(ref)
		if i < 0 {
			continue
		}
		org[i].HR = true
		if org[i].Unit == "" {
			org[i].ManagerEmail, org[i].Unit = org[lead].Email, "Demo/HR"
		}
	}
	if k == 0 && len(problems) == 0 {
		problems = append(problems, "no employee is left once the managers are taken out: name at least one person who is only an employee")
	}
	return org, problems
}

func seedManages(org []review.RosterEntry, email string) bool {
	for _, e := range org {
		if e.ManagerEmail == email {
			return true
		}
	}
	return false
}

// seedHistory records the season before the rehearsal starts, moving the
// clock to each step with at. It returns how many steps it recorded.
func seedHistory(ctx context.Context, s *storage.Store, cal review.Calendar, fy review.FiscalYear, org []review.RosterEntry, until review.Date, at func(review.Date, int)) (int, error) {
	kickoff := fy.Start()
	if err := s.ApplyRoster(ctx, "rehearsal seed", kickoff, review.PlanRoster(nil, org, false)); err != nil {
		return 0, err
	}
	steps := 1
	person := map[string]review.Person{}
	byEmail := map[string]review.Person{}
	for _, e := range org {
		p, err := s.PersonBySlackID(ctx, e.SlackID)
		if err != nil {
			return steps, err
		}
		person[e.SlackID], byEmail[e.Email] = p, p
	}
	actor := func(p review.Person) review.Actor { return review.Actor{SlackID: p.SlackID, Person: &p} }
	// Everyone with a manager, in roster order.
	var reviewed []review.RosterEntry
	for _, e := range org {
		if e.ManagerEmail != "" {
			reviewed = append(reviewed, e)
		}
	}
	type step struct {
		day  review.Date
		hour int
		do   func() error
	}
	var plan []step
	first := map[string]int64{} // slack ID → first check-in
	for i, e := range reviewed {
		emp, mgr := person[e.SlackID], byEmail[e.ManagerEmail]
		texts := []int{i % len(seedTexts), (i + 1) % len(seedTexts)}
		plan = append(plan, step{kickoff.AddDays(7 + i%3), 10, func() error {
			var ch review.ExpectationChanges
			for k, t := range texts {
				ch.Create = append(ch.Create, review.Expectation{Position: k + 1, Text: seedTexts[t].expectation})
			}
			_, err := s.SaveExpectations(ctx, storage.Change{Actor: actor(mgr), Action: review.SetExpectations}, emp, fy, ch)
			return err
		}})
		if i == len(reviewed)-1 && len(reviewed) > 1 {
			continue // hasn't written goals yet
		}
		plan = append(plan, step{kickoff.AddDays(14 + i%5), 11, func() error {
			y, err := s.Year(ctx, emp.ID, fy)
			if err != nil {
				return err
			}
			for k, x := range y.Expectations {
				t := seedTexts[texts[k%len(texts)]]
				if _, err := s.SaveGoals(ctx, storage.Change{Actor: actor(emp), Action: review.EditGoals}, emp, fy, x.ID,
					review.GoalChanges{Create: []review.Goal{{Text: t.goal, Measure: t.measure, Target: fy.End().AddDays(-60)}}}); err != nil {
					return err
				}
			}
			return nil
		}})
		if i%3 == 2 {
			continue // no first check-in: overdue once Q1 ends
		}
		held := kickoff.AddDays(35 + 4*i)
		if q1 := kickoff.AddDays(85); held.After(q1) {
			held = q1
		}
		plan = append(plan, step{held, 14, func() error {
			_, id, err := s.SaveCheckIn(ctx, storage.Change{Actor: actor(mgr), Action: review.LogCheckIn}, emp, fy,
				review.CheckIn{HeldOn: held, Expectations: true, Feedback: true, First: true,
					FeedbackForEmployee: "A good start: keep the focus on the first expectation."}, &review.Quarterly)
			first[e.SlackID] = id
			return err
		}})
		if i == len(reviewed)-1 {
			continue // not confirmed yet
		}
		no := i == 1
		plan = append(plan, step{held.AddDays(2), 16, func() error {
			var answers []review.Answer
			for _, q := range review.FirstCheckInQuestions {
				answers = append(answers, review.Answer{Stage: review.StageFirstCheckIn, Question: q.Key, Yes: !(no && q.Key == "cadence")})
			}
			_, err := s.SaveConfirmation(ctx, storage.Change{Actor: actor(emp), Action: review.ConfirmCheckIn}, emp, fy,
				review.Confirmation{CheckInID: first[e.SlackID], Answers: answers, FeedbackForManager: "Thanks, that was useful."})
			return err
		}})
		if i == 0 {
			plan = append(plan, step{held.AddDays(9), 15, func() error {
				_, err := s.SaveDevelopmentPlan(ctx, storage.Change{Actor: actor(emp), Action: review.EditPlan}, emp, fy,
					review.DevelopmentPlan{LongTerm: "Lead a unit", ShortTerm: "Run a project end to end", Needs: "A mentor from another unit", Shared: true}, false)
				return err
			}})
		}
	}
	for len(plan) > 0 {
		k := 0
		for j, p := range plan {
			if p.day.Before(plan[k].day) || p.day == plan[k].day && p.hour < plan[k].hour {
				k = j
			}
		}
		p := plan[k]
		plan = append(plan[:k], plan[k+1:]...)
		if !p.day.Before(until) {
			continue
		}
		at(p.day, p.hour)
		if err := p.do(); err != nil {
			return steps, err
		}
		steps++
	}
	return steps, nil
}
